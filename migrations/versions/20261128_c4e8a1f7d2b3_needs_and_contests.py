"""needs from the field, workshops and contests

Revision ID: c4e8a1f7d2b3
Revises: ed18a48ca850
Create Date: 2026-11-28 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.db

revision: str = "c4e8a1f7d2b3"
down_revision: str | None = "ed18a48ca850"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contest_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("registration_closes_on", sa.Date(), nullable=False),
        sa.Column("submission_closes_on", sa.Date(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("resources", sa.JSON(), nullable=False),
        sa.Column("results_published_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name=op.f("ck_contest_event_capacity_positive")),
        sa.CheckConstraint(
            "registration_closes_on <= starts_on", name=op.f("ck_contest_event_registration_before_start")
        ),
        sa.CheckConstraint("starts_on <= ends_on", name=op.f("ck_contest_event_starts_before_end")),
        sa.ForeignKeyConstraint(["created_by_id"], ["account.id"], name=op.f("fk_contest_event_created_by_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_event")),
    )
    with op.batch_alter_table("contest_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contest_event_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_contest_event_starts_on"), ["starts_on"], unique=False)

    op.create_table(
        "need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("affected", sa.JSON(), nullable=False),
        sa.Column("departement_id", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("region_id", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("status_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("qualified_by_id", sa.Integer(), nullable=True),
        sa.Column("qualified_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"], name=op.f("fk_need_author_id_account")),
        sa.ForeignKeyConstraint(["departement_id"], ["territory.id"], name=op.f("fk_need_departement_id_territory")),
        sa.ForeignKeyConstraint(["duplicate_of_id"], ["need.id"], name=op.f("fk_need_duplicate_of_id_need")),
        sa.ForeignKeyConstraint(["qualified_by_id"], ["account.id"], name=op.f("fk_need_qualified_by_id_account")),
        sa.ForeignKeyConstraint(["region_id"], ["territory.id"], name=op.f("fk_need_region_id_territory")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need")),
    )
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_departement_id"), ["departement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_need_status"), ["status"], unique=False)

    op.create_table(
        "contest_event_need",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["contest_event.id"], name=op.f("fk_contest_event_need_event_id_contest_event")
        ),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], name=op.f("fk_contest_event_need_need_id_need")),
        sa.PrimaryKeyConstraint("event_id", "need_id", name=op.f("pk_contest_event_need")),
    )
    with op.batch_alter_table("contest_event_need", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contest_event_need_need_id"), ["need_id"], unique=False)

    op.create_table(
        "contest_jury_member",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("appointed_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_contest_jury_member_account_id_account")),
        sa.ForeignKeyConstraint(
            ["appointed_by_id"], ["account.id"], name=op.f("fk_contest_jury_member_appointed_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["contest_event.id"], name=op.f("fk_contest_jury_member_event_id_contest_event")
        ),
        sa.PrimaryKeyConstraint("event_id", "account_id", name=op.f("pk_contest_jury_member")),
    )
    with op.batch_alter_table("contest_jury_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contest_jury_member_account_id"), ["account_id"], unique=False)

    op.create_table(
        "contest_registration",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_contest_registration_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["contest_event.id"], name=op.f("fk_contest_registration_event_id_contest_event")
        ),
        sa.PrimaryKeyConstraint("event_id", "account_id", name=op.f("pk_contest_registration")),
    )
    with op.batch_alter_table("contest_registration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contest_registration_account_id"), ["account_id"], unique=False)

    op.create_table(
        "need_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"], name=op.f("fk_need_comment_author_id_account")),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], name=op.f("fk_need_comment_need_id_need")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_comment")),
    )
    with op.batch_alter_table("need_comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_comment_need_id"), ["need_id"], unique=False)

    op.create_table(
        "need_sector",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("sector_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], name=op.f("fk_need_sector_need_id_need")),
        sa.ForeignKeyConstraint(["sector_code"], ["sector.code"], name=op.f("fk_need_sector_sector_code_sector")),
        sa.PrimaryKeyConstraint("need_id", "sector_code", name=op.f("pk_need_sector")),
    )
    with op.batch_alter_table("need_sector", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_sector_sector_code"), ["sector_code"], unique=False)

    op.create_table(
        "need_support",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_need_support_account_id_account")),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], name=op.f("fk_need_support_need_id_need")),
        sa.PrimaryKeyConstraint("need_id", "account_id", name=op.f("pk_need_support")),
    )
    with op.batch_alter_table("need_support", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_support_account_id"), ["account_id"], unique=False)

    op.create_table(
        "contest_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("follow_up", sa.String(length=24), nullable=True),
        sa.Column("follow_up_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("allocated", sa.JSON(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["account.id"], name=op.f("fk_contest_submission_decided_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["contest_event.id"], name=op.f("fk_contest_submission_event_id_contest_event")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_contest_submission_project_id_project")),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["account.id"], name=op.f("fk_contest_submission_submitted_by_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_submission")),
        sa.UniqueConstraint("event_id", "project_id", name="uq_contest_submission_event_project"),
    )
    with op.batch_alter_table("contest_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contest_submission_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contest_submission_project_id"), ["project_id"], unique=False)

    op.create_table(
        "need_answer",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("declared_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["declared_by_id"], ["account.id"], name=op.f("fk_need_answer_declared_by_id_account")),
        sa.ForeignKeyConstraint(["need_id"], ["need.id"], name=op.f("fk_need_answer_need_id_need")),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_need_answer_project_id_project")),
        sa.PrimaryKeyConstraint("need_id", "project_id", name=op.f("pk_need_answer")),
    )
    with op.batch_alter_table("need_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_need_answer_project_id"), ["project_id"], unique=False)

    op.create_table(
        "contest_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("juror_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["juror_id"], ["account.id"], name=op.f("fk_contest_score_juror_id_account")),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["contest_submission.id"], name=op.f("fk_contest_score_submission_id_contest_submission")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_score")),
        sa.UniqueConstraint("submission_id", "juror_id", name="uq_contest_score_submission_juror"),
    )
    with op.batch_alter_table("contest_score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contest_score_juror_id"), ["juror_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contest_score_submission_id"), ["submission_id"], unique=False)


def downgrade() -> None:
    op.drop_table("contest_score")
    op.drop_table("need_answer")
    op.drop_table("contest_submission")
    op.drop_table("need_support")
    op.drop_table("need_sector")
    op.drop_table("need_comment")
    op.drop_table("contest_registration")
    op.drop_table("contest_jury_member")
    op.drop_table("contest_event_need")
    op.drop_table("need")
    op.drop_table("contest_event")
