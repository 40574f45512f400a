"""Reports (signalements) through the real application: report a listing, a moderator decides, the reporter sees
the outcome; every decision logged; unknown types, missing targets and bad text refused with nothing written."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, func, select

from hub.accounts.models import Role
from hub.db import Database
from hub.directory.models import Actor, ActorSector
from hub.exchanges.models import Notification
from hub.feedback.models import FieldFeedback
from hub.moderation.models import ModerationDecision, Report
from hub.projects.models import Project
from tests.factories import csrf_from, sign_in
from tests.feedback.scenario import (
    account_id,
    field_error,
    member,
    post_form,
    raise_feedback,
    switch_to,
    text_of,
    token,
)
from tests.feedback.scenario import institution as public_body

DETAILS = "Cette structure a fermé en 2024 : l’adresse et le site ne répondent plus."


def _count(database: Database, model: type) -> int:
    with database.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _seeded(database: Database, model: type[Actor] | type[Project]) -> tuple[int, str]:
    with database.session() as session:
        found = session.exec(select(model).order_by(col(model.id))).first()
        assert found is not None and found.id is not None
        return found.id, found.slug


def _report(client: TestClient[Litestar], target: str, **changes: str) -> tuple[int, str]:
    form = client.get(f"/signalements/nouveau?cible={target}")
    assert form.status_code == 200, form.text[:500]
    kind, _, target_id = target.partition(":")
    data = {
        "target_type": kind,
        "target_id": target_id,
        "reason": "inaccurate",
        "details": DETAILS,
        "_csrf_token": csrf_from(form.text),
    } | changes
    response = client.post("/signalements/nouveau", data=data, follow_redirects=False)
    return response.status_code, response.text if response.status_code != 303 else response.headers["location"]


def test_a_member_reports_a_listing_an_administrator_decides_the_reporter_sees_it(
    client: TestClient[Litestar], database: Database
) -> None:
    actor_id, slug = _seeded(database, Actor)
    member(database, "membre@example.fr")
    member(database, "admin@example.fr", Role.ADMIN)
    sign_in(client, "membre@example.fr")
    page = client.get(f"/annuaire/{slug}").text
    assert f'href="/signalements/nouveau?cible=actor:{actor_id}"' in page  # the « Signaler » link
    status, location = _report(client, f"actor:{actor_id}")
    assert status == 303 and location == "/compte/signalements?fait=signale"
    mine = client.get(location).text
    assert "Votre signalement est transmis" in mine
    assert "En attente d’examen" in mine.split('id="mes-signalements"')[1]
    # Members do not see the moderators' queue, the log, or decide.
    assert client.get("/moderation/signalements").status_code == 403
    assert client.get("/administration/moderation").status_code == 403
    with database.session() as session:
        report = session.exec(select(Report)).one()
        report_id = report.id
        assert report.target_label.startswith("Fiche de l’annuaire «")
    decided = client.post(
        f"/api/v1/reports/{report_id}/decision", json={"decision": "upheld", "reason": "Moi"}, headers=token(client)
    )
    assert decided.status_code == 403

    switch_to(client, "admin@example.fr")
    queue = client.get("/moderation/signalements").text
    assert f'href="/moderation/signalements/{report_id}"' in queue
    detail = client.get(f"/moderation/signalements/{report_id}").text
    assert DETAILS in detail and "Retenir le signalement" in detail and "Masquer le contenu" not in detail
    empty = post_form(
        client,
        f"/moderation/signalements/{report_id}",
        f"/moderation/signalements/{report_id}/decision",
        {"decision": "upheld", "reason": ""},
    )
    assert empty.status_code == 422 and "obligatoire" in field_error(empty.text, "reason")
    reason = "Fiche marquée « Retirée » : la structure a bien fermé."
    done = post_form(
        client,
        f"/moderation/signalements/{report_id}",
        f"/moderation/signalements/{report_id}/decision",
        {"decision": "upheld", "reason": reason},
    )
    assert done.status_code == 303
    again = client.post(
        f"/api/v1/reports/{report_id}/decision",
        json={"decision": "dismissed", "reason": "Non, finalement"},
        headers=token(client),
    )
    assert again.status_code == 409
    log = client.get("/administration/moderation").text
    assert "Signalement retenu" in log and reason in log
    assert client.get("/api/v1/moderation/decisions").json()["items"][0]["decision"] == "report_upheld"
    assert f'href="/moderation/signalements/{report_id}"' not in client.get("/moderation/signalements").text

    switch_to(client, "membre@example.fr")
    mine = client.get("/compte/signalements").text.split('id="mes-signalements"')[1]
    assert "Retenu" in mine and reason in mine
    assert text_of(client.get(f"/moderation/signalements/{report_id}").text, "issue").startswith("Retenu")
    api = client.get("/api/v1/reports/mine").json()["items"]
    assert [(r["status"], r["decision_reason"]) for r in api] == [("upheld", reason)]
    with database.session() as session:
        logged = session.exec(select(ModerationDecision)).all()
        told = session.exec(
            select(Notification.text).where(col(Notification.account_id) == account_id(database, "membre@example.fr"))
        ).all()
    assert [(str(d.decision), d.report_id, d.moderator_id) for d in logged] == [
        ("report_upheld", report_id, account_id(database, "admin@example.fr"))
    ]
    assert any("a été examiné : retenu" in t for t in told)


def test_refusals_unknown_type_missing_target_bad_text_and_twice(
    client: TestClient[Litestar], database: Database
) -> None:
    project_id, _ = _seeded(database, Project)
    member(database, "membre@example.fr")
    sign_in(client, "membre@example.fr")
    body = {"target_type": "project", "target_id": project_id, "reason": "duplicate", "details": DETAILS}
    unknown = client.post("/api/v1/reports", json=body | {"target_type": "planet"}, headers=token(client))
    assert unknown.status_code == 400 and unknown.headers["content-type"].startswith("application/problem+json")
    assert "ne peut pas être signalé" in unknown.json()["detail"]
    assert client.get("/signalements/nouveau?cible=planet:1").status_code == 400
    missing = client.post("/api/v1/reports", json=body | {"target_id": 99_999_999}, headers=token(client))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "target_id"
    assert client.get("/signalements/nouveau?cible=project:99999999").status_code == 404
    for details in ("", "court", "x" * 2001):
        bad = client.post("/api/v1/reports", json=body | {"details": details}, headers=token(client))
        assert bad.status_code == 422, details
        assert bad.json()["errors"][0]["field"] == "details"
    bad_reason = client.post("/api/v1/reports", json=body | {"reason": "spam"}, headers=token(client))
    assert bad_reason.status_code == 422
    status, html = _report(client, f"project:{project_id}", details="   ")
    assert status == 422 and "obligatoire" in field_error(html, "details")
    assert _count(database, Report) == 0

    first = client.post("/api/v1/reports", json=body, headers=token(client))
    assert first.status_code == 201 and first.json()["status"] == "open"
    twice = client.post("/api/v1/reports", json=body, headers=token(client))
    assert twice.status_code == 409
    status, html = _report(client, f"project:{project_id}")
    assert status == 409 and "déjà signalé" in text_of(html, "refus")
    assert _count(database, Report) == 1


def test_a_reported_feedback_is_masked_when_the_report_is_upheld(
    client: TestClient[Litestar], database: Database
) -> None:
    has = public_body(database, "HAS")
    member(database, "auteur@example.fr")
    member(database, "lecteur@example.fr")
    member(database, "admin@example.fr", Role.ADMIN)
    sign_in(client, "auteur@example.fr")
    created = raise_feedback(client, has.id or 0, title="Ils sont tous corrompus à la HAS")
    feedback_id = int(created.headers["location"].split("?")[0].rsplit("/", 1)[1])
    switch_to(client, "lecteur@example.fr")
    assert f"cible=field_feedback:{feedback_id}" in client.get(f"/remontees/{feedback_id}").text
    status, _ = _report(
        client, f"field_feedback:{feedback_id}", reason="misconduct", details="Accusation sans fondement."
    )
    assert status == 303
    report_id = client.get("/api/v1/reports/mine").json()["items"][0]["id"]
    assert client.get(f"/api/v1/reports/{report_id}").json()["target_type"] == "field_feedback"

    switch_to(client, "admin@example.fr")
    decided = client.post(
        f"/api/v1/reports/{report_id}/decision",
        json={"decision": "upheld", "reason": "Accusation injurieuse", "hide_content": True},
        headers=token(client),
    )
    assert decided.status_code == 200 and decided.json()["status"] == "upheld"
    with database.session() as session:
        item = session.get(FieldFeedback, feedback_id)
        assert item is not None and item.is_hidden
        decisions = session.exec(select(ModerationDecision.decision).order_by(col(ModerationDecision.id))).all()
    assert [str(d) for d in decisions] == ["hidden", "report_upheld"]
    switch_to(client, "lecteur@example.fr")
    assert "Remontée masquée par la modération" in client.get(f"/remontees/{feedback_id}").text


def test_private_messages_can_be_reported_only_by_their_participants(
    client: TestClient[Litestar], database: Database
) -> None:
    from tests.exchanges.scenario import lead_project, offer_time

    project_id, _, _ = lead_project(database)
    availability = offer_time(database, "infirmiere@example.fr")
    member(database, "curieux@example.fr")
    sign_in(client, "porteuse@example.fr")
    form = client.get(f"/mises-en-relation/nouvelle?cible=availability:{availability}")
    sent = client.post(
        "/mises-en-relation/nouvelle",
        data={
            "target_kind": "availability",
            "target_id": str(availability),
            "on_behalf": f"project:{project_id}",
            "purpose": "experimentation",
            "message": "Un message déplacé <script>alert(1)</script> envoyé à l’infirmière.",
            "_csrf_token": csrf_from(form.text),
        },
        follow_redirects=False,
    )
    request_id = int(sent.headers["location"].split("?")[0].rsplit("/", 1)[1])
    body = {"target_type": "introduction", "target_id": request_id, "reason": "misconduct", "details": DETAILS}
    switch_to(client, "curieux@example.fr")
    assert client.post("/api/v1/reports", json=body, headers=token(client)).status_code == 422
    switch_to(client, "infirmiere@example.fr")
    created = client.post(
        "/api/v1/reports", json=body | {"details": "<script>alert(2)</script> gênant"}, headers=token(client)
    )
    assert created.status_code == 201
    page = client.get(f"/moderation/signalements/{created.json()['id']}").text
    assert "<script>alert(2)</script>" not in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    with database.session() as session:
        report = session.exec(select(Report)).one()
    assert report.target_excerpt.startswith("Un message déplacé <script>")  # kept as typed, escaped on display
    assert report.sector_codes == [] and report.territory_id is None  # private messages go to administrators


def test_reports_go_to_the_referent_of_the_target_s_sector_and_territory(
    client: TestClient[Litestar], database: Database
) -> None:
    from hub.referents.models import QueueItem
    from tests.referents.scenario import admin, assign

    with database.session() as session:
        boss = admin(session, "chef@example.fr")
        actor = session.exec(
            select(Actor).where(col(Actor.departement_id) == "dep-33", col(Actor.kind) == "health_establishment")
        ).first()
        assert actor is not None and actor.id is not None
        sectors = [
            s.sector_code for s in session.exec(select(ActorSector).where(col(ActorSector.actor_id) == actor.id))
        ]
        assign(session, boss, "referente.gironde@example.fr", "dep-33", sectors or ["cardio"])
        assign(session, boss, "referent.nord@example.fr", "dep-59", sectors or ["cardio"])
        session.commit()
        actor_id = actor.id
    member(database, "membre@example.fr")
    sign_in(client, "membre@example.fr")
    status, _ = _report(client, f"actor:{actor_id}", reason="conflict_of_interest")
    assert status == 303
    with database.session() as session:
        report = session.exec(select(Report)).one()
        queued = session.exec(select(QueueItem).where(col(QueueItem.subject_type) == "report")).one()
    assert queued.kind == "report" and queued.subject_id == report.id
    assert queued.assignee_id == account_id(database, "referente.gironde@example.fr")
    assert queued.url == f"/moderation/signalements/{report.id}"

    switch_to(client, "referent.nord@example.fr")
    assert f"/moderation/signalements/{report.id}" not in client.get("/moderation/signalements").text
    assert client.get(f"/moderation/signalements/{report.id}").status_code == 404
    switch_to(client, "referente.gironde@example.fr")
    assert f'href="/moderation/signalements/{report.id}"' in client.get("/moderation/signalements").text
    dismissed = post_form(
        client,
        f"/moderation/signalements/{report.id}",
        f"/moderation/signalements/{report.id}/decision",
        {"decision": "dismissed", "reason": "Aucun lien d’intérêts constaté après vérification."},
    )
    assert dismissed.status_code == 303
    with database.session() as session:
        closed = session.get(QueueItem, queued.id)
        assert closed is not None and str(closed.status) == "closed" and closed.outcome == "non retenu"
    switch_to(client, "membre@example.fr")
    mine = client.get("/compte/signalements").text.split('id="mes-signalements"')[1]
    assert "Non retenu" in mine and "Aucun lien d’intérêts constaté" in mine


def test_comments_on_needs_can_be_reported_and_go_to_the_need_s_referent(
    client: TestClient[Litestar], database: Database
) -> None:
    from hub.needs.models import Need, NeedComment, NeedSector

    author = member(database, "auteur@example.fr")
    with database.session() as session:
        need = Need(
            title="Suivre les plaies à domicile",
            description="Une description.",
            departement_id="dep-33",
            author_id=author,
        )
        session.add(need)
        session.flush()
        assert need.id is not None
        session.add(NeedSector(need_id=need.id, sector_code="cardio"))
        comment = NeedComment(need_id=need.id, author_id=author, body="Un commentaire blessant.")
        session.add(comment)
        session.commit()
        comment_id, need_id = comment.id, need.id
    member(database, "membre@example.fr")
    sign_in(client, "membre@example.fr")
    body = {"target_type": "need_comment", "target_id": comment_id, "reason": "misconduct", "details": DETAILS}
    created = client.post("/api/v1/reports", json=body, headers=token(client))
    assert created.status_code == 201, created.text
    assert created.json()["target_label"] == "Commentaire sur le besoin « Suivre les plaies à domicile »"
    assert created.json()["target_url"] == f"/besoins/{need_id}"
    with database.session() as session:
        report = session.exec(select(Report)).one()
    assert (report.sector_codes, report.territory_id, report.target_excerpt) == (
        ["cardio"],
        "dep-33",
        "Un commentaire blessant.",
    )
    types = {t["code"] for t in client.get("/api/v1/reports/target-types").json()["items"]}
    assert {"actor", "project", "introduction", "need", "need_comment", "field_feedback", "feedback_answer"} <= types
