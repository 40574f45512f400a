"""Test fixtures: every database test runs on real SQLite and, when configured, on real PostgreSQL.

Each backend gets a fresh database, migrated to head and seeded once per test session; each
test then runs inside a transaction that is rolled back, so tests never see each other's writes.
PostgreSQL is used when HUB_TEST_POSTGRES_URL is set (the Makefile sets it when a server answers;
CI sets HUB_TEST_REQUIRE_POSTGRES=1 so that a missing server fails instead of being skipped).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection, make_url

from hub.app import create_app
from hub.db import Database, make_engine
from hub.migrate import upgrade
from hub.settings import Settings
from seed.load import load_all

BACKENDS = ["sqlite", "postgresql"]


def _postgres_admin_url() -> str | None:
    url = os.environ.get("HUB_TEST_POSTGRES_URL", "")
    if not url and os.environ.get("HUB_TEST_REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError("HUB_TEST_REQUIRE_POSTGRES=1 but HUB_TEST_POSTGRES_URL is not set")
    return url or None


@contextmanager
def _blank_database(backend: str, folder: Path, prefix: str) -> Iterator[Engine]:
    """A database with no schema: a new SQLite file in `folder`, or a new PostgreSQL database dropped after."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{folder / (prefix + '.sqlite3')}")
        yield engine
        engine.dispose()
        return
    admin_url = _postgres_admin_url()
    if admin_url is None:
        pytest.skip("PostgreSQL not configured (set HUB_TEST_POSTGRES_URL)")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
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


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A fresh database per backend, migrated to head and seeded once."""
    with _blank_database(request.param, tmp_path_factory.mktemp("db"), "hub_test") as engine:
        _prepare(engine)
        yield engine


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no schema at all, per backend (migration tests build it up themselves)."""
    with _blank_database(request.param, tmp_path, "hub_empty") as engine:
        yield engine


def _prepare(engine: Engine) -> None:
    upgrade(engine)
    database = Database(engine)
    with database.transaction() as session:
        load_all(session)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture
def database(connection: Connection) -> Database:
    """The hub's Database bound to the test's connection (commits become savepoints)."""
    return Database(connection)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Local-mode settings with a private var/ folder."""
    return Settings(var_dir=tmp_path / "var", secret_key="test-secret-key-" + "x" * 32)


@pytest.fixture
def app(settings: Settings, database: Database) -> Litestar:
    """The real application on the test database."""
    return create_app(settings, database=database, background_indexing=False)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    """An HTTP client driving the real application."""
    with TestClient(app=app, base_url="http://testserver.local") as client:
        yield client
