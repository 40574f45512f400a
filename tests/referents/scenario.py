"""Shared steps of the referent tests: an administrator, referents named through the service."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from hub.accounts.models import Role
from hub.accounts.viewer import Viewer
from hub.referents.models import ReferentAssignment
from hub.referents.routing import today
from hub.referents.services import create_assignment, parse_assignment
from tests.factories import make_account, make_viewer


def admin(session: Session, email: str = "admin@example.fr") -> Viewer:
    """An administrator viewer."""
    return make_viewer(session, email, roles=(Role.ADMIN,))


def assign(
    session: Session,
    by: Viewer,
    email: str,
    territory: str,
    sectors: list[str],
    role: str = "titulaire",
    *,
    starts_on: date | None = None,
    ends_on: date | None = None,
    create: bool = True,
) -> ReferentAssignment:
    """Name `email` referent (creating the account first unless `create` is False)."""
    if create:
        make_account(session, email)
    data: dict[str, Any] = {
        "email": email,
        "territory": territory,
        "sectors": sectors,
        "role": role,
        "starts_on": (starts_on or today() - timedelta(days=30)).isoformat(),
    }
    if ends_on is not None:
        data["ends_on"] = ends_on.isoformat()
    return create_assignment(session, by, parse_assignment(data))
