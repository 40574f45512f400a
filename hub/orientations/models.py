"""Strategic orientations published by administrators, their sectors and territories, and who declares serving them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Text
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class Orientation(SQLModel, table=True):
    """A strategic orientation ("orientation stratégique", the report's word): a national priority for a period.

    No sector means every sector; no territory means all of France. `ends_on` empty: no end date.
    """

    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text)
    starts_on: date
    ends_on: date | None = Field(default=None)
    created_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OrientationSector(SQLModel, table=True):
    """An orientation concerns a sector."""

    __tablename__ = "orientation_sector"

    orientation_id: int = Field(foreign_key="orientation.id", primary_key=True)
    sector_code: str = Field(foreign_key="sector.code", primary_key=True, max_length=32)


class OrientationTerritory(SQLModel, table=True):
    """An orientation concerns a région or a département."""

    __tablename__ = "orientation_territory"

    orientation_id: int = Field(foreign_key="orientation.id", primary_key=True)
    territory_id: str = Field(foreign_key="territory.id", primary_key=True, max_length=12)


class OrientationProject(SQLModel, table=True):
    """A project declares that it serves an orientation."""

    __tablename__ = "orientation_project"

    orientation_id: int = Field(foreign_key="orientation.id", primary_key=True)
    project_id: int = Field(foreign_key="project.id", primary_key=True, index=True)
    declared_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OrientationActor(SQLModel, table=True):
    """An actor declares that it serves an orientation."""

    __tablename__ = "orientation_actor"

    orientation_id: int = Field(foreign_key="orientation.id", primary_key=True)
    actor_id: int = Field(foreign_key="actor.id", primary_key=True, index=True)
    declared_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
