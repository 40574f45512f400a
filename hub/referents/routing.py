"""Routing items to the referent in charge (README, "Referents, territories and the live map"): route, resolve, can_curate.

Order of the search for a subject with sectors S on a département D of région R:
titulaire of D covering S, titulaire of R covering S, suppléant of D, suppléant of R, the référent régional of R
(a région assignment without sectors; titulaire before suppléant), else the national team (no assignee).
A subject without sectors matches any sectoral referent of the territory. Only current terms count, and only
active accounts. Writes nothing but the QueueItem; the caller's transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlmodel import Session, col, select

from hub.accounts.models import Account
from hub.accounts.viewer import Viewer
from hub.db import utcnow
from hub.directory.models import Actor, ActorSector
from hub.projects.models import Project, ProjectSector
from hub.referents.models import (
    DUE_AFTER,
    QueueItem,
    QueueLevel,
    QueueStatus,
    ReferentAssignment,
    ReferentRole,
)
from hub.territories.models import Territory

# What each kind of item is, in the words of the queue page.
KIND_LABELS = {
    "new_project": "Nouveau projet à accueillir",
    "duplicate_review": "Projets en double possibles à examiner",
    "introduction": "Mise en relation avec un acteur sans compte",
    "need": "Besoin déclaré à qualifier",
    "field_feedback": "Retour du terrain",
    "report": "Signalement",
    "research_result": "Résultat de recherche à relire",
    "contest": "Contestation",
}
KINDS = frozenset(KIND_LABELS)


def today() -> date:
    """The current day in UTC (terms are whole days)."""
    return utcnow().date()


def territory_chain(session: Session, territory_id: str | None) -> list[str]:
    """The territory and the région above it, most local first ([] for none or an unknown id)."""
    if not territory_id:
        return []
    territory = session.get(Territory, territory_id) if len(territory_id) <= 12 else None
    if territory is None:
        return []
    return [territory.id] + ([territory.parent_id] if territory.parent_id else [])


def current_assignments(
    session: Session, territory_ids: Sequence[str] | None, on: date | None = None
) -> list[ReferentAssignment]:
    """Current assignments on these territories (None: everywhere) held by active accounts, oldest first."""
    if territory_ids is not None and not territory_ids:
        return []
    on = on or today()
    statement = select(ReferentAssignment)
    if territory_ids is not None:
        statement = statement.where(col(ReferentAssignment.territory_id).in_(list(territory_ids)))
    statement = (
        statement.join(Account, col(Account.id) == col(ReferentAssignment.account_id))
        .where(col(ReferentAssignment.starts_on) <= on)
        .where((col(ReferentAssignment.ends_on).is_(None)) | (col(ReferentAssignment.ends_on) >= on))
        .where(col(Account.is_active))
        .order_by(col(ReferentAssignment.starts_on), col(ReferentAssignment.id))
    )
    return list(session.exec(statement).all())


def _sector_rank(assignment: ReferentAssignment, sector_codes: Sequence[str]) -> int | None:
    """How early in the subject's sectors the assignment matches (None: no match; 0 when the subject has none)."""
    if not sector_codes:
        return 0
    for index, code in enumerate(sector_codes):
        if code in assignment.sectors:
            return index
    return None


def find_assignee(
    session: Session, sector_codes: Sequence[str], territory_id: str | None, on: date | None = None
) -> tuple[ReferentAssignment | None, QueueLevel]:
    """The assignment in charge of a subject and the routing level that found it (None: the national team)."""
    chain = territory_chain(session, territory_id)
    candidates = current_assignments(session, chain, on)
    sectoral = [a for a in candidates if a.sectors]
    for role, level in ((ReferentRole.TITULAIRE, QueueLevel.TITULAIRE), (ReferentRole.SUPPLEANT, QueueLevel.SUPPLEANT)):
        for territory in chain:
            ranked = [
                (rank, a)
                for a in sectoral
                if a.role == role
                and a.territory_id == territory
                and (rank := _sector_rank(a, sector_codes)) is not None
            ]
            if ranked:
                return min(ranked, key=lambda pair: pair[0])[1], level
    generalists = [a for a in candidates if a.is_regional_generalist]
    for role in (ReferentRole.TITULAIRE, ReferentRole.SUPPLEANT):
        for assignment in generalists:
            if assignment.role == role:
                return assignment, QueueLevel.REGIONAL
    return None, QueueLevel.NATIONAL


def route(
    session: Session,
    *,
    kind: str,
    subject_type: str,
    subject_id: int,
    title: str,
    url: str,
    sector_codes: Iterable[str] = (),
    territory_id: str | None = None,
) -> QueueItem:
    """Put an item in the queue of the referent in charge (or of the national team); flushed, not committed."""
    if kind not in KINDS:
        raise ValueError(f"unknown queue item kind: {kind!r}")
    sectors = list(dict.fromkeys(code for code in sector_codes if code))
    assignment, level = find_assignee(session, sectors, territory_id)
    known_territory = territory_chain(session, territory_id)
    now = utcnow()
    item = QueueItem(
        kind=kind,
        subject_type=subject_type[:32],
        subject_id=subject_id,
        title=title[:300],
        url=url[:300],
        territory_id=known_territory[0] if known_territory else None,
        sectors=sectors,
        assignee_id=assignment.account_id if assignment else None,
        assignment_id=assignment.id if assignment else None,
        level=level,
        created_at=now,
        due_at=now + DUE_AFTER,
    )
    session.add(item)
    session.flush()
    return item


def resolve(session: Session, *, subject_type: str, subject_id: int, outcome: str, closed_by: int | None = None) -> int:
    """Close the open items about a subject with `outcome`; returns how many were closed."""
    items = session.exec(
        select(QueueItem).where(
            col(QueueItem.subject_type) == subject_type,
            col(QueueItem.subject_id) == subject_id,
            col(QueueItem.status) == QueueStatus.OPEN,
        )
    ).all()
    now = utcnow()
    for item in items:
        item.status, item.outcome, item.closed_at, item.closed_by_id = QueueStatus.CLOSED, outcome[:300], now, closed_by
        session.add(item)
    session.flush()
    return len(items)


def covers(assignment: ReferentAssignment, sector_codes: Sequence[str], chain: Sequence[str]) -> bool:
    """Whether an assignment covers a subject: its territory (or the région above) and one of its sectors."""
    if assignment.territory_id not in chain:
        return False
    if not assignment.sectors or not sector_codes:
        return True
    return any(code in assignment.sectors for code in sector_codes)


def can_curate(
    session: Session, viewer: Viewer | None, *, sector_codes: Iterable[str] = (), territory_id: str | None = None
) -> bool:
    """Administrators always; referents whose current assignment covers the territory and one of the sectors."""
    if viewer is None:
        return False
    if viewer.is_admin:
        return True
    chain = territory_chain(session, territory_id)
    sectors = list(sector_codes)
    return any(
        a.account_id == viewer.account_id and covers(a, sectors, chain) for a in current_assignments(session, chain)
    )


def is_assignee(session: Session, viewer: Viewer | None, *, subject_type: str, subject_id: int) -> bool:
    """Whether a queue item about this subject was routed to the viewer (who may then act on the subject)."""
    if viewer is None:
        return False
    found = session.exec(
        select(QueueItem.id).where(
            col(QueueItem.subject_type) == subject_type,
            col(QueueItem.subject_id) == subject_id,
            col(QueueItem.assignee_id) == viewer.account_id,
        )
    ).first()
    return found is not None


def place_of(session: Session, target: Actor | Project) -> tuple[list[str], str | None]:
    """The sectors and the most local territory of an actor or a project, to route items about it."""
    if isinstance(target, Actor):
        sectors = session.exec(select(ActorSector.sector_code).where(col(ActorSector.actor_id) == target.id)).all()
    else:
        sectors = session.exec(
            select(ProjectSector.sector_code).where(col(ProjectSector.project_id) == target.id)
        ).all()
    return sorted(sectors), target.departement_id or target.region_id
