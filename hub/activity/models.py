"""The activity feed's tables: one public event per thing that happened in the network, and its sectors."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class ActivityKind(StrEnum):
    """What happened."""

    ACTOR_CREATED = "actor_created"
    PROJECT_CREATED = "project_created"
    PROJECTS_MERGED = "projects_merged"
    INTRODUCTION_ACCEPTED = "introduction_accepted"
    EXPERIMENT_STARTED = "experiment_started"
    HOURS_USED = "hours_used"


ACTIVITY_KIND_LABELS = {
    ActivityKind.ACTOR_CREATED: "Nouvel acteur",
    ActivityKind.PROJECT_CREATED: "Nouveau projet",
    ActivityKind.PROJECTS_MERGED: "Projets regroupés",
    ActivityKind.INTRODUCTION_ACCEPTED: "Mise en relation acceptée",
    ActivityKind.EXPERIMENT_STARTED: "Expérimentation lancée",
    ActivityKind.HOURS_USED: "Heures d’innovation utilisées",
}


class ActivityEvent(SQLModel, table=True):
    """One thing that happened, as the public may read it: never a person's name, contact or message.

    Rows are written once (by hub.activity.recording, in the transaction of the change) and never updated;
    their increasing id is the cursor of the live stream (SSE `id:` and `Last-Event-ID`).
    """

    __tablename__ = "activity_event"

    id: int | None = Field(default=None, primary_key=True)
    kind: ActivityKind = Field(index=True, sa_type=String(24))
    title: str = Field(max_length=300)
    url: str = Field(default="", max_length=300, description="the public page of the subject, if any")
    subject_kind: str = Field(default="", max_length=16, description="actor, project, introduction or transfer")
    subject_id: int | None = Field(default=None)
    region_id: str | None = Field(default=None, foreign_key="territory.id", index=True, max_length=12)
    departement_id: str | None = Field(default=None, foreign_key="territory.id", index=True, max_length=12)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class ActivityEventSector(SQLModel, table=True):
    """An event concerns a sector (the sectors of its actor or project)."""

    __tablename__ = "activity_event_sector"

    event_id: int = Field(foreign_key="activity_event.id", primary_key=True)
    sector_code: str = Field(foreign_key="sector.code", primary_key=True, index=True, max_length=32)
