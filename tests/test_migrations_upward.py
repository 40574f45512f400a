"""Upgrading a database that holds data, from the first release's schema to today's, loses nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from hub.db import Database
from hub.migrate import pending_differences, upgrade
from seed.load import load_actors, load_projects, load_sectors, load_territories

FIRST_RELEASE = "319b5e716f22"  # migrations/versions/20261128_319b5e716f22_initial_schema.py
TABLES = ("territory", "sector", "actor", "actor_sector", "project", "project_sector", "project_partner")


def _silent(label: str, done: int, total: int) -> None:
    """Seed progress, not shown in tests."""


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
