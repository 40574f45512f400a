"""Session event listeners that turn changes into activity events, so that no domain code has to call the feed.

After each flush the listeners note what may be news (a new actor or project, a merge, an introduction accepted,
a project entering experimentation, a posted use of hours); just before the outermost commit they read those rows
back as committed and write the public events in the same transaction. A change rolled back leaves no event.
Importing this module registers the listeners once, for every session of the process (the app imports it from
hub/activity/routes.py, the CLI from hub/cli.py). A session whose `info` holds QUIET_KEY (the seed loader sets it)
records nothing: loading thousands of seed rows is not news.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction
from sqlmodel import col

import hub.models  # noqa: F401  (every table known: the rows read and written here have foreign keys everywhere)
from hub.activity.models import ActivityEvent, ActivityEventSector, ActivityKind
from hub.db import utcnow
from hub.dedup.models import ProjectMerge
from hub.directory.models import Actor, ActorSector, VerificationStatus
from hub.exchanges.models import Availability, IntroductionRequest, IntroductionStatus, TargetKind
from hub.ledger.models import LedgerTransfer, TransferKind, TransferStatus
from hub.projects.models import Project, ProjectPhase, ProjectSector, ProjectStatus
from hub.sectors.models import Sector

QUIET_KEY = "hub.activity.quiet"
_PENDING_KEY = "hub.activity.pending"
_TITLE_LIMIT = 300

Candidate = tuple[ActivityKind, int]


@dataclass
class _Event:
    kind: ActivityKind
    title: str
    url: str
    subject_kind: str
    subject_id: int | None
    region_id: str | None
    departement_id: str | None
    sectors: list[str] = field(default_factory=list)


def _changed_to(obj: Any, name: str, value: str) -> bool:
    """Whether the attribute `name` was just set to `value` from another value."""
    history = inspect(obj).attrs[name].history
    return any(str(v) == value for v in history.added) and not any(str(v) == value for v in history.deleted)


def _is_posted_use(transfer: LedgerTransfer, *, new: bool) -> bool:
    if transfer.kind != TransferKind.USE:
        return False
    if new:
        return transfer.status == TransferStatus.POSTED
    return _changed_to(transfer, "status", TransferStatus.POSTED.value)


def _candidates(session: Session) -> Iterable[Candidate]:
    for obj in session.new:
        if isinstance(obj, Actor) and obj.id is not None:
            yield ActivityKind.ACTOR_CREATED, obj.id
        elif isinstance(obj, Project) and obj.id is not None:
            yield ActivityKind.PROJECT_CREATED, obj.id
        elif isinstance(obj, ProjectMerge) and obj.id is not None:
            yield ActivityKind.PROJECTS_MERGED, obj.id
        elif isinstance(obj, IntroductionRequest) and obj.id is not None and obj.status == IntroductionStatus.ACCEPTED:
            yield ActivityKind.INTRODUCTION_ACCEPTED, obj.id
        elif isinstance(obj, LedgerTransfer) and obj.id is not None and _is_posted_use(obj, new=True):
            yield ActivityKind.HOURS_USED, obj.id
    for obj in session.dirty:
        if isinstance(obj, Project) and obj.id is not None:
            if _changed_to(obj, "phase", ProjectPhase.EXPERIMENTATION.value):
                yield ActivityKind.EXPERIMENT_STARTED, obj.id
        elif isinstance(obj, IntroductionRequest) and obj.id is not None:
            if _changed_to(obj, "status", IntroductionStatus.ACCEPTED.value):
                yield ActivityKind.INTRODUCTION_ACCEPTED, obj.id
        elif isinstance(obj, LedgerTransfer) and obj.id is not None and _is_posted_use(obj, new=False):
            yield ActivityKind.HOURS_USED, obj.id


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    if session.info.get(QUIET_KEY):
        return
    found = list(_candidates(session))
    if found:
        pending: dict[Candidate, None] = session.info.setdefault(_PENDING_KEY, {})
        pending.update(dict.fromkeys(found))


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction() or session.info.get(QUIET_KEY):
        return
    # commit flushes only after this hook: flush now so that this transaction's changes become candidates, and
    # sectors and partners added after their project are written before they are read
    session.flush()
    if not session.info.get(_PENDING_KEY):
        return
    pending: dict[Candidate, None] = session.info.pop(_PENDING_KEY, {})
    events = build_events(session, list(pending))
    write_events(session, events)


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    # A rolled-back savepoint is handled when events are built (rows are read back as committed).
    if not previous.nested:
        session.info.pop(_PENDING_KEY, None)


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def _clip(text: str) -> str:
    return text if len(text) <= _TITLE_LIMIT else text[: _TITLE_LIMIT - 1] + "…"


class _Reader:
    """Reads back the rows behind candidates, a few queries per commit (not per row)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._projects: dict[int, Project | None] = {}

    def project(self, project_id: int | None) -> Project | None:
        if project_id is None:
            return None
        if project_id not in self._projects:
            self._projects[project_id] = self.session.get(Project, project_id)
        return self._projects[project_id]

    def project_sectors(self, project_id: int) -> list[str]:
        rows = self.session.execute(
            select(col(ProjectSector.sector_code)).where(col(ProjectSector.project_id) == project_id)
        )
        return sorted(str(code) for code in rows.scalars())

    def actor_sectors(self, actor_id: int) -> list[str]:
        rows = self.session.execute(select(col(ActorSector.sector_code)).where(col(ActorSector.actor_id) == actor_id))
        return sorted(str(code) for code in rows.scalars())

    def project_event(self, kind: ActivityKind, project: Project, title: str, subject_id: int | None = None) -> _Event:
        assert project.id is not None
        return _Event(
            kind=kind,
            title=_clip(title),
            url=f"/projets/{project.slug}",
            subject_kind="project",
            subject_id=subject_id if subject_id is not None else project.id,
            region_id=project.region_id,
            departement_id=project.departement_id,
            sectors=self.project_sectors(project.id),
        )


def build_events(session: Session, candidates: list[Candidate]) -> list[_Event]:
    """The public events for these candidates, read back from the database; stale candidates are dropped."""
    reader = _Reader(session)
    events: list[_Event] = []
    created_projects = {i for k, i in candidates if k == ActivityKind.PROJECT_CREATED}
    uses: dict[tuple[int, str], int] = {}  # (project, link) -> minutes: one event per use, however many deposits
    for kind, subject_id in candidates:
        if kind == ActivityKind.ACTOR_CREATED:
            actor = session.get(Actor, subject_id)
            if actor is not None and actor.verification_status != VerificationStatus.WITHDRAWN:
                events.append(
                    _Event(
                        kind=kind,
                        title=_clip(f"{actor.name} rejoint l’annuaire"),
                        url=f"/annuaire/{actor.slug}",
                        subject_kind="actor",
                        subject_id=subject_id,
                        region_id=actor.region_id,
                        departement_id=actor.departement_id,
                        sectors=reader.actor_sectors(subject_id),
                    )
                )
        elif kind == ActivityKind.PROJECT_CREATED:
            project = reader.project(subject_id)
            if project is not None and project.status == ProjectStatus.ACTIVE:
                events.append(reader.project_event(kind, project, f"Nouveau projet : {project.title}"))
        elif kind == ActivityKind.EXPERIMENT_STARTED:
            project = reader.project(subject_id)
            if (
                project is not None
                and subject_id not in created_projects
                and project.status == ProjectStatus.ACTIVE
                and project.phase == ProjectPhase.EXPERIMENTATION
            ):
                events.append(reader.project_event(kind, project, f"Expérimentation lancée : {project.title}"))
        elif kind == ActivityKind.PROJECTS_MERGED:
            merge = session.get(ProjectMerge, subject_id)
            survivor = reader.project(merge.survivor_id) if merge is not None else None
            merged = reader.project(merge.merged_id) if merge is not None else None
            if merge is not None and merge.undone_at is None and survivor is not None and merged is not None:
                title = f"Projets regroupés : « {merged.title} » rejoint « {survivor.title} »"
                events.append(reader.project_event(kind, survivor, title))
        elif kind == ActivityKind.INTRODUCTION_ACCEPTED:
            introduction = session.get(IntroductionRequest, subject_id)
            if introduction is not None and introduction.status == IntroductionStatus.ACCEPTED:
                events.append(_introduction_event(session, reader, introduction))
        elif kind == ActivityKind.HOURS_USED:
            transfer = session.get(LedgerTransfer, subject_id)
            if transfer is not None and transfer.status == TransferStatus.POSTED and transfer.project_id is not None:
                key = (transfer.project_id, transfer.link_id)
                uses[key] = uses.get(key, 0) + transfer.amount
    for (project_id, _link), minutes in sorted(uses.items()):
        project = reader.project(project_id)
        if project is not None:
            title = f"{_hours(minutes)} d’innovation consacrées au projet {project.title}"
            events.append(reader.project_event(ActivityKind.HOURS_USED, project, title))
    return events


def _introduction_event(session: Session, reader: _Reader, introduction: IntroductionRequest) -> _Event:
    """An accepted introduction names nobody: who asked whom stays between them; only the place and sectors show."""
    region = departement = None
    sectors: list[str] = []
    if introduction.target_kind == TargetKind.PROJECT:
        project = reader.project(introduction.target_id)
        if project is not None and project.id is not None:
            region, departement, sectors = project.region_id, project.departement_id, reader.project_sectors(project.id)
        title = "Un projet a accepté une mise en relation"
    elif introduction.target_kind == TargetKind.ACTOR:
        actor = session.get(Actor, introduction.target_id)
        if actor is not None and actor.id is not None:
            region, departement, sectors = actor.region_id, actor.departement_id, reader.actor_sectors(actor.id)
        title = "Un acteur du réseau a accepté une mise en relation"
    else:
        availability = session.get(Availability, introduction.target_id)
        if availability is not None:
            region, departement = availability.region_id, availability.departement_id
            sectors = sorted(str(code) for code in availability.sectors)
        title = "Une personne disponible a accepté une mise en relation"
    return _Event(
        kind=ActivityKind.INTRODUCTION_ACCEPTED,
        title=title,
        url="",
        subject_kind="introduction",
        subject_id=introduction.id,
        region_id=region,
        departement_id=departement,
        sectors=sectors,
    )


def write_events(session: Session, events: list[_Event]) -> None:
    """Insert the events and their sectors in the session's transaction (Core inserts: no second flush)."""
    if not events:
        return
    connection = session.connection()
    now = utcnow()
    wanted = {code for item in events for code in item.sectors}
    # an availability's sectors are free JSON: only codes of the vocabulary may reach the foreign key
    known_codes = set(connection.execute(select(col(Sector.code)).where(col(Sector.code).in_(wanted))).scalars())
    for item in events:
        inserted = connection.execute(
            insert(ActivityEvent).values(
                kind=item.kind.value,
                title=item.title,
                url=item.url,
                subject_kind=item.subject_kind,
                subject_id=item.subject_id,
                region_id=item.region_id,
                departement_id=item.departement_id,
                created_at=now,
            )
        ).inserted_primary_key
        assert inserted is not None
        event_id = inserted[0]
        known = set(item.sectors) & known_codes
        if known:
            connection.execute(
                insert(ActivityEventSector),
                [{"event_id": event_id, "sector_code": code} for code in sorted(known)],
            )


def _register() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)


_register()
