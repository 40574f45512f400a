"""The search outbox: recorded with each change, drained after commit and by a background worker, retried on failure."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, func, insert
from sqlmodel import Session, col, select

from hub.accounts.models import Person
from hub.db import Database, utcnow
from hub.directory.models import Actor, ActorPhaseLink, ActorSector
from hub.indexing.documents import build_documents, count_all_documents, iter_all_documents
from hub.indexing.models import SearchOutboxEntry
from hub.projects.models import Project, ProjectNeedLink, ProjectSector
from search.engine import SearchEngine

log = logging.getLogger("hub.indexing")

BATCH = 500
MAX_BACKOFF = timedelta(minutes=5)
KEEP_PROCESSED = timedelta(days=7)
_PENDING_KEY = "hub.indexing.pending"


def _document_ids(obj: object) -> Iterable[str]:
    """Which documents a changed row affects."""
    if isinstance(obj, Actor):
        yield f"actor:{obj.id}"
    elif isinstance(obj, ActorSector | ActorPhaseLink):
        yield f"actor:{obj.actor_id}"
    elif isinstance(obj, Project):
        yield f"project:{obj.id}"
    elif isinstance(obj, ProjectSector | ProjectNeedLink):
        yield f"project:{obj.project_id}"
    elif isinstance(obj, Person):
        yield f"person:{obj.id}"


def _record_changes(session: Session, flush_context: Any) -> None:
    """After each flush, write one outbox row per affected document, in the same transaction."""
    ids: dict[str, None] = {}
    for obj in [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]:
        for document_id in _document_ids(obj):
            if not document_id.endswith(":None"):
                ids[document_id] = None
    if not ids:
        return
    now = utcnow()
    session.connection().execute(
        insert(SearchOutboxEntry),
        [{"document_id": d, "created_at": now, "next_attempt_at": now, "attempts": 0, "last_error": ""} for d in ids],
    )
    session.info[_PENDING_KEY] = True


_commit_listeners: list[Callable[[], None]] = []


def _after_commit(session: Session) -> None:
    if session.info.pop(_PENDING_KEY, False):
        for listener in list(_commit_listeners):
            listener()


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


event.listen(Session, "after_flush", _record_changes)
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_soft_rollback", lambda session, _transaction: _after_rollback(session))


def enqueue_all(session: Session, document_ids: Iterable[str]) -> int:
    """Record index work explicitly (bulk loads bypass the ORM events)."""
    now = utcnow()
    rows = [
        {"document_id": d, "created_at": now, "next_attempt_at": now, "attempts": 0, "last_error": ""}
        for d in dict.fromkeys(document_ids)
    ]
    if rows:
        session.execute(insert(SearchOutboxEntry), rows)
    return len(rows)


@dataclass(frozen=True)
class DrainReport:
    """What one pass over the outbox did."""

    processed: int = 0
    upserted: int = 0
    deleted: int = 0
    failed: int = 0
    error: str = ""


def _backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 12)))


def drain_once(
    database: Database, engine: SearchEngine, *, limit: int = BATCH, now: datetime | None = None
) -> DrainReport:
    """Apply up to `limit` due outbox entries to the index; on failure, keep them for a later retry."""
    now = now or utcnow()
    with database.session() as session:
        statement = (
            select(SearchOutboxEntry)
            .where(col(SearchOutboxEntry.processed_at).is_(None), col(SearchOutboxEntry.next_attempt_at) <= now)
            .order_by(col(SearchOutboxEntry.id))
            .limit(limit)
        )
        if database.dialect_name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        entries = list(session.exec(statement).all())
        if not entries:
            session.rollback()
            return DrainReport()
        document_ids = list(dict.fromkeys(entry.document_id for entry in entries))
        try:
            upserts, deletes = build_documents(session, document_ids)
            if upserts:
                engine.upsert(upserts)
            if deletes:
                engine.delete(deletes)
        except Exception as exc:  # any engine failure: keep the work, retry later
            message = f"{type(exc).__name__}: {exc}"[:500]
            for entry in entries:
                entry.attempts += 1
                entry.last_error = message
                entry.next_attempt_at = now + _backoff(entry.attempts)
                session.add(entry)
            session.commit()
            log.warning("search outbox: %d entries kept for retry: %s", len(entries), message)
            return DrainReport(processed=0, failed=len(entries), error=message)
        for entry in entries:
            entry.processed_at = now
            session.add(entry)
        session.commit()
        return DrainReport(processed=len(entries), upserted=len(upserts), deleted=len(deletes))


def drain(database: Database, engine: SearchEngine, *, now: datetime | None = None) -> DrainReport:
    """Apply every due entry (several passes); stops at the first failure."""
    total = DrainReport()
    while True:
        report = drain_once(database, engine, now=now)
        total = DrainReport(
            processed=total.processed + report.processed,
            upserted=total.upserted + report.upserted,
            deleted=total.deleted + report.deleted,
            failed=total.failed + report.failed,
            error=report.error or total.error,
        )
        if report.failed or report.processed < BATCH:
            return total


def purge_processed(database: Database, *, older_than: timedelta = KEEP_PROCESSED) -> None:
    """Forget outbox entries processed long ago."""
    with database.transaction() as session:
        session.exec(delete(SearchOutboxEntry).where(col(SearchOutboxEntry.processed_at) < utcnow() - older_than))


@dataclass(frozen=True)
class OutboxStatus:
    """How far the index lags behind the database."""

    pending: int
    oldest_pending_at: datetime | None
    failing: int
    last_error: str

    @property
    def lag_seconds(self) -> float:
        """Age of the oldest change not yet in the index (0 when up to date)."""
        return 0.0 if self.oldest_pending_at is None else max(0.0, (utcnow() - self.oldest_pending_at).total_seconds())


def outbox_status(database: Database) -> OutboxStatus:
    """Pending entries, the oldest one's age and the failing ones."""
    with database.session() as session:
        pending_filter = col(SearchOutboxEntry.processed_at).is_(None)
        pending = int(session.exec(select(func.count()).select_from(SearchOutboxEntry).where(pending_filter)).one())
        oldest = session.exec(select(func.min(SearchOutboxEntry.created_at)).where(pending_filter)).one()
        failing = int(
            session.exec(
                select(func.count())
                .select_from(SearchOutboxEntry)
                .where(pending_filter, col(SearchOutboxEntry.attempts) > 0)
            ).one()
        )
        last_error = session.exec(
            select(SearchOutboxEntry.last_error)
            .where(pending_filter, col(SearchOutboxEntry.attempts) > 0)
            .order_by(col(SearchOutboxEntry.id).desc())
        ).first()
    if isinstance(oldest, datetime) and oldest.tzinfo is None:
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    return OutboxStatus(pending=pending, oldest_pending_at=oldest, failing=failing, last_error=last_error or "")


def rebuild_index(database: Database, engine: SearchEngine, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index into a fresh one and swap it in; the outbox entries it covers are marked done."""
    started = utcnow()
    with database.session() as session:
        total = count_all_documents(session)
        count = engine.rebuild(
            iter_all_documents(session), progress=(lambda done: progress(done, total)) if progress else None
        )
    with database.transaction() as session:
        session.exec(
            SearchOutboxEntry.__table__.update()  # type: ignore[attr-defined]
            .where(col(SearchOutboxEntry.processed_at).is_(None), col(SearchOutboxEntry.created_at) <= started)
            .values(processed_at=utcnow())
        )
    return count


class IndexWorker:
    """A background thread that drains the outbox after each commit and retries on a timer."""

    def __init__(self, database: Database, engine: SearchEngine, interval_seconds: float = 2.0) -> None:
        self.database, self.engine, self.interval = database, engine, interval_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Ask for a pass now (called after a commit that recorded index work)."""
        self._wake.set()

    def start(self) -> None:
        """Start the thread and listen to commits."""
        _commit_listeners.append(self.wake)
        self._thread = threading.Thread(target=self._run, name="hub-index-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (pending work stays in the outbox for the next start)."""
        if self.wake in _commit_listeners:
            _commit_listeners.remove(self.wake)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        passes = 0
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                drain(self.database, self.engine)
                passes += 1
                if passes % 1000 == 0:
                    purge_processed(self.database)
            except Exception:  # the database itself may be down: log and try again later
                log.exception("search outbox: pass failed")
