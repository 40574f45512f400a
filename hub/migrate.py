"""Applying and checking the Alembic migrations from code (CLI, tests, start-up)."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from hub.settings import REPO_ROOT


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration of the repository, optionally bound to a connection."""
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(bind: Engine | Connection, revision: str = "head") -> None:
    """Migrate the database behind `bind` to `revision`."""
    if isinstance(bind, Connection):
        command.upgrade(alembic_config(bind), revision)
        return
    with bind.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def pending_differences(connection: Connection) -> list[Any]:
    """What differs between the models and the migrated schema (empty when they agree)."""
    import hub.models

    context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
    return list(compare_metadata(context, hub.models.metadata))
