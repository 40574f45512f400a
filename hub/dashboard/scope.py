"""The dashboard's filters (région, sector, phase) and the SQL pieces every figure shares.

Month buckets and day differences are computed by the database (GROUP BY), with one expression
per dialect: SQLite stores UTC timestamps as text, PostgreSQL as timestamptz.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, cast, func, literal_column, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from hub.filters import check_known
from hub.listing import parse_choice
from hub.projects.models import PROJECT_PHASE_LABELS, Project, ProjectPhase, ProjectSector, ProjectStatus
from hub.territories.services import TerritoryRef

KNOWN_PARAMS = frozenset({"region", "sector", "phase"})


@dataclass(frozen=True, slots=True)
class DashboardFilters:
    """What the decision-maker narrowed the dashboard to; `region` is a territory id ("reg-75")."""

    region: str | None = None
    sector: str | None = None
    phase: str | None = None

    @property
    def is_active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.region or self.sector or self.phase)

    def params(self) -> dict[str, str]:
        """The filters as query parameters, for links (CSV exports keep the page's filters)."""
        values = {"region": (self.region or "").removeprefix("reg-"), "sector": self.sector, "phase": self.phase}
        return {key: value for key, value in values.items() if value}


def parse_filters(params: Mapping[str, str], regions: list[TerritoryRef], sector_codes: set[str]) -> DashboardFilters:
    """The filters in `params`; an unknown parameter or value is refused (InvalidFilter, HTTP 400)."""
    check_known(params, KNOWN_PARAMS)
    region = parse_choice(params, "region", {r.code for r in regions})
    return DashboardFilters(
        region=f"reg-{region}" if region else None,
        sector=parse_choice(params, "sector", sector_codes),
        phase=parse_choice(params, "phase", {p.value for p in ProjectPhase}),
    )


def phase_label(phase: str) -> str:
    """The French label of a project phase."""
    return PROJECT_PHASE_LABELS.get(ProjectPhase(phase), phase)


def project_conditions(filters: DashboardFilters, *, active_only: bool = True) -> list[ColumnElement[bool]]:
    """WHERE conditions on `project` for the filters (listed projects only unless `active_only` is False)."""
    conditions: list[ColumnElement[bool]] = []
    if active_only:
        conditions.append(col(Project.status) == ProjectStatus.ACTIVE)
    if filters.region:
        conditions.append(col(Project.region_id) == filters.region)
    if filters.phase:
        conditions.append(col(Project.phase) == filters.phase)
    if filters.sector:
        in_sector = select(ProjectSector.project_id).where(col(ProjectSector.sector_code) == filters.sector)
        conditions.append(col(Project.id).in_(in_sector))
    return conditions


def projects_in_scope(filters: DashboardFilters) -> Any:
    """A sub-select of the ids of the projects the filters cover, whatever their status.

    Duplicates, introductions and hours concern merged projects too: a pair found between two
    projects stays found after their merge.
    """
    return select(Project.id).where(*project_conditions(filters, active_only=False))


def any_in_scope(filters: DashboardFilters, *columns: Any) -> list[ColumnElement[bool]]:
    """A condition "one of these project-id columns is in scope" (nothing when no filter is set)."""
    if not filters.is_active:
        return []
    scope = projects_in_scope(filters)
    return [or_(*(column.in_(scope) for column in columns))]


def dialect_of(session: Session) -> str:
    """`sqlite` or `postgresql`."""
    return session.get_bind().dialect.name


def month_of(session: Session, column: Any) -> Any:
    """The UTC month of a timestamp column as "YYYY-MM" text, computed by the database."""
    if dialect_of(session) == "postgresql":
        return func.to_char(func.timezone(literal_column("'UTC'"), column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def whole_days_between(session: Session, start: Any, end: Any) -> Any:
    """Whole days from `start` to `end` (truncated), computed by the database."""
    if dialect_of(session) == "postgresql":
        return cast(func.floor(func.extract("epoch", end - start) / 86400), Integer)
    return cast(func.julianday(end) - func.julianday(start), Integer)
