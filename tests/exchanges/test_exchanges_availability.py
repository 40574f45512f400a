"""Declaring availability (health professionals and patient representatives), expiry and reminders, visibility
and matching with projects in both directions, through the real application."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Role
from hub.db import Database
from hub.exchanges.introductions import create_introduction, decide_introduction
from hub.exchanges.mail import list_outbox
from hub.exchanges.models import Availability, Notification
from hub.exchanges.services import send_expiry_reminders, today
from hub.exchanges.shapes import DecisionInput, IntroductionInput
from hub.settings import Settings
from tests.exchanges.scenario import (
    PROJECT_TITLE,
    field_error,
    lead_project,
    offer_time,
    people_shown,
    switch_to,
    viewer_of,
)
from tests.factories import csrf_from, make_account, sign_in


def _form(client: TestClient[Litestar], **changes: object) -> dict[str, object]:
    page = client.get("/compte/disponibilites/nouvelle")
    assert page.status_code == 200
    start = today()
    data: dict[str, object] = {
        "hours_per_month": "12",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=90)).isoformat(),
        "phases": ["experimentation", "evaluation"],
        "skills": "Infirmière en cardiologie, éducation thérapeutique",
        "sectors": ["cardio"],
        "work_mode": "both",
        "departement": "33",
        "visibility": "members",
        "_csrf_token": csrf_from(page.text),
    }
    data.update(changes)
    return data


def test_a_health_professional_declares_time_and_sees_matching_projects(
    client: TestClient[Litestar], database: Database
) -> None:
    lead_project(database)
    with database.session() as session:
        make_account(session, "infirmiere@example.fr", roles=(Role.HEALTH_PROFESSIONAL,))
        session.commit()
    sign_in(client, "infirmiere@example.fr")
    response = client.post("/compte/disponibilites/nouvelle", data=_form(client), follow_redirects=False)
    assert response.status_code == 303, response.text[:1000]
    page = client.get(response.headers["location"]).text
    assert "12 h par mois" in page and "Votre disponibilité est enregistrée" in page
    found = re.search(rf">{PROJECT_TITLE}</a>(.*?)</li>", page, re.DOTALL)
    assert found is not None, page
    text = found.group(1)
    assert "Le projet recherche des professionnels de santé" in text
    assert "Phase recherchée : expérimentation" in text and "Secteur commun : Cardiovasculaire" in text
    assert "Même département : Gironde" in text and "Participation à distance possible" in text
    with database.session() as session:
        saved = session.exec(select(Availability)).one()
        assert saved.offered_as == "health_professional" and saved.departement_id == "dep-33"
        assert saved.region_id == "reg-75" and saved.phases == ["experimentation", "evaluation"]


def test_a_member_without_the_role_is_refused(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        make_account(session, "membre@example.fr")
        session.commit()
    sign_in(client, "membre@example.fr")
    assert "Seuls les professionnels de santé" in client.get("/compte/disponibilites").text
    assert client.get("/compte/disponibilites/nouvelle").status_code == 403
    token = client.cookies.get("hub_csrf") or ""
    response = client.post(
        "/compte/disponibilites/nouvelle", data={"hours_per_month": "5", "_csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 403 and "Seuls les professionnels de santé" in response.text
    api = client.post("/api/v1/availabilities", json={}, headers={"x-csrftoken": token})
    assert api.status_code == 403 and api.headers["content-type"].startswith("application/problem+json")
    with database.session() as session:
        assert session.exec(select(Availability)).all() == []


def test_bad_availabilities_are_refused_next_to_the_field(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        make_account(session, "patiente@example.fr", roles=(Role.PATIENT_REPRESENTATIVE,))
        session.commit()
    sign_in(client, "patiente@example.fr")
    cases = [
        ({"hours_per_month": "800"}, "hours_per_month", "Un mois compte au plus 744 heures"),
        ({"hours_per_month": "300"}, "hours_per_month", "Indiquez au plus 200 heures par mois."),
        ({"hours_per_month": "0"}, "hours_per_month", "Indiquez au moins une heure par mois."),
        (
            {"ends_on": (today() - timedelta(days=400)).isoformat(), "starts_on": today().isoformat()},
            "ends_on",
            "La date de fin doit être postérieure ou égale à la date de début.",
        ),
        ({"phases": []}, "phases", "Choisissez au moins une phase"),
        ({"departement": "999"}, "departement", "Département inconnu"),
    ]
    for changes, field, message in cases:
        response = client.post("/compte/disponibilites/nouvelle", data=_form(client, **changes))
        assert response.status_code == 422, (changes, response.status_code)
        assert message in field_error(response.text, field), (field, field_error(response.text, field))
    token = client.cookies.get("hub_csrf") or ""
    body = {"hours_per_month": 10, "starts_on": "2030-05-01", "ends_on": "2030-04-01", "phases": ["conception"]}
    api = client.post("/api/v1/availabilities", json=body, headers={"x-csrftoken": token})
    assert api.status_code == 422 and api.headers["content-type"].startswith("application/problem+json")
    assert {
        "field": "ends_on",
        "message": "La date de fin doit être postérieure ou égale à la date de début.",
    } in api.json()["errors"]
    api = client.post("/api/v1/availabilities", json=body | {"hours_per_month": 745}, headers={"x-csrftoken": token})
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "hours_per_month"
    with database.session() as session:
        assert session.exec(select(Availability)).all() == []


def test_an_availability_expires_on_its_end_date_after_a_reminder(
    client: TestClient[Litestar], database: Database, settings: Settings
) -> None:
    _, slug, _ = lead_project(database)
    ended = offer_time(database, "fini@example.fr", on=today() - timedelta(days=30), visibility="public")
    with database.session() as session:
        availability = session.get(Availability, ended)
        assert availability is not None
        availability.ends_on = today() - timedelta(days=1)  # it ended yesterday
        session.add(availability)
        session.commit()
    ending = offer_time(database, "bientot@example.fr", visibility="public", ends_on=today() + timedelta(days=3))
    later = offer_time(database, "plustard@example.fr", visibility="public", ends_on=today() + timedelta(days=40))
    people = client.get(f"/projets/{slug}/disponibilites").text
    assert "Bientot" in people and "Plustard" in people and "Fini" not in people
    api = client.get("/api/v1/projects/0/available-people")
    assert api.status_code == 404

    now = datetime.now(UTC)
    assert send_expiry_reminders(database, settings, now) == 1
    assert send_expiry_reminders(database, settings, now) == 0  # once only
    mails = list_outbox(settings)
    assert [(m.to, m.subject) for m in mails] == [
        ("bientot@example.fr", "Votre disponibilité sur le lab e-santé se termine bientôt")
    ]
    assert "se termine le" in mails[0].body
    with database.session() as session:
        reminded = {
            a.id for a in session.exec(select(Availability).where(col(Availability.reminder_sent_at).is_not(None)))
        }
        assert reminded == {ending}
        assert later not in reminded
        notes = session.exec(select(Notification)).all()
        assert len(notes) == 1 and "se termine le" in notes[0].text


def test_visibility_everyone_members_or_introduced_projects_only(
    client: TestClient[Litestar], database: Database
) -> None:
    project_id, slug, _ = lead_project(database)
    offer_time(database, "publique@example.fr", visibility="public")
    offer_time(database, "membres@example.fr", visibility="members")
    restricted = offer_time(database, "discrete@example.fr", visibility="introduced")

    def names(c: TestClient[Litestar]) -> set[str]:
        return people_shown(c.get(f"/projets/{slug}/disponibilites").text)

    assert names(client) == {"Publique"}
    sign_in(client, "porteuse@example.fr")
    assert names(client) == {"Publique", "Membres"}
    api = client.get(f"/api/v1/projects/{project_id}/available-people").json()
    assert {item["display_name"] for item in api["items"]} == {"Publique", "Membres"}
    assert all("email" not in item and "@" not in str(item) for item in api["items"])
    # The discreet nurse asks to meet the project; once the lead accepts, the lead sees her availability.
    with database.session() as session:
        nurse = viewer_of(session, "discrete@example.fr")
        lead = viewer_of(session, "porteuse@example.fr")
        now = datetime.now(UTC)
        request, _ = create_introduction(
            session,
            nurse,
            IntroductionInput(
                target_kind="project",
                target_id=project_id,
                on_behalf=f"availability:{restricted}",
                purpose="experimentation",
                message="Je peux aider à recruter des patients pour l’expérimentation.",
            ),
            now,
        )
        assert names(client) == {"Publique", "Membres"}  # pending is not enough
        decide_introduction(session, lead, request, DecisionInput(decision="accept"), now)
        session.commit()
    assert names(client) == {"Publique", "Membres", "Discrete"}
    with database.session() as session:
        make_account(session, "autre@example.fr")
        session.commit()
    switch_to(client, "autre@example.fr")
    assert names(client) == {"Publique", "Membres"}
