"""Reports (signalements) on listings, messages and comments, and the log of every moderation decision."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, String, Text
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class ReportReason(StrEnum):
    """Why a member reports something (issue 8, part 7)."""

    INACCURATE = "inaccurate"
    DUPLICATE = "duplicate"
    MISCONDUCT = "misconduct"
    CONFLICT_OF_INTEREST = "conflict_of_interest"


REPORT_REASON_LABELS = {
    ReportReason.INACCURATE: "Information inexacte",
    ReportReason.DUPLICATE: "Doublon",
    ReportReason.MISCONDUCT: "Comportement inapproprié",
    ReportReason.CONFLICT_OF_INTEREST: "Conflit d’intérêts",
}


class ReportStatus(StrEnum):
    """Where a report stands; the reporter sees it on « Mes signalements »."""

    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


REPORT_STATUS_LABELS = {
    ReportStatus.OPEN: "En attente d’examen",
    ReportStatus.UPHELD: "Retenu",
    ReportStatus.DISMISSED: "Non retenu",
}


class Report(SQLModel, table=True):
    """A member reports a listing, a message or a comment, identified by (target_type, target_id).

    The target's name, address, an excerpt and where it belongs (sectors, territory: who moderates it) are copied at
    report time, so that the reporter and the moderator still see what was reported if it changes later.
    """

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(foreign_key="account.id", index=True)
    target_type: str = Field(max_length=32, index=True)
    target_id: int = Field(index=True)
    target_label: str = Field(max_length=300)
    target_url: str = Field(default="", max_length=300)
    target_excerpt: str = Field(default="", max_length=500)
    sector_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    territory_id: str | None = Field(default=None, foreign_key="territory.id", max_length=12)
    reason: ReportReason = Field(sa_type=String(24))
    details: str = Field(sa_type=Text)
    status: ReportStatus = Field(default=ReportStatus.OPEN, sa_type=String(12), index=True)
    decided_by_id: int | None = Field(default=None, foreign_key="account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_reason: str = Field(default="", max_length=1000, description="shown to the reporter")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class DecisionKind(StrEnum):
    """What a moderator decided."""

    HIDDEN = "hidden"
    SHOWN = "shown"
    REPORT_UPHELD = "report_upheld"
    REPORT_DISMISSED = "report_dismissed"


DECISION_LABELS = {
    DecisionKind.HIDDEN: "Contenu masqué",
    DecisionKind.SHOWN: "Contenu de nouveau affiché",
    DecisionKind.REPORT_UPHELD: "Signalement retenu",
    DecisionKind.REPORT_DISMISSED: "Signalement non retenu",
}


class ModerationDecision(SQLModel, table=True):
    """One moderation decision: who decided what on which content, when and why (never edited or deleted)."""

    __tablename__ = "moderation_decision"

    id: int | None = Field(default=None, primary_key=True)
    moderator_id: int = Field(foreign_key="account.id", index=True)
    target_type: str = Field(max_length=32)
    target_id: int
    decision: DecisionKind = Field(sa_type=String(24))
    reason: str = Field(max_length=1000)
    report_id: int | None = Field(default=None, foreign_key="report.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
