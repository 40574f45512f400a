"""The one interface every search engine follows, and the plain data it takes and returns."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from search.documents import FACET_FIELDS
from search.errors import InvalidQuery

MAX_LIMIT = 100
MAX_OFFSET = 10_000

Progress = Callable[[int], None]  # called with the number of documents indexed so far


@dataclass(frozen=True)
class SearchQuery:
    """A search as asked: text (may be empty), facet filters (OR within a facet, AND across), facets to count."""

    text: str = ""
    filters: Mapping[str, Sequence[str | int | bool]] = field(default_factory=dict)
    facets: Sequence[str] = ()
    limit: int = 20
    offset: int = 0

    def checked(self) -> CheckedQuery:
        """Validate facet names and bounds; raise InvalidQuery with a French message otherwise."""
        for name in [*self.filters, *self.facets]:
            if name not in FACET_FIELDS:
                known = ", ".join(FACET_FIELDS)
                raise InvalidQuery(f"Filtre inconnu : « {name} ». Filtres possibles : {known}.")
        filters: dict[str, tuple[str, ...]] = {}
        for name, values in self.filters.items():
            if isinstance(values, str | bytes) or not isinstance(values, Sequence | set | frozenset):
                raise InvalidQuery(f"Les valeurs du filtre « {name} » doivent être une liste.")
            cleaned = tuple(_filter_value(v) for v in values)
            if cleaned:
                filters[name] = cleaned
        if not isinstance(self.limit, int) or not isinstance(self.offset, int):
            raise InvalidQuery("La pagination doit être donnée en nombres entiers.")
        limit = min(max(self.limit, 0), MAX_LIMIT)
        offset = min(max(self.offset, 0), MAX_OFFSET)
        return CheckedQuery(self.text, filters, tuple(dict.fromkeys(self.facets)), limit, offset)


@dataclass(frozen=True)
class CheckedQuery:
    """A SearchQuery after validation: known facets, string filter values, bounded pagination."""

    text: str
    filters: dict[str, tuple[str, ...]]
    facets: tuple[str, ...]
    limit: int
    offset: int


def _filter_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)[:200]
    raise InvalidQuery(f"Valeur de filtre invalide : {value!r}")


@dataclass(frozen=True)
class Hit:
    """One result; snippet_html and title_html are escaped HTML with <mark> around matched words."""

    id: str
    kind: str
    title: str
    url: str
    snippet_html: str
    title_html: str
    score: float  # higher is better; only comparable within one result list


@dataclass(frozen=True)
class SearchResults:
    """What a search returns: the page of hits, the total, facet counts, who answered and whether degraded."""

    total: int
    hits: list[Hit]
    facet_counts: dict[str, dict[str, int]]
    engine: str
    degraded: bool = False
    query: str = ""


@dataclass(frozen=True)
class Suggestion:
    """An as-you-type suggestion: a document title to jump to."""

    id: str
    kind: str
    title: str
    url: str
    title_html: str


@dataclass(frozen=True)
class EngineStatus:
    """Health of the configured engine, for the status page."""

    engine: str
    available: bool
    degraded: bool
    documents: int | None
    detail: str = ""


@runtime_checkable
class SearchEngine(Protocol):
    """A search index over hub documents (see search/documents.py)."""

    name: str

    def upsert(self, docs: Iterable[Mapping[str, object]]) -> int:
        """Add or replace documents by id; return how many were written."""
        ...

    def delete(self, ids: Iterable[str]) -> int:
        """Remove documents by id (unknown ids are ignored); return how many ids were asked."""
        ...

    def search(self, query: SearchQuery) -> SearchResults:
        """Ranked, filtered, faceted search; raises InvalidQuery for a query that cannot be answered."""
        ...

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Titles matching what is being typed."""
        ...

    def rebuild(self, docs: Iterable[Mapping[str, object]], progress: Progress | None = None) -> int:
        """Index all documents into a fresh index and swap it in atomically; return the count."""
        ...

    def stats(self) -> dict[str, object]:
        """Figures about the index (documents, words, size) for the status page."""
        ...

    def status(self) -> EngineStatus:
        """Is the engine answering, and from where."""
        ...
