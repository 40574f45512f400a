"""The demo referent gets one fictional assignment from the seed, once (the loader stays idempotent)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select

from hub.accounts.models import Account
from hub.db import Database
from hub.referents.models import ReferentAssignment
from hub.referents.routing import find_assignee
from seed.load import DEMO_DOMAIN, load_all


def test_demo_referent_assignment_is_loaded_once(database: Database, tmp_path: Path) -> None:
    with database.session() as session:
        first = load_all(session, demo_passwords_file=tmp_path / "demo.txt")
        assert first.demo_accounts
        again = load_all(session, demo_passwords_file=tmp_path / "demo.txt")
        assert not again.changed
        account_id = session.exec(select(Account.id).where(col(Account.email) == f"referent@{DEMO_DOMAIN}")).one()
        assignments = session.exec(
            select(ReferentAssignment).where(col(ReferentAssignment.account_id) == account_id)
        ).all()
        assert [(a.territory_id, a.sectors, str(a.role)) for a in assignments] == [
            ("reg-75", ["cardio", "telemedecine"], "titulaire")
        ]
        # Only the demo referent: nobody else is named by the seed.
        assert len(session.exec(select(ReferentAssignment)).all()) == 1
        assignment, _ = find_assignee(session, ["cardio"], "dep-33")
        assert assignment is not None and assignment.account_id == account_id
