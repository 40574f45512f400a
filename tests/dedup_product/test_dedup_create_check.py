"""The create-time duplicate check: the form lists look-alikes and blocks until confirmed; the API answers 409."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, or_, select

from hub.db import Database
from hub.dedup.models import DuplicatePair, DuplicateReview
from hub.projects.models import Project
from tests.factories import csrf_from, make_account, sign_in


def _seeded_project(database: Database) -> Project:
    with database.session() as session:
        project = session.exec(
            select(Project).where(col(Project.summary) != "", col(Project.status) == "active").order_by(col(Project.id))
        ).first()
        assert project is not None
        return project


def _signed_in(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        make_account(session, "porteuse@example.fr")
        session.commit()
    sign_in(client, "porteuse@example.fr")


def test_form_lists_likely_duplicates_and_blocks_until_the_person_confirms(
    client: TestClient[Litestar], database: Database
) -> None:
    existing = _seeded_project(database)
    _signed_in(client, database)
    checked = client.get("/api/v1/projects/duplicates", params={"title": existing.title, "summary": existing.summary})
    assert checked.status_code == 200
    candidates = checked.json()["candidates"]
    assert candidates[0]["id"] == existing.id and candidates[0]["url"] == f"/projets/{existing.slug}"
    assert "titre très proche" in candidates[0]["reasons"] and 0.5 <= candidates[0]["score"] <= 1

    form = client.get("/projets/nouveau")
    assert 'id="doublons"' in form.text and "/static/hub/duplicates.js" in form.text
    data = {"title": existing.title, "summary": existing.summary, "phase": "idea", "_csrf_token": csrf_from(form.text)}
    blocked = client.post("/projets/nouveau", data=data, follow_redirects=False)
    assert blocked.status_code == 422
    assert "Ce projet existe peut-être déjà" in blocked.text and f'href="/projets/{existing.slug}"' in blocked.text
    assert 'id="confirm_distinct-erreur"' in blocked.text and "Il s’agit d’un projet différent" in blocked.text
    with database.session() as session:
        assert len(session.exec(select(Project).where(col(Project.title) == existing.title)).all()) == 1

    confirmed = client.post("/projets/nouveau", data=data | {"confirm_distinct": "on"}, follow_redirects=False)
    assert confirmed.status_code == 303
    with database.session() as session:
        created = session.exec(
            select(Project).where(col(Project.title) == existing.title, col(Project.id) != existing.id)
        ).one()
        pair = session.exec(
            select(DuplicatePair).where(
                or_(col(DuplicatePair.project_a_id) == created.id, col(DuplicatePair.project_b_id) == created.id)
            )
        ).first()
        assert pair is not None and pair.is_declared_distinct and pair.status == "open"
        review = session.get(DuplicateReview, pair.review_id)
        assert review is not None and review.status == "open" and review.audience == "admin"


def test_api_answers_409_with_candidates_unless_confirm_distinct(
    client: TestClient[Litestar], database: Database
) -> None:
    existing = _seeded_project(database)
    _signed_in(client, database)
    headers = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    body = {"title": existing.title, "summary": existing.summary}
    refused = client.post("/api/v1/projects", json=body, headers=headers)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert next(c["id"] for c in refused.json()["candidates"]) == existing.id
    created = client.post("/api/v1/projects", json=body | {"confirm_distinct": True}, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["possible_duplicates"][0]["id"] == existing.id
    # Editing it again is not blocked: its author already said it differs from that project.
    edited = client.patch(
        f"/api/v1/projects/{created.json()['id']}", json={"summary": existing.summary + " Suite."}, headers=headers
    )
    assert edited.status_code == 200, edited.text
    unrelated = client.post(
        "/api/v1/projects",
        json={"title": "Jardin partagé thérapeutique pour les résidents d’un EHPAD de montagne"},
        headers=headers,
    )
    assert unrelated.status_code == 201 and unrelated.json()["possible_duplicates"] == []


def test_duplicate_check_needs_a_signed_in_person(client: TestClient[Litestar]) -> None:
    response = client.get("/api/v1/projects/duplicates", params={"title": "Télésurveillance"})
    assert response.status_code == 401


def test_the_check_runs_on_edits_and_the_script_is_served(client: TestClient[Litestar], database: Database) -> None:
    existing = _seeded_project(database)
    _signed_in(client, database)
    assert client.get("/static/hub/duplicates.js").status_code == 200
    form = client.get("/projets/nouveau")
    token = csrf_from(form.text)
    created = client.post(
        "/projets/nouveau",
        data={"title": "Carnet de soins partagé pour les aidants familiaux", "phase": "idea", "_csrf_token": token},
        follow_redirects=False,
    )
    assert created.status_code == 303
    slug = created.headers["location"].removeprefix("/projets/")
    edit = client.get(f"/projets/{slug}/modifier")
    assert 'data-project-id="' in edit.text
    data = {"title": existing.title, "summary": existing.summary, "phase": "idea", "_csrf_token": token}
    blocked = client.post(f"/projets/{slug}/modifier", data=data, follow_redirects=False)
    assert blocked.status_code == 422 and f'href="/projets/{existing.slug}"' in blocked.text
    saved = client.post(f"/projets/{slug}/modifier", data=data | {"confirm_distinct": "on"}, follow_redirects=False)
    assert saved.status_code == 303
