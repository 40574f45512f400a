"""The search outbox: index work recorded in the same transaction as the change it follows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class SearchOutboxEntry(SQLModel, table=True):
    """One document to refresh in the index; processed after commit, retried until it succeeds."""

    __tablename__ = "search_outbox"
    __table_args__ = (Index("ix_search_outbox_pending", "processed_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: str = Field(sa_type=String(100), index=True, description="'project:12', 'actor:5', 'person:3'")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    last_error: str = Field(default="", sa_type=String(500))
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
