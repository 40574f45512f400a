"""Upgrading a database that holds data, from the first release's schema to today's, loses nothing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from hub.db import Database, make_engine
from hub.migrate import pending_differences, upgrade
from seed.load import load_actors, load_projects, load_sectors, load_territories

FIRST_RELEASE = "319b5e716f22"  # migrations/versions/20261128_319b5e716f22_initial_schema.py
TABLES = ("territory", "sector", "actor", "actor_sector", "project", "project_sector", "project_partner")


def _silent(label: str, done: int, total: int) -> None:
    """Seed progress, not shown in tests."""


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no schema at all."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'first.sqlite3'}")
        yield engine
        engine.dispose()
        return
    admin_url = os.environ.get("HUB_TEST_POSTGRES_URL", "")
    if not admin_url:
        pytest.skip("PostgreSQL not configured (set HUB_TEST_POSTGRES_URL)")
    name = f"hub_upward_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(admin_url).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        # Table names come from the constant TABLES above, never from input.
        return {table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES}  # noqa: S608


@pytest.mark.slow
def test_every_migration_applies_over_the_first_release_with_its_data(empty_engine: Engine) -> None:
    upgrade(empty_engine, FIRST_RELEASE)
    with Database(empty_engine).transaction() as session:
        load_territories(session, _silent)
        load_sectors(session, _silent)
        load_actors(session, _silent)
        load_projects(session, _silent)
    before = _counts(empty_engine)
    assert before["actor"] > 1000
    assert before["project"] > 1000

    upgrade(empty_engine)

    assert _counts(empty_engine) == before
    with empty_engine.connect() as connection:
        assert pending_differences(connection) == []
        sample = connection.execute(text("SELECT title, slug FROM project ORDER BY id LIMIT 1")).one()
    assert sample.title
    assert sample.slug
