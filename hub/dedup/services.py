"""Duplicate projects in the catalogue: the cached index, the create-time check, scans and review items."""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from hub.db import utcnow
from hub.dedup import LIKELY_DUPLICATE_THRESHOLD, DuplicateIndex, Match, cluster_matches
from hub.dedup.models import DuplicatePair, DuplicateReview, DuplicateScanRun, PairStatus, ReviewStatus
from hub.directory.models import Actor
from hub.projects.models import Project, ProjectPartner, ProjectSector, ProjectStatus
from hub.projects.shapes import ProjectInput
from hub.referents.routing import resolve, route
from hub.territories.models import Territory, departement_id

Record = dict[str, object]
# A pair marked distinct is proposed again when the words of either text change this much (Jaccard distance).
SUBSTANTIAL_CHANGE = 0.4
_WORD = re.compile(r"\w{3,}")
SCAN_BATCH = 50


@dataclass(frozen=True)
class Candidate:
    """A stored project the text being typed may duplicate, with the matcher's score and French reasons."""

    project_id: int
    slug: str
    title: str
    score: float
    reasons: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """The JSON shape used by the form's script and the API."""
        return {
            "id": self.project_id,
            "slug": self.slug,
            "url": f"/projets/{self.slug}",
            "title": self.title,
            "score": self.score,
            "reasons": list(self.reasons),
        }


# --- the catalogue as matcher records, and the cached index -------------------------------------------------


def catalogue_version(session: Session) -> str:
    """Changes whenever an active project is added, edited, merged or withdrawn (one cheap query)."""
    count, max_id, last = session.exec(
        select(func.count(), func.max(Project.id), func.max(Project.updated_at)).where(
            col(Project.status) == ProjectStatus.ACTIVE
        )
    ).one()
    return f"{count}:{max_id}:{last.isoformat() if last else ''}"


def catalogue_records(session: Session, project_ids: Sequence[int] | None = None) -> list[Record]:
    """Active projects (or the given ones) as matcher records: texts, carrier name, région, partners, sectors."""
    statement = (
        select(Project, Actor.name)
        .join(Actor, col(Actor.id) == col(Project.carrier_id), isouter=True)
        .order_by(col(Project.id))
    )
    if project_ids is None:
        statement = statement.where(col(Project.status) == ProjectStatus.ACTIVE)
    else:
        statement = statement.where(col(Project.id).in_(project_ids))
    rows = session.exec(statement).all()
    ids = [p.id for p, _ in rows]
    sectors: dict[int, list[str]] = {}
    partners: dict[int, list[str]] = {}
    if project_ids is not None or ids:
        sector_query = select(ProjectSector.project_id, ProjectSector.sector_code)
        partner_query = select(ProjectPartner.project_id, Actor.name).join(
            Actor, col(Actor.id) == col(ProjectPartner.actor_id)
        )
        if project_ids is not None:
            sector_query = sector_query.where(col(ProjectSector.project_id).in_(project_ids))
            partner_query = partner_query.where(col(ProjectPartner.project_id).in_(project_ids))
        for pid, code in session.exec(sector_query).all():
            sectors.setdefault(pid, []).append(code)
        for pid, name in session.exec(partner_query).all():
            partners.setdefault(pid, []).append(name)
    return [
        {
            "id": str(p.id),
            "title": p.title,
            "summary": p.summary or p.description[:600],
            "organisation": carrier or "",
            "region": p.region_id or "",
            "partners": partners.get(p.id or 0, []),
            "sectors": sectors.get(p.id or 0, []),
        }
        for p, carrier in rows
    ]


class IndexCache:
    """One DuplicateIndex per database, rebuilt only when the catalogue version changes (never per keystroke)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, DuplicateIndex]] = {}

    def get(self, session: Session, *, allow_stale: bool = False) -> DuplicateIndex:
        """The index of the active catalogue seen by `session`; `allow_stale` takes any index already built.

        A stale index is good enough to check one changed project against the others (its own id is
        skipped): the save does not wait for a rebuild, the next check rebuilds once.
        """
        key = repr(session.get_bind().engine.url)
        if allow_stale and key in self._entries:
            return self._entries[key][1]
        version = catalogue_version(session)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                entry = (version, DuplicateIndex.build(catalogue_records(session)))
                self._entries[key] = entry
            return entry[1]


INDEX_CACHE = IndexCache()


# --- the create-time and edit-time check -------------------------------------------------------------------


def draft_record(
    session: Session,
    *,
    title: str,
    summary: str = "",
    carrier_id: int | None = None,
    region: str = "",
    departement: str = "",
    sectors: Iterable[str] = (),
    project_id: int | None = None,
) -> Record:
    """A project being typed (not stored yet, or being edited) as a matcher record."""
    organisation = ""
    if carrier_id:
        actor = session.get(Actor, carrier_id)
        organisation = actor.name if actor else ""
    region_id = f"reg-{region}" if region else ""
    if not region_id and departement:
        dep = session.get(Territory, departement_id(departement.upper()))
        region_id = (dep.parent_id or "") if dep else ""
    return {
        "id": str(project_id) if project_id else "brouillon",
        "title": title,
        "summary": summary,
        "organisation": organisation,
        "region": region_id,
        "sectors": list(sectors),
    }


def find_candidates(
    session: Session, record: Record, *, limit: int = 5, threshold: float | None = None
) -> list[Candidate]:
    """The active projects the record most likely duplicates (score at least the threshold), best first."""
    if len(str(record.get("title", "")).strip()) < 3:
        return []
    matches = INDEX_CACHE.get(session).match_one(record, threshold=threshold, limit=limit + 1)
    own = str(record.get("id"))
    wanted = [(int(m.b if m.a == own else m.a), m) for m in matches if m.a != m.b]
    wanted = [(pid, m) for pid, m in wanted if str(pid) != own][:limit]
    projects = {
        p.id: p for p in session.exec(select(Project).where(col(Project.id).in_([pid for pid, _ in wanted]))).all()
    }
    return [
        Candidate(pid, projects[pid].slug, projects[pid].title, m.score, m.reasons)
        for pid, m in wanted
        if pid in projects and projects[pid].status == ProjectStatus.ACTIVE
    ]


# --- fingerprints of pairs marked distinct ------------------------------------------------------------------


def text_fingerprint(title: str, summary: str) -> list[str]:
    """A short, stable hash of each word of a project's texts (enough to tell a substantial change)."""
    text = unicodedata.normalize("NFKD", f"{title} {summary}".lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return sorted({hashlib.blake2b(w.encode(), digest_size=4).hexdigest() for w in _WORD.findall(text)})


def changed_substantially(before: Sequence[str], after: Sequence[str]) -> bool:
    """Whether the words changed enough (Jaccard distance) for a distinct pair to be proposed again."""
    a, b = set(before), set(after)
    if not a and not b:
        return False
    return 1 - len(a & b) / len(a | b) >= SUBSTANTIAL_CHANGE


def pair_fingerprint(session: Session, pair: DuplicatePair) -> dict[str, Any]:
    """The fingerprints of both projects of a pair, now."""
    a = session.get(Project, pair.project_a_id)
    b = session.get(Project, pair.project_b_id)
    assert a is not None
    assert b is not None
    return {"a": text_fingerprint(a.title, a.summary), "b": text_fingerprint(b.title, b.summary)}


# --- review items ------------------------------------------------------------------------------------------


def route_review(region_ids: Iterable[str], sector_codes: Iterable[str]) -> str:
    """Who reviews a group of likely duplicates. Hook: referents by territory and sector, once they exist."""
    del region_ids, sector_codes
    return "admin"


def record_matches(session: Session, matches: Sequence[Match], *, scan_run_id: int | None = None) -> int:
    """Store likely duplicate pairs, grouped by cluster into review items; returns how many pairs are (re)opened.

    Idempotent: a known open pair is refreshed, a decided pair stays decided, except a distinct pair whose
    texts changed substantially since, which is proposed again.
    """
    recorded = 0
    touched: list[int] = []
    for cluster in cluster_matches(matches):
        waiting: list[tuple[DuplicatePair, Match]] = []
        for match in (m for m in matches if m.a in cluster):
            a, b = sorted((int(match.a), int(match.b)))
            pair = session.exec(
                select(DuplicatePair).where(col(DuplicatePair.project_a_id) == a, col(DuplicatePair.project_b_id) == b)
            ).first()
            if pair is None:
                pair = DuplicatePair(review_id=0, project_a_id=a, project_b_id=b, score=match.score, reasons=[])
                recorded += 1
            elif pair.status == PairStatus.DISTINCT:
                now = pair_fingerprint(session, pair)
                if not (
                    changed_substantially(pair.fingerprint.get("a", []), now["a"])
                    or changed_substantially(pair.fingerprint.get("b", []), now["b"])
                ):
                    continue
                pair.status, pair.decided_at, pair.decided_by_id = PairStatus.OPEN, None, None
                recorded += 1
            elif pair.status != PairStatus.OPEN:
                continue
            waiting.append((pair, match))
        if not waiting:
            continue
        members = sorted({p.project_a_id for p, _ in waiting} | {p.project_b_id for p, _ in waiting})
        review = _review_for(session, members, scan_run_id)
        assert review.id is not None
        touched.append(review.id)
        for pair, match in waiting:
            if pair.review_id != review.id:
                if pair.review_id:
                    touched.append(pair.review_id)
                pair.review_id = review.id
            pair.score, pair.reasons = match.score, list(match.reasons)
            session.add(pair)
            review.best_score = max(review.best_score, match.score)
        review.status = ReviewStatus.OPEN
        session.add(review)
    session.flush()
    _close_empty_reviews(session, touched)
    return recorded


def _review_for(session: Session, members: list[int], scan_run_id: int | None) -> DuplicateReview:
    """The open review already holding one of these projects, or a new one routed by region and sectors."""
    existing = session.exec(
        select(DuplicateReview)
        .join(DuplicatePair, col(DuplicatePair.review_id) == col(DuplicateReview.id))
        .where(col(DuplicateReview.status) == ReviewStatus.OPEN)
        .where(or_(col(DuplicatePair.project_a_id).in_(members), col(DuplicatePair.project_b_id).in_(members)))
        .order_by(col(DuplicateReview.id))
    ).first()
    if existing is not None:
        existing.updated_at = utcnow()
        return existing
    projects = session.exec(select(Project).where(col(Project.id).in_(members))).all()
    regions = sorted({p.region_id for p in projects if p.region_id})
    sectors = sorted(
        set(session.exec(select(ProjectSector.sector_code).where(col(ProjectSector.project_id).in_(members))).all())
    )
    review = DuplicateReview(
        audience=route_review(regions, sectors),
        region_id=regions[0] if len(regions) == 1 else None,
        sector_codes=sectors,
        scan_run_id=scan_run_id,
    )
    session.add(review)
    session.flush()
    assert review.id is not None
    title = "Doublons possibles : " + " / ".join(p.title[:80] for p in projects[:3])
    route(
        session,
        kind="duplicate_review",
        subject_type="duplicate_review",
        subject_id=review.id,
        title=title,
        url=f"/administration/doublons/{review.id}",
        sector_codes=sectors,
        territory_id=regions[0] if len(regions) == 1 else None,
    )
    return review


def _close_empty_reviews(session: Session, review_ids: Iterable[int]) -> None:
    for review_id in set(review_ids):
        review = session.get(DuplicateReview, review_id)
        waiting = session.exec(
            select(DuplicatePair.id).where(
                col(DuplicatePair.review_id) == review_id, col(DuplicatePair.status) == PairStatus.OPEN
            )
        ).first()
        if review is not None and waiting is None and review.status == ReviewStatus.OPEN:
            review.status = ReviewStatus.CLOSED
            review.updated_at = utcnow()
            session.add(review)
            resolve(
                session, subject_type="duplicate_review", subject_id=review_id, outcome="Plus aucune paire à examiner"
            )


def check_project(session: Session, project: Project, *, declared_distinct: bool = False) -> int:
    """The incremental check after a create or an edit: the project against the catalogue, pairs recorded."""
    if project.id is None or project.status != ProjectStatus.ACTIVE:
        return 0
    session.flush()
    record = catalogue_records(session, [project.id])[0]
    matches = [m for m in INDEX_CACHE.get(session, allow_stale=True).match_one(record) if m.a != m.b]
    # A stale index may name a project merged or withdrawn since (or, in another process, one never committed).
    others = {int(m.a) for m in matches} | {int(m.b) for m in matches}
    active = set(
        session.exec(
            select(Project.id).where(col(Project.id).in_(others), col(Project.status) == ProjectStatus.ACTIVE)
        ).all()
    )
    matches = [m for m in matches if int(m.a) in active and int(m.b) in active]
    recorded = record_matches(session, matches)
    if declared_distinct and matches:
        for pair in session.exec(
            select(DuplicatePair).where(
                or_(col(DuplicatePair.project_a_id) == project.id, col(DuplicatePair.project_b_id) == project.id)
            )
        ).all():
            pair.is_declared_distinct = True
            session.add(pair)
    return recorded


# --- the catalogue scan ------------------------------------------------------------------------------------

Progress = Callable[[str, int, int], None]


def scan_catalogue(
    session: Session, *, progress: Progress | None = None, restart: bool = False, threshold: float | None = None
) -> DuplicateScanRun:
    """Scan the whole catalogue; commits every SCAN_BATCH clusters so that an interrupted run resumes there.

    An unfinished run of the same catalogue version is resumed; a finished one is not repeated unless
    `restart` (recording is idempotent anyway).
    """
    version = catalogue_version(session)
    run = session.exec(
        select(DuplicateScanRun)
        .where(col(DuplicateScanRun.catalogue_version) == version)
        .order_by(col(DuplicateScanRun.id).desc())
    ).first()
    if run is None or restart or (run.finished_at is not None and restart):
        run = DuplicateScanRun(catalogue_version=version)
    if run.finished_at is not None:
        return run
    if progress:
        progress("Index des projets", 0, 1)
    index = INDEX_CACHE.get(session)
    matches = index.duplicates(threshold=threshold if threshold is not None else LIKELY_DUPLICATE_THRESHOLD)
    clusters = cluster_matches(matches)
    by_cluster: dict[str, list[Match]] = {}
    first_of = {member: cluster[0] for cluster in clusters for member in cluster}
    for match in matches:
        by_cluster.setdefault(first_of[match.a], []).append(match)
    run.clusters_total, run.pairs_found = len(clusters), len(matches)
    session.add(run)
    session.commit()
    assert run.id is not None
    for start in range(run.clusters_done, len(clusters), SCAN_BATCH):
        batch = clusters[start : start + SCAN_BATCH]
        recorded = record_matches(session, [m for c in batch for m in by_cluster[c[0]]], scan_run_id=run.id)
        run.clusters_done = start + len(batch)
        run.pairs_recorded += recorded
        session.add(run)
        session.commit()
        if progress:
            progress("Groupes de doublons", run.clusters_done, len(clusters))
    run.finished_at = utcnow()
    session.add(run)
    session.commit()
    return run


# --- reading review items ----------------------------------------------------------------------------------


def list_reviews(session: Session, *, audience: str = "admin", status: str = ReviewStatus.OPEN) -> list[dict[str, Any]]:
    """Review items for an audience, best score first, each with its projects."""
    reviews = session.exec(
        select(DuplicateReview)
        .where(col(DuplicateReview.audience) == audience, col(DuplicateReview.status) == status)
        .order_by(col(DuplicateReview.best_score).desc(), col(DuplicateReview.id))
        .limit(200)
    ).all()
    ids = [r.id for r in reviews]
    pairs = session.exec(select(DuplicatePair).where(col(DuplicatePair.review_id).in_(ids))).all()
    project_ids = {p.project_a_id for p in pairs} | {p.project_b_id for p in pairs}
    titles = dict(session.exec(select(Project.id, Project.title).where(col(Project.id).in_(project_ids))).all())
    out = []
    for review in reviews:
        own = [p for p in pairs if p.review_id == review.id]
        members = sorted({p.project_a_id for p in own} | {p.project_b_id for p in own})
        out.append(
            {
                "review": review,
                "titles": [titles.get(m, "") for m in members],
                "project_ids": members,
                "waiting": sum(1 for p in own if p.status == PairStatus.OPEN),
                "reasons": max(own, key=lambda p: p.score).reasons if own else [],
            }
        )
    return out


def review_pairs(session: Session, review_id: int) -> tuple[DuplicateReview | None, list[DuplicatePair]]:
    """A review item and its pairs, best first."""
    review = session.get(DuplicateReview, review_id)
    pairs = session.exec(
        select(DuplicatePair)
        .where(col(DuplicatePair.review_id) == review_id)
        .order_by(col(DuplicatePair.score).desc(), col(DuplicatePair.id))
    ).all()
    return review, list(pairs)


def projects_by_id(session: Session, ids: Iterable[int]) -> Mapping[int, Project]:
    """Projects keyed by id."""
    return {p.id: p for p in session.exec(select(Project).where(col(Project.id).in_(list(ids)))).all() if p.id}


def undecided(session: Session, project_id: int, candidates: Sequence[Candidate]) -> list[Candidate]:
    """Candidates of an existing project, minus those already decided or declared distinct by its author."""
    decided = session.exec(
        select(DuplicatePair).where(
            or_(col(DuplicatePair.project_a_id) == project_id, col(DuplicatePair.project_b_id) == project_id),
            or_(col(DuplicatePair.status) != PairStatus.OPEN, col(DuplicatePair.is_declared_distinct)),
        )
    ).all()
    skip = {p.project_a_id for p in decided} | {p.project_b_id for p in decided}
    return [c for c in candidates if c.project_id not in skip]


def check_input(session: Session, data: ProjectInput, *, project_id: int | None = None) -> list[Candidate]:
    """The create/edit check on a validated project: its likely duplicates not decided yet, best first."""
    record = draft_record(
        session,
        title=data.title,
        summary=data.summary,
        carrier_id=data.carrier_id,
        region=data.region,
        departement=data.departement,
        sectors=data.sectors,
        project_id=project_id,
    )
    candidates = find_candidates(session, record)
    if project_id is not None:
        candidates = undecided(session, project_id, candidates)
    return candidates
