"""A small bank for ledger tests: an employer, its approver, depositors, a drawer, a project with its lead."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from hub.accounts.models import Account, AccountRole, Person, Role
from hub.accounts.services import viewer_for
from hub.accounts.viewer import Viewer
from hub.db import Database, make_engine, utcnow
from hub.directory.models import ActorMembership, MembershipStatus
from hub.ledger.services import create_convention, declare_interests, publish_stake_rule
from hub.migrate import upgrade
from tests.factories import make_account as signed_up
from tests.factories import make_actor, make_project

UNUSABLE_HASH = "!"  # these accounts never sign in


@dataclass(frozen=True)
class Bank:
    """Ids of the people and things a ledger test needs."""

    convention_id: int
    employer_id: int
    carrier_id: int
    project_id: int
    approver: int
    depositors: tuple[int, ...]
    drawer: int
    lead: int
    admin: int
    undeclared: int


def employ(session: Session, account_id: int, actor_id: int) -> None:
    """Record an approved membership: the account works for the actor."""
    session.add(
        ActorMembership(actor_id=actor_id, account_id=account_id, status=MembershipStatus.APPROVED, decided_at=utcnow())
    )
    session.flush()


def make_account(session: Session, email: str, *, roles: tuple[Role, ...] = (), password: bool = False) -> Account:
    """An account with a profile; no password unless asked (argon2 would dominate the ledger tests' time)."""
    if password:
        return signed_up(session, email, roles=roles)
    account = Account(email=email, password_hash=UNUSABLE_HASH)
    session.add(account)
    session.flush()
    assert account.id is not None
    session.add(Person(account_id=account.id, display_name=email.split("@")[0].title()))
    for role in roles:
        session.add(AccountRole(account_id=account.id, role=role))
    session.flush()
    return account


def make_viewer(session: Session, email: str) -> Viewer:
    """A viewer for an account made by `make_account`."""
    return viewer_for(session, make_account(session, email))


def build_bank(session: Session, *, cap_minutes: int = 6000, depositors: int = 3, password: bool = False) -> Bank:
    """Create the people, the convention and the project, each with a current declaration of interests."""
    hr = make_viewer(session, "rh@chu.example.fr")
    employer = make_actor(session, hr, name="CHU de Mont-de-Marsan", kind="health_establishment")
    sponsor = make_viewer(session, "porteur@startup.example.fr")
    carrier = make_actor(session, sponsor, name="Jeune pousse Télésanté")
    lead_viewer = make_viewer(session, "pilote@example.fr")
    project = make_project(session, lead_viewer)
    assert employer.id is not None
    assert carrier.id is not None
    assert project.id is not None
    project.carrier_id = carrier.id
    session.add(project)
    approver = make_account(session, "validatrice@chu.example.fr", password=password)
    admin = make_account(session, "admin@lab.example.fr", roles=(Role.ADMIN,))
    drawer = make_account(session, "contributeur@example.fr")
    undeclared = make_account(session, "sans-declaration@chu.example.fr")
    people = [
        make_account(session, f"soignant{i}@chu.example.fr", password=password and i == 0) for i in range(depositors)
    ]
    ids = [a.id for a in (approver, admin, drawer, undeclared, *people)]
    assert all(i is not None for i in ids)
    approver_id, admin_id, drawer_id, undeclared_id, *depositor_ids = [int(i or 0) for i in ids]
    for account_id in (approver_id, *depositor_ids, undeclared_id):
        employ(session, account_id, employer.id)
    until = utcnow() + timedelta(days=365)
    for account_id in (approver_id, admin_id, drawer_id, lead_viewer.account_id, *depositor_ids):
        declare_interests(session, account_id, "Aucun lien d’intérêts.", until)
    convention = create_convention(
        session,
        title="Convention CHU – lab e-santé",
        employer_id=employer.id,
        cap_minutes_per_period=cap_minutes,
        approver_ids=[approver_id],
    )
    publish_stake_rule(session, project.id, 1)
    assert convention.id is not None
    return Bank(
        convention_id=convention.id,
        employer_id=employer.id,
        carrier_id=carrier.id,
        project_id=project.id,
        approver=approver_id,
        depositors=tuple(depositor_ids),
        drawer=drawer_id,
        lead=lead_viewer.account_id,
        admin=admin_id,
        undeclared=undeclared_id,
    )


@pytest.fixture
def bank(database: Database) -> Bank:
    """A bank on the test database (rolled back after the test)."""
    with database.transaction() as session:
        return build_bank(session)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of its own (not the rolled-back test connection), for tests whose threads or
    processes each open their own engine on it."""
    if request.param == "sqlite":
        location = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
        engine = make_engine(location)
        upgrade(engine)
        engine.dispose()
        yield location
        return
    admin_url = os.environ.get("HUB_TEST_POSTGRES_URL", "")
    if not admin_url:
        pytest.skip("PostgreSQL not configured (set HUB_TEST_POSTGRES_URL)")
    name = f"hub_ledger_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    location = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(location)
    try:
        upgrade(engine)
        engine.dispose()
        yield location
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
