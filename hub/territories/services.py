"""Reading territories and sectors, and the counts behind the map and the key figures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub.directory.models import Actor, VerificationStatus
from hub.errors import NotFound
from hub.projects.models import Project, ProjectStatus
from hub.sectors.models import Sector
from hub.territories.models import Territory, TerritoryLevel


class TerritoryRef(NamedTuple):
    """A territory without its geometry (the geometry weighs about 5 KB per territory: only maps load it)."""

    id: str
    level: str
    code: str
    name: str
    parent_id: str | None
    zone: str


def _refs() -> Any:
    # SQLAlchemy's select: SQLModel's typed overloads stop at four columns.
    return sa_select(
        col(Territory.id),
        col(Territory.level),
        col(Territory.code),
        col(Territory.name),
        col(Territory.parent_id),
        col(Territory.zone),
    )


def list_regions(session: Session) -> list[TerritoryRef]:
    """The 18 régions, alphabetical."""
    statement = _refs().where(col(Territory.level) == TerritoryLevel.REGION).order_by(col(Territory.name))
    return [TerritoryRef(*row) for row in session.execute(statement).all()]


def list_departements(session: Session, region: str | None = None) -> list[TerritoryRef]:
    """The départements (of one région if given), by INSEE code."""
    statement = _refs().where(col(Territory.level) == TerritoryLevel.DEPARTEMENT)
    if region:
        statement = statement.where(col(Territory.parent_id) == region)
    return [TerritoryRef(*row) for row in session.execute(statement.order_by(col(Territory.code))).all()]


def list_territories_with_geometry(
    session: Session, level: TerritoryLevel, parent: str | None = None
) -> Sequence[Territory]:
    """Territories of one level with their geometry, for drawing a map."""
    statement = select(Territory).where(col(Territory.level) == level)
    if parent:
        statement = statement.where(col(Territory.parent_id) == parent)
    return session.exec(statement.order_by(col(Territory.name))).all()


def list_sectors(session: Session) -> Sequence[Sector]:
    """The sector vocabulary, health domains first."""
    return session.exec(select(Sector).order_by(col(Sector.family), col(Sector.label))).all()


def get_territory(session: Session, territory_id: str) -> Territory:
    """A région or département by id (reg-75, dep-33), or NotFound."""
    territory = session.get(Territory, territory_id) if len(territory_id) <= 12 else None
    if territory is None:
        raise NotFound("Ce territoire n’existe pas.")
    return territory


def territory_names(session: Session) -> dict[str, str]:
    """Territory id -> name, for labelling lists in one query."""
    return dict(session.exec(select(Territory.id, Territory.name)).all())


def counts_by_territory(
    session: Session, level: TerritoryLevel, indicator: str, parent: str | None = None
) -> dict[str, int]:
    """Per territory of `level`, the number of active projects or listed actors."""
    if indicator == "projects":
        column = col(Project.region_id) if level == TerritoryLevel.REGION else col(Project.departement_id)
        statement = select(column, func.count()).where(col(Project.status) == ProjectStatus.ACTIVE)
    else:
        column = col(Actor.region_id) if level == TerritoryLevel.REGION else col(Actor.departement_id)
        statement = select(column, func.count()).where(col(Actor.verification_status) != VerificationStatus.WITHDRAWN)
        if indicator == "volunteers":
            statement = statement.where(col(Actor.is_experimentation_volunteer))
    if parent and level == TerritoryLevel.DEPARTEMENT:
        statement = statement.where(column.in_(select(Territory.id).where(col(Territory.parent_id) == parent)))
    rows = session.exec(statement.where(column.is_not(None)).group_by(column)).all()
    return {str(territory_id): int(count) for territory_id, count in rows}


def key_figures(session: Session) -> dict[str, int]:
    """The home page's key figures."""
    actors = session.exec(
        select(func.count()).select_from(Actor).where(col(Actor.verification_status) != VerificationStatus.WITHDRAWN)
    ).one()
    projects = session.exec(
        select(func.count()).select_from(Project).where(col(Project.status) == ProjectStatus.ACTIVE)
    ).one()
    volunteers = session.exec(
        select(func.count()).select_from(Actor).where(col(Actor.is_experimentation_volunteer))
    ).one()
    regions = session.exec(
        select(func.count()).select_from(Territory).where(col(Territory.level) == TerritoryLevel.REGION)
    ).one()
    return {"actors": int(actors), "projects": int(projects), "volunteers": int(volunteers), "regions": int(regions)}
