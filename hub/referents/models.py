"""Sectoral referents (`referent` is the network's own French term) and the queue of items routed to them.

A `ReferentAssignment` gives one account a territory (région or département), one or more sectors, a role
(titulaire or suppléant) and a term. A région assignment with no sector is the région's *référent régional*:
a generalist who receives what no sectoral referent of the région covers (routing level "régional"); it
does not cover a sector for the white-zone count, because nobody there is in charge of that sector.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, String
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow

# How long a queue item may wait before it is shown as overdue.
DUE_AFTER = timedelta(days=7)


class ReferentRole(StrEnum):
    """The two seats of a territory × sector: the holder and the deputy who takes over when there is none."""

    TITULAIRE = "titulaire"
    SUPPLEANT = "suppleant"


REFERENT_ROLE_LABELS = {ReferentRole.TITULAIRE: "Titulaire", ReferentRole.SUPPLEANT: "Suppléant"}


class ReferentAssignment(SQLModel, table=True):
    """One account is referent for some sectors (none: référent régional) on one territory, for a term.

    `ends_on` is the last day of the term (inclusive); None means no end date yet.
    """

    __tablename__ = "referent_assignment"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    territory_id: str = Field(foreign_key="territory.id", index=True, max_length=12)
    sectors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    role: ReferentRole = Field(sa_type=String(12))
    starts_on: date
    ends_on: date | None = Field(default=None)
    created_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_by_id: int | None = Field(default=None, foreign_key="account.id")
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def is_current(self, on: date) -> bool:
        """Whether the term covers the day `on`."""
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)

    @property
    def is_regional_generalist(self) -> bool:
        """A région assignment without sectors: the référent régional."""
        return not self.sectors and self.territory_id.startswith("reg-")


class QueueLevel(StrEnum):
    """Which step of the routing found the assignee."""

    TITULAIRE = "titulaire"
    SUPPLEANT = "suppleant"
    REGIONAL = "regional"
    NATIONAL = "national"


QUEUE_LEVEL_LABELS = {
    QueueLevel.TITULAIRE: "Référent titulaire",
    QueueLevel.SUPPLEANT: "Référent suppléant",
    QueueLevel.REGIONAL: "Référent régional",
    QueueLevel.NATIONAL: "Équipe nationale",
}


class QueueStatus(StrEnum):
    """An item is open until someone closes it with an outcome (or its subject is resolved)."""

    OPEN = "open"
    CLOSED = "closed"


class QueueItem(SQLModel, table=True):
    """Something a referent (or the national team when `assignee_id` is None) has to look at."""

    __tablename__ = "queue_item"
    __table_args__ = (Index("ix_queue_item_subject", "subject_type", "subject_id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    subject_type: str = Field(max_length=32)
    subject_id: int
    title: str = Field(max_length=300)
    url: str = Field(max_length=300)
    territory_id: str | None = Field(default=None, foreign_key="territory.id", max_length=12, index=True)
    sectors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    assignee_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    assignment_id: int | None = Field(default=None, foreign_key="referent_assignment.id")
    level: QueueLevel = Field(sa_type=String(12))
    status: QueueStatus = Field(default=QueueStatus.OPEN, sa_type=String(12), index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    outcome: str = Field(default="", max_length=300)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: int | None = Field(default=None, foreign_key="account.id")

    def is_overdue(self, now: datetime) -> bool:
        """Open past its due date."""
        return self.status == QueueStatus.OPEN and now > self.due_at

    def age_days(self, now: datetime) -> int:
        """Whole days since it arrived."""
        return max(0, (now - self.created_at).days)
