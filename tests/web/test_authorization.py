"""Every route, tried as an anonymous visitor, a member and an administrator: no 5xx, no write without the right.

Routes are read from the application itself, so a new route is covered the day it is added.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Role
from hub.db import Database
from hub.directory.models import Actor
from hub.projects.models import Project
from tests.factories import make_account, sign_in

SAFE = {"GET"}
ADMIN_ONLY_PREFIXES = ("/administration",)
PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


def _routes(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/static") or route.path.startswith("/api/schema"):
            continue
        for method in sorted(route.methods):
            if method in {"GET", "POST", "PATCH", "PUT", "DELETE"}:
                found.append((method, route.path))
    return found


def _fill(path: str, samples: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "slug":
            return samples["project_slug"] if path.startswith("/projets") else samples["actor_slug"]
        if name in samples:
            return samples[name]
        return "1" if match.group(2) == "int" else "x"

    return PARAM.sub(value, path)


@pytest.fixture
def samples(database: Database) -> dict[str, str]:
    with database.session() as session:
        actor = session.exec(select(Actor).where(col(Actor.source) == "finess-chu")).first()
        project = session.exec(select(Project).order_by(col(Project.id))).first()
        make_account(session, "membre@example.fr")
        make_account(session, "admin@example.fr", roles=(Role.ADMIN,))
        session.commit()
        assert actor is not None
        assert project is not None
        return {
            "actor_slug": actor.slug,
            "project_slug": project.slug,
            "actor_id": str(actor.id),
            "project_id": str(project.id),
            "territory_id": "reg-75",
        }


def _call(client: TestClient[Litestar], method: str, path: str) -> Any:
    headers = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    if method in SAFE:
        return client.get(path, follow_redirects=False)
    if path.startswith("/api/"):
        return client.request(method, path, json={}, headers=headers, follow_redirects=False)
    return client.request(
        method, path, data={"_csrf_token": headers["x-csrftoken"]}, headers=headers, follow_redirects=False
    )


def test_every_route_as_every_role(client: TestClient[Litestar], samples: dict[str, str]) -> None:
    routes = _routes(client.app)
    assert len(routes) > 20
    client.get("/connexion")  # the CSRF cookie
    problems: list[str] = []
    for role in ("anonymous", "member", "admin"):
        if role != "anonymous":
            sign_in(client, "membre@example.fr" if role == "member" else "admin@example.fr")
        for method, template in routes:
            path = _fill(template, samples)
            response = _call(client, method, path)
            status = response.status_code
            where = f"{role} {method} {template} -> {status}"
            if status >= 500:
                problems.append(where + " (server error)")
            if role == "anonymous" and method not in SAFE and 200 <= status < 300:
                problems.append(where + " (an anonymous write succeeded)")
            anonymous_write_redirect = (
                role == "anonymous" and status == 303 and method not in SAFE and template != "/deconnexion"
            )
            if anonymous_write_redirect and not response.headers["location"].startswith("/connexion"):
                problems.append(where + " (anonymous write redirected elsewhere than the login page)")
            if role == "member" and template.startswith(ADMIN_ONLY_PREFIXES) and status not in (403, 404, 405):
                problems.append(where + " (administration page open to a member)")
            if template == "/deconnexion" and role != "anonymous":
                # Signing out ends the session: sign in again so the next routes are tried with this role.
                sign_in(client, "membre@example.fr" if role == "member" else "admin@example.fr")
    assert problems == [], "\n".join(problems)


def test_anonymous_visitors_are_sent_to_login_for_account_pages(client: TestClient[Litestar]) -> None:
    paths = (
        "/compte",
        "/compte/profil",
        "/annuaire/nouveau",
        "/projets/nouveau",
        "/administration/demandes",
        "/administration/consultations",
    )
    for path in paths:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/connexion?suite="), path
