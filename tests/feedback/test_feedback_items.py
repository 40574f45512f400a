"""Field feedback through the real application: raise, support once, answer by the institution's decision-makers,
status history, digest per institution, moderation, and every refusal (nothing written)."""

from __future__ import annotations

import csv
import io

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, func, select

from hub.accounts.models import Role
from hub.db import Database
from hub.exchanges.models import Notification
from hub.feedback.models import FeedbackAnswer, FeedbackStatusChange, FeedbackSupport, FieldFeedback
from hub.moderation.models import ModerationDecision
from hub.referents.models import QueueItem
from tests.factories import sign_in
from tests.feedback.scenario import (
    account_id,
    decision_maker,
    field_error,
    institution,
    member,
    post_form,
    raise_feedback,
    switch_to,
    text_of,
    token,
)


def _count(database: Database, model: type) -> int:
    with database.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _raised(client: TestClient[Litestar], database: Database, acronym: str = "HAS", **changes: str) -> int:
    has = institution(database, acronym)
    response = raise_feedback(client, has.id or 0, **changes)
    assert response.status_code == 303, response.text[:2000]
    return int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])


def test_a_professional_raises_an_obstacle_that_the_institution_answers_in_public(
    client: TestClient[Litestar], database: Database
) -> None:
    has = institution(database, "HAS")
    member(database, "infirmiere@example.fr", Role.HEALTH_PROFESSIONAL)
    member(database, "patient@example.fr", Role.PATIENT_REPRESENTATIVE)
    decision_maker(database, "decideur.has@example.fr", has.id)
    sign_in(client, "infirmiere@example.fr")
    feedback_id = _raised(client, database)

    page = client.get(f"/remontees/{feedback_id}").text
    assert text_of(page, "statut") == "Reçu"
    assert "Votre remontée est enregistrée" in client.get(f"/remontees/{feedback_id}?fait=creee").text
    assert "Haute Autorité de santé" in page and "Gironde" in page
    assert "Publier la réponse" not in page  # the author is no decision-maker
    # The institution's decision-maker is told in the hub.
    with database.session() as session:
        told = session.exec(
            select(Notification.text).where(
                col(Notification.account_id) == account_id(database, "decideur.has@example.fr")
            )
        ).all()
    assert any("Nouvelle remontée du terrain adressée à Haute Autorité de santé" in t for t in told)
    # Listed, and counted in the institution's digest.
    assert f'href="/remontees/{feedback_id}"' in client.get("/remontees?categorie=reimbursement").text
    assert f'href="/remontees/{feedback_id}"' not in client.get("/remontees?categorie=funding").text
    digest = client.get(f"/api/v1/institutions/{has.id}/feedback-digest").json()
    assert digest["by_category"]["reimbursement"] == 1 and digest["by_status"]["received"] == 1

    # Someone else supports it, once.
    switch_to(client, "patient@example.fr")
    supported = post_form(client, f"/remontees/{feedback_id}", f"/remontees/{feedback_id}/soutien", {})
    assert supported.status_code == 303
    page = client.get(f"/remontees/{feedback_id}").text
    assert text_of(page, "soutiens") == "1 personne soutient cette remontée"
    assert "Vous soutenez cette remontée" in page

    # The decision-maker of the HAS answers: the status becomes « Répondu », the history keeps both steps.
    switch_to(client, "decideur.has@example.fr")
    page = client.get(f"/remontees/{feedback_id}").text
    assert "Publier la réponse" in page
    answer = "Nous ouvrons une consultation sur ce forfait ; vos retours y seront examinés en janvier."
    answered = post_form(client, f"/remontees/{feedback_id}", f"/remontees/{feedback_id}/reponses", {"body": answer})
    assert answered.status_code == 303, answered.text[:2000]
    page = client.get(f"/remontees/{feedback_id}").text
    assert text_of(page, "statut") == "Répondu"
    assert answer in page and "Réponse de Haute Autorité de santé" in page
    with database.session() as session:
        steps = session.exec(
            select(FeedbackStatusChange.to_status)
            .where(col(FeedbackStatusChange.feedback_id) == feedback_id)
            .order_by(col(FeedbackStatusChange.id))
        ).all()
        told_author = session.exec(
            select(Notification.text).where(
                col(Notification.account_id) == account_id(database, "infirmiere@example.fr")
            )
        ).all()
        told_supporter = session.exec(
            select(Notification.text).where(col(Notification.account_id) == account_id(database, "patient@example.fr"))
        ).all()
    assert [str(s) for s in steps] == ["received", "answered"]
    with database.session() as session:
        queued = session.exec(
            select(QueueItem).where(
                col(QueueItem.subject_type) == "field_feedback", col(QueueItem.subject_id) == feedback_id
            )
        ).one()
    assert (queued.kind, queued.territory_id, queued.url) == ("field_feedback", "dep-33", f"/remontees/{feedback_id}")
    assert str(queued.status) == "closed" and queued.outcome == "répondu"  # answered: the referent's item is closed
    assert any("a répondu à la remontée" in t for t in told_author)
    assert any("a répondu à la remontée" in t for t in told_supporter)

    # Then « Suite donnée », with a note shown in the history.
    moved = post_form(
        client,
        f"/remontees/{feedback_id}",
        f"/remontees/{feedback_id}/statut",
        {"status": "acted_upon", "note": "Forfait révisé au 1er mars"},
    )
    assert moved.status_code == 303
    page = client.get(f"/remontees/{feedback_id}").text
    assert text_of(page, "statut") == "Suite donnée" and "Forfait révisé au 1er mars" in page
    api = client.get(f"/api/v1/feedback/{feedback_id}").json()
    assert [h["to"] for h in api["history"]] == ["received", "answered", "acted_upon"]
    assert api["supports"] == 1 and api["answers"][0]["body"] == answer


def test_a_second_support_from_the_same_person_is_refused(client: TestClient[Litestar], database: Database) -> None:
    member(database, "auteur@example.fr")
    member(database, "soutien@example.fr")
    sign_in(client, "auteur@example.fr")
    feedback_id = _raised(client, database)
    own = post_form(client, f"/remontees/{feedback_id}", f"/remontees/{feedback_id}/soutien", {})
    assert own.status_code == 409 and "vous êtes l’auteur" in text_of(own.text, "refus").lower()

    switch_to(client, "soutien@example.fr")
    assert post_form(client, f"/remontees/{feedback_id}", f"/remontees/{feedback_id}/soutien", {}).status_code == 303
    again = client.post(f"/api/v1/feedback/{feedback_id}/supports", headers=token(client))
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert "chaque personne ne compte qu’une fois" in again.json()["detail"]
    with database.session() as session:
        rows = session.exec(select(FeedbackSupport).where(col(FeedbackSupport.feedback_id) == feedback_id)).all()
    assert len(rows) == 1


def test_only_decision_makers_of_that_institution_may_answer(client: TestClient[Litestar], database: Database) -> None:
    has, ansm = institution(database, "HAS"), institution(database, "ANSM")
    member(database, "auteur@example.fr")
    decision_maker(database, "decideur.ansm@example.fr", ansm.id)
    decision_maker(database, "decideur.sans.organisme@example.fr", None)
    member(database, "referente@example.fr", Role.REFERENT)
    sign_in(client, "auteur@example.fr")
    feedback_id = _raised(client, database)
    body = {"body": "Une réponse qui n’a pas à être publiée par cette personne."}
    for email in ("auteur@example.fr", "decideur.ansm@example.fr", "decideur.sans.organisme@example.fr"):
        switch_to(client, email)
        page = client.get(f"/remontees/{feedback_id}").text
        assert "Publier la réponse" not in page
        refused = post_form(client, f"/remontees/{feedback_id}", f"/remontees/{feedback_id}/reponses", body)
        assert refused.status_code == 403, email
        assert "Seuls les décideurs de Haute Autorité de santé" in refused.text
        api = client.post(f"/api/v1/feedback/{feedback_id}/answers", json=body, headers=token(client))
        assert api.status_code == 403 and api.json()["title"] == "Accès refusé"
        status = client.post(
            f"/api/v1/feedback/{feedback_id}/status", json={"status": "acted_upon"}, headers=token(client)
        )
        assert status.status_code == 403
    assert _count(database, FeedbackAnswer) == 0
    with database.session() as session:
        item = session.get(FieldFeedback, feedback_id)
        assert item is not None and str(item.status) == "received"
    assert has.id != ansm.id


def test_status_changes_are_checked(client: TestClient[Litestar], database: Database) -> None:
    has = institution(database, "HAS")
    member(database, "auteur@example.fr")
    decision_maker(database, "decideur.has@example.fr", has.id)
    sign_in(client, "auteur@example.fr")
    feedback_id = _raised(client, database)
    switch_to(client, "decideur.has@example.fr")
    url = f"/api/v1/feedback/{feedback_id}/status"
    no_answer = client.post(url, json={"status": "answered"}, headers=token(client))
    assert no_answer.status_code == 422
    assert no_answer.json()["errors"] == [
        {"field": "status", "message": "Publiez d’abord une réponse : le statut « Répondu » la suppose."}
    ]
    same = client.post(url, json={"status": "received"}, headers=token(client))
    assert same.status_code == 422
    page = post_form(client, f"/remontees/{feedback_id}", f"/remontees/{feedback_id}/statut", {"status": "bogus"})
    assert page.status_code == 422 and field_error(page.text, "status") == "Choisissez une valeur dans la liste."
    review = client.post(url, json={"status": "under_review", "note": "Transmis au service"}, headers=token(client))
    assert review.status_code == 200 and review.json()["status"] == "under_review"
    with database.session() as session:
        steps = session.exec(
            select(FeedbackStatusChange.to_status).where(col(FeedbackStatusChange.feedback_id) == feedback_id)
        ).all()
    assert sorted(str(s) for s in steps) == ["received", "under_review"]


def test_bad_input_is_refused_next_to_the_field_and_nothing_is_written(
    client: TestClient[Litestar], database: Database
) -> None:
    has = institution(database, "HAS")
    member(database, "auteur@example.fr")
    sign_in(client, "auteur@example.fr")
    before = _count(database, FieldFeedback)
    empty = raise_feedback(client, has.id or 0, title="", body="   ")
    assert empty.status_code == 422
    assert field_error(empty.text, "title") == "Ce champ est obligatoire."
    assert field_error(empty.text, "body") == "Ce champ est obligatoire ou trop court (20 caractères au moins)."
    too_long = raise_feedback(client, has.id or 0, body="x" * 4001)
    assert too_long.status_code == 422
    assert field_error(too_long.text, "body") == "Ce texte est trop long (4000 caractères au plus)."
    assert "Le forfait de télésurveillance" in too_long.text  # what was typed is kept
    with database.session() as session:
        from hub.directory.models import Actor

        company = session.exec(select(Actor).where(col(Actor.kind) == "company")).first()
        assert company is not None
    not_public = raise_feedback(client, company.id or 0, departement="999")
    assert not_public.status_code == 422
    assert "organisme public" in field_error(not_public.text, "institution_id")
    assert "Département inconnu" in field_error(not_public.text, "departement")
    api = client.post(
        "/api/v1/feedback",
        json={
            "institution_id": has.id,
            "category": "nope",
            "author_capacity": "other",
            "title": "Bon titre",
            "body": "",
        },
        headers=token(client),
    )
    assert api.status_code == 422 and api.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in api.json()["errors"]} == {"category", "body"}
    assert _count(database, FieldFeedback) == before
    assert client.get("/remontees?categorie=inconnue").status_code == 400
    assert client.get("/api/v1/feedback?organisme=abc").status_code == 400


def test_free_text_is_escaped_on_display(client: TestClient[Litestar], database: Database) -> None:
    member(database, "auteur@example.fr")
    sign_in(client, "auteur@example.fr")
    payload = "<script>alert('x')</script>"
    feedback_id = _raised(client, database, title=f"Titre {payload}", body=f"Description {payload} assez longue")
    for url in (
        f"/remontees/{feedback_id}",
        "/remontees",
        "/remontees/organismes/" + institution(database, "HAS").slug,
    ):
        html = client.get(url).text
        assert payload not in html, url
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html, url


def test_moderators_mask_abuse_with_a_logged_reason(client: TestClient[Litestar], database: Database) -> None:
    has = institution(database, "HAS")
    member(database, "auteur@example.fr")
    member(database, "autre@example.fr")
    member(database, "admin@example.fr", Role.ADMIN)
    sign_in(client, "auteur@example.fr")
    feedback_id = _raised(client, database, title="Propos injurieux envers une équipe")
    hide = {
        "target_type": "field_feedback",
        "target_id": str(feedback_id),
        "action": "hide",
        "reason": "Propos injurieux",
    }
    switch_to(client, "autre@example.fr")
    assert post_form(client, f"/remontees/{feedback_id}", "/moderation/visibilite", hide).status_code == 403
    switch_to(client, "admin@example.fr")
    short = post_form(client, f"/remontees/{feedback_id}", "/moderation/visibilite", hide | {"reason": ""})
    assert short.status_code == 422
    assert _count(database, ModerationDecision) == 0
    done = post_form(client, f"/remontees/{feedback_id}", "/moderation/visibilite", hide)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/remontees/{feedback_id}")
    with database.session() as session:
        logged = session.exec(select(ModerationDecision)).all()
    assert [(str(d.decision), d.reason, d.target_type) for d in logged] == [
        ("hidden", "Propos injurieux", "field_feedback")
    ]
    assert "Propos injurieux" in client.get("/administration/moderation").text

    switch_to(client, "autre@example.fr")
    page = client.get(f"/remontees/{feedback_id}").text
    assert "Remontée masquée par la modération" in page and "Propos injurieux envers" not in page
    refused = post_form(client, f"/remontees/{feedback_id}", f"/remontees/{feedback_id}/soutien", {})
    assert refused.status_code == 409
    api = client.get(f"/api/v1/feedback/{feedback_id}").json()
    assert api["is_hidden"] and api["title"] == "Masqué par la modération" and api["body"] is None
    digest = client.get(f"/api/v1/institutions/{has.id}/feedback-digest").json()
    assert digest["total"] == 0 and digest["hidden"] == 1
    assert "Propos injurieux envers" not in client.get(f"/remontees/organismes/{has.slug}").text
    switch_to(client, "auteur@example.fr")
    assert "Propos injurieux envers" in client.get(f"/remontees/{feedback_id}").text  # the author still reads it


def test_digest_page_counts_by_category_and_status_with_csv_and_json(
    client: TestClient[Litestar], database: Database
) -> None:
    cnil = institution(database, "CNIL")
    member(database, "auteur@example.fr")
    sign_in(client, "auteur@example.fr")
    _raised(client, database, "CNIL", category="data_access", title="=HYPERLINK(accès aux données)")
    _raised(client, database, "CNIL", category="data_access", title="Accès aux données de l’entrepôt du CHU")
    _raised(client, database, "CNIL", category="regulation", title="Formalités de recherche trop longues")
    html = client.get(f"/remontees/organismes/{cnil.slug}").text
    assert "3 remontées reçues" in html
    assert "<caption>Remontées par nature d’obstacle</caption>" in html
    by_category = html.split('id="par-nature"')[1].split("</table>")[0]
    assert "Accès aux données</th><td>2</td>" in by_category and "Réglementation</th><td>1</td>" in by_category
    by_status = html.split('id="par-statut"')[1].split("</table>")[0]
    assert "Reçu</th><td>3</td>" in by_status
    listing = client.get("/remontees/organismes").text
    assert f'href="/remontees/organismes/{cnil.slug}"' in listing
    response = client.get(f"/remontees/organismes/{cnil.slug}/synthese.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["id", "date", "categorie", "statut", "titre", "soutiens", "adresse"]
    assert len(rows) == 4 and "'=HYPERLINK(accès aux données)" in [r[4] for r in rows]
    assert client.get("/remontees/organismes/chu-inconnu").status_code == 404
    listed = client.get(f"/api/v1/feedback?organisme={cnil.id}").json()
    assert listed["total"] == 3 and {i["institution"] for i in listed["items"]} == {cnil.name}
