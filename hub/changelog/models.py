"""The change log table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class ChangeLogEntry(SQLModel, table=True):
    """One change to one object: `changes` maps a field to [before, after]."""

    __tablename__ = "change_log_entry"
    __table_args__ = (Index("ix_change_log_entry_object", "object_type", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    object_type: str = Field(max_length=32)
    object_id: int
    action: str = Field(max_length=32)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
