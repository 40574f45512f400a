"""A referent's area (their current assignments) and what their dashboard counts in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, inspect, or_
from sqlmodel import Session, col, select

from hub.accounts.models import Person
from hub.directory.models import Actor, ActorSector, VerificationStatus
from hub.exchanges.models import Availability, IntroductionRequest, IntroductionStatus, TargetKind, Visibility
from hub.needs.models import Need, NeedSector, NeedStatus
from hub.projects.models import Project, ProjectSector, ProjectStatus
from hub.referents.models import QueueItem, QueueStatus, ReferentAssignment

LIST_LIMIT = 20


@dataclass(frozen=True)
class Area:
    """Territory × sectors pairs a person covers (no sectors: every sector of the territory)."""

    parts: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def of(cls, assignments: Sequence[ReferentAssignment]) -> Area:
        """The union of the assignments' coverage."""
        return cls(tuple((a.territory_id, tuple(a.sectors)) for a in assignments))

    def condition(self, region_column: Any, departement_column: Any, id_column: Any, sector_link: Any) -> Any:
        """A WHERE clause for rows with a région and a département column and sectors in a link table."""
        clauses: list[ColumnElement[bool]] = []
        for territory_id, sectors in self.parts:
            place = (region_column if territory_id.startswith("reg-") else departement_column) == territory_id
            if sectors:
                linked = select(sector_link.c[0]).where(sector_link.c[1].in_(sectors))
                clauses.append(and_(place, id_column.in_(linked)))
            else:
                clauses.append(place)
        return or_(*clauses) if clauses else false()

    def holds(self, region_id: str | None, departement_id: str | None, sectors: Sequence[str]) -> bool:
        """Whether a row placed there with these sectors is in the area (no sectors: it is, if the place is)."""
        for territory_id, covered in self.parts:
            if territory_id not in (region_id, departement_id):
                continue
            if not covered or not sectors or set(covered) & set(sectors):
                return True
        return False


def _link(model: Any, id_name: str) -> Any:
    """(id, sector_code) columns of a sector link table as a selectable with positional columns."""
    return select(getattr(model, id_name).label("owner"), col(model.sector_code).label("code")).subquery()


@dataclass
class Dashboard:
    """What a referent sees on their dashboard; lists are capped at LIST_LIMIT rows."""

    actors_total: int = 0
    actors: list[Actor] = field(default_factory=list)
    projects_by_phase: dict[str, int] = field(default_factory=dict)
    open_items: int = 0
    overdue_items: int = 0
    pending_introductions: list[IntroductionRequest] = field(default_factory=list)
    available: list[tuple[Availability, str]] = field(default_factory=list)
    has_needs: bool = False
    open_needs: list[Need] = field(default_factory=list)


def build_dashboard(session: Session, account_id: int, area: Area, on: date, now: Any) -> Dashboard:
    """Counts and short lists of the area (only current assignments make the area)."""
    board = Dashboard()
    actor_link = _link(ActorSector, "actor_id")
    in_area = area.condition(col(Actor.region_id), col(Actor.departement_id), col(Actor.id), actor_link)
    listed = col(Actor.verification_status) != VerificationStatus.WITHDRAWN
    board.actors_total = int(session.exec(select(func.count()).select_from(Actor).where(listed, in_area)).one())
    board.actors = list(
        session.exec(select(Actor).where(listed, in_area).order_by(col(Actor.name)).limit(LIST_LIMIT)).all()
    )
    project_link = _link(ProjectSector, "project_id")
    project_in_area = area.condition(col(Project.region_id), col(Project.departement_id), col(Project.id), project_link)
    rows = session.exec(
        select(Project.phase, func.count())
        .where(col(Project.status) == ProjectStatus.ACTIVE, project_in_area)
        .group_by(col(Project.phase))
    ).all()
    board.projects_by_phase = {str(phase): int(count) for phase, count in rows}
    mine = (
        select(func.count())
        .select_from(QueueItem)
        .where(col(QueueItem.assignee_id) == account_id, col(QueueItem.status) == QueueStatus.OPEN)
    )
    board.open_items = int(session.exec(mine).one())
    board.overdue_items = int(session.exec(mine.where(col(QueueItem.due_at) < now)).one())
    area_actors = select(Actor.id).where(in_area)
    area_projects = select(Project.id).where(project_in_area)
    board.pending_introductions = list(
        session.exec(
            select(IntroductionRequest)
            .where(col(IntroductionRequest.status) == IntroductionStatus.PENDING)
            .where(
                or_(
                    and_(
                        col(IntroductionRequest.target_kind) == TargetKind.ACTOR,
                        col(IntroductionRequest.target_id).in_(area_actors),
                    ),
                    and_(
                        col(IntroductionRequest.target_kind) == TargetKind.PROJECT,
                        col(IntroductionRequest.target_id).in_(area_projects),
                    ),
                )
            )
            .order_by(col(IntroductionRequest.created_at))
            .limit(LIST_LIMIT)
        ).all()
    )
    board.available = _available(session, area, on)
    board.has_needs, board.open_needs = _open_needs(session, area)
    return board


def _available(session: Session, area: Area, on: date) -> list[tuple[Availability, str]]:
    """Current availabilities shown to members (not those kept for introduced projects), in the area."""
    places = [territory_id for territory_id, _ in area.parts]
    if not places:
        return []
    rows = session.exec(
        select(Availability, Person.display_name)
        .join(Person, col(Person.account_id) == col(Availability.account_id))
        .where(col(Availability.is_withdrawn).is_(False))
        .where(col(Availability.starts_on) <= on, col(Availability.ends_on) >= on)
        .where(col(Availability.visibility).in_([Visibility.PUBLIC, Visibility.MEMBERS]))
        .where(or_(col(Availability.region_id).in_(places), col(Availability.departement_id).in_(places)))
        .order_by(col(Availability.created_at))
    ).all()
    found = [(a, name) for a, name in rows if area.holds(a.region_id, a.departement_id, a.sectors)]
    return found[:LIST_LIMIT]


def _open_needs(session: Session, area: Area) -> tuple[bool, list[Need]]:
    """Open needs of the area. The needs domain is built alongside this one: until its migration is applied
    the block is left out rather than failing the whole dashboard."""
    if not inspect(session.connection()).has_table("need"):
        return False, []
    link = _link(NeedSector, "need_id")
    condition = area.condition(col(Need.region_id), col(Need.departement_id), col(Need.id), link)
    needs = session.exec(
        select(Need)
        .where(col(Need.status) == NeedStatus.OPEN, condition)
        .order_by(col(Need.created_at))
        .limit(LIST_LIMIT)
    ).all()
    return True, list(needs)
