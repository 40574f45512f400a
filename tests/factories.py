"""Typed, deterministic factories for tests (they go through the services, like users do)."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session

from hub.accounts.models import Account, Role
from hub.accounts.services import grant_role, sign_up, viewer_for
from hub.accounts.shapes import SignUpInput
from hub.accounts.viewer import Viewer
from hub.directory.models import Actor
from hub.directory.services import create_actor
from hub.directory.shapes import ActorInput
from hub.projects.models import Project
from hub.projects.services import create_project
from hub.projects.shapes import ProjectInput

PASSWORD = "un mot de passe solide"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form of a page."""
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def make_account(session: Session, email: str = "alice@example.fr", *, roles: tuple[Role, ...] = ()) -> Account:
    """An account with a profile (and extra roles granted by an administrator)."""
    account = sign_up(
        session,
        SignUpInput(
            email=email, password=PASSWORD, password_confirm=PASSWORD, display_name=email.split("@")[0].title()
        ),
    )
    assert account.id is not None
    for role in roles:
        grant_role(session, account.id, role)
    session.flush()
    return account


def make_viewer(session: Session, email: str = "alice@example.fr", *, roles: tuple[Role, ...] = ()) -> Viewer:
    """A signed-in viewer for service tests."""
    return viewer_for(session, make_account(session, email, roles=roles))


def make_actor(session: Session, viewer: Viewer, **overrides: Any) -> Actor:
    """An actor created by `viewer` (who becomes its member)."""
    values: dict[str, Any] = {
        "name": "Living lab des Landes",
        "kind": "living_lab",
        "departement": "40",
        "sectors": ["telemedecine"],
    }
    values.update(overrides)
    return create_actor(session, ActorInput.model_validate(values), viewer)


def make_project(session: Session, viewer: Viewer, **overrides: Any) -> Project:
    """A project created by `viewer`."""
    values: dict[str, Any] = {
        "title": "Télésurveillance de l’insuffisance cardiaque à domicile",
        "phase": "experimentation",
    }
    values.update(overrides)
    return create_project(session, ProjectInput.model_validate(values), viewer)


def sign_in(client: TestClient[Litestar], email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a browser would."""
    page = client.get("/connexion")
    response = client.post(
        "/connexion",
        data={"email": email, "password": password, "_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
