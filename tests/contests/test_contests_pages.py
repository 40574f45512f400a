"""Workshops and contests through the real application: the lab sets one up, people register, leads submit, the
jury scores (never their own organisation's project, once), results are published with a follow-up for each."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Role
from hub.accounts.services import viewer_for
from hub.contests.models import Event, Registration, Score, Submission
from hub.contests.services import get_event, submit, today
from hub.db import Database
from hub.projects.models import PartnerRole, ProjectPartner
from tests.contests.scenario import ADMIN, LEAD, contest, lead_project, person_of
from tests.factories import csrf_from, make_account, make_actor, sign_in
from tests.needs.scenario import csrf_headers, field_error, people, raise_need, switch_to, viewer_of

SCRIPT = '<script>alert("x")</script>'
GRID = {"score_viability": "4", "score_medical_interest": "5", "score_involvement": "3"}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["detail"]
    return body


def _event_form(values: dict[str, Any]) -> dict[str, Any]:
    on = today()
    return {
        "kind": "contest",
        "title": "Concours « Santé mentale des étudiants »",
        "description": "Des idées pour repérer tôt la détresse des étudiants, avec eux et avec les soignants.",
        "location": "En ligne",
        "starts_on": str(on + timedelta(days=30)),
        "ends_on": str(on + timedelta(days=30)),
        "registration_closes_on": str(on + timedelta(days=10)),
        "submission_closes_on": str(on + timedelta(days=20)),
        "capacity": "30",
        "weight_viability": "2",
        "weight_medical_interest": "3",
        "weight_involvement": "2",
        "resources": ["funding", "experimentation_site"],
        "details_funding": "5 000 €",
        "details_experimentation_site": "Service de santé universitaire de Bordeaux",
    } | values


def test_the_lab_states_needs_calendar_grid_and_resources_upfront(
    client: TestClient[Litestar], database: Database
) -> None:
    need_id = raise_need(database, "ines@example.fr", title="Repérer tôt la détresse des étudiants")
    people(database, ADMIN, roles=(Role.ADMIN,))
    sign_in(client, "ines@example.fr")
    assert client.get("/administration/ateliers-et-concours/nouveau").status_code == 403
    switch_to(client, ADMIN)
    form = client.get("/administration/ateliers-et-concours/nouveau")
    assert form.status_code == 200 and "Repérer tôt la détresse des étudiants" in form.text
    response = client.post(
        "/administration/ateliers-et-concours/nouveau",
        data=_event_form({"need_ids": [str(need_id)], "_csrf_token": csrf_from(form.text)}),
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:3000]
    event_id = int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])
    page = client.get(f"/ateliers-et-concours/{event_id}").text
    assert "Concours d’innovation" in page and f'href="/besoins/{need_id}"' in page
    assert "<caption>Grille d’évaluation (notes de 0 à 5)</caption>" in page
    assert "Intérêt médical</th><td>3</td>" in page
    assert "Financement : 5 000 €" in page and "Site d’expérimentation : Service de santé universitaire" in page
    assert "0 inscrit sur 30 places" in page
    api = client.get(f"/api/v1/events/{event_id}").json()
    assert api["grid"] == {"viability": 2, "medical_interest": 3, "involvement": 2}
    assert [n["id"] for n in api["needs"]] == [need_id] and api["results"] is None
    assert event_id in [e["id"] for e in client.get("/api/v1/events?kind=contest").json()["items"]]
    admin_list = client.get("/administration/ateliers-et-concours").text
    assert f'href="/administration/ateliers-et-concours/{event_id}"' in admin_list and "Non publiés" in admin_list
    switch_to(client, "ines@example.fr")
    assert client.get("/administration/ateliers-et-concours").status_code == 403


def test_event_form_errors_are_shown_and_nothing_is_written(client: TestClient[Litestar], database: Database) -> None:
    people(database, ADMIN, roles=(Role.ADMIN,))
    sign_in(client, ADMIN)
    form = client.get("/administration/ateliers-et-concours/nouveau")
    on = today()
    response = client.post(
        "/administration/ateliers-et-concours/nouveau",
        data=_event_form(
            {
                "ends_on": str(on + timedelta(days=2)),
                "weight_viability": "0",
                "weight_medical_interest": "0",
                "weight_involvement": "0",
                "_csrf_token": csrf_from(form.text),
            }
        ),
    )
    assert response.status_code == 422
    assert "Au moins un critère" in field_error(response.text, "weights")
    assert 'value="Concours « Santé mentale des étudiants »"' in response.text  # typed values are kept
    response = client.post(
        "/administration/ateliers-et-concours/nouveau",
        data=_event_form(
            {"ends_on": str(on + timedelta(days=2)), "submission_closes_on": "", "_csrf_token": csrf_from(form.text)}
        ),
    )
    assert response.status_code == 422
    assert "La date de fin doit suivre la date de début" in field_error(response.text, "ends_on")
    assert "date limite de dépôt" in field_error(response.text, "submission_closes_on")
    with database.session() as session:
        assert session.exec(select(Event)).all() == []
    headers = csrf_headers(client)
    body = _problem(client.post("/api/v1/events", json={"kind": "contest", "title": "X"}, headers=headers), 422)
    assert {e["field"] for e in body["errors"]} >= {"title", "description", "weights"}


def test_registration_is_refused_when_full_closed_or_repeated(client: TestClient[Litestar], database: Database) -> None:
    full = contest(database, capacity=1)
    closed = contest(database, on=today() - timedelta(days=40))
    people(database, "anne@example.fr", "bruno@example.fr")
    sign_in(client, "anne@example.fr")
    page = client.get(f"/ateliers-et-concours/{full}").text
    token = csrf_from(page)
    assert (
        client.post(
            f"/ateliers-et-concours/{full}/inscription", data={"_csrf_token": token}, follow_redirects=False
        ).status_code
        == 303
    )
    assert "1 inscrit sur 1 places" in client.get(f"/ateliers-et-concours/{full}").text
    again = _problem(client.post(f"/api/v1/events/{full}/registrations", headers=csrf_headers(client)), 409)
    assert "déjà inscrit" in again["detail"]
    late = client.post(f"/ateliers-et-concours/{closed}/inscription", data={"_csrf_token": token})
    assert late.status_code == 409 and "Les inscriptions ont fermé le" in field_error(late.text, "inscription")
    switch_to(client, "bruno@example.fr")
    refused = client.post(f"/ateliers-et-concours/{full}/inscription", data={"_csrf_token": token})
    assert refused.status_code == 409 and "Complet : les 1 places sont prises" in field_error(
        refused.text, "inscription"
    )
    with database.session() as session:
        assert len(session.exec(select(Registration)).all()) == 1


def test_submissions_until_the_deadline_by_editors_of_the_project_once(
    client: TestClient[Litestar], database: Database
) -> None:
    event_id = contest(database)
    past = contest(database, on=today() - timedelta(days=40))
    project_id, _ = lead_project(database)
    people(database, "intrus@example.fr")
    sign_in(client, "intrus@example.fr")
    headers = csrf_headers(client)
    body = _problem(
        client.post(f"/api/v1/events/{event_id}/submissions", json={"project_id": project_id}, headers=headers), 403
    )
    assert "porteur du projet" in body["detail"]
    switch_to(client, LEAD)
    page = client.get(f"/ateliers-et-concours/{event_id}").text
    assert "PlaieSuivi : photos de plaies partagées</option>" in page
    done = client.post(
        f"/ateliers-et-concours/{event_id}/candidatures",
        data={"project_id": str(project_id), "_csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Candidatures (1)" in client.get(f"/ateliers-et-concours/{event_id}").text
    twice = _problem(
        client.post(
            f"/api/v1/events/{event_id}/submissions", json={"project_id": project_id}, headers=csrf_headers(client)
        ),
        409,
    )
    assert "déjà candidat" in twice["detail"]
    # After the deadline: refused with the date, in the page and in the API, and nothing is written.
    late = client.post(
        f"/ateliers-et-concours/{past}/candidatures",
        data={"project_id": str(project_id), "_csrf_token": csrf_from(page)},
    )
    assert late.status_code == 409
    assert "La date limite de dépôt des candidatures était le" in field_error(late.text, "project_id")
    late_api = _problem(
        client.post(
            f"/api/v1/events/{past}/submissions", json={"project_id": project_id}, headers=csrf_headers(client)
        ),
        409,
    )
    deadline = (today() - timedelta(days=20)).strftime("%d/%m/%Y")
    assert deadline in late_api["detail"]
    with database.session() as session:
        assert len(session.exec(select(Submission).where(col(Submission.event_id) == past)).all()) == 0


def _submitted(
    database: Database, event_id: int, email: str = LEAD, title: str = "PlaieSuivi : photos de plaies partagées"
) -> tuple[int, int]:
    """A project submitted to the contest by its lead: (submission id, carrier actor id)."""
    project_id, actor_id = lead_project(database, email, title)
    with database.session() as session:
        submission = submit(session, viewer_of(session, email), get_event(session, event_id), project_id, today())
        session.commit()
        assert submission.id is not None
        return submission.id, actor_id


def _appoint(client: TestClient[Litestar], event_id: int, email: str) -> None:
    page = client.get(f"/administration/ateliers-et-concours/{event_id}")
    assert page.status_code == 200
    response = client.post(
        f"/administration/ateliers-et-concours/{event_id}/jury",
        data={"email": email, "_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:2000]


def test_jury_members_score_once_and_never_their_own_organisations_project(
    client: TestClient[Litestar], database: Database
) -> None:
    event_id = contest(database)
    submission_id, carrier_id = _submitted(database, event_id)
    with database.session() as session:
        partner = make_account(session, "partenaire-org@example.fr")
        partner_actor = make_actor(
            session, viewer_for(session, partner), name="CHU partenaire", kind="health_establishment"
        )
        sub = session.get(Submission, submission_id)
        assert sub is not None and partner_actor.id is not None
        session.add(
            ProjectPartner(project_id=sub.project_id, actor_id=partner_actor.id, role=PartnerRole.ESTABLISHMENT)
        )
        session.commit()
        partner_actor_id = partner_actor.id
    person_of(database, "jure-carrier@example.fr", carrier_id)
    person_of(database, "jure-partner@example.fr", partner_actor_id)
    person_of(database, "jure@example.fr", None)
    people(database, "simple@example.fr")
    sign_in(client, "simple@example.fr")
    # Only administrators appoint the jury.
    assert client.get(f"/administration/ateliers-et-concours/{event_id}").status_code == 403
    _problem(
        client.post(
            f"/api/v1/events/{event_id}/jury", json={"email": "simple@example.fr"}, headers=csrf_headers(client)
        ),
        403,
    )
    # Someone outside the jury may not score.
    _problem(
        client.post(
            f"/api/v1/submissions/{submission_id}/scores",
            json={"values": {"viability": 3, "medical_interest": 3, "involvement": 3}},
            headers=csrf_headers(client),
        ),
        403,
    )
    switch_to(client, ADMIN)
    for email in ("jure-carrier@example.fr", "jure-partner@example.fr", "jure@example.fr"):
        _appoint(client, event_id, email)
    assert (
        "Cette personne fait déjà partie du jury"
        in client.post(
            f"/administration/ateliers-et-concours/{event_id}/jury",
            data={"email": "jure@example.fr", "_csrf_token": client.cookies.get("hub_csrf") or ""},
        ).text
    )
    url = f"/ateliers-et-concours/{event_id}/candidatures/{submission_id}/evaluation"
    # Conflict of interest through Person.organisation_id: the carrier, then a partner.
    for email in ("jure-carrier@example.fr", "jure-partner@example.fr"):
        switch_to(client, email)
        assert "Conflit d’intérêts" in client.get(f"/ateliers-et-concours/{event_id}").text
        refused = client.post(url, data=GRID | {"_csrf_token": client.cookies.get("hub_csrf") or ""})
        assert refused.status_code == 403 and "votre organisation porte ce projet ou en est partenaire" in refused.text
        body = _problem(
            client.post(
                f"/api/v1/submissions/{submission_id}/scores",
                json={"values": {"viability": 3, "medical_interest": 3, "involvement": 3}},
                headers=csrf_headers(client),
            ),
            403,
        )
        assert "Conflit d’intérêts" in body["detail"]
    switch_to(client, "jure@example.fr")
    form = client.get(url)
    assert form.status_code == 200 and "Viabilité (poids 2)" in form.text
    missing = client.post(url, data={"score_viability": "9", "_csrf_token": csrf_from(form.text)})
    assert missing.status_code == 422 and "Notez chaque critère" in missing.text
    ok = client.post(url, data=GRID | {"comment": SCRIPT, "_csrf_token": csrf_from(form.text)}, follow_redirects=False)
    assert ok.status_code == 303
    assert "Évaluée" in client.get(f"/ateliers-et-concours/{event_id}").text
    again = client.post(url, data=GRID | {"_csrf_token": csrf_from(form.text)})
    assert again.status_code == 409 and "déjà évalué cette candidature" in again.text
    body = _problem(
        client.post(
            f"/api/v1/submissions/{submission_id}/scores",
            json={"values": {"viability": 1, "medical_interest": 1, "involvement": 1}},
            headers=csrf_headers(client),
        ),
        409,
    )
    assert "une seule fois" in body["detail"]
    with database.session() as session:
        scores = session.exec(select(Score).where(col(Score.submission_id) == submission_id)).all()
        assert [s.values for s in scores] == [{"viability": 4, "medical_interest": 5, "involvement": 3}]


def test_results_are_published_only_when_every_submission_has_its_follow_up(
    client: TestClient[Litestar], database: Database
) -> None:
    event_id = contest(database)
    first, _ = _submitted(database, event_id)
    second, _ = _submitted(database, event_id, "autre@example.fr", f"Pansement connecté {SCRIPT}")
    people(database, "visiteur@example.fr")
    sign_in(client, ADMIN)
    manage = client.get(f"/administration/ateliers-et-concours/{event_id}").text
    token = csrf_from(manage)
    base = f"/administration/ateliers-et-concours/{event_id}/candidatures"
    # The reason is required; a supported project names the resources it gets, among those announced.
    no_reason = client.post(
        f"{base}/{first}/suite", data={"follow_up": "not_retained", "reason": "", "_csrf_token": token}
    )
    assert no_reason.status_code == 422 and "obligatoire" in field_error(no_reason.text, f"reason-{first}")
    no_means = client.post(
        f"{base}/{first}/suite",
        data={
            "follow_up": "retained_supported",
            "reason": "Solide et attendu par les infirmières.",
            "_csrf_token": token,
        },
    )
    assert no_means.status_code == 422 and "moyens attribués" in no_means.text
    done = client.post(
        f"{base}/{first}/suite",
        data={
            "follow_up": "retained_supported",
            "reason": "Solide et attendu par les infirmières.",
            "allocated": ["funding", "referent_follow_up"],
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    # One submission still has no answer: publication is refused with the reason, nothing changes.
    refused = client.post(f"/administration/ateliers-et-concours/{event_id}/publication", data={"_csrf_token": token})
    assert refused.status_code == 409 and "1 candidature(s) n’ont pas encore de suite" in refused.text
    assert SCRIPT not in refused.text
    api_refused = _problem(client.post(f"/api/v1/events/{event_id}/publication", headers=csrf_headers(client)), 409)
    assert "Chaque idée doit recevoir une réponse" in api_refused["detail"]
    with database.session() as session:
        event = session.get(Event, event_id)
        assert event is not None and event.results_published_at is None
    reason = f"Pas encore de site d’expérimentation {SCRIPT}"
    follow = client.post(
        f"/api/v1/submissions/{second}/follow-up",
        json={"follow_up": "not_retained", "reason": reason},
        headers=csrf_headers(client),
    )
    assert follow.status_code == 200 and follow.json()["follow_up"] == "not_retained"
    published = client.post(
        f"/administration/ateliers-et-concours/{event_id}/publication",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert published.status_code == 303
    switch_to(client, "visiteur@example.fr")
    page = client.get(f"/ateliers-et-concours/{event_id}").text
    assert "<caption>Suite donnée à chaque candidature</caption>" in page
    assert "Retenu et accompagné" in page and "Non retenu" in page
    assert "Financement, Suivi par un référent" in page or "Suivi par un référent, Financement" in page
    assert SCRIPT not in page and "&lt;script&gt;" in page
    results = client.get(f"/api/v1/events/{event_id}").json()["results"]
    assert {r["follow_up"] for r in results} == {"retained_supported", "not_retained"}
    assert reason in {r["reason"] for r in results}
    # The contest is closed: no more submissions.
    switch_to(client, LEAD)
    project_id, _ = lead_project(database, "tardif@example.fr", "Un projet de plus")
    switch_to(client, "tardif@example.fr")
    late = _problem(
        client.post(
            f"/api/v1/events/{event_id}/submissions", json={"project_id": project_id}, headers=csrf_headers(client)
        ),
        409,
    )
    assert "résultats de ce concours sont publiés" in late["detail"]
