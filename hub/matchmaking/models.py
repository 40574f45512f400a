"""What people said about partner suggestions: dismissed ("ne plus proposer") or marked useful."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class SuggestionSubject(StrEnum):
    """Whom a suggestion was made to: a project (looking for partners) or an actor."""

    PROJECT = "project"
    ACTOR = "actor"


class SuggestionVerdict(StrEnum):
    """What an editor of the subject said about one suggestion."""

    DISMISSED = "dismissed"
    USEFUL = "useful"


class SuggestionFeedback(SQLModel, table=True):
    """One verdict on one suggested actor for one subject; a dismissed actor is never suggested there again.

    The suggested item is an actor (``suggested_kind`` "actor") or, on an actor's page, a project to join.
    """

    __tablename__ = "suggestion_feedback"
    __table_args__ = (
        UniqueConstraint(
            "subject_kind", "subject_id", "suggested_kind", "suggested_id", name="uq_suggestion_feedback_pair"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: SuggestionSubject = Field(sa_type=String(12))
    subject_id: int = Field(index=True)
    suggested_kind: SuggestionSubject = Field(default=SuggestionSubject.ACTOR, sa_type=String(12))
    suggested_id: int
    verdict: SuggestionVerdict = Field(sa_type=String(12))
    account_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
