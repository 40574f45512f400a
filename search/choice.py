"""Which engine the settings choose: embedded alone, or Meilisearch backed by the embedded index."""

from __future__ import annotations

import os

from search.embedded import EmbeddedEngine
from search.engine import SearchEngine


def open_engine(
    index_path: str | os.PathLike[str],
    meilisearch_url: str | None = None,
    meilisearch_key: str | None = None,
    index_uid: str = "hub",
) -> SearchEngine:
    """The engine the settings ask for: embedded alone, or Meilisearch backed by the embedded index."""
    embedded = EmbeddedEngine(index_path)
    if not meilisearch_url:
        return embedded
    from search.fallback import FallbackEngine
    from search.meili import MeiliEngine

    return FallbackEngine(MeiliEngine(meilisearch_url, meilisearch_key, index_uid), embedded)
