"""Partner suggestions in the product: the graph built from the database, kept fresh, and people's feedback."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub.accounts.viewer import Viewer
from hub.db import Database
from hub.directory.models import Actor, ActorMembership, ActorSector, MembershipStatus, VerificationStatus
from hub.directory.services import can_edit_actor
from hub.errors import LoginRequired, NotFound, PermissionDenied
from hub.matchmaking.graph import PartnerGraph, Suggestion, UnknownNode, build_graph
from hub.matchmaking.models import SuggestionFeedback, SuggestionSubject, SuggestionVerdict
from hub.projects.models import Project, ProjectNeedLink, ProjectPartner, ProjectSector, ProjectStatus
from hub.projects.services import can_edit_project
from hub.sectors.models import Sector
from hub.territories.models import Territory

log = logging.getLogger("hub.matchmaking")

PANEL_SIZE = 5
GAP_CANDIDATES = 3
# experimentation sites: volunteers move up among this many best candidates
VOLUNTEER_ROLE, VOLUNTEER_POOL = "experimentation_site", 10
# The roles every health-innovation consortium should hold (issue 5): graph need names, in display order.
CONSORTIUM_ROLES: tuple[tuple[str, str], ...] = (
    ("patients", "Association de patients ou d’usagers"),
    ("experimentation_site", "Lieu d’expérimentation (établissement de santé volontaire ou living lab)"),
    ("research", "Équipe de recherche (unité de recherche ou université)"),
    ("industry", "Partenaire industriel (entreprise)"),
)
# Version = what changes when a suggestion could change: rows and last edits of projects, actors and partners.
Version = tuple[Any, ...]


def data_version(session: Session) -> Version:
    """A cheap fingerprint of the data the graph is built from (one query)."""
    row = (
        session.connection()
        .execute(
            sa_select(
                sa_select(func.count()).select_from(Project).scalar_subquery(),
                sa_select(func.max(col(Project.updated_at))).scalar_subquery(),
                sa_select(func.count()).select_from(Actor).scalar_subquery(),
                sa_select(func.max(col(Actor.updated_at))).scalar_subquery(),
                sa_select(func.count()).select_from(ProjectPartner).scalar_subquery(),
            )
        )
        .one()
    )
    return tuple(str(value) for value in row)


def load_graph(session: Session) -> PartnerGraph:
    """Build the partner graph from the active catalogue and the listed actors (a few queries, no N+1)."""
    regions = dict(session.exec(select(Territory.id, Territory.name)).all())
    sector_labels = dict(session.exec(select(Sector.code, Sector.label)).all())
    actors = (
        session.connection()
        .execute(
            sa_select(
                col(Actor.id),
                col(Actor.kind),
                col(Actor.region_id),
                col(Actor.verification_status),
                col(Actor.is_experimentation_volunteer),
            )
        )
        .all()
    )
    listed = {a[0] for a in actors if a[3] != VerificationStatus.WITHDRAWN}
    actor_sectors: dict[int, list[str]] = {}
    for actor_id, code in session.exec(select(ActorSector.actor_id, ActorSector.sector_code)).all():
        actor_sectors.setdefault(actor_id, []).append(sector_labels.get(code, code))
    actor_attributes: dict[int, dict[str, object]] = {}
    for row_id, kind, region, status, volunteer in actors:
        listed_id = int(row_id or 0)
        if listed_id not in listed:
            continue
        attributes: dict[str, object] = {"kind": str(kind), "sectors": actor_sectors.get(listed_id, [])}
        attributes["region"] = regions.get(region) if region else None
        attributes["verified"] = status == VerificationStatus.VERIFIED
        if volunteer:
            # the directory records volunteering, not refusal: leave it unknown otherwise (the graph reads False
            # as "refuses experiments")
            attributes["volunteer"] = True
        actor_attributes[listed_id] = attributes

    projects = (
        session.connection()
        .execute(
            sa_select(
                col(Project.id),
                col(Project.title),
                col(Project.summary),
                col(Project.description),
                col(Project.carrier_id),
                col(Project.region_id),
                col(Project.year),
            ).where(col(Project.status) == ProjectStatus.ACTIVE)
        )
        .all()
    )
    active = {p[0] for p in projects}
    project_sectors: dict[int, list[str]] = {}
    for project_id, code in session.exec(select(ProjectSector.project_id, ProjectSector.sector_code)).all():
        project_sectors.setdefault(project_id, []).append(sector_labels.get(code, code))
    needs: dict[int, list[str]] = {}
    for project_id, need in session.exec(select(ProjectNeedLink.project_id, ProjectNeedLink.need)).all():
        if str(need) != "partners":  # "des partenaires" in general: no kind of actor fills it alone
            needs.setdefault(project_id, []).append(str(need))
    participations = [
        (project_id, actor_id)
        for project_id, actor_id in session.exec(select(ProjectPartner.project_id, ProjectPartner.actor_id)).all()
        if project_id in active and actor_id in listed
    ]
    texts: dict[int, str] = {}
    labels: dict[int, str] = {}
    project_attributes: dict[int, dict[str, object]] = {}
    for row_id, title, summary, description, carrier_id, region, year in projects:
        active_id = int(row_id or 0)
        if carrier_id is not None and carrier_id in listed:
            participations.append((active_id, carrier_id))
        texts[active_id] = " ".join(part for part in (title, summary, description) if part)
        labels[active_id] = title
        attributes = {"sectors": project_sectors.get(active_id, []), "region": regions.get(region) if region else None}
        if active_id in needs:  # none declared: the graph checks the core roles instead
            attributes["needs"] = needs[active_id]
        if year is not None:  # the year of the project (a call's year for laureates): partners of one period
            attributes["period"] = str(year)
        project_attributes[active_id] = attributes
    return build_graph(
        participations,
        project_texts=texts,
        actor_attributes=actor_attributes,
        project_attributes=project_attributes,
        project_labels=labels,
    )


# Graphs already built in this process, by database and data version: app instances (one per test, or one per
# worker) share them, and a rolled-back change finds the previous graph again.
_BUILT: OrderedDict[tuple[str, Version], PartnerGraph] = OrderedDict()
_BUILT_LOCK = threading.Lock()
_BUILT_SIZE = 4
_ANSWERS_SIZE = 16384  # graph answers kept per worker (a few KB each)
# answers prepared in idle time after each rebuild: every panel of the newest projects, then of the newest actors
# (the seed needs about 6,000; a national catalogue keeps the rest computed on first view)
WARM_LIMIT = 8192
T = TypeVar("T")
Work = tuple[Hashable, Callable[[], Any]]  # an answer's key and how to compute it


def _project_work(graph: PartnerGraph, project_id: int, size: int) -> Work:
    return ("project", project_id, size), functools.partial(graph.suggest_for_project, project_id, size)


def _gap_work(graph: PartnerGraph, project_id: int, dismissed: int) -> list[Work]:
    """The two questions of the consortium gaps: the roles shown as asked, and a pool of experimentation sites
    among which volunteers move up."""
    others = tuple(role for role, _ in CONSORTIUM_ROLES if role != VOLUNTEER_ROLE)
    return [
        (("gaps", project_id, roles, size), functools.partial(graph.missing_roles, project_id, roles, size))
        for roles, size in ((others, GAP_CANDIDATES + dismissed), ((VOLUNTEER_ROLE,), VOLUNTEER_POOL + dismissed))
    ]


def _actor_work(graph: PartnerGraph, actor_id: int, size: int) -> Work:
    return ("actor", actor_id, size), functools.partial(graph.suggest_for_actor, actor_id, size)


def _database_key(database: Database) -> str:
    return database.bind.engine.url.render_as_string(hide_password=True)


class SuggestionGraphs:
    """The last built partner graph for one database, refreshed after changes without slowing requests.

    With ``background``, a request never waits once a graph exists: at most every ``check_every_seconds`` a
    thread compares the data version and rebuilds when it moved; requests meanwhile use the last graph. Without
    it (tests on one connection), the version is checked on each request and a change is rebuilt at once.
    """

    def __init__(
        self,
        database: Database,
        *,
        background: bool = True,
        check_every_seconds: float = 10.0,
        warm: bool = False,
        is_busy: Callable[[], bool] = lambda: False,
    ) -> None:
        """Nothing is built before the first request.

        With ``warm``, after each (re)build a background thread prepares the panels' answers in idle time (when
        ``is_busy()`` says no request is being worked out), so that pages rarely compute suggestions themselves.
        """
        self.database = database
        self.background = background
        self.check_every_seconds = check_every_seconds
        self.warm = warm
        self.is_busy = is_busy
        self.prepared = 0  # answers prepared ahead for the current graph
        self.last_build_seconds: float | None = None
        self._warming: threading.Thread | None = None  # the thread preparing answers, while it runs
        self._warm_lock = threading.Lock()
        self._closing = threading.Event()
        self._graph: PartnerGraph | None = None
        self._version: Version | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._refreshing = threading.Event()
        self._answers_lock = threading.Lock()
        self._answers_graph: PartnerGraph | None = None
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()

    def answer(self, graph: PartnerGraph, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` (a query of `graph`) once per graph and key: a built graph never changes, so its
        answers are kept until the next graph replaces it (at most `_ANSWERS_SIZE` of them, least recent
        dropped). Names, feedback and permissions are read fresh around them by the callers."""
        with self._answers_lock:
            if self._answers_graph is not graph:
                self._answers_graph, self._answers = graph, OrderedDict()
            elif key in self._answers:
                self._answers.move_to_end(key)
                return cast(T, self._answers[key])
        value = compute()
        with self._answers_lock:
            if self._answers_graph is graph:
                self._answers[key] = value
                while len(self._answers) > _ANSWERS_SIZE:
                    self._answers.popitem(last=False)
        return value

    def graph(self, session: Session) -> PartnerGraph:
        """The graph to answer this request with (built here only for the first request, or in tests)."""
        current = self._graph  # read before any rebuild starts: this request answers with it, whatever happens next
        if current is None or not self.background:
            with self._lock:
                self._refresh(session)
            current = self._graph
        elif time.monotonic() - self._checked_at >= self.check_every_seconds and not self._refreshing.is_set():
            self._refreshing.set()
            threading.Thread(target=self._refresh_in_background, name="suggestion-graph", daemon=True).start()
        assert current is not None
        return current

    def _refresh_in_background(self) -> None:
        try:
            with self._lock, self.database.session() as session:
                self._refresh(session)
        except Exception:
            log.exception("partner graph refresh failed; the previous graph stays in use")
        finally:
            self._checked_at = time.monotonic()  # a failing database is retried after the interval, not at once
            self._refreshing.clear()

    def _refresh(self, session: Session) -> None:
        version = data_version(session)
        self._checked_at = time.monotonic()
        if self._graph is not None and version == self._version:
            return
        key = (_database_key(self.database), version)
        with _BUILT_LOCK:
            graph = _BUILT.get(key)
        if graph is None:
            started = time.perf_counter()
            graph = load_graph(session)
            self.last_build_seconds = time.perf_counter() - started
            log.info("partner graph built in %.2f s", self.last_build_seconds)
            with _BUILT_LOCK:
                _BUILT[key] = graph
                while len(_BUILT) > _BUILT_SIZE:
                    _BUILT.popitem(last=False)
        changed = graph is not self._graph
        self._graph, self._version = graph, version
        if changed and self.warm and self.background:
            self._start_warming()

    # -- answers prepared in idle time ---------------------------------------------------------------------------

    def close(self) -> None:
        """Stop preparing answers (at shutdown)."""
        self._closing.set()

    def _start_warming(self) -> None:
        with self._warm_lock:
            if self._warming is not None:
                return  # it notices the new graph and starts over
            self._warming = threading.Thread(target=self._warm_loop, name="suggestion-answers", daemon=True)
            self._warming.start()

    def _warm_loop(self) -> None:
        while not self._closing.is_set():
            graph = self._graph
            if graph is None:
                break
            self.prepared = 0
            for key, compute in self._warm_work(graph):
                if not self._wait_until_idle(graph):
                    break
                try:
                    self.answer(graph, key, compute)
                except Exception:  # a fault here must not stop the others; the page computes it and shows the error
                    log.exception("preparing the suggestions %r failed", key)
                self.prepared += 1
            else:
                log.info("partner suggestions prepared ahead: %d answers", self.prepared)
            with self._warm_lock:  # decided with `_start_warming`, so a graph set meanwhile is never missed
                if self._graph is graph or self._closing.is_set():
                    self._warming = None
                    return
        with self._warm_lock:
            self._warming = None

    def _wait_until_idle(self, graph: PartnerGraph) -> bool:
        """False when the graph was replaced (start over) or the app is closing."""
        while self.is_busy():
            if self._closing.is_set() or self._graph is not graph:
                return False
            time.sleep(0.002)
        return not self._closing.is_set() and self._graph is graph

    @staticmethod
    def _warm_work(graph: PartnerGraph) -> Iterable[Work]:
        """What the pages ask when nothing was dismissed: newest projects first (panel and gaps), then actors."""
        count = 0
        for project_id in sorted(graph.projects, key=lambda node: -int(node)):
            for work in (_project_work(graph, int(project_id), PANEL_SIZE), *_gap_work(graph, int(project_id), 0)):
                if count >= WARM_LIMIT:
                    return
                count += 1
                yield work
        for actor_id in sorted(graph.actors, key=lambda node: -int(node)):
            if count >= WARM_LIMIT:
                return
            count += 1
            yield _actor_work(graph, int(actor_id), PANEL_SIZE)


# -- what the pages and the API show ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestedActor:
    """An actor suggested to a project or an actor, ready to show."""

    id: int
    slug: str
    name: str
    kind: str
    reasons: tuple[str, ...]
    score: float
    is_useful: bool = False


@dataclass(frozen=True)
class SuggestedProject:
    """A project suggested to an actor, ready to show."""

    id: int
    slug: str
    title: str
    reasons: tuple[str, ...]
    score: float
    is_useful: bool = False


@dataclass(frozen=True)
class RoleGap:
    """A role the consortium lacks, with the best candidates to fill it."""

    role: str
    label: str
    candidates: tuple[SuggestedActor, ...]


@dataclass(frozen=True)
class SuggestionPanel:
    """What the "Partenaires suggérés" panel shows for one project or actor."""

    subject_kind: SuggestionSubject
    subject_id: int
    url: str
    actors: tuple[SuggestedActor, ...] = ()
    projects: tuple[SuggestedProject, ...] = ()
    gaps: tuple[RoleGap, ...] | None = None
    is_ready: bool = True  # False: the subject is newer than the graph (it will be in a few seconds)
    can_give_feedback: bool = False
    dismissed_count: int = 0
    useful: frozenset[tuple[str, int]] = field(default_factory=frozenset)


def _feedback(session: Session, kind: SuggestionSubject, subject_id: int) -> dict[tuple[str, int], str]:
    rows = session.exec(
        select(SuggestionFeedback).where(
            col(SuggestionFeedback.subject_kind) == kind, col(SuggestionFeedback.subject_id) == subject_id
        )
    ).all()
    return {(str(r.suggested_kind), r.suggested_id): str(r.verdict) for r in rows}


class _ActorLabel(NamedTuple):
    """What a suggestion shows of an actor, read fresh from the directory on each request."""

    slug: str
    name: str
    kind: str
    is_experimentation_volunteer: bool


def _actor_labels(session: Session, ids: Iterable[int]) -> dict[int, _ActorLabel]:
    """Labels of these actors in one query (the columns shown, not whole rows)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.connection().execute(
        sa_select(
            col(Actor.id), col(Actor.slug), col(Actor.name), col(Actor.kind), col(Actor.is_experimentation_volunteer)
        ).where(col(Actor.id).in_(wanted))
    )
    return {
        id_: _ActorLabel(slug, name, str(kind), bool(volunteer))
        for id_, slug, name, kind, volunteer in rows
        if id_ is not None
    }


def _kept(suggestions: Iterable[Suggestion], feedback: dict[tuple[str, int], str], limit: int) -> list[Suggestion]:
    return [s for s in suggestions if feedback.get(("actor", int(s.actor_id))) != "dismissed"][:limit]


def _actors(
    session: Session,
    suggestions: Iterable[Suggestion],
    feedback: dict[tuple[str, int], str],
    limit: int,
    labels: dict[int, _ActorLabel] | None = None,
) -> tuple[SuggestedActor, ...]:
    """Suggestions as shown: dismissed ones left out, names read fresh from the directory (or from `labels`,
    read in the same request for these suggestions; an actor missing there is no longer listed)."""
    kept = _kept(suggestions, feedback, limit)
    if labels is None:
        labels = _actor_labels(session, [int(s.actor_id) for s in kept])
    return tuple(
        SuggestedActor(
            id=int(s.actor_id),
            slug=label.slug,
            name=label.name,
            kind=label.kind,
            reasons=s.reasons
            + (("volontaire pour accueillir des expérimentations",) if label.is_experimentation_volunteer else ()),
            score=round(s.score, 4),
            is_useful=feedback.get(("actor", int(s.actor_id))) == "useful",
        )
        for s in kept
        if (label := labels.get(int(s.actor_id))) is not None
    )


def _dismissed(feedback: dict[tuple[str, int], str]) -> int:
    return sum(1 for verdict in feedback.values() if verdict == "dismissed")


def project_panel(
    session: Session, graphs: SuggestionGraphs, project: Project, viewer: Viewer | None, *, with_gaps: bool = True
) -> SuggestionPanel:
    """Partners suggested to a project, without those its editors dismissed, and its consortium gaps."""
    assert project.id is not None
    project_id = project.id
    feedback = _feedback(session, SuggestionSubject.PROJECT, project.id)
    dismissed = _dismissed(feedback)
    base = SuggestionPanel(
        subject_kind=SuggestionSubject.PROJECT,
        subject_id=project.id,
        url=f"/projets/{project.slug}",
        can_give_feedback=can_edit_project(session, viewer, project),
        dismissed_count=dismissed,
    )
    graph = graphs.graph(session)
    try:
        suggestions = graphs.answer(graph, *_project_work(graph, project_id, PANEL_SIZE + dismissed))
    except UnknownNode:
        return _replace(base, is_ready=False)
    missing = _missing_roles(graph, project_id, dismissed, graphs) if with_gaps else None
    # one query for the names of the panel's actors and of every gap's candidates
    labels = _actor_labels(
        session,
        [int(s.actor_id) for s in _kept(suggestions, feedback, PANEL_SIZE)]
        + [int(s.actor_id) for candidates in (missing or {}).values() for s in candidates],
    )
    gaps = _gaps(session, missing, feedback, labels) if missing is not None else None
    return _replace(base, actors=_actors(session, suggestions, feedback, PANEL_SIZE, labels), gaps=gaps)


def consortium_gaps(
    session: Session,
    graph: PartnerGraph,
    project_id: int,
    feedback: dict[tuple[str, int], str] | None = None,
    *,
    graphs: SuggestionGraphs | None = None,
) -> tuple[RoleGap, ...]:
    """The core roles no member of the project fills, each with its best candidates (dismissed ones left out)."""
    feedback = feedback if feedback is not None else _feedback(session, SuggestionSubject.PROJECT, project_id)
    missing = _missing_roles(graph, project_id, _dismissed(feedback), graphs)
    labels = _actor_labels(session, [int(s.actor_id) for candidates in missing.values() for s in candidates])
    return _gaps(session, missing, feedback, labels)


def _missing_roles(
    graph: PartnerGraph, project_id: int, dismissed: int, graphs: SuggestionGraphs | None
) -> dict[str, list[Suggestion]]:
    """Per core role no member fills, its best candidates, more than shown (dismissed candidates are dropped);
    for experimentation sites, ten, among which volunteers move up (each candidate's reasons cost a little: the
    other roles ask for what they show)."""
    missing: dict[str, list[Suggestion]] = {}
    for key, compute in _gap_work(graph, project_id, dismissed):
        missing.update(compute() if graphs is None else graphs.answer(graph, key, compute))
    return missing


def _gaps(
    session: Session,
    missing: dict[str, list[Suggestion]],
    feedback: dict[tuple[str, int], str],
    labels: dict[int, _ActorLabel],
) -> tuple[RoleGap, ...]:
    gaps = []
    for role, label in CONSORTIUM_ROLES:
        if role not in missing:
            continue
        candidates = _actors(session, missing[role], feedback, len(missing[role]), labels)
        if role == VOLUNTEER_ROLE:
            candidates = tuple(sorted(candidates, key=lambda c: not any("volontaire" in r for r in c.reasons)))
        gaps.append(RoleGap(role=role, label=label, candidates=candidates[:GAP_CANDIDATES]))
    return tuple(gaps)


def actor_panel(session: Session, graphs: SuggestionGraphs, actor: Actor, viewer: Viewer | None) -> SuggestionPanel:
    """Actors to meet and projects to join, suggested to an actor, without those its members dismissed."""
    assert actor.id is not None
    actor_id = actor.id
    feedback = _feedback(session, SuggestionSubject.ACTOR, actor.id)
    dismissed = _dismissed(feedback)
    base = SuggestionPanel(
        subject_kind=SuggestionSubject.ACTOR,
        subject_id=actor.id,
        url=f"/annuaire/{actor.slug}",
        can_give_feedback=can_edit_actor(session, viewer, actor),
        dismissed_count=dismissed,
    )
    try:
        graph = graphs.graph(session)
        found = graphs.answer(graph, *_actor_work(graph, actor_id, PANEL_SIZE + dismissed))
    except UnknownNode:
        return _replace(base, is_ready=False)
    kept = [p for p in found.projects if feedback.get(("project", int(p.project_id))) != "dismissed"][:PANEL_SIZE]
    ids = [int(p.project_id) for p in kept]
    rows = (
        {
            id_: (slug, title)
            for id_, slug, title in session.connection().execute(
                sa_select(col(Project.id), col(Project.slug), col(Project.title)).where(col(Project.id).in_(ids))
            )
            if id_ is not None
        }
        if ids
        else {}
    )
    projects = tuple(
        SuggestedProject(
            id=int(p.project_id),
            slug=rows[int(p.project_id)][0],
            title=rows[int(p.project_id)][1],
            reasons=p.reasons,
            score=round(p.score, 4),
            is_useful=feedback.get(("project", int(p.project_id))) == "useful",
        )
        for p in kept
        if int(p.project_id) in rows
    )
    return _replace(base, actors=_actors(session, found.actors, feedback, PANEL_SIZE), projects=projects)


def _replace(panel: SuggestionPanel, **changes: Any) -> SuggestionPanel:
    values = {name: getattr(panel, name) for name in panel.__dataclass_fields__}
    values.update(changes)
    return SuggestionPanel(**values)


def check_can_sort(session: Session, viewer: Viewer | None, subject: Project | Actor) -> None:
    """LoginRequired or PermissionDenied unless the person may edit the project or actor (and so sort its list)."""
    if viewer is None:
        raise LoginRequired("Connectez-vous pour trier les suggestions.")
    if isinstance(subject, Project):
        allowed = can_edit_project(session, viewer, subject)
    else:
        allowed = can_edit_actor(session, viewer, subject)
    if not allowed:
        raise PermissionDenied("Seules les personnes qui gèrent cette fiche peuvent trier ses suggestions.")


def record_feedback(
    session: Session,
    viewer: Viewer | None,
    subject: Project | Actor,
    suggested_kind: SuggestionSubject,
    suggested_id: int,
    verdict: SuggestionVerdict,
) -> SuggestionFeedback:
    """Dismiss a suggestion or mark it useful; only people who may edit the project or actor can."""
    check_can_sort(session, viewer, subject)
    assert viewer is not None
    kind = SuggestionSubject.PROJECT if isinstance(subject, Project) else SuggestionSubject.ACTOR
    target = Actor if suggested_kind == SuggestionSubject.ACTOR else Project
    if session.get(target, suggested_id) is None:
        raise NotFound("Cette suggestion n’existe pas.")
    assert subject.id is not None
    row = session.exec(
        select(SuggestionFeedback).where(
            col(SuggestionFeedback.subject_kind) == kind,
            col(SuggestionFeedback.subject_id) == subject.id,
            col(SuggestionFeedback.suggested_kind) == suggested_kind,
            col(SuggestionFeedback.suggested_id) == suggested_id,
        )
    ).first()
    if row is None:
        row = SuggestionFeedback(
            subject_kind=kind,
            subject_id=subject.id,
            suggested_kind=suggested_kind,
            suggested_id=suggested_id,
            verdict=verdict,
        )
    row.verdict, row.account_id = verdict, viewer.account_id
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class MySuggestions:
    """Suggestions for everything a person manages: the actors they represent and those actors' projects."""

    actors: tuple[tuple[Actor, SuggestionPanel], ...]
    projects: tuple[tuple[Project, SuggestionPanel], ...]


def suggestions_for_viewer(
    session: Session, graphs: SuggestionGraphs, viewer: Viewer, limit: int = 10
) -> MySuggestions:
    """The panels of the actors a person represents and of the projects they can edit (newest first)."""
    actors: Sequence[Actor] = session.exec(
        select(Actor)
        .join(ActorMembership, col(ActorMembership.actor_id) == col(Actor.id))
        .where(
            col(ActorMembership.account_id) == viewer.account_id,
            col(ActorMembership.status) == MembershipStatus.APPROVED,
        )
        .order_by(col(Actor.name))
        .limit(limit)
    ).all()
    actor_ids = [a.id for a in actors]
    mine = col(Project.created_by_id) == viewer.account_id
    statement = select(Project).where(col(Project.status) == ProjectStatus.ACTIVE)
    statement = statement.where(mine | col(Project.carrier_id).in_(actor_ids) if actor_ids else mine)
    projects = session.exec(statement.order_by(col(Project.updated_at).desc()).limit(limit)).all()
    return MySuggestions(
        actors=tuple((a, actor_panel(session, graphs, a, viewer)) for a in actors),
        projects=tuple((p, project_panel(session, graphs, p, viewer, with_gaps=False)) for p in projects),
    )
