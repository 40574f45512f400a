"""convention depositors: the people a convention names as allowed to deposit hours

Revision ID: b2d4f6a8c0e1
Revises: ed18a48ca850
Create Date: 2026-11-28 15:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b2d4f6a8c0e1"
down_revision: str | None = "ed18a48ca850"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "convention_depositor",
        sa.Column("convention_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_convention_depositor_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["convention_id"], ["convention.id"], name=op.f("fk_convention_depositor_convention_id_convention")
        ),
        sa.PrimaryKeyConstraint("convention_id", "account_id", name=op.f("pk_convention_depositor")),
    )


def downgrade() -> None:
    op.drop_table("convention_depositor")
