"""OpenAPI links between the API's operations: each names an operation of the schema and a path parameter it has,
and reads a property that the source response documents; followed for real, a link leads to the resource."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from hub.accounts.models import Role
from hub.db import Database
from tests.factories import make_account, sign_in

SCHEMA = "/api/schema/openapi.json"
METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture
def admin_client(app: Litestar, database: Database) -> Iterator[TestClient[Litestar]]:
    """A client signed in as an administrator, sending the CSRF header."""
    with database.session() as session:
        make_account(session, "links-admin@example.fr", roles=(Role.ADMIN,))
        session.commit()
    with TestClient(app=app) as client:
        sign_in(client, "links-admin@example.fr")
        client.headers["x-csrftoken"] = client.cookies["hub_csrf"]
        yield client


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _links(schema: dict[str, Any]) -> Iterator[tuple[str, str, str, str, dict[str, Any], dict[str, Any]]]:
    """(path, method, status, link name, link, source response) for every link of the schema."""
    for path, method, operation in _operations(schema):
        for status, response in operation["responses"].items():
            for name, link in response.get("links", {}).items():
                yield path, method, status, name, link, response


def _pointer(expression: str) -> list[str]:
    prefix = "$response.body#/"
    assert expression.startswith(prefix), expression
    return expression.removeprefix(prefix).split("/")


def _documented(schema: dict[str, Any], tokens: list[str]) -> dict[str, Any] | None:
    """The schema of the value a JSON pointer names, if `schema` documents it (and requires it)."""
    for token in tokens:
        if token.isdigit():
            if schema.get("type") != "array" or "items" not in schema:
                return None
            schema = schema["items"]
        else:
            if token not in schema.get("properties", {}) or token not in schema.get("required", []):
                return None
            schema = schema["properties"][token]
    return schema


def _resolve(body: Any, tokens: list[str]) -> Any:
    for token in tokens:
        body = body[int(token)] if isinstance(body, list) else body[token]
    return body


def test_every_link_targets_an_operation_with_the_parameters_it_gives(client: TestClient[Litestar]) -> None:
    schema = client.get(SCHEMA).json()
    by_id = {operation["operationId"]: (path, operation) for path, _, operation in _operations(schema)}
    links = list(_links(schema))
    assert len(links) >= 60
    for path, method, status, name, link, _ in links:
        where = f"{method.upper()} {path} {status} -> {name}"
        assert link["operationId"] in by_id, where
        target_path, target = by_id[link["operationId"]]
        path_parameters = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
        assert set(link["parameters"]) == path_parameters, where
        assert all("{" + name + "}" in target_path for name in link["parameters"]), where
        assert status.startswith("2"), where


def test_every_link_reads_a_property_the_source_response_documents(client: TestClient[Litestar]) -> None:
    schema = client.get(SCHEMA).json()
    by_id = {operation["operationId"]: operation for _, _, operation in _operations(schema)}
    for path, method, status, name, link, response in _links(schema):
        body = response["content"]["application/json"]["schema"]
        target = by_id[link["operationId"]]
        parameter_types = {p["name"]: p["schema"].get("type") for p in target["parameters"] if p["in"] == "path"}
        for parameter, expression in link["parameters"].items():
            documented = _documented(body, _pointer(expression))
            where = f"{method.upper()} {path} {status} -> {name}: {parameter} = {expression}"
            assert documented is not None, where
            assert documented.get("type") == parameter_types[parameter], where


def test_creating_or_listing_a_resource_links_to_reading_and_acting_on_it(client: TestClient[Litestar]) -> None:
    schema = client.get(SCHEMA).json()
    ids = {operation["operationId"]: (method, path) for path, method, operation in _operations(schema)}
    found = {
        (method, path, status, ids[link["operationId"]]): link["parameters"]
        for path, method, status, _, link, _ in _links(schema)
    }
    expected = {
        ("post", "/api/v1/actors", "201", ("get", "/api/v1/actors/{actor_id}")): {"actor_id": "$response.body#/id"},
        ("post", "/api/v1/actors", "201", ("patch", "/api/v1/actors/{actor_id}")): {"actor_id": "$response.body#/id"},
        ("post", "/api/v1/projects", "201", ("get", "/api/v1/projects/{project_id}/suggestions")): {
            "project_id": "$response.body#/id"
        },
        ("get", "/api/v1/projects", "200", ("get", "/api/v1/projects/{project_id}")): {
            "project_id": "$response.body#/items/0/id"
        },
        ("post", "/api/v1/introductions", "201", ("post", "/api/v1/introductions/{request_id}/decision")): {
            "request_id": "$response.body#/id"
        },
        ("post", "/api/v1/ledger/deposits", "201", ("post", "/api/v1/ledger/deposits/{transfer_id}/decision")): {
            "transfer_id": "$response.body#/transfer_id"
        },
        (
            "post",
            "/api/v1/meetings/{meeting_id}/registrations",
            "201",
            (
                "post",
                "/api/v1/meetings/{meeting_id}/registrations/{registration_id}/cancel",
            ),
        ): {"meeting_id": "$response.body#/meeting_id", "registration_id": "$response.body#/id"},
    }
    for key, parameters in expected.items():
        assert found.get(key) == parameters, key


def _follow_reads(client: TestClient[Litestar], schema: dict[str, Any], path: str, method: str, body: Any) -> int:
    """Follow every link of an operation's success response to a read operation; returns how many were followed."""
    by_id = {operation["operationId"]: (p, m) for p, m, operation in _operations(schema)}
    followed = 0
    for source_path, source_method, _, name, link, _ in _links(schema):
        if (source_path, source_method) != (path, method):
            continue
        target_path, target_method = by_id[link["operationId"]]
        if target_method != "get":
            continue
        url = target_path
        for parameter, expression in link["parameters"].items():
            url = url.replace("{" + parameter + "}", str(_resolve(body, _pointer(expression))))
        response = client.get(url)
        # found (an adviser below the minimum of decided dossiers is a 422 naming the reason, not a 404)
        assert response.status_code < 500 and response.status_code != 404, (
            f"{name}: GET {url} -> {response.status_code} {response.text[:300]}"
        )
        followed += 1
    return followed


def test_links_from_lists_lead_to_their_items(admin_client: TestClient[Litestar]) -> None:
    schema = admin_client.get(SCHEMA).json()
    lists = sorted({(path, method) for path, method, *_ in _links(schema) if method == "get" and "{" not in path})
    followed = 0
    for path, method in lists:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        if response.json() and (not isinstance(response.json(), dict) or response.json().get("items")):
            followed += _follow_reads(admin_client, schema, path, method, response.json())
    # the seeded database has actors, projects, referents, territories and open-data sets at least
    assert followed >= 10


def test_links_from_a_created_actor_lead_to_it(admin_client: TestClient[Litestar]) -> None:
    schema = admin_client.get(SCHEMA).json()
    response = admin_client.post(
        "/api/v1/actors",
        json={"name": "Living lab des liens", "kind": "living_lab", "departement": "40", "sectors": ["telemedecine"]},
    )
    assert response.status_code == 201, response.text
    assert _follow_reads(admin_client, schema, "/api/v1/actors", "post", response.json()) >= 4
