"""activity feed

Revision ID: a7c3e91d5b20
Revises: ed18a48ca850
Create Date: 2026-11-28 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = "a7c3e91d5b20"
down_revision: str | None = "ed18a48ca850"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activity_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.String(length=12), nullable=True),
        sa.Column("departement_id", sa.String(length=12), nullable=True),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["departement_id"], ["territory.id"], name=op.f("fk_activity_event_departement_id_territory")
        ),
        sa.ForeignKeyConstraint(["region_id"], ["territory.id"], name=op.f("fk_activity_event_region_id_territory")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_event")),
    )
    with op.batch_alter_table("activity_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_event_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_event_departement_id"), ["departement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_event_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_event_region_id"), ["region_id"], unique=False)

    op.create_table(
        "activity_event_sector",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("sector_code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["activity_event.id"], name=op.f("fk_activity_event_sector_event_id_activity_event")
        ),
        sa.ForeignKeyConstraint(
            ["sector_code"], ["sector.code"], name=op.f("fk_activity_event_sector_sector_code_sector")
        ),
        sa.PrimaryKeyConstraint("event_id", "sector_code", name=op.f("pk_activity_event_sector")),
    )
    with op.batch_alter_table("activity_event_sector", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_event_sector_sector_code"), ["sector_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("activity_event_sector", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_event_sector_sector_code"))
    op.drop_table("activity_event_sector")
    with op.batch_alter_table("activity_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_event_region_id"))
        batch_op.drop_index(batch_op.f("ix_activity_event_kind"))
        batch_op.drop_index(batch_op.f("ix_activity_event_departement_id"))
        batch_op.drop_index(batch_op.f("ix_activity_event_created_at"))
    op.drop_table("activity_event")
