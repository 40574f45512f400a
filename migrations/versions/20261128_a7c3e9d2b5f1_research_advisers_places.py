"""research results, advisers' dossiers, places and meetings (issue 8 parts 3, 4 and 6)

Revision ID: a7c3e9d2b5f1
Revises: ed18a48ca850
Create Date: 2026-11-28 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.db

revision: str = "a7c3e9d2b5f1"
down_revision: str | None = "ed18a48ca850"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("postcode", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("commune", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("departement_id", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("region_id", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["account.id"], name=op.f("fk_place_created_by_id_account")),
        sa.ForeignKeyConstraint(["departement_id"], ["territory.id"], name=op.f("fk_place_departement_id_territory")),
        sa.ForeignKeyConstraint(["region_id"], ["territory.id"], name=op.f("fk_place_region_id_territory")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place")),
    )
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_place_departement_id"), ["departement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_place_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_place_region_id"), ["region_id"], unique=False)
    op.create_table(
        "adviser_declaration",
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("declared_by_id", sa.Integer(), nullable=False),
        sa.Column("declared_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actor.id"], name=op.f("fk_adviser_declaration_actor_id_actor")),
        sa.ForeignKeyConstraint(
            ["declared_by_id"], ["account.id"], name=op.f("fk_adviser_declaration_declared_by_id_account")
        ),
        sa.PrimaryKeyConstraint("actor_id", name=op.f("pk_adviser_declaration")),
    )
    op.create_table(
        "adviser_dossier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adviser_id", sa.Integer(), nullable=False),
        sa.Column("authority", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["adviser_id"], ["actor.id"], name=op.f("fk_adviser_dossier_adviser_id_actor")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["account.id"], name=op.f("fk_adviser_dossier_recorded_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["account.id"], name=op.f("fk_adviser_dossier_updated_by_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adviser_dossier")),
    )
    with op.batch_alter_table("adviser_dossier", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adviser_dossier_adviser_id"), ["adviser_id"], unique=False)
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("online_url", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(mode = 'online' AND place_id IS NULL) OR (mode = 'in_place' AND place_id IS NOT NULL)",
            name=op.f("ck_meeting_mode_matches_place"),
        ),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_meeting_capacity_positive")),
        sa.CheckConstraint("duration_minutes >= 1", name=op.f("ck_meeting_duration_positive")),
        sa.ForeignKeyConstraint(["organiser_id"], ["account.id"], name=op.f("fk_meeting_organiser_id_account")),
        sa.ForeignKeyConstraint(["place_id"], ["place.id"], name=op.f("fk_meeting_place_id_place")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_place_id"), ["place_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_starts_at"), ["starts_at"], unique=False)
    op.create_table(
        "place_staff",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_place_staff_account_id_account")),
        sa.ForeignKeyConstraint(["added_by_id"], ["account.id"], name=op.f("fk_place_staff_added_by_id_account")),
        sa.ForeignKeyConstraint(["place_id"], ["place.id"], name=op.f("fk_place_staff_place_id_place")),
        sa.PrimaryKeyConstraint("place_id", "account_id", name=op.f("pk_place_staff")),
    )
    with op.batch_alter_table("place_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_place_staff_account_id"), ["account_id"], unique=False)
    op.create_table(
        "research_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("research_unit_id", sa.Integer(), nullable=False),
        sa.Column("ip_holder_id", sa.Integer(), nullable=False),
        sa.Column("grant_reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("researcher_id", sa.Integer(), nullable=False),
        sa.Column("intent", sa.String(length=16), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ip_holder_id"], ["actor.id"], name=op.f("fk_research_result_ip_holder_id_actor")),
        sa.ForeignKeyConstraint(
            ["research_unit_id"], ["actor.id"], name=op.f("fk_research_result_research_unit_id_actor")
        ),
        sa.ForeignKeyConstraint(
            ["researcher_id"], ["account.id"], name=op.f("fk_research_result_researcher_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_result")),
    )
    with op.batch_alter_table("research_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_research_result_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_research_result_ip_holder_id"), ["ip_holder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_research_result_research_unit_id"), ["research_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_research_result_researcher_id"), ["researcher_id"], unique=False)
    op.create_table(
        "meeting_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("seat_number", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("guest_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("guest_contact", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("guest_consent_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("registered_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(status = 'active' AND seat_number IS NOT NULL) OR (status = 'cancelled' AND seat_number IS NULL)",
            name=op.f("ck_meeting_registration_seat_matches_status"),
        ),
        sa.CheckConstraint(
            "account_id IS NOT NULL OR (guest_name <> '' AND guest_consent_at IS NOT NULL)",
            name=op.f("ck_meeting_registration_person_or_guest"),
        ),
        sa.CheckConstraint(
            "seat_number IS NULL OR seat_number >= 1", name=op.f("ck_meeting_registration_seat_positive")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_meeting_registration_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"], ["account.id"], name=op.f("fk_meeting_registration_cancelled_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_meeting_registration_meeting_id_meeting")
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"], ["account.id"], name=op.f("fk_meeting_registration_registered_by_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_registration")),
        sa.UniqueConstraint("meeting_id", "seat_number", name="uq_meeting_registration_seat"),
    )
    with op.batch_alter_table("meeting_registration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_registration_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_registration_meeting_id"), ["meeting_id"], unique=False)
    op.create_table(
        "research_intent_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("from_intent", sa.String(length=16), nullable=True),
        sa.Column("to_intent", sa.String(length=16), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("changed_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["account.id"], name=op.f("fk_research_intent_change_changed_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["result_id"], ["research_result.id"], name=op.f("fk_research_intent_change_result_id_research_result")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_intent_change")),
    )
    with op.batch_alter_table("research_intent_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_research_intent_change_result_id"), ["result_id"], unique=False)
    op.create_table(
        "research_interest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_research_interest_account_id_account")),
        sa.ForeignKeyConstraint(["company_id"], ["actor.id"], name=op.f("fk_research_interest_company_id_actor")),
        sa.ForeignKeyConstraint(
            ["result_id"], ["research_result.id"], name=op.f("fk_research_interest_result_id_research_result")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_interest")),
        sa.UniqueConstraint("result_id", "company_id", name="uq_research_interest_company"),
    )
    with op.batch_alter_table("research_interest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_research_interest_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_research_interest_result_id"), ["result_id"], unique=False)
    op.create_table(
        "research_pairing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("paired_by_id", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("paired_at", hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("end_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["actor.id"], name=op.f("fk_research_pairing_company_id_actor")),
        sa.ForeignKeyConstraint(["ended_by_id"], ["account.id"], name=op.f("fk_research_pairing_ended_by_id_account")),
        sa.ForeignKeyConstraint(
            ["paired_by_id"], ["account.id"], name=op.f("fk_research_pairing_paired_by_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["result_id"], ["research_result.id"], name=op.f("fk_research_pairing_result_id_research_result")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_pairing")),
    )
    with op.batch_alter_table("research_pairing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_research_pairing_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_research_pairing_result_id"), ["result_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("research_pairing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_research_pairing_result_id"))
        batch_op.drop_index(batch_op.f("ix_research_pairing_company_id"))
    op.drop_table("research_pairing")
    with op.batch_alter_table("research_interest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_research_interest_result_id"))
        batch_op.drop_index(batch_op.f("ix_research_interest_company_id"))
    op.drop_table("research_interest")
    with op.batch_alter_table("research_intent_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_research_intent_change_result_id"))
    op.drop_table("research_intent_change")
    with op.batch_alter_table("meeting_registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_registration_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_registration_account_id"))
    op.drop_table("meeting_registration")
    with op.batch_alter_table("research_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_research_result_researcher_id"))
        batch_op.drop_index(batch_op.f("ix_research_result_research_unit_id"))
        batch_op.drop_index(batch_op.f("ix_research_result_ip_holder_id"))
        batch_op.drop_index(batch_op.f("ix_research_result_created_at"))
    op.drop_table("research_result")
    with op.batch_alter_table("place_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_staff_account_id"))
    op.drop_table("place_staff")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_starts_at"))
        batch_op.drop_index(batch_op.f("ix_meeting_place_id"))
    op.drop_table("meeting")
    with op.batch_alter_table("adviser_dossier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adviser_dossier_adviser_id"))
    op.drop_table("adviser_dossier")
    op.drop_table("adviser_declaration")
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_region_id"))
        batch_op.drop_index(batch_op.f("ix_place_kind"))
        batch_op.drop_index(batch_op.f("ix_place_departement_id"))
    op.drop_table("place")
