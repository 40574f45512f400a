"""Publishing orientations, declaring which ones a project or an actor serves, and counting their coverage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from hub.accounts.viewer import Viewer
from hub.db import utcnow
from hub.directory.models import Actor, VerificationStatus
from hub.directory.services import can_edit_actor
from hub.errors import InvalidInput, NotFound, PermissionDenied
from hub.orientations.models import (
    Orientation,
    OrientationActor,
    OrientationProject,
    OrientationSector,
    OrientationTerritory,
)
from hub.orientations.shapes import DeclarationInput, OrientationInput
from hub.projects.models import Project, ProjectStatus
from hub.projects.services import can_edit_project
from hub.sectors.models import Sector
from hub.territories.models import Territory


@dataclass(slots=True)
class OrientationDetail:
    """An orientation with its sectors and territories (codes and ids)."""

    orientation: Orientation
    sectors: list[str] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)


def require_admin(viewer: Viewer) -> None:
    """Only administrators publish orientations."""
    if not viewer.is_admin:
        raise PermissionDenied("Seuls les administrateurs du lab publient les orientations stratégiques.")


def get_orientation(session: Session, orientation_id: int) -> OrientationDetail:
    """One orientation with its sectors and territories, or NotFound."""
    orientation = session.get(Orientation, orientation_id)
    if orientation is None:
        raise NotFound("Cette orientation n’existe pas.")
    return _details(session, [orientation])[0]


def list_orientations(session: Session, *, current_on: date | None = None) -> list[OrientationDetail]:
    """Every orientation (or those in force on `current_on`), most recent start first."""
    statement = select(Orientation).order_by(col(Orientation.starts_on).desc(), col(Orientation.id).desc())
    if current_on is not None:
        statement = statement.where(
            col(Orientation.starts_on) <= current_on,
            (col(Orientation.ends_on).is_(None)) | (col(Orientation.ends_on) >= current_on),
        )
    return _details(session, session.exec(statement).all())


def _details(session: Session, orientations: Sequence[Orientation]) -> list[OrientationDetail]:
    ids = [o.id for o in orientations if o.id is not None]
    sectors: dict[int, list[str]] = {}
    territories: dict[int, list[str]] = {}
    if ids:
        for oid, code in session.exec(
            select(OrientationSector.orientation_id, OrientationSector.sector_code)
            .where(col(OrientationSector.orientation_id).in_(ids))
            .order_by(col(OrientationSector.sector_code))
        ).all():
            sectors.setdefault(oid, []).append(code)
        for oid, tid in session.exec(
            select(OrientationTerritory.orientation_id, OrientationTerritory.territory_id)
            .where(col(OrientationTerritory.orientation_id).in_(ids))
            .order_by(col(OrientationTerritory.territory_id))
        ).all():
            territories.setdefault(oid, []).append(tid)
    return [OrientationDetail(o, sectors.get(o.id or 0, []), territories.get(o.id or 0, [])) for o in orientations]


def _check_references(session: Session, data: OrientationInput) -> None:
    errors: dict[str, str] = {}
    if data.sectors:
        known = set(session.exec(select(Sector.code).where(col(Sector.code).in_(data.sectors))).all())
        if unknown := [code for code in data.sectors if code not in known]:
            errors["sectors"] = f"Secteur inconnu : {', '.join(c[:32] for c in unknown[:3])}."
    if data.territories:
        known = set(session.exec(select(Territory.id).where(col(Territory.id).in_(data.territories))).all())
        if unknown := [tid for tid in data.territories if tid not in known]:
            errors["territories"] = (
                f"Territoire inconnu : {', '.join(t[:12] for t in unknown[:3])} "
                "(attendu : reg-<code INSEE> ou dep-<code INSEE>, par exemple reg-75 ou dep-33)."
            )
    if errors:
        raise InvalidInput(errors)


def _replace_links(session: Session, orientation_id: int, data: OrientationInput) -> None:
    session.execute(delete(OrientationSector).where(col(OrientationSector.orientation_id) == orientation_id))
    session.execute(delete(OrientationTerritory).where(col(OrientationTerritory.orientation_id) == orientation_id))
    session.add_all(
        OrientationSector(orientation_id=orientation_id, sector_code=c) for c in dict.fromkeys(data.sectors)
    )
    session.add_all(
        OrientationTerritory(orientation_id=orientation_id, territory_id=t) for t in dict.fromkeys(data.territories)
    )


def create_orientation(session: Session, viewer: Viewer, data: OrientationInput) -> Orientation:
    """Publish an orientation (administrators); everything is checked before anything is written."""
    require_admin(viewer)
    _check_references(session, data)
    orientation = Orientation(
        title=data.title,
        description=data.description,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_by_id=viewer.account_id,
    )
    session.add(orientation)
    session.flush()
    assert orientation.id is not None
    _replace_links(session, orientation.id, data)
    session.flush()
    return orientation


def update_orientation(session: Session, viewer: Viewer, orientation_id: int, data: OrientationInput) -> Orientation:
    """Change an orientation (administrators)."""
    require_admin(viewer)
    orientation = get_orientation(session, orientation_id).orientation
    _check_references(session, data)
    orientation.title, orientation.description = data.title, data.description
    orientation.starts_on, orientation.ends_on = data.starts_on, data.ends_on
    orientation.updated_at = utcnow()
    session.add(orientation)
    _replace_links(session, orientation_id, data)
    session.flush()
    return orientation


def _check_orientation_ids(session: Session, ids: Sequence[int]) -> list[int]:
    wanted = list(dict.fromkeys(ids))
    if wanted:
        known = set(session.exec(select(Orientation.id).where(col(Orientation.id).in_(wanted))).all())
        if unknown := [i for i in wanted if i not in known]:
            raise InvalidInput({"orientations": f"Orientation inconnue : {', '.join(str(i) for i in unknown[:3])}."})
    return wanted


def served_by_project(session: Session, project_id: int) -> list[int]:
    """Ids of the orientations a project declares it serves."""
    return list(
        session.exec(select(OrientationProject.orientation_id).where(col(OrientationProject.project_id) == project_id))
    )


def served_by_actor(session: Session, actor_id: int) -> list[int]:
    """Ids of the orientations an actor declares it serves."""
    return list(session.exec(select(OrientationActor.orientation_id).where(col(OrientationActor.actor_id) == actor_id)))


def require_project_editor(session: Session, viewer: Viewer, project: Project) -> None:
    """The project's own editors (hub.projects' rule) declare what it serves."""
    if not can_edit_project(session, viewer, project):
        raise PermissionDenied(
            "Seules les personnes qui gèrent ce projet peuvent déclarer les orientations qu’il sert."
        )


def require_actor_editor(session: Session, viewer: Viewer, actor: Actor) -> None:
    """The actor's own members (hub.directory's rule) declare what it serves."""
    if not can_edit_actor(session, viewer, actor):
        raise PermissionDenied("Seuls les membres de cette structure peuvent déclarer les orientations qu’elle sert.")


def declare_for_project(session: Session, viewer: Viewer, project: Project, data: DeclarationInput) -> list[int]:
    """Replace the orientations `project` serves; returns their ids."""
    require_project_editor(session, viewer, project)
    assert project.id is not None
    wanted = _check_orientation_ids(session, data.orientations)
    current = set(served_by_project(session, project.id))
    session.execute(
        delete(OrientationProject).where(
            col(OrientationProject.project_id) == project.id, col(OrientationProject.orientation_id).not_in(wanted)
        )
    )
    session.add_all(
        OrientationProject(orientation_id=oid, project_id=project.id, declared_by_id=viewer.account_id)
        for oid in wanted
        if oid not in current
    )
    session.flush()
    return wanted


def declare_for_actor(session: Session, viewer: Viewer, actor: Actor, data: DeclarationInput) -> list[int]:
    """Replace the orientations `actor` serves; returns their ids."""
    require_actor_editor(session, viewer, actor)
    assert actor.id is not None
    wanted = _check_orientation_ids(session, data.orientations)
    current = set(served_by_actor(session, actor.id))
    session.execute(
        delete(OrientationActor).where(
            col(OrientationActor.actor_id) == actor.id, col(OrientationActor.orientation_id).not_in(wanted)
        )
    )
    session.add_all(
        OrientationActor(orientation_id=oid, actor_id=actor.id, declared_by_id=viewer.account_id)
        for oid in wanted
        if oid not in current
    )
    session.flush()
    return wanted


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many active projects and listed actors serve each orientation, per région."""

    projects: dict[tuple[int, str], int]  # (orientation_id, region_id) -> count
    actors: dict[tuple[int, str], int]

    def total_projects(self, orientation_id: int) -> int:
        """Projects serving the orientation, with a région."""
        return sum(n for (oid, _), n in self.projects.items() if oid == orientation_id)

    def total_actors(self, orientation_id: int) -> int:
        """Actors serving the orientation, with a région."""
        return sum(n for (oid, _), n in self.actors.items() if oid == orientation_id)


def coverage(session: Session, orientation_ids: Sequence[int] | None = None) -> Coverage:
    """Per orientation × région, the active projects and listed actors that declare serving it."""
    projects = (
        select(OrientationProject.orientation_id, Project.region_id, func.count())
        .join(Project, col(Project.id) == col(OrientationProject.project_id))
        .where(col(Project.status) == ProjectStatus.ACTIVE, col(Project.region_id).is_not(None))
        .group_by(col(OrientationProject.orientation_id), col(Project.region_id))
    )
    actors = (
        select(OrientationActor.orientation_id, Actor.region_id, func.count())
        .join(Actor, col(Actor.id) == col(OrientationActor.actor_id))
        .where(col(Actor.verification_status) != VerificationStatus.WITHDRAWN, col(Actor.region_id).is_not(None))
        .group_by(col(OrientationActor.orientation_id), col(Actor.region_id))
    )
    if orientation_ids is not None:
        projects = projects.where(col(OrientationProject.orientation_id).in_(list(orientation_ids)))
        actors = actors.where(col(OrientationActor.orientation_id).in_(list(orientation_ids)))
    return Coverage(
        projects={(int(o), str(r)): int(n) for o, r, n in session.exec(projects).all()},
        actors={(int(o), str(r)): int(n) for o, r, n in session.exec(actors).all()},
    )
