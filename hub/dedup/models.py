"""Duplicate reviews: candidate pairs grouped by cluster, twin projects, merges (with their snapshot) and scan runs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class ReviewStatus(StrEnum):
    """A review item is open while one of its pairs waits for a decision."""

    OPEN = "open"
    CLOSED = "closed"


class PairStatus(StrEnum):
    """What was decided about two projects that look alike."""

    OPEN = "open"
    MERGED = "merged"
    TWINS = "twins"
    DISTINCT = "distinct"


PAIR_STATUS_LABELS = {
    PairStatus.OPEN: "À examiner",
    PairStatus.MERGED: "Fusionnés",
    PairStatus.TWINS: "Projets jumeaux",
    PairStatus.DISTINCT: "Projets différents",
}


class DuplicateReview(SQLModel, table=True):
    """A group of projects that may be duplicates of one another, waiting for a reviewer.

    `audience` says who reviews it: administrators today; `region_id` and `sector_codes` are kept
    so that referents (by territory and sector) can be routed their items later.
    """

    __tablename__ = "duplicate_review"

    id: int | None = Field(default=None, primary_key=True)
    status: ReviewStatus = Field(default=ReviewStatus.OPEN, index=True, sa_type=String(12))
    audience: str = Field(default="admin", max_length=32, index=True)
    region_id: str | None = Field(default=None, max_length=12, index=True)
    sector_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    best_score: float = 0.0
    scan_run_id: int | None = Field(default=None, foreign_key="duplicate_scan_run.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DuplicatePair(SQLModel, table=True):
    """Two projects (a < b) that look alike, with the matcher's score and reasons, and the decision taken.

    A pair marked distinct keeps a fingerprint of both texts: it is proposed again only if one of
    them changes substantially.
    """

    __tablename__ = "duplicate_pair"
    __table_args__ = (UniqueConstraint("project_a_id", "project_b_id", name="uq_duplicate_pair_projects"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="duplicate_review.id", index=True)
    project_a_id: int = Field(foreign_key="project.id", index=True)
    project_b_id: int = Field(foreign_key="project.id", index=True)
    score: float
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: PairStatus = Field(default=PairStatus.OPEN, index=True, sa_type=String(12))
    is_declared_distinct: bool = Field(default=False, description="the author said it is a different project")
    fingerprint: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    decided_by_id: int | None = Field(default=None, foreign_key="account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProjectTwin(SQLModel, table=True):
    """Two teams doing the same thing in different places (a < b); both pages show the other."""

    __tablename__ = "project_twin"

    project_a_id: int = Field(foreign_key="project.id", primary_key=True)
    project_b_id: int = Field(foreign_key="project.id", primary_key=True, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProjectMerge(SQLModel, table=True):
    """One project merged into another; `snapshot` holds both projects (fields and links) as they were before."""

    __tablename__ = "project_merge"

    id: int | None = Field(default=None, primary_key=True)
    survivor_id: int = Field(foreign_key="project.id", index=True)
    merged_id: int = Field(foreign_key="project.id", index=True)
    pair_id: int | None = Field(default=None, foreign_key="duplicate_pair.id")
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    merged_by_id: int | None = Field(default=None, foreign_key="account.id")
    merged_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    undone_by_id: int | None = Field(default=None, foreign_key="account.id")
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DuplicateScanRun(SQLModel, table=True):
    """One run of the catalogue scan; `clusters_done` lets an interrupted run resume where it stopped."""

    __tablename__ = "duplicate_scan_run"

    id: int | None = Field(default=None, primary_key=True)
    catalogue_version: str = Field(max_length=80)
    clusters_total: int = 0
    clusters_done: int = 0
    pairs_found: int = 0
    pairs_recorded: int = 0
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
