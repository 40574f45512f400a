"""The access-record migration applies over a database that holds data, on SQLite and PostgreSQL: nothing is lost,
the schema then matches the models, and the new table takes records."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text
from sqlmodel import col, select

from hub.accounts.models import Account, Role
from hub.accounts.services import viewer_for
from hub.audit.models import AccessKind, AccessRecord
from hub.audit.services import ReadPlace, record_access
from hub.changelog.services import record_change
from hub.db import Database
from hub.migrate import pending_differences, upgrade
from tests.factories import make_account

PREVIOUS = "c81d5e0f2a47"  # the head before migrations/versions/20261129_6a3928a9b53a_access_records.py
TABLES = ("account", "person", "account_role", "change_log_entry")


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        # Table names come from the constant TABLES above, never from input.
        return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES}  # noqa: S608


def test_the_access_record_migration_keeps_the_data_and_takes_records(empty_engine: Engine) -> None:
    upgrade(empty_engine, PREVIOUS)
    with Database(empty_engine).transaction() as session:
        admin = make_account(session, "admin@example.fr", roles=(Role.ADMIN,))
        read = make_account(session, "lue@example.fr")
        assert admin.id is not None and read.id is not None
        record_change(
            session, object_type="account", object_id=read.id, action="create", account_id=admin.id, changes={}
        )
        admin_id, read_id = admin.id, read.id
    before = _counts(empty_engine)
    assert (before["account"], before["person"], before["change_log_entry"]) == (2, 2, 1)
    assert before["account_role"] >= 1
    assert not inspect(empty_engine).has_table("access_record")

    upgrade(empty_engine)

    assert _counts(empty_engine) == before
    with empty_engine.connect() as connection:
        assert pending_differences(connection) == []
    where = ReadPlace(route="/administration/demandes", request_id="migration", client_address="127.0.0.1")
    with Database(empty_engine).transaction() as session:
        viewer = viewer_for(session, session.exec(select(Account).where(col(Account.id) == admin_id)).one())
        record_access(session, viewer, AccessKind.MEMBERSHIP_CLAIMS, where, person_ids=[read_id], record_ids=["x:1"])
    with Database(empty_engine).session() as session:
        stored = session.exec(select(AccessRecord)).one()
    assert (stored.account_id, stored.person_ids, stored.record_ids) == (admin_id, [read_id], ["x:1"])
    assert stored.created_at.tzinfo is not None
