"""Reading territories and sectors, and the counts behind the map and the key figures."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub.directory.models import Actor, ActorSector, VerificationStatus
from hub.errors import NotFound
from hub.projects.models import Project, ProjectSector, ProjectStatus
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


def territory_names(session: Session, ids: Iterable[str | None] | None = None) -> dict[str, str]:
    """Territory id -> name, for labelling lists in one query: every territory, or only those of `ids`."""
    statement = select(Territory.id, Territory.name)
    if ids is not None:
        statement = statement.where(col(Territory.id).in_(sorted({i for i in ids if i})))
    return dict(session.exec(statement).all())


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


SPECIALISATION_TTL_SECONDS = 60.0
"""The specialisation inputs are recounted at most once a minute per database: they read every actor and project
(about 0.1 s on the seed x 10), and one record more moves a quotient computed on thousands by a few thousandths."""

_SPECIALISATION_CACHE: dict[str, tuple[float, tuple[dict[tuple[str, str], int], dict[str, int]]]] = {}


def clear_specialisation_cache() -> None:
    """Forget the cached specialisation counts (tests, imports)."""
    _SPECIALISATION_CACHE.clear()


def specialisation_counts(session: Session) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """The inputs of the location quotients: n(région, sector) and n(région), active projects plus listed actors.

    Cached for SPECIALISATION_TTL_SECONDS per database (see there).
    """
    key = str(session.get_bind().engine.url)
    cached = _SPECIALISATION_CACHE.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < SPECIALISATION_TTL_SECONDS:
        return cached[1]
    result = _count_specialisation(session)
    _SPECIALISATION_CACHE[key] = (now, result)
    return result


def _count_specialisation(session: Session) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    pairs: dict[tuple[str, str], int] = {}
    totals: dict[str, int] = {}
    listed = col(Actor.verification_status) != VerificationStatus.WITHDRAWN
    active = col(Project.status) == ProjectStatus.ACTIVE
    actor_pairs = (
        select(Actor.region_id, ActorSector.sector_code, func.count())
        .join(ActorSector, col(ActorSector.actor_id) == col(Actor.id))
        .where(listed, col(Actor.region_id).is_not(None))
        .group_by(col(Actor.region_id), col(ActorSector.sector_code))
        # Every listed actor is read: one pass over the table beats a lookup per actor through the région index.
        .with_hint(Actor, "NOT INDEXED", dialect_name="sqlite")
    )
    project_pairs = (
        select(Project.region_id, ProjectSector.sector_code, func.count())
        .join(ProjectSector, col(ProjectSector.project_id) == col(Project.id))
        .where(active, col(Project.region_id).is_not(None))
        .group_by(col(Project.region_id), col(ProjectSector.sector_code))
    )
    for statement in (actor_pairs, project_pairs):
        for region, sector, count in session.exec(statement).all():
            key = (str(region), str(sector))
            pairs[key] = pairs.get(key, 0) + int(count)
    for region, count in [
        *session.exec(
            select(Actor.region_id, func.count())
            .where(listed, col(Actor.region_id).is_not(None))
            .group_by(col(Actor.region_id))
        ).all(),
        *session.exec(
            select(Project.region_id, func.count())
            .where(active, col(Project.region_id).is_not(None))
            .group_by(col(Project.region_id))
        ).all(),
    ]:
        totals[str(region)] = totals.get(str(region), 0) + int(count)
    return pairs, totals
