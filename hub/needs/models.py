"""Needs from the field (besoins du terrain): raised by any member, supported ("moi aussi"), commented, qualified
by referents, and answered by projects. "Besoin" is the report's own word (R3.2, J8)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, String, Text
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class AffectedGroup(StrEnum):
    """Who the need affects."""

    PATIENTS = "patients"
    CAREGIVERS = "caregivers"
    PROFESSIONALS = "professionals"
    ESTABLISHMENTS = "establishments"
    COMPANIES = "companies"
    CITIZENS = "citizens"


AFFECTED_LABELS = {
    AffectedGroup.PATIENTS: "Patients",
    AffectedGroup.CAREGIVERS: "Aidants et proches",
    AffectedGroup.PROFESSIONALS: "Professionnels de santé",
    AffectedGroup.ESTABLISHMENTS: "Établissements de santé ou médico-sociaux",
    AffectedGroup.COMPANIES: "Entreprises",
    AffectedGroup.CITIZENS: "Tous les citoyens",
}


class NeedStatus(StrEnum):
    """Where a need stands after a referent looked at it."""

    OPEN = "open"
    DUPLICATE = "duplicate"
    OUT_OF_SCOPE = "out_of_scope"
    TAKEN_UP = "taken_up"


NEED_STATUS_LABELS = {
    NeedStatus.OPEN: "En attente de qualification",
    NeedStatus.DUPLICATE: "Doublon d’un autre besoin",
    NeedStatus.OUT_OF_SCOPE: "Hors périmètre",
    NeedStatus.TAKEN_UP: "Pris en charge",
}


class Need(SQLModel, table=True):
    """A need raised from the field: what is missing, for whom, where. A duplicate points to the need it repeats."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str = Field(sa_type=Text)
    affected: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    departement_id: str | None = Field(default=None, foreign_key="territory.id", index=True, max_length=12)
    region_id: str | None = Field(default=None, foreign_key="territory.id", index=True, max_length=12)
    status: NeedStatus = Field(default=NeedStatus.OPEN, index=True, sa_type=String(16))
    duplicate_of_id: int | None = Field(default=None, foreign_key="need.id")
    status_reason: str = Field(default="", max_length=2000, description="why it is out of scope, or how it is taken up")
    qualified_by_id: int | None = Field(default=None, foreign_key="account.id")
    qualified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    author_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NeedSector(SQLModel, table=True):
    """A need concerns a sector."""

    __tablename__ = "need_sector"

    need_id: int = Field(foreign_key="need.id", primary_key=True)
    sector_code: str = Field(foreign_key="sector.code", primary_key=True, index=True, max_length=32)


class NeedSupport(SQLModel, table=True):
    """ "Moi aussi": one person says the need is theirs too (one per person; withdrawing deletes it)."""

    __tablename__ = "need_support"

    need_id: int = Field(foreign_key="need.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NeedComment(SQLModel, table=True):
    """A plain-text comment on a need."""

    __tablename__ = "need_comment"

    id: int | None = Field(default=None, primary_key=True)
    need_id: int = Field(foreign_key="need.id", index=True)
    author_id: int = Field(foreign_key="account.id")
    body: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NeedAnswer(SQLModel, table=True):
    """A project declares that it answers a need (declared by someone who may edit the project)."""

    __tablename__ = "need_answer"

    need_id: int = Field(foreign_key="need.id", primary_key=True)
    project_id: int = Field(foreign_key="project.id", primary_key=True, index=True)
    declared_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
