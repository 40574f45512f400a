"""Meilisearch with the embedded engine as a safety net: searches never fail because the server is down."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TypeVar

from search.engine import EngineStatus, Progress, SearchEngine, SearchQuery, SearchResults, Suggestion
from search.errors import EngineError, EngineUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_AFTER_SECONDS = 15.0  # after a failure, skip the server for a while instead of paying a timeout per request


class FallbackEngine:
    """Writes go to both engines (embedded first); reads come from the primary unless it is failing.

    A write the primary could not take raises EngineUnavailable after the embedded index was updated, so
    the caller (the outbox) keeps the job and retries; the embedded side is idempotent.
    """

    def __init__(self, primary: SearchEngine, fallback: SearchEngine, clock: Callable[[], float] = time.monotonic):
        self.primary, self.fallback = primary, fallback
        self.name = primary.name
        self._clock = clock
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        self.last_error = ""

    @property
    def degraded(self) -> bool:
        """True while the primary is considered down."""
        return self._down_since is not None

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            if self._down_since is None:
                self._down_since = self._clock()
            self._retry_at = self._clock() + RETRY_AFTER_SECONDS
            self.last_error = str(exc)
        log.warning("search: %s unavailable, answering from %s: %s", self.primary.name, self.fallback.name, exc)

    def _recovered(self) -> None:
        if self._down_since is not None:
            with self._lock:
                self._down_since = None
                self.last_error = ""
            log.warning("search: %s answering again", self.primary.name)

    def _read(self, primary: Callable[[], T], fallback: Callable[[], T]) -> tuple[T, bool]:
        if self._down_since is not None and self._clock() < self._retry_at:
            return fallback(), True
        try:
            result = primary()
        except (EngineUnavailable, EngineError) as exc:
            self._failed(exc)
            return fallback(), True
        self._recovered()
        return result, False

    def search(self, query: SearchQuery) -> SearchResults:
        """Answer from the primary, or from the embedded index marked degraded."""
        result, degraded = self._read(lambda: self.primary.search(query), lambda: self.fallback.search(query))
        return replace(result, degraded=True) if degraded else result

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Suggestions from whichever engine answers."""
        return self._read(lambda: self.primary.suggest(prefix, limit), lambda: self.fallback.suggest(prefix, limit))[0]

    def _write(self, primary: Callable[[], int], fallback: Callable[[], int]) -> int:
        count = fallback()
        try:
            count = primary()
        except EngineUnavailable as exc:
            self._failed(exc)
            raise
        self._recovered()
        return count

    def upsert(self, docs: Iterable[Mapping[str, object]]) -> int:
        """Write to the embedded index, then to the primary (raises EngineUnavailable if it is down)."""
        batch = list(docs)
        return self._write(lambda: self.primary.upsert(batch), lambda: self.fallback.upsert(batch))

    def delete(self, ids: Iterable[str]) -> int:
        """Delete from both indexes."""
        wanted = list(ids)
        return self._write(lambda: self.primary.delete(wanted), lambda: self.fallback.delete(wanted))

    def rebuild(self, docs: Iterable[Mapping[str, object]], progress: Progress | None = None) -> int:
        """Rebuild both indexes from the same documents."""
        batch = list(docs)
        return self._write(lambda: self.primary.rebuild(batch, progress), lambda: self.fallback.rebuild(batch))

    def stats(self) -> dict[str, object]:
        """Both engines' figures."""
        try:
            primary: dict[str, object] = self.primary.stats()
        except (EngineUnavailable, EngineError) as exc:
            primary = {"engine": self.primary.name, "error": str(exc)}
        return {"engine": self.name, "primary": primary, "fallback": self.fallback.stats(), "degraded": self.degraded}

    def status(self) -> EngineStatus:
        """The primary's status, degraded when it is down (the embedded index answers meanwhile)."""
        status = self.primary.status()
        if not status.available:
            self._failed(EngineUnavailable(status.detail))
            return EngineStatus(self.name, False, True, self.fallback.status().documents, status.detail)
        return replace(status, degraded=self.degraded)
