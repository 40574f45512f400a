"""access records: who read other people's personal data through a privileged page (ASVS 8.3.5)

A new table only; existing rows are untouched.

Revision ID: 6a3928a9b53a
Revises: c81d5e0f2a47
Create Date: 2026-11-29 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.db

revision: str = "6a3928a9b53a"
down_revision: str | None = "c81d5e0f2a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("person_ids", sa.JSON(), nullable=False),
        sa.Column("record_ids", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_access_record_account_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_record")),
    )
    with op.batch_alter_table("access_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_record_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_record_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("access_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_record_created_at"))
        batch_op.drop_index(batch_op.f("ix_access_record_account_id"))

    op.drop_table("access_record")
