"""Reading the public catalogue for export, batch by batch, so that no export holds the whole catalogue in memory.

Each batch is read by keyset pagination (id > last id, LIMIT n) with its links in a handful of
queries; the session is emptied after each batch. Only public fields leave this module: nothing
about accounts, memberships, authors or the contacts shared in introductions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from hub.directory.models import ACTOR_KIND_LABELS, Actor, ActorPhaseLink, ActorSector, VerificationStatus
from hub.opendata.formats import Position, Row
from hub.opendata.geo import Point, centroid
from hub.projects.models import (
    PROJECT_PHASE_LABELS,
    Project,
    ProjectNeedLink,
    ProjectPartner,
    ProjectSector,
    ProjectStatus,
)
from hub.territories.models import Territory

BATCH_SIZE = 200
_CENTROIDS: dict[str, Point] = {}


def territory_centroids(session: Session) -> dict[str, Point]:
    """Centre of every territory, computed once per process from the seed geometry (it never changes at run time)."""
    if not _CENTROIDS:
        for territory_id, geometry in session.exec(select(Territory.id, Territory.geometry)).all():
            point = centroid(geometry)
            if point is not None:
                _CENTROIDS[territory_id] = point
    return _CENTROIDS


def count_records(session: Session) -> dict[str, int]:
    """How many records each dataset holds right now."""
    actors = session.exec(
        select(func.count()).select_from(Actor).where(col(Actor.verification_status) != VerificationStatus.WITHDRAWN)
    ).one()
    projects = session.exec(
        select(func.count()).select_from(Project).where(col(Project.status) == ProjectStatus.ACTIVE)
    ).one()
    return {"acteurs": int(actors), "projets": int(projects)}


def _territory_position(
    centres: dict[str, Point], departement_id: str | None, region_id: str | None
) -> Position | None:
    for territory_id, source in ((departement_id, "departement"), (region_id, "region")):
        if territory_id and territory_id in centres:
            lon, lat = centres[territory_id]
            return Position(lon, lat, source)
    return None


def _grouped(rows: Sequence[tuple[Any, Any]]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for key, value in rows:
        grouped[key].append(value)
    return grouped


def _territory_fields(names: dict[str, str], region_id: str | None, departement_id: str | None) -> dict[str, Any]:
    return {
        "region": (region_id or "").removeprefix("reg-") or None,
        "region_name": names.get(region_id or ""),
        "departement": (departement_id or "").removeprefix("dep-") or None,
        "departement_name": names.get(departement_id or ""),
    }


def _stamp(record: Any) -> dict[str, Any]:
    return {
        "source": record.source,
        "source_url": record.source_url or None,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
    }


def actor_rows(session: Session, base_url: str, batch_size: int = BATCH_SIZE) -> Iterator[list[Row]]:
    """Listed actors (withdrawn ones left out), in id order, one batch at a time."""
    names = dict(session.exec(select(Territory.id, Territory.name)).all())
    centres = territory_centroids(session)
    last = 0
    while True:
        actors = session.exec(
            select(Actor)
            .where(col(Actor.id) > last, col(Actor.verification_status) != VerificationStatus.WITHDRAWN)
            .order_by(col(Actor.id))
            .limit(batch_size)
        ).all()
        if not actors:
            return
        ids = [a.id for a in actors]
        sectors = _grouped(
            session.exec(
                select(ActorSector.actor_id, ActorSector.sector_code)
                .where(col(ActorSector.actor_id).in_(ids))
                .order_by(col(ActorSector.sector_code))
            ).all()
        )
        phases = _grouped(
            session.exec(
                select(ActorPhaseLink.actor_id, ActorPhaseLink.phase)
                .where(col(ActorPhaseLink.actor_id).in_(ids))
                .order_by(col(ActorPhaseLink.phase))
            ).all()
        )
        batch: list[Row] = []
        for actor in actors:
            assert actor.id is not None
            record = {
                "id": actor.id,
                "slug": actor.slug,
                "url": f"{base_url}/annuaire/{actor.slug}",
                "name": actor.name,
                "acronym": actor.acronym or None,
                "kind": str(actor.kind),
                "kind_label": ACTOR_KIND_LABELS.get(actor.kind, str(actor.kind)),
                **{name: getattr(actor, name) or None for name in ("siren", "siret", "finess", "rna", "rnsr", "ror")},
                "address": actor.address or None,
                "postcode": actor.postcode or None,
                "commune": actor.commune or None,
                **_territory_fields(names, actor.region_id, actor.departement_id),
                "latitude": actor.latitude,
                "longitude": actor.longitude,
                "sectors": sectors.get(actor.id, []),
                "phases": [str(p) for p in phases.get(actor.id, [])],
                "is_experimentation_volunteer": actor.is_experimentation_volunteer,
                "experimentation_offer": actor.experimentation_offer or None,
                "description": actor.description or None,
                "website": actor.website or None,
                "verification_status": str(actor.verification_status),
                "is_claimed": actor.is_claimed,
                **_stamp(actor),
            }
            if actor.latitude is not None and actor.longitude is not None:
                position: Position | None = Position(actor.longitude, actor.latitude, "adresse")
            else:
                position = _territory_position(centres, actor.departement_id, actor.region_id)
            batch.append((record, position))
        last = ids[-1] or last
        session.expunge_all()
        yield batch


def project_rows(session: Session, base_url: str, batch_size: int = BATCH_SIZE) -> Iterator[list[Row]]:
    """Active projects (merged and withdrawn ones left out, merged ids listed on their successor), one batch at a time."""
    names = dict(session.exec(select(Territory.id, Territory.name)).all())
    centres = territory_centroids(session)
    listed = col(Actor.verification_status) != VerificationStatus.WITHDRAWN
    last = 0
    while True:
        projects = session.exec(
            select(Project)
            .where(col(Project.id) > last, col(Project.status) == ProjectStatus.ACTIVE)
            .order_by(col(Project.id))
            .limit(batch_size)
        ).all()
        if not projects:
            return
        ids = [p.id for p in projects]
        sectors = _grouped(
            session.exec(
                select(ProjectSector.project_id, ProjectSector.sector_code)
                .where(col(ProjectSector.project_id).in_(ids))
                .order_by(col(ProjectSector.sector_code))
            ).all()
        )
        needs = _grouped(
            session.exec(
                select(ProjectNeedLink.project_id, ProjectNeedLink.need)
                .where(col(ProjectNeedLink.project_id).in_(ids))
                .order_by(col(ProjectNeedLink.need))
            ).all()
        )
        partners = _grouped(
            session.exec(
                select(ProjectPartner.project_id, ProjectPartner.actor_id)
                .join(Actor, col(Actor.id) == col(ProjectPartner.actor_id))
                .where(col(ProjectPartner.project_id).in_(ids), listed)
                .order_by(col(ProjectPartner.actor_id))
            ).all()
        )
        replaces = _grouped(
            session.exec(
                select(col(Project.successor_id), Project.slug)
                .where(col(Project.status) == ProjectStatus.MERGED, col(Project.successor_id).in_(ids))
                .order_by(col(Project.slug))
            ).all()
        )
        carrier_ids = {p.carrier_id for p in projects if p.carrier_id is not None}
        carriers = {
            row[0]: row[1:]
            for row in session.exec(
                select(Actor.id, Actor.name, Actor.longitude, Actor.latitude).where(
                    col(Actor.id).in_(carrier_ids), listed
                )
            ).all()
        }
        batch: list[Row] = []
        for project in projects:
            assert project.id is not None
            carrier = carriers.get(project.carrier_id or 0)
            record = {
                "id": project.id,
                "slug": project.slug,
                "url": f"{base_url}/projets/{project.slug}",
                "title": project.title,
                "summary": project.summary or None,
                "description": project.description or None,
                "carrier_id": project.carrier_id if carrier else None,
                "carrier_name": carrier[0] if carrier else None,
                "partner_ids": partners.get(project.id, []),
                "sectors": sectors.get(project.id, []),
                "phase": str(project.phase),
                "phase_label": PROJECT_PHASE_LABELS.get(project.phase, str(project.phase)),
                "regulatory_status": str(project.regulatory_status),
                "reimbursement_status": str(project.reimbursement_status),
                "needs": [str(n) for n in needs.get(project.id, [])],
                "has_patient_involvement": project.has_patient_involvement,
                "has_professional_involvement": project.has_professional_involvement,
                **_territory_fields(names, project.region_id, project.departement_id),
                "year": project.year,
                "replaces": replaces.get(project.id, []),
                **_stamp(project),
            }
            if carrier and carrier[1] is not None and carrier[2] is not None:
                position: Position | None = Position(carrier[1], carrier[2], "porteur")
            else:
                position = _territory_position(centres, project.departement_id, project.region_id)
            batch.append((record, position))
        last = ids[-1] or last
        session.expunge_all()
        yield batch


ROW_READERS = {"acteurs": actor_rows, "projets": project_rows}
