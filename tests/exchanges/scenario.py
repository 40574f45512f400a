"""Shared set-up for the access point tests: people with roles, a project looking for them, page readers."""

from __future__ import annotations

import re
from datetime import date, timedelta

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session, col, select

from hub.accounts.models import Account, Role
from hub.accounts.services import viewer_for
from hub.accounts.viewer import Viewer
from hub.db import Database
from hub.exchanges.services import create_availability, today
from hub.exchanges.shapes import AvailabilityInput
from tests.factories import make_account, make_actor, make_project, sign_in

PROJECT_TITLE = "Télésurveillance cardiaque connectée en Gironde"


def switch_to(client: TestClient[Litestar], email: str) -> None:
    """Sign out, then sign in as someone else (the other side of an introduction)."""
    client.post("/deconnexion", data={"_csrf_token": client.cookies.get("hub_csrf") or ""}, follow_redirects=False)
    sign_in(client, email)


def offer_time(
    database: Database, email: str, *, role: Role = Role.HEALTH_PROFESSIONAL, on: date | None = None, **changes: object
) -> int:
    """An account with `role` and one availability (matching the lead's project unless changed); its id."""
    start = on or today()
    values: dict[str, object] = {
        "hours_per_month": 8,
        "starts_on": start,
        "ends_on": start + timedelta(days=60),
        "phases": ["experimentation"],
        "sectors": ["cardio"],
        "departement": "33",
        "visibility": "members",
    }
    values.update(changes)
    with database.session() as session:
        account = make_account(session, email, roles=(role,))
        availability = create_availability(
            session, viewer_for(session, account), AvailabilityInput.model_validate(values), start
        )
        session.commit()
        assert availability.id is not None
        return availability.id


def lead_project(database: Database, email: str = "porteuse@example.fr") -> tuple[int, str, int]:
    """A start-up lead with her company and a project looking for health professionals: (project id, slug, actor)."""
    with database.session() as session:
        account = make_account(session, email)
        viewer = viewer_for(session, account)
        actor = make_actor(session, viewer, name="Start-up CardioLien", kind="company", departement="33")
        project = make_project(
            session,
            viewer,
            title=PROJECT_TITLE,
            carrier_id=actor.id,
            needs=["professionals", "patients"],
            sectors=["cardio", "objets_connectes"],
            departement="33",
        )
        session.commit()
        assert project.id is not None and actor.id is not None
        return project.id, project.slug, actor.id


def viewer_of(session: Session, email: str) -> Viewer:
    """The signed-in view of the account with this e-mail."""
    return viewer_for(session, session.exec(select(Account).where(col(Account.email) == email)).one())


def field_error(html: str, field: str) -> str:
    """The French error shown next to a form field ('' when there is none)."""
    found = re.search(rf'id="{field}-erreur"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def people_shown(html: str) -> set[str]:
    """The names of the available people listed on a page."""
    return set(re.findall(r'<strong class="hub-person">([^<]+)</strong>', html))
