"""Search engines behind one interface: embedded SQLite FTS5 by default, Meilisearch when configured."""

from __future__ import annotations

from search.choice import open_engine
from search.embedded import EmbeddedEngine
from search.engine import EngineStatus, Hit, SearchEngine, SearchQuery, SearchResults, Suggestion
from search.errors import EngineError, EngineUnavailable, InvalidDocument, InvalidQuery, SearchError

__all__ = [
    "EmbeddedEngine",
    "EngineError",
    "EngineStatus",
    "EngineUnavailable",
    "Hit",
    "InvalidDocument",
    "InvalidQuery",
    "SearchEngine",
    "SearchError",
    "SearchQuery",
    "SearchResults",
    "Suggestion",
    "open_engine",
]
