"""A PostgreSQL database of its own for tests whose writes are really committed (outages, several workers)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from hub.accounts.models import Role
from hub.db import Database, make_engine
from hub.migrate import upgrade
from seed.load import load_sectors, load_territories
from tests.factories import make_account

ADMIN_EMAIL = "admin-robustesse@example.fr"


def _silent(label: str, done: int, total: int) -> None:
    """Seed progress, not shown in tests."""


@dataclass
class FreshPostgres:
    url: URL
    database: Database

    @property
    def url_text(self) -> str:
        return self.url.render_as_string(hide_password=False)


@pytest.fixture
def fresh_postgres() -> Iterator[FreshPostgres]:
    """A new PostgreSQL database, migrated, with territories, sectors and one administrator; dropped after."""
    admin_url = os.environ.get("HUB_TEST_POSTGRES_URL", "")
    if not admin_url:
        pytest.skip("PostgreSQL not configured (set HUB_TEST_POSTGRES_URL)")
    name = f"hub_robust_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name)
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        upgrade(engine)
        database = Database(engine)
        with database.transaction() as session:
            load_territories(session, _silent)
            load_sectors(session, _silent)
            make_account(session, ADMIN_EMAIL, roles=(Role.ADMIN,))
        yield FreshPostgres(url=url, database=database)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
