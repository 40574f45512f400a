"""field feedback and moderation

Revision ID: 5e1f0c7a9b21
Revises: ed18a48ca850
Create Date: 2026-11-28 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.db

revision: str = "5e1f0c7a9b21"
down_revision: str | None = "ed18a48ca850"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "field_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("show_author", sa.Boolean(), nullable=False),
        sa.Column("author_capacity", sa.String(length=24), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("title", AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sector_code", AutoString(length=32), nullable=True),
        sa.Column("territory_id", AutoString(length=12), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("is_hidden", sa.Boolean(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"], name=op.f("fk_field_feedback_author_id_account")),
        sa.ForeignKeyConstraint(["institution_id"], ["actor.id"], name=op.f("fk_field_feedback_institution_id_actor")),
        sa.ForeignKeyConstraint(["sector_code"], ["sector.code"], name=op.f("fk_field_feedback_sector_code_sector")),
        sa.ForeignKeyConstraint(
            ["territory_id"], ["territory.id"], name=op.f("fk_field_feedback_territory_id_territory")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_feedback")),
    )
    with op.batch_alter_table("field_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_field_feedback_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_field_feedback_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_field_feedback_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_field_feedback_institution_id"), ["institution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_field_feedback_status"), ["status"], unique=False)

    op.create_table(
        "feedback_support",
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_feedback_support_account_id_account")),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["field_feedback.id"], name=op.f("fk_feedback_support_feedback_id_field_feedback")
        ),
        sa.PrimaryKeyConstraint("feedback_id", "account_id", name=op.f("pk_feedback_support")),
    )
    with op.batch_alter_table("feedback_support", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_support_account_id"), ["account_id"], unique=False)

    op.create_table(
        "feedback_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("is_hidden", sa.Boolean(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"], name=op.f("fk_feedback_answer_author_id_account")),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["field_feedback.id"], name=op.f("fk_feedback_answer_feedback_id_field_feedback")
        ),
        sa.ForeignKeyConstraint(["institution_id"], ["actor.id"], name=op.f("fk_feedback_answer_institution_id_actor")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_answer")),
    )
    with op.batch_alter_table("feedback_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_answer_feedback_id"), ["feedback_id"], unique=False)

    op.create_table(
        "feedback_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("note", AutoString(length=1000), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["account.id"], name=op.f("fk_feedback_status_change_changed_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["field_feedback.id"], name=op.f("fk_feedback_status_change_feedback_id_field_feedback")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_status_change")),
    )
    with op.batch_alter_table("feedback_status_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_status_change_feedback_id"), ["feedback_id"], unique=False)

    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("target_type", AutoString(length=32), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("target_label", AutoString(length=300), nullable=False),
        sa.Column("target_url", AutoString(length=300), nullable=False),
        sa.Column("target_excerpt", AutoString(length=500), nullable=False),
        sa.Column("sector_codes", sa.JSON(), nullable=False),
        sa.Column("territory_id", AutoString(length=12), nullable=True),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", AutoString(length=1000), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["decided_by_id"], ["account.id"], name=op.f("fk_report_decided_by_id_account")),
        sa.ForeignKeyConstraint(["reporter_id"], ["account.id"], name=op.f("fk_report_reporter_id_account")),
        sa.ForeignKeyConstraint(["territory_id"], ["territory.id"], name=op.f("fk_report_territory_id_territory")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_reporter_id"), ["reporter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_target_id"), ["target_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_target_type"), ["target_type"], unique=False)

    op.create_table(
        "moderation_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("target_type", AutoString(length=32), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=24), nullable=False),
        sa.Column("reason", AutoString(length=1000), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["moderator_id"], ["account.id"], name=op.f("fk_moderation_decision_moderator_id_account")
        ),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"], name=op.f("fk_moderation_decision_report_id_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_decision")),
    )
    with op.batch_alter_table("moderation_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_moderation_decision_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_moderation_decision_moderator_id"), ["moderator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_moderation_decision_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("moderation_decision", ("created_at", "moderator_id", "report_id")),
        ("report", ("created_at", "reporter_id", "status", "target_id", "target_type")),
        ("feedback_status_change", ("feedback_id",)),
        ("feedback_answer", ("feedback_id",)),
        ("feedback_support", ("account_id",)),
        ("field_feedback", ("author_id", "category", "created_at", "institution_id", "status")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in indexes:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
