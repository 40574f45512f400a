"""Shared set-up for the contests tests: the lab's administrator, a contest, a project carried by an organisation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select

from hub.accounts.models import Account, Person, Role
from hub.accounts.services import viewer_for
from hub.contests.services import create_event, today
from hub.contests.shapes import EventInput
from hub.db import Database
from tests.factories import make_account, make_actor, make_project

ADMIN = "lab@example.fr"
LEAD = "porteuse@example.fr"


def contest_body(on: date | None = None, **changes: Any) -> dict[str, Any]:
    """A contest opening today: registrations for 10 days, submissions for 20, held on day 30."""
    start = on or today()
    body: dict[str, Any] = {
        "kind": "contest",
        "title": "Concours « Plaies chroniques à domicile »",
        "description": "Des solutions pour suivre les plaies chroniques à domicile, avec les infirmières libérales.",
        "location": "Bordeaux",
        "starts_on": start + timedelta(days=30),
        "ends_on": start + timedelta(days=31),
        "registration_closes_on": start + timedelta(days=10),
        "submission_closes_on": start + timedelta(days=20),
        "capacity": 50,
        "weights": {"viability": 2, "medical_interest": 3, "involvement": 1},
        "resources": [
            {"kind": "referent_follow_up", "details": "un an"},
            {"kind": "bank_hours", "details": "40 heures"},
            {"kind": "funding", "details": "10 000 €"},
        ],
        "need_ids": [],
    }
    return body | changes


def contest(database: Database, on: date | None = None, **changes: Any) -> int:
    """A contest set up by the lab's administrator (created if missing); its id."""
    with database.session() as session:
        admin = session.exec(select(Account).where(col(Account.email) == ADMIN)).first()
        if admin is None:
            admin = make_account(session, ADMIN, roles=(Role.ADMIN,))
        event = create_event(
            session, viewer_for(session, admin), EventInput.model_validate(contest_body(on, **changes)), on or today()
        )
        session.commit()
        assert event.id is not None
        return event.id


def lead_project(
    database: Database, email: str = LEAD, title: str = "PlaieSuivi : photos de plaies partagées"
) -> tuple[int, int]:
    """A lead, her company and a project it carries: (project id, actor id)."""
    with database.session() as session:
        account = make_account(session, email)
        viewer = viewer_for(session, account)
        actor = make_actor(session, viewer, name=f"Start-up {email.split('@')[0]}", kind="company", departement="33")
        project = make_project(session, viewer, title=title, carrier_id=actor.id, departement="33")
        session.commit()
        assert project.id is not None and actor.id is not None
        return project.id, actor.id


def person_of(
    database: Database, email: str, organisation_id: int | None = None, *, roles: tuple[Role, ...] = ()
) -> None:
    """An account whose profile names its organisation."""
    with database.session() as session:
        account = make_account(session, email, roles=roles)
        person = session.exec(select(Person).where(col(Person.account_id) == account.id)).one()
        person.organisation_id = organisation_id
        session.add(person)
        session.commit()
