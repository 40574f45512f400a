"""The JSON API: lists, details, writes with CSRF, RFC 9457 problem details for every error."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.db import Database
from hub.directory.models import Actor
from tests.factories import make_account, sign_in


def _csrf_headers(client: TestClient[Litestar]) -> dict[str, str]:
    client.get("/connexion")
    token = client.cookies.get("hub_csrf")
    assert token
    return {"x-csrftoken": token}


def _signed_in(client: TestClient[Litestar], database: Database, email: str = "api@example.fr") -> dict[str, str]:
    with database.session() as session:
        make_account(session, email)
        session.commit()
    sign_in(client, email)
    return _csrf_headers(client)


def _is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def test_reference_data_lists_18_regions_101_departements_and_sectors(client: TestClient[Litestar]) -> None:
    territories = client.get("/api/v1/territories").json()["items"]
    assert sum(t["level"] == "region" for t in territories) == 18
    assert sum(t["level"] == "departement" for t in territories) == 101
    assert {t["code"] for t in territories if t["zone"] == "drom" and t["level"] == "region"} == {
        "01",
        "02",
        "03",
        "04",
        "06",
    }
    gironde = client.get("/api/v1/territories/dep-33").json()
    assert gironde["parent_id"] == "reg-75"
    assert gironde["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    sectors = client.get("/api/v1/sectors").json()["items"]
    assert {s["family"] for s in sectors} == {"health", "technology"}


def test_seeded_catalogue_holds_at_least_1000_projects_and_1000_actors(client: TestClient[Litestar]) -> None:
    assert client.get("/api/v1/projects?per_page=1").json()["total"] >= 1000
    assert client.get("/api/v1/actors?per_page=1").json()["total"] >= 1000


def test_project_filters_match_what_they_return(client: TestClient[Litestar]) -> None:
    body = client.get("/api/v1/projects?phase=development&region=84&per_page=50").json()
    assert body["total"] > 0
    assert all(p["phase"] == "development" and p["region"] == "84" for p in body["items"])


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/actors?kind=licorne", 400),
        ("/api/v1/actors?page=-1", 400),
        ("/api/v1/actors?per_page=5000", 400),
        ("/api/v1/actors?page=100000", 404),
        ("/api/v1/actors?inconnu=1", 400),
        ("/api/v1/actors/999999999", 404),
        ("/api/v1/projects/999999999", 404),
        ("/api/v1/projects?carrier=abc", 400),
        ("/api/v1/territories/reg-00", 404),
        ("/api/v1/nothing-here", 404),
    ],
)
def test_bad_requests_are_problem_details(client: TestClient[Litestar], path: str, status: int) -> None:
    _is_problem(client.get(path), status)


def test_writes_need_an_account(client: TestClient[Litestar]) -> None:
    headers = _csrf_headers(client)
    body = _is_problem(client.post("/api/v1/actors", json={"name": "X", "kind": "company"}, headers=headers), 401)
    assert "Connectez-vous" in body["detail"]


def test_writes_without_csrf_header_are_refused(client: TestClient[Litestar], database: Database) -> None:
    _signed_in(client, database)
    _is_problem(client.post("/api/v1/actors", json={"name": "Sans jeton", "kind": "company"}), 403)


def test_create_then_update_an_actor_through_the_api(client: TestClient[Litestar], database: Database) -> None:
    headers = _signed_in(client, database)
    created = client.post(
        "/api/v1/actors",
        json={
            "name": "Cardio Lab API",
            "kind": "company",
            "siren": "732829320",
            "departement": "2A",
            "sectors": ["cardio"],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    actor = created.json()
    assert actor["region"] == "94"
    assert actor["sectors"] == ["cardio"]
    updated = client.patch(f"/api/v1/actors/{actor['id']}", json={"description": "Suivi à domicile."}, headers=headers)
    assert updated.status_code == 200
    assert updated.json()["description"] == "Suivi à domicile."
    assert updated.json()["name"] == "Cardio Lab API"


def test_invalid_fields_are_a_422_naming_each_field_and_nothing_is_written(
    client: TestClient[Litestar], database: Database
) -> None:
    headers = _signed_in(client, database)
    with database.session() as session:
        before = len(session.exec(select(Actor.id)).all())
    response = client.post(
        "/api/v1/actors",
        json={"name": "", "kind": "dragon", "siret": "73282932000075", "website": "javascript:alert(1)", "surprise": 1},
        headers=headers,
    )
    body = _is_problem(response, 422)
    fields = {error["field"]: error["message"] for error in body["errors"]}
    assert {"name", "kind", "siret", "website", "surprise"} <= set(fields)
    assert "clé de contrôle" in fields["siret"]
    with database.session() as session:
        assert len(session.exec(select(Actor.id)).all()) == before


def test_unknown_references_are_field_errors(client: TestClient[Litestar], database: Database) -> None:
    headers = _signed_in(client, database)
    body = _is_problem(
        client.post(
            "/api/v1/actors", json={"name": "Ailleurs", "kind": "company", "departement": "99"}, headers=headers
        ),
        422,
    )
    assert [e["field"] for e in body["errors"]] == ["departement"]
    body = _is_problem(
        client.post(
            "/api/v1/projects",
            json={"title": "Projet", "sectors": ["licorne"], "partners": [{"actor_id": 999999999}]},
            headers=headers,
        ),
        422,
    )
    assert {e["field"] for e in body["errors"]} == {"sectors", "partners"}


def test_a_body_that_is_not_json_is_a_problem(client: TestClient[Litestar], database: Database) -> None:
    headers = _signed_in(client, database)
    response = client.post(
        "/api/v1/actors", content=b"{not json", headers={**headers, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_someone_else_cannot_edit_an_actor(client: TestClient[Litestar], database: Database) -> None:
    headers = _signed_in(client, database)
    with database.session() as session:
        seeded = session.exec(select(Actor).where(col(Actor.source) == "finess-chu")).first()
        assert seeded is not None
    _is_problem(client.patch(f"/api/v1/actors/{seeded.id}", json={"name": "Piraté"}, headers=headers), 403)


def test_project_creation_through_the_api(client: TestClient[Litestar], database: Database) -> None:
    headers = _signed_in(client, database)
    with database.session() as session:
        partner = session.exec(select(Actor).where(col(Actor.source) == "finess-chu")).first()
        assert partner is not None
    created = client.post(
        "/api/v1/projects",
        json={
            "title": "Téléexpertise en dermatologie",
            "phase": "experimentation",
            "partners": [{"actor_id": partner.id, "role": "etablissement"}],
            "needs": ["patients"],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    project = created.json()
    assert project["partners"] == [{"actor_id": partner.id, "role": "etablissement"}]
    assert client.get(f"/api/v1/projects/{project['id']}").json()["needs"] == ["patients"]


def test_openapi_schema_is_served(client: TestClient[Litestar]) -> None:
    schema = client.get("/api/schema/openapi.json").json()
    assert "/api/v1/actors" in schema["paths"]
    assert "/api/v1/projects/{project_id}" in schema["paths"]
