"""strategic orientations

Revision ID: 5d2e8b7c4f31
Revises: ed18a48ca850
Create Date: 2026-11-28 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.db

revision: str = "5d2e8b7c4f31"
down_revision: str | None = "ed18a48ca850"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "orientation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name=op.f("ck_orientation_dates_in_order")),
        sa.ForeignKeyConstraint(["created_by_id"], ["account.id"], name=op.f("fk_orientation_created_by_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orientation")),
    )
    op.create_table(
        "orientation_sector",
        sa.Column("orientation_id", sa.Integer(), nullable=False),
        sa.Column("sector_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["orientation_id"], ["orientation.id"], name=op.f("fk_orientation_sector_orientation_id_orientation")
        ),
        sa.ForeignKeyConstraint(
            ["sector_code"], ["sector.code"], name=op.f("fk_orientation_sector_sector_code_sector")
        ),
        sa.PrimaryKeyConstraint("orientation_id", "sector_code", name=op.f("pk_orientation_sector")),
    )
    op.create_table(
        "orientation_territory",
        sa.Column("orientation_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["orientation_id"], ["orientation.id"], name=op.f("fk_orientation_territory_orientation_id_orientation")
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"], ["territory.id"], name=op.f("fk_orientation_territory_territory_id_territory")
        ),
        sa.PrimaryKeyConstraint("orientation_id", "territory_id", name=op.f("pk_orientation_territory")),
    )
    op.create_table(
        "orientation_project",
        sa.Column("orientation_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("declared_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declared_by_id"], ["account.id"], name=op.f("fk_orientation_project_declared_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["orientation_id"], ["orientation.id"], name=op.f("fk_orientation_project_orientation_id_orientation")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_orientation_project_project_id_project")),
        sa.PrimaryKeyConstraint("orientation_id", "project_id", name=op.f("pk_orientation_project")),
    )
    with op.batch_alter_table("orientation_project", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orientation_project_project_id"), ["project_id"], unique=False)
    op.create_table(
        "orientation_actor",
        sa.Column("orientation_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("declared_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actor.id"], name=op.f("fk_orientation_actor_actor_id_actor")),
        sa.ForeignKeyConstraint(
            ["declared_by_id"], ["account.id"], name=op.f("fk_orientation_actor_declared_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["orientation_id"], ["orientation.id"], name=op.f("fk_orientation_actor_orientation_id_orientation")
        ),
        sa.PrimaryKeyConstraint("orientation_id", "actor_id", name=op.f("pk_orientation_actor")),
    )
    with op.batch_alter_table("orientation_actor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orientation_actor_actor_id"), ["actor_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("orientation_actor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orientation_actor_actor_id"))
    op.drop_table("orientation_actor")
    with op.batch_alter_table("orientation_project", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orientation_project_project_id"))
    op.drop_table("orientation_project")
    op.drop_table("orientation_territory")
    op.drop_table("orientation_sector")
    op.drop_table("orientation")
