"""Reading and writing the project catalogue; the only code that writes projects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CompoundSelect, func, or_, union
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub.accounts.viewer import Viewer
from hub.changelog.services import diff, record_change
from hub.db import utcnow
from hub.directory.models import Actor
from hub.directory.services import is_member
from hub.errors import InvalidInput, LoginRequired, NotFound, PermissionDenied
from hub.listing import Page, check_page_exists
from hub.projects.models import (
    Project,
    ProjectNeed,
    ProjectNeedLink,
    ProjectPartner,
    ProjectSector,
    ProjectStatus,
)
from hub.projects.shapes import ProjectInput
from hub.referents.routing import route
from hub.sectors.models import Sector
from hub.slugs import unique_slug
from hub.territories.models import Territory, TerritoryLevel, departement_id, region_id


@dataclass(frozen=True)
class ProjectFilters:
    """The catalogue's filters (all optional); merged and withdrawn projects are hidden by default."""

    phase: str | None = None
    sector: str | None = None
    region: str | None = None
    departement: str | None = None
    need: str | None = None
    carrier: int | None = None
    q: str | None = None
    status: str = ProjectStatus.ACTIVE.value


def list_projects(session: Session, filters: ProjectFilters, *, page: int = 1, per_page: int = 20) -> Page[Project]:
    """One page of projects matching `filters`, newest first."""
    statement = select(Project).where(col(Project.status) == filters.status)
    if filters.phase:
        statement = statement.where(col(Project.phase) == filters.phase)
    if filters.region:
        statement = statement.where(col(Project.region_id) == filters.region)
    if filters.departement:
        statement = statement.where(col(Project.departement_id) == filters.departement)
    if filters.carrier:
        statement = statement.where(col(Project.carrier_id) == filters.carrier)
    if filters.sector:
        statement = statement.where(
            col(Project.id).in_(
                select(ProjectSector.project_id).where(col(ProjectSector.sector_code) == filters.sector)
            )
        )
    if filters.need:
        statement = statement.where(
            col(Project.id).in_(select(ProjectNeedLink.project_id).where(col(ProjectNeedLink.need) == filters.need))
        )
    if filters.q:
        pattern = "%" + filters.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(
                func.lower(Project.title).like(pattern, escape="\\"),
                func.lower(Project.summary).like(pattern, escape="\\"),
            )
        )
    total = int(session.exec(select(func.count()).select_from(statement.subquery())).one())
    check_page_exists(page, per_page, total)
    items = session.exec(
        statement.order_by(col(Project.created_at).desc(), col(Project.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(items=items, total=total, page=page, per_page=per_page)


def get_project(session: Session, slug: str) -> Project:
    """The project with this slug, or NotFound."""
    project = session.exec(select(Project).where(col(Project.slug) == slug)).first()
    if project is None:
        raise NotFound("Ce projet n’existe pas dans le catalogue.")
    return project


def get_project_by_id(session: Session, project_id: int) -> Project:
    """The project with this id, or NotFound."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("Ce projet n’existe pas dans le catalogue.")
    return project


def project_sectors(session: Session, project_ids: Sequence[int]) -> dict[int, list[Sector]]:
    """The sectors of several projects in one query."""
    rows = session.exec(
        select(ProjectSector.project_id, Sector)
        .join(Sector, col(Sector.code) == col(ProjectSector.sector_code))
        .where(col(ProjectSector.project_id).in_(project_ids))
        .order_by(col(Sector.label))
    ).all()
    result: dict[int, list[Sector]] = {project_id: [] for project_id in project_ids}
    for project_id, sector in rows:
        result[project_id].append(sector)
    return result


def project_needs(session: Session, project_id: int) -> list[ProjectNeed]:
    """What a project looks for, in a stable order."""
    needs = set(session.exec(select(ProjectNeedLink.need).where(col(ProjectNeedLink.project_id) == project_id)).all())
    return [need for need in ProjectNeed if need in needs]


def needs_of(session: Session, project_ids: Sequence[int]) -> dict[int, list[str]]:
    """The needs of several projects in one query, in a stable order."""
    order = {need.value: index for index, need in enumerate(ProjectNeed)}
    found: dict[int, list[str]] = {project_id: [] for project_id in project_ids}
    for project_id, need in session.exec(
        select(ProjectNeedLink.project_id, ProjectNeedLink.need).where(col(ProjectNeedLink.project_id).in_(project_ids))
    ).all():
        found[project_id].append(str(need))
    return {project_id: sorted(needs, key=lambda n: order.get(n, 99)) for project_id, needs in found.items()}


def partners_of(session: Session, project_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The partners (actor id and role) of several projects in one query."""
    found: dict[int, list[dict[str, Any]]] = {project_id: [] for project_id in project_ids}
    rows = session.exec(
        select(ProjectPartner)
        .where(col(ProjectPartner.project_id).in_(project_ids))
        .order_by(col(ProjectPartner.actor_id))
    ).all()
    for partner in rows:
        found[partner.project_id].append({"actor_id": partner.actor_id, "role": str(partner.role)})
    return found


def project_partners(session: Session, project_id: int) -> Sequence[tuple[ProjectPartner, Actor]]:
    """The partners of a project with their actors."""
    return session.exec(
        select(ProjectPartner, Actor)
        .join(Actor, col(Actor.id) == col(ProjectPartner.actor_id))
        .where(col(ProjectPartner.project_id) == project_id)
        .order_by(col(Actor.name))
    ).all()


def projects_of_actor(session: Session, actor_id: int, limit: int = 50) -> Sequence[Project]:
    """Active projects an actor carries or takes part in."""
    # a union of two index lookups: "carrier OR partner" in one WHERE made SQLite read every active project
    involved: CompoundSelect[tuple[int]] = union(
        sa_select(col(Project.id)).where(col(Project.carrier_id) == actor_id),
        sa_select(col(ProjectPartner.project_id)).where(col(ProjectPartner.actor_id) == actor_id),
    )
    return session.exec(
        select(Project)
        .where(col(Project.id).in_(involved))
        .where(col(Project.status) == ProjectStatus.ACTIVE)
        .order_by(col(Project.title))
        .limit(limit)
    ).all()


def can_edit_project(session: Session, viewer: Viewer | None, project: Project) -> bool:
    """The project's creator, members of its carrier, or an administrator."""
    if viewer is None:
        return False
    if viewer.is_admin or (project.created_by_id is not None and project.created_by_id == viewer.account_id):
        return True
    return project.carrier_id is not None and is_member(session, viewer, project.carrier_id)


def _resolve(session: Session, data: ProjectInput, viewer: Viewer) -> tuple[str | None, str | None]:
    errors: dict[str, str] = {}
    if data.sectors:
        known = set(session.exec(select(Sector.code).where(col(Sector.code).in_(data.sectors))).all())
        unknown = [code for code in data.sectors if code not in known]
        if unknown:
            errors["sectors"] = f"Secteur inconnu : {', '.join(unknown[:3])}."
    actor_ids = [p.actor_id for p in data.partners] + ([data.carrier_id] if data.carrier_id else [])
    if actor_ids:
        known_ids = set(session.exec(select(Actor.id).where(col(Actor.id).in_(actor_ids))).all())
        if data.carrier_id and data.carrier_id not in known_ids:
            errors["carrier_id"] = "Porteur inconnu : choisissez un acteur de l’annuaire."
        missing = [p.actor_id for p in data.partners if p.actor_id not in known_ids]
        if missing:
            errors["partners"] = f"Partenaire inconnu (identifiant {missing[0]})."
    if data.carrier_id and any(p.actor_id == data.carrier_id for p in data.partners):
        errors["partners"] = "Le porteur ne peut pas être aussi partenaire du projet."
    dep_id = reg_id = None
    if data.departement:
        dep = session.get(Territory, departement_id(data.departement.upper()))
        if dep is None or dep.level != TerritoryLevel.DEPARTEMENT:
            errors["departement"] = "Département inconnu : saisissez son code INSEE (par exemple 33 ou 2A)."
        else:
            dep_id, reg_id = dep.id, dep.parent_id
    if data.region:
        region = session.get(Territory, region_id(data.region))
        if region is None or region.level != TerritoryLevel.REGION:
            errors["region"] = "Région inconnue : saisissez son code INSEE (par exemple 75)."
        elif reg_id is not None and reg_id != region.id:
            errors["departement"] = "Ce département n’appartient pas à la région choisie."
        else:
            reg_id = region.id
    if errors:
        raise InvalidInput(errors)
    return dep_id, reg_id


def _snapshot(session: Session, project: Project) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: getattr(project, name)
        for name in (
            "title",
            "summary",
            "description",
            "carrier_id",
            "has_patient_involvement",
            "has_professional_involvement",
        )
    }
    for name in ("phase", "regulatory_status", "reimbursement_status", "status"):
        values[name] = str(getattr(project, name))
    values["region_id"], values["departement_id"], values["successor_id"] = (
        project.region_id,
        project.departement_id,
        project.successor_id,
    )
    if project.id is None:
        values |= {"sectors": [], "needs": [], "partners": []}
        return values
    values["sectors"] = sorted(
        session.exec(select(ProjectSector.sector_code).where(col(ProjectSector.project_id) == project.id)).all()
    )
    values["needs"] = sorted(str(n) for n in project_needs(session, project.id))
    values["partners"] = sorted(
        f"{p.actor_id}:{p.role}"
        for p in session.exec(select(ProjectPartner).where(col(ProjectPartner.project_id) == project.id)).all()
    )
    return values


def _apply(session: Session, project: Project, data: ProjectInput, dep_id: str | None, reg_id: str | None) -> None:
    for name in (
        "title",
        "summary",
        "description",
        "carrier_id",
        "phase",
        "regulatory_status",
        "reimbursement_status",
        "has_patient_involvement",
        "has_professional_involvement",
    ):
        setattr(project, name, getattr(data, name))
    project.departement_id, project.region_id = dep_id, reg_id
    project.updated_at = utcnow()
    session.add(project)
    session.flush()
    assert project.id is not None
    for model in (ProjectSector, ProjectNeedLink, ProjectPartner):
        for row in session.exec(select(model).where(col(model.project_id) == project.id)).all():
            session.delete(row)
    session.flush()
    session.add_all(ProjectSector(project_id=project.id, sector_code=code) for code in data.sectors)
    session.add_all(ProjectNeedLink(project_id=project.id, need=need) for need in data.needs)
    session.add_all(ProjectPartner(project_id=project.id, actor_id=p.actor_id, role=p.role) for p in data.partners)


def create_project(session: Session, data: ProjectInput, viewer: Viewer | None) -> Project:
    """Add a project to the catalogue. Logged."""
    if viewer is None:
        raise LoginRequired("Connectez-vous pour ajouter un projet.")
    if data.carrier_id and not viewer.is_admin and not is_member(session, viewer, data.carrier_id):
        raise InvalidInput({"carrier_id": "Vous ne pouvez déclarer comme porteur qu’un acteur que vous représentez."})
    dep_id, reg_id = _resolve(session, data, viewer)
    project = Project(slug=unique_slug(session, Project, data.title), title=data.title, created_by_id=viewer.account_id)
    _apply(session, project, data, dep_id, reg_id)
    session.flush()
    assert project.id is not None
    record_change(
        session,
        object_type="project",
        object_id=project.id,
        action="create",
        account_id=viewer.account_id,
        changes=diff({}, _snapshot(session, project)),
    )
    route(
        session,
        kind="new_project",
        subject_type="project",
        subject_id=project.id,
        title=project.title,
        url=f"/projets/{project.slug}",
        sector_codes=data.sectors,
        territory_id=dep_id or reg_id,
    )
    return project


def update_project(session: Session, project: Project, data: ProjectInput, viewer: Viewer | None) -> Project:
    """Edit a project (its creator, its carrier's members, administrators). Logged."""
    if viewer is None:
        raise LoginRequired("Connectez-vous pour modifier ce projet.")
    if not can_edit_project(session, viewer, project):
        raise PermissionDenied("Seuls le porteur du projet, son créateur ou un administrateur peuvent le modifier.")
    if project.status != ProjectStatus.ACTIVE:
        raise InvalidInput({"title": "Ce projet a été fusionné ou retiré : modifiez le projet qui le remplace."})
    if (
        data.carrier_id
        and data.carrier_id != project.carrier_id
        and not viewer.is_admin
        and not is_member(session, viewer, data.carrier_id)
    ):
        raise InvalidInput({"carrier_id": "Vous ne pouvez déclarer comme porteur qu’un acteur que vous représentez."})
    dep_id, reg_id = _resolve(session, data, viewer)
    before = _snapshot(session, project)
    _apply(session, project, data, dep_id, reg_id)
    session.flush()
    changes = diff(before, _snapshot(session, project))
    if changes:
        assert project.id is not None
        record_change(
            session,
            object_type="project",
            object_id=project.id,
            action="update",
            account_id=viewer.account_id,
            changes=changes,
        )
    return project


def project_to_input(session: Session, project: Project) -> dict[str, Any]:
    """The form values of an existing project."""
    values = _snapshot(session, project)
    values["region"] = (project.region_id or "").removeprefix("reg-")
    values["departement"] = (project.departement_id or "").removeprefix("dep-")
    values["partners"] = [
        {"actor_id": p.actor_id, "role": str(p.role)}
        for p in session.exec(select(ProjectPartner).where(col(ProjectPartner.project_id) == project.id)).all()
    ]
    return values


def resolve_partner_lines(session: Session, text: str) -> list[dict[str, Any]]:
    """Partners typed one per line (exact name or slug of a directory actor) as partner inputs."""
    partners: list[dict[str, Any]] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > 100:
        raise InvalidInput({"partners": "100 partenaires au plus."})
    for number, line in enumerate(lines, start=1):
        actor = (
            session.exec(select(Actor).where(col(Actor.slug) == line[:120])).first()
            or session.exec(
                select(Actor).where(func.lower(Actor.name) == line.lower()[:200]).order_by(col(Actor.id))
            ).first()
        )
        if actor is None:
            raise InvalidInput(
                {"partners": f"Ligne {number} : aucun acteur de l’annuaire ne s’appelle « {line[:80]} »."}
            )
        partners.append({"actor_id": actor.id, "role": "autre"})
    return partners


def partner_lines(session: Session, project_id: int) -> str:
    """The partners of a project as the form shows them (one slug per line)."""
    return "\n".join(actor.slug for _, actor in project_partners(session, project_id))
