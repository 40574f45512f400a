"""Introductions through the real application: request, accept (contact revealed only then), decline with a
reason, routing to administrators, the daily limit, e-mails in the outbox, and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Role
from hub.db import Database
from hub.directory.models import Actor, ActorMembership, VerificationStatus
from hub.exchanges.introductions import DAILY_LIMIT, create_introduction
from hub.exchanges.mail import list_outbox
from hub.exchanges.models import IntroductionRequest, IntroductionStatus, Notification
from hub.exchanges.shapes import IntroductionInput
from hub.settings import Settings
from tests.exchanges.scenario import field_error, lead_project, offer_time, switch_to, viewer_of
from tests.factories import csrf_from, make_account, sign_in

MESSAGE = "Nous cherchons une infirmière pour co-construire le protocole d’expérimentation."


def _ask(client: TestClient[Litestar], target: str, on_behalf: str, **changes: str) -> httpx.Response:
    form = client.get(f"/mises-en-relation/nouvelle?cible={target}")
    assert form.status_code == 200, form.text[:500]
    kind, _, target_id = target.partition(":")
    data = {
        "target_kind": kind,
        "target_id": target_id,
        "on_behalf": on_behalf,
        "purpose": "experimentation",
        "message": MESSAGE,
        "_csrf_token": csrf_from(form.text),
    } | changes
    return client.post("/mises-en-relation/nouvelle", data=data, follow_redirects=False)


def _unmanaged_actor(database: Database) -> Actor:
    """A seeded actor that nobody represents (its requests go to administrators)."""
    with database.session() as session:
        represented = select(ActorMembership.actor_id)
        actor = session.exec(
            select(Actor).where(col(Actor.id).not_in(represented), col(Actor.verification_status) != "withdrawn")
        ).first()
        assert actor is not None
        return actor


def test_request_then_acceptance_reveals_the_contact_only_afterwards(
    client: TestClient[Litestar], database: Database, settings: Settings
) -> None:
    project_id, _, _ = lead_project(database)
    availability = offer_time(database, "infirmiere@example.fr")
    sign_in(client, "porteuse@example.fr")
    response = _ask(client, f"availability:{availability}", f"project:{project_id}")
    assert response.status_code == 303, response.text[:2000]
    detail_url = response.headers["location"].split("?")[0]
    pending = client.get(detail_url).text
    assert "En attente de réponse" in pending and "infirmiere@example.fr" not in pending
    assert 'id="coordonnees"' not in pending
    request_id = int(detail_url.rsplit("/", 1)[1])
    token = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    assert client.get(f"/api/v1/introductions/{request_id}").json()["contact"] is None
    # The recipient is told in the hub and by e-mail, without the sender's address either.
    mails = list_outbox(settings)
    assert [(m.to, m.subject) for m in mails] == [
        ("infirmiere@example.fr", "Nouvelle demande de mise en relation sur le lab e-santé")
    ]
    assert "porteuse@example.fr" not in mails[0].body and f"/mises-en-relation/{request_id}" in mails[0].body

    assert (
        f'href="/mises-en-relation/{request_id}"' in client.get("/mises-en-relation").text.split("Demandes envoyées")[1]
    )
    switch_to(client, "infirmiere@example.fr")
    received = client.get("/mises-en-relation").text.split("Demandes envoyées")
    assert f'href="/mises-en-relation/{request_id}"' in received[0] and "mises-en-relation/" not in received[1]
    notifications = client.get("/compte/notifications").text
    assert "demande une mise en relation" in notifications and "Nouveau" in notifications
    client.post("/compte/notifications/lues", data={"_csrf_token": csrf_from(notifications)})
    assert "Nouveau" not in client.get("/compte/notifications").text
    page = client.get(detail_url).text
    assert "Accepter" in page and "porteuse@example.fr" not in page and MESSAGE in page
    answer = client.post(
        f"{detail_url}/reponse", data={"decision": "accept", "_csrf_token": csrf_from(page)}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert "porteuse@example.fr" in client.get(detail_url).text  # both sides now see each other

    switch_to(client, "porteuse@example.fr")
    accepted = client.get(detail_url).text
    assert "Acceptée" in accepted and 'id="coordonnees">infirmiere@example.fr<' in accepted
    token = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    api = client.get(f"/api/v1/introductions/{request_id}", headers=token).json()
    assert api["status"] == "accepted" and api["contact"] == "infirmiere@example.fr"
    assert "a accepté votre demande" in client.get("/compte/notifications").text
    assert [m.to for m in list_outbox(settings)].count("porteuse@example.fr") == 1
    # Someone else sees nothing of it.
    with database.session() as session:
        make_account(session, "curieux@example.fr")
        session.commit()
    switch_to(client, "curieux@example.fr")
    assert client.get(detail_url).status_code == 404


def test_decline_needs_a_reason_which_the_sender_reads(client: TestClient[Litestar], database: Database) -> None:
    project_id, _, _ = lead_project(database)
    lead_project(database, "autre-porteuse@example.fr")
    with database.session() as session:
        actor = session.exec(
            select(Actor).where(col(Actor.name) == "Start-up CardioLien").order_by(col(Actor.id))
        ).all()
        target = [a for a in actor if a.id is not None][-1]  # the second lead's company
    sign_in(client, "porteuse@example.fr")
    response = _ask(client, f"actor:{target.id}", f"project:{project_id}", purpose="partnership")
    detail_url = response.headers["location"].split("?")[0]
    switch_to(client, "autre-porteuse@example.fr")
    page = client.get(detail_url).text
    refused = client.post(f"{detail_url}/reponse", data={"decision": "decline", "_csrf_token": csrf_from(page)})
    assert refused.status_code == 422 and "Indiquez le motif du refus" in field_error(refused.text, "reason")
    declined = client.post(
        f"{detail_url}/reponse",
        data={
            "decision": "decline",
            "reason": "Nous ne travaillons pas en cardiologie.",
            "_csrf_token": csrf_from(page),
        },
        follow_redirects=False,
    )
    assert declined.status_code == 303
    switch_to(client, "porteuse@example.fr")
    seen = client.get(detail_url).text
    assert "Déclinée" in seen and "Nous ne travaillons pas en cardiologie." in seen and 'id="coordonnees"' not in seen
    assert "autre-porteuse@example.fr" not in seen


def test_a_target_without_account_goes_to_administrators(
    client: TestClient[Litestar], database: Database, settings: Settings
) -> None:
    project_id, _, _ = lead_project(database)
    actor = _unmanaged_actor(database)
    with database.session() as session:
        make_account(session, "admin-ex@example.fr", roles=(Role.ADMIN,))
        session.commit()
    sign_in(client, "porteuse@example.fr")
    response = _ask(client, f"actor:{actor.id}", f"project:{project_id}")
    detail_url = response.headers["location"].split("?")[0]
    assert "admin-ex@example.fr" in [m.to for m in list_outbox(settings)]
    switch_to(client, "admin-ex@example.fr")
    assert "transmise aux administrateurs" in client.get("/compte/notifications").text
    assert detail_url in client.get("/mises-en-relation").text.split("Demandes envoyées")[0]
    outbox = client.get("/administration/courriels").text
    assert "Nouvelle demande de mise en relation" in outbox and "admin-ex@example.fr" in outbox
    page = client.get(detail_url).text
    missing = client.post(f"{detail_url}/reponse", data={"decision": "accept", "_csrf_token": csrf_from(page)})
    assert missing.status_code == 422 and "coordonnées de la structure" in field_error(missing.text, "shared_contact")
    client.post(
        f"{detail_url}/reponse",
        data={"decision": "accept", "shared_contact": "contact@structure.fr", "_csrf_token": csrf_from(page)},
    )
    switch_to(client, "porteuse@example.fr")
    assert 'id="coordonnees">contact@structure.fr<' in client.get(detail_url).text
    assert client.get("/administration/courriels").status_code == 403


def test_refusals_self_duplicate_withdrawn_and_daily_limit(client: TestClient[Litestar], database: Database) -> None:
    project_id, _, own_actor = lead_project(database)
    availability = offer_time(database, "infirmiere@example.fr")
    sign_in(client, "porteuse@example.fr")
    own = _ask(client, f"project:{project_id}", f"project:{project_id}")
    assert own.status_code == 422 and "avec vous-même" in field_error(own.text, "target_id")
    own_company = _ask(client, f"actor:{own_actor}", f"project:{project_id}")
    assert own_company.status_code == 422
    assert _ask(client, f"availability:{availability}", f"project:{project_id}").status_code == 303
    twice = _ask(client, f"availability:{availability}", f"project:{project_id}")
    assert twice.status_code == 409 and "déjà une demande" in twice.text
    short = _ask(client, f"availability:{availability}", f"project:{project_id}", message="Bonjour")
    assert short.status_code == 422 and "20 caractères" in field_error(short.text, "message")
    withdrawn = _unmanaged_actor(database)
    with database.session() as session:
        row = session.get(Actor, withdrawn.id)
        assert row is not None
        row.verification_status = VerificationStatus.WITHDRAWN
        session.add(row)
        session.commit()
    token = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    body = {"target_kind": "actor", "target_id": withdrawn.id, "on_behalf": f"project:{project_id}"}
    body |= {"purpose": "partnership", "message": MESSAGE}
    gone = client.post("/api/v1/introductions", json=body, headers=token)
    assert gone.status_code == 409 and "retiré de l’annuaire" in gone.json()["detail"]
    assert client.get(f"/mises-en-relation/nouvelle?cible=actor:{withdrawn.id}").status_code == 409
    self_api = client.post("/api/v1/introductions", json=body | {"target_id": own_actor}, headers=token)
    assert self_api.status_code == 422 and self_api.headers["content-type"].startswith("application/problem+json")
    assert self_api.json()["errors"] == [{"field": "target_id", "message": self_api.json()["errors"][0]["message"]}]
    twice_api = client.post(
        "/api/v1/introductions", json=body | {"target_kind": "availability", "target_id": availability}, headers=token
    )
    assert twice_api.status_code == 409
    # The limit counts every request of the last 24 hours, whichever worker stored it.
    with database.session() as session:
        lead = viewer_of(session, "porteuse@example.fr")
        targets = session.exec(
            select(Actor.id).where(col(Actor.verification_status) != "withdrawn", col(Actor.id) != own_actor).limit(20)
        ).all()
        sent = session.exec(
            select(IntroductionRequest).where(col(IntroductionRequest.sender_id) == lead.account_id)
        ).all()
        for target_id in targets[: DAILY_LIMIT - len(sent)]:
            data = IntroductionInput(
                target_kind="actor",
                target_id=target_id,
                on_behalf=f"project:{project_id}",
                purpose="partnership",
                message=MESSAGE,
            )
            create_introduction(session, lead, data, datetime.now(UTC))
        session.commit()
    limited = _ask(client, f"actor:{targets[-1]}", f"project:{project_id}")
    assert limited.status_code == 429 and "10 demandes de mise en relation en 24 heures" in limited.text
    api = client.post("/api/v1/introductions", json=body | {"target_id": targets[-1]}, headers=token)
    assert api.status_code == 429 and api.headers["content-type"].startswith("application/problem+json")
    with database.session() as session:
        stored = session.exec(
            select(IntroductionRequest).where(col(IntroductionRequest.status) == IntroductionStatus.PENDING)
        ).all()
        assert len(stored) == DAILY_LIMIT
        assert session.exec(select(Notification)).first() is not None


def test_the_api_and_the_pages_offer_the_same_journey(client: TestClient[Litestar], database: Database) -> None:
    project_id, slug, actor_id = lead_project(database)
    availability = offer_time(database, "infirmiere@example.fr")
    with database.session() as session:
        actor_slug = session.get(Actor, actor_id).slug  # type: ignore[union-attr]
    sign_in(client, "infirmiere@example.fr")
    project_page = client.get(f"/projets/{slug}").text
    assert f'href="/mises-en-relation/nouvelle?cible=project:{project_id}"' in project_page
    assert f'href="/projets/{slug}/disponibilites"' in project_page
    assert f'href="/mises-en-relation/nouvelle?cible=actor:{actor_id}"' in client.get(f"/annuaire/{actor_slug}").text
    token = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    body = {"target_kind": "project", "target_id": project_id, "on_behalf": f"availability:{availability}"}
    created = client.post(
        "/api/v1/introductions", json=body | {"purpose": "expertise", "message": MESSAGE}, headers=token
    )
    assert created.status_code == 201 and created.json()["contact"] is None
    request_id = created.json()["id"]
    refused = client.post(f"/api/v1/introductions/{request_id}/decision", json={"decision": "accept"}, headers=token)
    assert refused.status_code == 403  # only the recipient answers
    switch_to(client, "porteuse@example.fr")
    token = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    no_reason = client.post(f"/api/v1/introductions/{request_id}/decision", json={"decision": "decline"}, headers=token)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    decision = {"decision": "decline", "reason": "Le protocole est déjà écrit."}
    declined = client.post(f"/api/v1/introductions/{request_id}/decision", json=decision, headers=token)
    assert (
        declined.status_code == 200 and declined.json()["status"] == "declined" and declined.json()["contact"] is None
    )
    again = client.post(f"/api/v1/introductions/{request_id}/decision", json=decision, headers=token)
    assert again.status_code == 409
