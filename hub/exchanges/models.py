"""Availabilities (time offered by professionals and patients), introduction requests and in-hub notifications."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, String, Text
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class OfferedAs(StrEnum):
    """In which capacity a person offers time (the two roles of the access point)."""

    HEALTH_PROFESSIONAL = "health_professional"
    PATIENT_REPRESENTATIVE = "patient_representative"


class AvailabilityPhase(StrEnum):
    """The project phases a person wants to join."""

    CONCEPTION = "conception"
    EXPERIMENTATION = "experimentation"
    EVALUATION = "evaluation"


AVAILABILITY_PHASE_LABELS = {
    AvailabilityPhase.CONCEPTION: "Conception",
    AvailabilityPhase.EXPERIMENTATION: "Expérimentation",
    AvailabilityPhase.EVALUATION: "Évaluation",
}


class WorkMode(StrEnum):
    """Where the person can take part."""

    REMOTE = "remote"
    ON_SITE = "on_site"
    BOTH = "both"


WORK_MODE_LABELS = {
    WorkMode.REMOTE: "À distance",
    WorkMode.ON_SITE: "Sur place",
    WorkMode.BOTH: "À distance ou sur place",
}


class Visibility(StrEnum):
    """Who may see an availability."""

    PUBLIC = "public"
    MEMBERS = "members"
    INTRODUCED = "introduced"


VISIBILITY_LABELS = {
    Visibility.PUBLIC: "Tout le monde",
    Visibility.MEMBERS: "Les membres connectés du hub",
    Visibility.INTRODUCED: "Seulement les projets avec lesquels j’ai été mis en relation",
}


class Availability(SQLModel, table=True):
    """Time a health professional or a patient representative offers to projects, from one date until another.

    It is no longer shown after `ends_on`; `reminder_sent_at` records the reminder e-mail sent before that.
    """

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    offered_as: OfferedAs = Field(sa_type=String(32))
    hours_per_month: int
    starts_on: date
    ends_on: date = Field(index=True)
    phases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sectors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    skills: str = Field(default="", sa_type=Text, description="skills and specialties, free text")
    work_mode: WorkMode = Field(default=WorkMode.BOTH, sa_type=String(12))
    departement_id: str | None = Field(default=None, foreign_key="territory.id", max_length=12)
    region_id: str | None = Field(default=None, foreign_key="territory.id", max_length=12)
    visibility: Visibility = Field(default=Visibility.MEMBERS, sa_type=String(12))
    is_withdrawn: bool = Field(default=False)
    reminder_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TargetKind(StrEnum):
    """What an introduction is asked for."""

    ACTOR = "actor"
    AVAILABILITY = "availability"
    PROJECT = "project"


class Purpose(StrEnum):
    """Why the sender asks to be introduced."""

    PARTNERSHIP = "partnership"
    EXPERIMENTATION = "experimentation"
    EXPERTISE = "expertise"
    PATIENT_INVOLVEMENT = "patient_involvement"
    FUNDING = "funding"
    OTHER = "other"


PURPOSE_LABELS = {
    Purpose.PARTNERSHIP: "Construire un partenariat",
    Purpose.EXPERIMENTATION: "Mener une expérimentation",
    Purpose.EXPERTISE: "Obtenir un avis d’expert",
    Purpose.PATIENT_INVOLVEMENT: "Associer des patients ou des usagers",
    Purpose.FUNDING: "Parler de financement",
    Purpose.OTHER: "Autre",
}


class IntroductionStatus(StrEnum):
    """Where an introduction request stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


INTRODUCTION_STATUS_LABELS = {
    IntroductionStatus.PENDING: "En attente de réponse",
    IntroductionStatus.ACCEPTED: "Acceptée",
    IntroductionStatus.DECLINED: "Déclinée",
}


class IntroductionRequest(SQLModel, table=True):
    """A person asks to be introduced to an actor, an availability's owner or a project; contacts stay hidden
    until the recipient accepts. Targets without any account are routed to administrators."""

    __tablename__ = "introduction_request"

    id: int | None = Field(default=None, primary_key=True)
    sender_id: int = Field(foreign_key="account.id", index=True)
    sender_project_id: int | None = Field(default=None, foreign_key="project.id")
    sender_actor_id: int | None = Field(default=None, foreign_key="actor.id")
    target_kind: TargetKind = Field(sa_type=String(16))
    target_id: int = Field(index=True)
    purpose: Purpose = Field(sa_type=String(24))
    message: str = Field(sa_type=Text)
    status: IntroductionStatus = Field(default=IntroductionStatus.PENDING, sa_type=String(12), index=True)
    is_routed_to_administrators: bool = Field(default=False)
    decided_by_id: int | None = Field(default=None, foreign_key="account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str = Field(default="", max_length=2000, description="why it was declined")
    shared_contact: str = Field(default="", max_length=300, description="contact details given on acceptance")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class Notification(SQLModel, table=True):
    """A message for one account in the hub (its e-mail twin may have been sent too)."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    text: str = Field(max_length=500)
    link: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
