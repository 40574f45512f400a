"""referents and queue

Revision ID: 3f1c2a7d9b10
Revises: ed18a48ca850
Create Date: 2026-11-28 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.db

revision: str = "3f1c2a7d9b10"
down_revision: str | None = "ed18a48ca850"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referent_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_referent_assignment_account_id_account")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["account.id"], name=op.f("fk_referent_assignment_created_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["account.id"], name=op.f("fk_referent_assignment_ended_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"], ["territory.id"], name=op.f("fk_referent_assignment_territory_id_territory")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referent_assignment")),
    )
    with op.batch_alter_table("referent_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referent_assignment_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referent_assignment_territory_id"), ["territory_id"], unique=False)

    op.create_table(
        "queue_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("territory_id", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("closed_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["assignee_id"], ["account.id"], name=op.f("fk_queue_item_assignee_id_account")),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["referent_assignment.id"], name=op.f("fk_queue_item_assignment_id_referent_assignment")
        ),
        sa.ForeignKeyConstraint(["closed_by_id"], ["account.id"], name=op.f("fk_queue_item_closed_by_id_account")),
        sa.ForeignKeyConstraint(["territory_id"], ["territory.id"], name=op.f("fk_queue_item_territory_id_territory")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_item")),
    )
    with op.batch_alter_table("queue_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_queue_item_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_queue_item_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_queue_item_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_queue_item_territory_id"), ["territory_id"], unique=False)
        batch_op.create_index("ix_queue_item_subject", ["subject_type", "subject_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("queue_item", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_item_subject")
        batch_op.drop_index(batch_op.f("ix_queue_item_territory_id"))
        batch_op.drop_index(batch_op.f("ix_queue_item_status"))
        batch_op.drop_index(batch_op.f("ix_queue_item_kind"))
        batch_op.drop_index(batch_op.f("ix_queue_item_assignee_id"))
    op.drop_table("queue_item")
    with op.batch_alter_table("referent_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referent_assignment_territory_id"))
        batch_op.drop_index(batch_op.f("ix_referent_assignment_account_id"))
    op.drop_table("referent_assignment")
