"""catalogue version: one counter bumped by triggers on every write to the tables the public lists show

The counter lets each worker process keep the public list responses it computed and serve them while no
write has been committed since (hub/freshness.py). PostgreSQL: a BEFORE statement trigger, so a writing
transaction takes the counter row before its first catalogue write (one lock order for every writer).
SQLite: row triggers (writers are serialised by the database lock anyway). A batch ("move and copy")
migration of one of these tables on SQLite drops its triggers: tests/test_freshness.py checks they exist.

Revision ID: c81d5e0f2a47
Revises: b6d41f0e9c27
Create Date: 2026-11-28 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c81d5e0f2a47"
down_revision: str | None = "b6d41f0e9c27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of hub.freshness.CATALOGUE_TABLES at this revision.
TABLES = (
    "actor",
    "actor_sector",
    "actor_phase",
    "project",
    "project_sector",
    "project_need",
    "project_partner",
    "sector",
    "territory",
)
BUMP = "UPDATE data_version SET value = value + 1 WHERE scope = 'catalogue'"


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    op.execute("INSERT INTO data_version (scope, value) VALUES ('catalogue', 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION hub_bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_catalogue_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION hub_bump_catalogue_version()"
            )
        return
    for table in TABLES:
        for event in ("insert", "update", "delete"):
            op.execute(
                f"CREATE TRIGGER {table}_catalogue_version_{event} AFTER {event.upper()} ON {table} BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_catalogue_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS hub_bump_catalogue_version()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_catalogue_version_{event}")
    op.drop_table("data_version")
