"""The Meilisearch engine: the only module importing the `meilisearch` client; same contract as the embedded one.

API shapes followed: https://www.meilisearch.com/docs/reference/api/search,
https://www.meilisearch.com/docs/reference/api/settings, https://www.meilisearch.com/docs/reference/api/tasks,
https://www.meilisearch.com/docs/reference/api/indexes/swap-indexes, https://www.meilisearch.com/docs/reference/errors/overview
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError
from meilisearch.models.task import TaskInfo

from search.documents import FACET_FIELDS, SearchDocument, facet_values, normalize_document
from search.engine import EngineStatus, Hit, Progress, SearchQuery, SearchResults, Suggestion
from search.errors import EngineError, EngineUnavailable
from search.query import clean_query_text
from search.synonyms import Synonyms, default_synonyms, meili_synonyms
from search.text import TOKEN, tokens

log = logging.getLogger(__name__)

T = TypeVar("T")
BATCH = 5_000
CROP_WORDS = 30
# Private-use characters as highlight tags: Meilisearch does not HTML-escape, so we escape first, then swap in <mark>.
PRE, POST = "\ue000", "\ue001"


def index_settings(synonyms: Synonyms) -> dict[str, Any]:
    """Index settings: searchable fields in rank order, facets, typo thresholds as the embedded engine, synonyms."""
    return {
        "searchableAttributes": ["title", "summary", "description"],
        "filterableAttributes": ["id", *FACET_FIELDS],
        "sortableAttributes": ["title_sort"],
        "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
        "synonyms": meili_synonyms(synonyms),
        "faceting": {"maxValuesPerFacet": 200},
        "pagination": {"maxTotalHits": 10_000},
    }


def to_meili(doc: SearchDocument) -> dict[str, Any]:
    """A hub document as stored in Meilisearch: ids may not hold ':', facets stored under their facet names."""
    return {
        "uid": doc["id"].replace(":", "-"),
        "id": doc["id"],
        "kind": doc["kind"],
        "title": doc["title"],
        "title_sort": " ".join(tokens(doc["title"])),
        "summary": doc.get("summary", ""),
        "description": doc.get("description", ""),
        "url": doc.get("url", ""),
        **{facet: values for facet, values in facet_values(doc).items() if facet != "kind"},
    }


def filter_expression(filters: Mapping[str, Iterable[str]]) -> str | None:
    """Meilisearch filter syntax: `facet IN ["a", "b"] AND ...`, values quoted and escaped."""
    parts = []
    for facet, values in filters.items():
        quoted = ", ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
        parts.append(f"{facet} IN [{quoted}]")
    return " AND ".join(parts) or None


def formatted_html(text: str) -> str:
    """Meilisearch's formatted text (raw, tags as PRE/POST) as escaped HTML with <mark>."""
    return html.escape(text).replace(PRE, "<mark>").replace(POST, "</mark>")


class MeiliEngine:
    """Search through a Meilisearch server; raises EngineUnavailable when it cannot be reached."""

    name = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        index_uid: str = "hub",
        *,
        timeout_seconds: float = 2.0,
        task_timeout_ms: int = 60_000,
        synonyms: Synonyms | None = None,
    ) -> None:
        self.url = url
        self.index_uid = index_uid
        self._client = meilisearch.Client(url, api_key, timeout=timeout_seconds)  # type: ignore[arg-type]
        self._task_timeout_ms = task_timeout_ms
        self._settings = index_settings(synonyms or default_synonyms())
        self._ready = False

    # -- plumbing ----------------------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one client call, turning transport and API failures into the package's errors."""
        try:
            return fn()
        except (MeilisearchCommunicationError, MeilisearchTimeoutError) as exc:
            raise EngineUnavailable(f"Le moteur de recherche ne répond pas ({what}).") from exc
        except MeilisearchApiError as exc:
            if exc.status_code >= 500:
                raise EngineUnavailable(f"Le moteur de recherche est en panne ({what} : {exc.code}).") from exc
            raise EngineError(
                f"Le moteur de recherche a refusé la demande ({what} : {exc.code} — {exc.message})"
            ) from exc

    def _wait(self, what: str, info: TaskInfo) -> None:
        """Wait for a task; a failed or cancelled task becomes EngineError with Meilisearch's code."""
        task = self._call(
            what, lambda: self._client.wait_for_task(info.task_uid, self._task_timeout_ms, interval_in_ms=25)
        )
        if task.status != "succeeded":
            error = task.error or {}
            raise EngineError(
                f"La tâche d'indexation a échoué ({what} : {task.status}, {error.get('code')} — {error.get('message')})"
            )

    def _exists(self, uid: str) -> bool:
        try:
            self._call("lecture de l'index", lambda: self._client.get_raw_index(uid))
        except EngineError:
            return False
        return True

    def _prepare(self, uid: str) -> None:
        """Create the index if needed and apply settings (idempotent)."""
        if not self._exists(uid):
            self._wait(
                "création de l'index",
                self._call("création", lambda: self._client.create_index(uid, {"primaryKey": "uid"})),
            )
        index = self._client.index(uid)
        self._wait("réglages", self._call("réglages", lambda: index.update_settings(self._settings)))

    def _ensure_ready(self) -> None:
        if not self._ready:
            self._prepare(self.index_uid)
            self._ready = True

    def _add(self, uid: str, docs: list[SearchDocument]) -> None:
        index = self._client.index(uid)
        payload = [to_meili(d) for d in docs]
        self._wait("ajout de documents", self._call("ajout", lambda: index.add_documents(payload, primary_key="uid")))

    # -- interface ---------------------------------------------------------------------------------

    def upsert(self, docs: Iterable[Mapping[str, object]]) -> int:
        """Add or replace documents (waits until Meilisearch has indexed them)."""
        clean = list({d["id"]: d for d in (normalize_document(raw) for raw in docs)}.values())
        if not clean:
            return 0
        self._ensure_ready()
        for start in range(0, len(clean), BATCH):
            self._add(self.index_uid, clean[start : start + BATCH])
        return len(clean)

    def delete(self, ids: Iterable[str]) -> int:
        """Delete by id through a filter (the id-list route is deprecated in the client)."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return 0
        self._ensure_ready()
        index = self._client.index(self.index_uid)
        expr = filter_expression({"id": wanted})
        self._wait("suppression", self._call("suppression", lambda: index.delete_documents(filter=expr)))
        return len(wanted)

    def rebuild(self, docs: Iterable[Mapping[str, object]], progress: Progress | None = None) -> int:
        """Fill a new index, then swap it with the live one in one atomic task, then drop the old one."""
        fresh = f"{self.index_uid}_rebuild_{uuid.uuid4().hex[:8]}"
        self._prepare(fresh)
        count, batch, seen = 0, [], set()
        try:
            for raw in docs:
                doc = normalize_document(raw)
                if doc["id"] in seen:
                    continue
                seen.add(doc["id"])
                batch.append(doc)
                if len(batch) >= BATCH:
                    self._add(fresh, batch)
                    count += len(batch)
                    batch = []
                    if progress:
                        progress(count)
            if batch:
                self._add(fresh, batch)
                count += len(batch)
            if not self._exists(self.index_uid):
                self._prepare(self.index_uid)
            swap: list[Mapping[str, list[str] | bool]] = [{"indexes": [self.index_uid, fresh]}]
            self._wait("bascule d'index", self._call("bascule", lambda: self._client.swap_indexes(swap)))
        finally:
            # After the swap `fresh` holds the old documents; before it, a half-built index: drop either way.
            try:
                self._wait("suppression d'index", self._call("suppression", lambda: self._client.delete_index(fresh)))
            except (EngineError, EngineUnavailable) as exc:
                log.warning("search: could not drop index %s: %s", fresh, exc)
        self._ready = True
        if progress:
            progress(count)
        return count

    def _search_raw(self, params: dict[str, Any], text: str) -> dict[str, Any]:
        index = self._client.index(self.index_uid)
        return self._call("recherche", lambda: index.search(text, params))

    def search(self, query: SearchQuery) -> SearchResults:
        """Same contract as the embedded engine: escaped snippets with <mark>, facet counts, total."""
        q = query.checked()
        # Words only: Meilisearch gives quotes and '-' a meaning (phrase, negation) the embedded engine does not.
        text = " ".join(TOKEN.findall(clean_query_text(q.text)))
        params: dict[str, Any] = {
            "offset": q.offset,
            "limit": q.limit,
            "attributesToRetrieve": ["id", "kind", "title", "url"],
            "attributesToHighlight": ["title"],
            "attributesToCrop": ["summary", "description"],
            "cropLength": CROP_WORDS,
            "cropMarker": "…",
            "highlightPreTag": PRE,
            "highlightPostTag": POST,
            "showRankingScore": True,
        }
        expr = filter_expression(q.filters)
        if expr:
            params["filter"] = expr
        if q.facets:
            params["facets"] = list(q.facets)
        if not text:
            params["sort"] = ["title_sort:asc"]
        raw = self._search_raw(params, text)
        hits = [self._hit(h) for h in raw.get("hits", [])]
        distribution = raw.get("facetDistribution") or {}
        counts = {
            f: dict(
                sorted(((str(v), int(n)) for v, n in distribution.get(f, {}).items()), key=lambda vn: (-vn[1], vn[0]))
            )
            for f in q.facets
        }
        total = int(raw.get("totalHits", raw.get("estimatedTotalHits", len(hits))))
        return SearchResults(total, hits, counts, self.name, False, q.text)

    @staticmethod
    def _hit(raw: Mapping[str, Any]) -> Hit:
        formatted = raw.get("_formatted") or {}
        summary, description = formatted.get("summary") or "", formatted.get("description") or ""
        snippet = description if PRE in description and PRE not in summary else summary or description
        return Hit(
            id=str(raw["id"]),
            kind=str(raw.get("kind", "")),
            title=str(raw.get("title", "")),
            url=str(raw.get("url", "")),
            snippet_html=formatted_html(snippet),
            title_html=formatted_html(formatted.get("title") or str(raw.get("title", ""))),
            score=float(raw.get("_rankingScore", 0.0)),
        )

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Titles of the best matches for what is being typed."""
        text = " ".join(TOKEN.findall(clean_query_text(prefix)))
        if not text:
            return []
        params = {
            "limit": min(max(limit, 0), 20),
            "attributesToRetrieve": ["id", "kind", "title", "url"],
            "attributesToHighlight": ["title"],
            "highlightPreTag": PRE,
            "highlightPostTag": POST,
        }
        raw = self._search_raw(params, text)
        return [
            Suggestion(
                str(h["id"]),
                str(h.get("kind", "")),
                str(h.get("title", "")),
                str(h.get("url", "")),
                formatted_html((h.get("_formatted") or {}).get("title") or str(h.get("title", ""))),
            )
            for h in raw.get("hits", [])
        ]

    def stats(self) -> dict[str, object]:
        """Document count as Meilisearch reports it."""
        raw = self._call("statistiques", lambda: self._client.http.get(f"indexes/{self.index_uid}/stats"))
        return {"engine": self.name, "documents": int(raw.get("numberOfDocuments", 0)), "index": self.index_uid}

    def status(self) -> EngineStatus:
        """Reachability and document count, never raising."""
        try:
            self._call("santé", self._client.health)
            documents = self.stats()["documents"]
        except EngineUnavailable as exc:
            return EngineStatus(self.name, False, True, None, str(exc))
        except EngineError as exc:
            return EngineStatus(self.name, True, False, None, str(exc))
        return EngineStatus(self.name, True, False, int(str(documents)), self.url)

    def drop(self) -> None:
        """Delete the live index (tests and reset)."""
        self._wait("suppression d'index", self._call("suppression", lambda: self._client.delete_index(self.index_uid)))
        self._ready = False
