"""The needs' JSON API: list with filters, detail, create, support once, comment, qualify; refusals are problem
details with the reason, and nothing is written."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from hub.accounts.models import Role
from hub.db import Database
from tests.factories import sign_in
from tests.needs.scenario import NEED, csrf_headers, need_count, people, raise_need, referent, switch_to


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def test_create_list_filter_and_read_a_need(client: TestClient[Litestar], database: Database) -> None:
    people(database, "ines@example.fr")
    sign_in(client, "ines@example.fr")
    created = client.post("/api/v1/needs", json=NEED, headers=csrf_headers(client))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "open" and body["territory"] == "dep-33" and body["sectors"] == ["dermatologie"]
    assert body["affected"] == ["patients", "professionals"] and body["supports"] == 0
    listed = client.get("/api/v1/needs?sector=dermatologie&territory=reg-75&status=open").json()
    assert body["id"] in [n["id"] for n in listed["items"]] and listed["total"] >= 1
    assert client.get("/api/v1/needs?sector=cardio").json()["total"] == 0
    _problem(client.get("/api/v1/needs?territory=nulle-part"), 400)
    assert client.get(f"/api/v1/needs/{body['id']}").json()["title"] == NEED["title"]
    _problem(client.get("/api/v1/needs/999999"), 404)


def test_invalid_needs_are_422_per_field_and_nothing_is_written(
    client: TestClient[Litestar], database: Database
) -> None:
    before = need_count(database)
    client.get("/connexion")
    _problem(client.post("/api/v1/needs", json=NEED, headers=csrf_headers(client)), 401)
    people(database, "ines@example.fr")
    sign_in(client, "ines@example.fr")
    body = _problem(
        client.post(
            "/api/v1/needs",
            json=NEED | {"title": "", "description": "d" * 5001, "sectors": ["inconnu"], "affected": ["martiens"]},
            headers=csrf_headers(client),
        ),
        422,
    )
    assert {e["field"] for e in body["errors"]} >= {"title", "description"}
    body = _problem(
        client.post("/api/v1/needs", json=NEED | {"sectors": ["inconnu"]}, headers=csrf_headers(client)), 422
    )
    assert body["errors"] == [{"field": "sectors", "message": "Secteur inconnu : inconnu."}]
    assert need_count(database) == before


def test_support_once_comment_and_qualify_through_the_api(client: TestClient[Litestar], database: Database) -> None:
    need_id = raise_need(database, "ines@example.fr")
    referent(database, "karim@example.fr")
    people(database, "paul@example.fr")
    sign_in(client, "paul@example.fr")
    supported = client.post(f"/api/v1/needs/{need_id}/support", headers=csrf_headers(client))
    assert supported.status_code == 201 and supported.json()["supports"] == 1 and supported.json()["supported_by_me"]
    second = _problem(client.post(f"/api/v1/needs/{need_id}/support", headers=csrf_headers(client)), 409)
    assert "qu’une fois" in second["detail"]
    withdrawn = client.delete(f"/api/v1/needs/{need_id}/support", headers=csrf_headers(client))
    assert withdrawn.status_code == 200 and withdrawn.json()["supports"] == 0
    _problem(client.delete(f"/api/v1/needs/{need_id}/support", headers=csrf_headers(client)), 409)
    comment = client.post(
        f"/api/v1/needs/{need_id}/comments", json={"body": "Pareil en EHPAD."}, headers=csrf_headers(client)
    )
    assert comment.status_code == 201 and comment.json()["comments"][0]["body"] == "Pareil en EHPAD."
    _problem(
        client.post(f"/api/v1/needs/{need_id}/comments", json={"body": "x" * 2001}, headers=csrf_headers(client)), 422
    )
    refused = _problem(
        client.post(
            f"/api/v1/needs/{need_id}/qualification", json={"status": "taken_up"}, headers=csrf_headers(client)
        ),
        403,
    )
    assert "référents" in refused["detail"]
    switch_to(client, "karim@example.fr")
    _problem(
        client.post(
            f"/api/v1/needs/{need_id}/qualification", json={"status": "duplicate"}, headers=csrf_headers(client)
        ),
        422,
    )
    done = client.post(
        f"/api/v1/needs/{need_id}/qualification",
        json={"status": "taken_up", "reason": "Le CHU de Bordeaux lance un appel à projets."},
        headers=csrf_headers(client),
    )
    assert done.status_code == 200 and done.json()["status"] == "taken_up"


def test_a_national_need_is_qualified_by_administrators_only(client: TestClient[Litestar], database: Database) -> None:
    need_id = raise_need(database, "ines@example.fr", territory="")
    referent(database, "karim@example.fr")
    people(database, "admin@example.fr", roles=(Role.ADMIN,))
    sign_in(client, "karim@example.fr")
    _problem(
        client.post(
            f"/api/v1/needs/{need_id}/qualification", json={"status": "taken_up"}, headers=csrf_headers(client)
        ),
        403,
    )
    switch_to(client, "admin@example.fr")
    done = client.post(
        f"/api/v1/needs/{need_id}/qualification", json={"status": "taken_up"}, headers=csrf_headers(client)
    )
    assert done.status_code == 200 and done.json()["territory"] is None
