"""Workshops and contests run by the lab (ateliers d'idéation et concours d'innovation, R3.10-R3.12).

An event states upfront the needs it addresses, its calendar, its assessment grid and the resources it can
allocate. People register; a contest takes project submissions, its jury scores them against the grid, and its
results give every submission a public follow-up status with the reason, so no idea is left without an answer.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class EventKind(StrEnum):
    """A workshop (people meet, no submissions) or a contest (projects are submitted and judged)."""

    WORKSHOP = "workshop"
    CONTEST = "contest"


EVENT_KIND_LABELS = {EventKind.WORKSHOP: "Atelier d’idéation", EventKind.CONTEST: "Concours d’innovation"}


class Criterion(StrEnum):
    """The assessment grid's criteria (report R3.12: viability; R3.3-R3.5: medical interest and involvement)."""

    VIABILITY = "viability"
    MEDICAL_INTEREST = "medical_interest"
    INVOLVEMENT = "involvement"


CRITERION_LABELS = {
    Criterion.VIABILITY: "Viabilité",
    Criterion.MEDICAL_INTEREST: "Intérêt médical",
    Criterion.INVOLVEMENT: "Implication des patients et des professionnels",
}
MAX_SCORE = 5  # each criterion is scored from 0 to 5


class Resource(StrEnum):
    """What the lab can allocate to a retained project."""

    REFERENT_FOLLOW_UP = "referent_follow_up"
    EXPERIMENTATION_SITE = "experimentation_site"
    BANK_HOURS = "bank_hours"
    FUNDING = "funding"


RESOURCE_LABELS = {
    Resource.REFERENT_FOLLOW_UP: "Suivi par un référent",
    Resource.EXPERIMENTATION_SITE: "Site d’expérimentation",
    Resource.BANK_HOURS: "Heures de la banque d’heures d’innovation",
    Resource.FUNDING: "Financement",
}


class FollowUp(StrEnum):
    """The public answer every submission gets when results are published."""

    RETAINED_SUPPORTED = "retained_supported"
    RETAINED_WITHOUT_MEANS = "retained_without_means"
    NOT_RETAINED = "not_retained"


FOLLOW_UP_LABELS = {
    FollowUp.RETAINED_SUPPORTED: "Retenu et accompagné",
    FollowUp.RETAINED_WITHOUT_MEANS: "Retenu sans moyens",
    FollowUp.NOT_RETAINED: "Non retenu",
}


class Event(SQLModel, table=True):
    """A workshop or a contest. Dates are whole days (Paris time); deadlines are inclusive.

    `weights` maps each Criterion to an integer weight (0 to 10, one at least positive); `resources` lists
    {"kind": Resource, "details": str} offered to retained projects."""

    __tablename__ = "contest_event"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("registration_closes_on <= starts_on", name="registration_before_start"),
        CheckConstraint("starts_on <= ends_on", name="starts_before_end"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: EventKind = Field(sa_type=String(12), index=True)
    title: str = Field(max_length=200)
    description: str = Field(sa_type=Text)
    location: str = Field(default="", max_length=300, description="a place, or 'en ligne'")
    starts_on: date = Field(index=True)
    ends_on: date
    registration_closes_on: date
    submission_closes_on: date | None = Field(default=None, description="contests only")
    capacity: int | None = Field(default=None, description="places for registrations; None: no limit")
    weights: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    resources: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    results_published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EventNeed(SQLModel, table=True):
    """A need from the field that an event addresses (stated upfront)."""

    __tablename__ = "contest_event_need"

    event_id: int = Field(foreign_key="contest_event.id", primary_key=True)
    need_id: int = Field(foreign_key="need.id", primary_key=True, index=True)


class Registration(SQLModel, table=True):
    """A person registered for an event (one place)."""

    __tablename__ = "contest_registration"

    event_id: int = Field(foreign_key="contest_event.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class JuryMember(SQLModel, table=True):
    """A person appointed by an administrator to the jury of a contest."""

    __tablename__ = "contest_jury_member"

    event_id: int = Field(foreign_key="contest_event.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True, index=True)
    appointed_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Submission(SQLModel, table=True):
    """A project submitted to a contest, and the public follow-up it gets when the results are published."""

    __tablename__ = "contest_submission"
    __table_args__ = (UniqueConstraint("event_id", "project_id", name="uq_contest_submission_event_project"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="contest_event.id", index=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    submitted_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    follow_up: FollowUp | None = Field(default=None, sa_type=String(24))
    follow_up_reason: str = Field(default="", max_length=2000)
    allocated: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decided_by_id: int | None = Field(default=None, foreign_key="account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Score(SQLModel, table=True):
    """One jury member's scores of one submission (one per person and submission): {criterion: 0..5}."""

    __tablename__ = "contest_score"
    __table_args__ = (UniqueConstraint("submission_id", "juror_id", name="uq_contest_score_submission_juror"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="contest_submission.id", index=True)
    juror_id: int = Field(foreign_key="account.id", index=True)
    values: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comment: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
