"""A small in-process Meilisearch stand-in for tests (no server can be installed here).

It follows the documented HTTP API for the routes the engine uses, including asynchronous tasks that pass
through enqueued -> processing -> succeeded/failed as they are polled, and the error object format:
- tasks and summarized task objects: https://www.meilisearch.com/docs/reference/api/tasks
- errors {"message", "code", "type", "link"}: https://www.meilisearch.com/docs/reference/errors/overview
- indexes: https://www.meilisearch.com/docs/reference/api/indexes
- documents (add, delete by filter): https://www.meilisearch.com/docs/reference/api/documents
- settings: https://www.meilisearch.com/docs/reference/api/settings
- search (filter, facets, _formatted, crop, estimatedTotalHits): https://www.meilisearch.com/docs/reference/api/search
- swap: https://www.meilisearch.com/docs/reference/api/indexes/swap-indexes
Ranking is deliberately naive (title matches first): relevance is tested against the real engines only.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from search.text import TOKEN, fold

DOC_ID = re.compile(r"^[a-zA-Z0-9_-]{1,511}$")
FILTER_TERM = re.compile(r"^\s*(\w+)\s+IN\s+\[(.*)\]\s*$", re.S)
SEARCH_PARAMS = {
    "q",
    "offset",
    "limit",
    "filter",
    "facets",
    "attributesToRetrieve",
    "attributesToHighlight",
    "attributesToCrop",
    "cropLength",
    "cropMarker",
    "highlightPreTag",
    "highlightPostTag",
    "showRankingScore",
    "sort",
    "page",
    "hitsPerPage",
    "matchingStrategy",
}
SETTINGS_KEYS = {
    "searchableAttributes",
    "filterableAttributes",
    "sortableAttributes",
    "typoTolerance",
    "synonyms",
    "faceting",
    "pagination",
    "rankingRules",
    "displayedAttributes",
    "stopWords",
    "distinctAttribute",
}


class ApiError(Exception):
    """An error answered in Meilisearch's format."""

    def __init__(self, status: int, code: str, message: str, kind: str = "invalid_request") -> None:
        super().__init__(message)
        self.status, self.body = (
            status,
            {"message": message, "code": code, "type": kind, "link": f"https://docs.meilisearch.com/errors#{code}"},
        )


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class FakeMeili:
    """State of the fake server: indexes, documents, settings and the task queue."""

    def __init__(self, api_key: str | None = None, polls_before_done: int = 2) -> None:
        self.api_key = api_key
        self.polls_before_done = polls_before_done
        self.indexes: dict[str, dict[str, Any]] = {}
        self.tasks: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, Any]] = []
        self.fail_next_task: str | None = None  # error code to inject into the next processed task
        self.lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeMeili:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- tasks -------------------------------------------------------------------------------------

    def _enqueue(self, kind: str, index_uid: str | None, payload: Any) -> dict[str, Any]:
        task = {
            "uid": len(self.tasks),
            "indexUid": index_uid,
            "status": "enqueued",
            "type": kind,
            "details": {},
            "error": None,
            "canceledBy": None,
            "duration": None,
            "enqueuedAt": _now(),
            "startedAt": None,
            "finishedAt": None,
            "_payload": payload,
            "_polls": 0,
        }
        self.tasks.append(task)
        return {k: task[k] for k in ("uid", "indexUid", "status", "type", "enqueuedAt")} | {"taskUid": task["uid"]}

    def _advance(self, task: dict[str, Any], to_end: bool) -> None:
        if task["status"] not in ("enqueued", "processing"):
            return
        task["_polls"] += 1
        if not to_end and task["_polls"] < self.polls_before_done:
            task["status"], task["startedAt"] = "processing", task["startedAt"] or _now()
            return
        try:
            if self.fail_next_task:
                code, self.fail_next_task = self.fail_next_task, None
                raise ApiError(400, code, f"Injected failure: {code}.")
            self._apply(task["type"], task["indexUid"], task["_payload"])
            task["status"] = "succeeded"
        except ApiError as exc:
            task["status"], task["error"] = "failed", exc.body
        task["startedAt"], task["finishedAt"], task["duration"] = task["startedAt"] or _now(), _now(), "PT0.001S"

    def _process_before(self, uid: int) -> None:
        for task in self.tasks[:uid]:  # the queue is processed in order
            self._advance(task, to_end=True)

    def _apply(self, kind: str, uid: str, payload: Any) -> None:
        if kind == "indexCreation":
            if uid in self.indexes:
                raise ApiError(409, "index_already_exists", f"Index `{uid}` already exists.")
            self.indexes[uid] = {"primaryKey": payload, "documents": {}, "settings": {}, "createdAt": _now()}
        elif kind == "indexDeletion":
            self._index(uid)
            del self.indexes[uid]
        elif kind == "settingsUpdate":
            self._index(uid)["settings"].update(payload)
        elif kind == "documentAdditionOrUpdate":
            primary_key, docs = payload
            index = self.indexes.setdefault(uid, {"primaryKey": primary_key, "documents": {}, "settings": {}})
            for doc in docs:
                value = str(doc.get(index["primaryKey"] or primary_key, ""))
                if not DOC_ID.match(value):
                    raise ApiError(400, "invalid_document_id", f"Document identifier `{value}` is invalid.")
            for doc in docs:
                index["documents"][str(doc[index["primaryKey"] or primary_key])] = doc
        elif kind == "documentDeletion":
            index = self._index(uid)
            keep = self._filtered(index, payload)
            index["documents"] = {k: d for k, d in index["documents"].items() if d not in keep}
        elif kind == "indexSwap":
            for pair in payload:
                a, b = pair["indexes"]
                self._index(a), self._index(b)
                self.indexes[a], self.indexes[b] = self.indexes[b], self.indexes[a]

    def _index(self, uid: str) -> dict[str, Any]:
        if uid not in self.indexes:
            raise ApiError(404, "index_not_found", f"Index `{uid}` not found.")
        return self.indexes[uid]

    # -- search ------------------------------------------------------------------------------------

    def _filtered(self, index: dict[str, Any], expr: str | None) -> list[dict[str, Any]]:
        docs = list(index["documents"].values())
        if not expr:
            return docs
        allowed = set(index["settings"].get("filterableAttributes", []))
        for part in expr.split(" AND "):
            m = FILTER_TERM.match(part)
            if not m:
                raise ApiError(400, "invalid_search_filter", f"Was expecting an operation like `IN` in `{part}`.")
            field, values = m.group(1), [json.loads(v) for v in re.findall(r'"(?:[^"\\]|\\.)*"', m.group(2))]
            if field not in allowed:
                raise ApiError(400, "invalid_search_filter", f"Attribute `{field}` is not filterable.")
            docs = [d for d in docs if set(map(str, _as_list(d.get(field)))) & set(values)]
        return docs

    def search(self, uid: str, body: dict[str, Any]) -> dict[str, Any]:
        unknown = set(body) - SEARCH_PARAMS
        if unknown:
            raise ApiError(400, "bad_request", f"Unknown field `{sorted(unknown)[0]}`.")
        index = self._index(uid)
        settings = index["settings"]
        for facet in body.get("facets") or []:
            if facet not in settings.get("filterableAttributes", []):
                raise ApiError(400, "invalid_search_facets", f"Attribute `{facet}` is not filterable.")
        for sort in body.get("sort") or []:
            if sort.split(":")[0] not in settings.get("sortableAttributes", []):
                raise ApiError(400, "invalid_search_sort", f"Attribute `{sort}` is not sortable.")
        words = TOKEN.findall(fold(body.get("q") or ""))
        searchable = settings.get("searchableAttributes", ["title"])
        scored = []
        for doc in self._filtered(index, body.get("filter")):
            fields = [set(TOKEN.findall(fold(str(doc.get(a, ""))))) for a in searchable]
            if all(any(any(t.startswith(w) for t in f) for f in fields) for w in words):
                rank = min(
                    (i for i, f in enumerate(fields) for w in words if any(t.startswith(w) for t in f)), default=0
                )
                scored.append((rank, doc))
        scored.sort(key=lambda rd: (rd[0], str(rd[1].get("title_sort", ""))))
        matched = [d for _, d in scored]
        offset, limit = int(body.get("offset", 0)), int(body.get("limit", 20))
        pre, post = body.get("highlightPreTag", "<em>"), body.get("highlightPostTag", "</em>")
        retrieve = body.get("attributesToRetrieve") or ["*"]
        hits = []
        for rank, doc in scored[offset : offset + limit]:
            hit = {k: v for k, v in doc.items() if "*" in retrieve or k in retrieve}
            formatted = {}
            for attr in body.get("attributesToHighlight") or []:
                formatted[attr] = _mark(str(doc.get(attr, "")), words, pre, post, 0, "")
            for attr in body.get("attributesToCrop") or []:
                crop = int(body.get("cropLength", 10))
                formatted[attr] = _mark(str(doc.get(attr, "")), words, pre, post, crop, body.get("cropMarker", "…"))
            hit["_formatted"] = formatted
            if body.get("showRankingScore"):
                hit["_rankingScore"] = 1.0 / (1 + rank)
            hits.append(hit)
        out: dict[str, Any] = {
            "hits": hits,
            "query": body.get("q") or "",
            "processingTimeMs": 1,
            "limit": limit,
            "offset": offset,
            "estimatedTotalHits": len(matched),
        }
        if body.get("facets"):
            out["facetDistribution"] = {f: _distribution(matched, f) for f in body["facets"]}
            out["facetStats"] = {}
        return out

    # -- HTTP --------------------------------------------------------------------------------------

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        with self.lock:
            if parts == ["health"]:
                return 200, {"status": "available"}
            if parts[:1] == ["tasks"] and len(parts) == 2 and method == "GET":
                task_uid = int(parts[1])
                if task_uid >= len(self.tasks):
                    raise ApiError(404, "task_not_found", f"Task `{task_uid}` not found.")
                self._process_before(task_uid)
                self._advance(self.tasks[task_uid], to_end=False)
                return 200, {k: v for k, v in self.tasks[task_uid].items() if not k.startswith("_")}
            if parts == ["swap-indexes"] and method == "POST":
                return 202, self._enqueue("indexSwap", None, body)
            if parts == ["indexes"] and method == "POST":
                return 202, self._enqueue("indexCreation", body["uid"], body.get("primaryKey"))
            if parts[:1] != ["indexes"] or len(parts) < 2:
                raise ApiError(404, "not_found", "Not found.")
            uid, rest = parts[1], parts[2:]
            if not rest and method == "GET":
                index = self._index(uid)
                return 200, {
                    "uid": uid,
                    "primaryKey": index["primaryKey"],
                    "createdAt": index.get("createdAt"),
                    "updatedAt": _now(),
                }
            if not rest and method == "DELETE":
                return 202, self._enqueue("indexDeletion", uid, None)
            if rest == ["settings"] and method == "PATCH":
                unknown = set(body) - SETTINGS_KEYS
                if unknown:
                    raise ApiError(400, "bad_request", f"Unknown field `{sorted(unknown)[0]}`.")
                return 202, self._enqueue("settingsUpdate", uid, body)
            if rest == ["settings"] and method == "GET":
                return 200, self._index(uid)["settings"]
            if rest == ["documents"] and method in ("POST", "PUT"):
                return 202, self._enqueue("documentAdditionOrUpdate", uid, (query.get("primaryKey", [None])[0], body))
            if rest == ["documents", "delete"] and method == "POST":
                return 202, self._enqueue("documentDeletion", uid, body.get("filter"))
            if rest == ["search"] and method == "POST":
                return 200, self.search(uid, body)
            if rest == ["stats"] and method == "GET":
                docs = self._index(uid)["documents"]
                return 200, {"numberOfDocuments": len(docs), "isIndexing": False, "fieldDistribution": {}}
            raise ApiError(404, "not_found", f"No route {method} {path}.")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def _serve(self, method: str) -> None:
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    if fake.api_key is not None:
                        auth = self.headers.get("Authorization", "")
                        if not auth:
                            raise ApiError(
                                401, "missing_authorization_header", "The Authorization header is missing.", "auth"
                            )
                        if auth != f"Bearer {fake.api_key}":
                            raise ApiError(403, "invalid_api_key", "The provided API key is invalid.", "auth")
                    body = json.loads(raw) if raw else None
                    fake.requests.append((method, url.path, body))
                    status, payload = fake.route(method, url.path, parse_qs(url.query), body)
                except ApiError as exc:
                    status, payload = exc.status, exc.body
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PUT(self) -> None:
                self._serve("PUT")

            def do_PATCH(self) -> None:
                self._serve("PATCH")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

        return Handler


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return value if isinstance(value, list) else [] if value is None else [value]


def _distribution(docs: list[dict[str, Any]], facet: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for doc in docs:
        for value in _as_list(doc.get(facet)):
            counts[str(value)] = counts.get(str(value), 0) + 1
    return counts


def _mark(text: str, words: list[str], pre: str, post: str, crop: int, marker: str) -> str:
    spans = list(TOKEN.finditer(text))
    hits = [i for i, m in enumerate(spans) if any(fold(m.group()).startswith(w) for w in words)]
    start, end, lead, tail = 0, len(text), "", ""
    if crop and len(spans) > crop:
        first = max(0, (hits[0] if hits else 0) - crop // 2)
        last = min(len(spans), first + crop)
        start, end = spans[first].start(), spans[last - 1].end()
        lead, tail = (marker if first else ""), (marker if last < len(spans) else "")
    out, pos = [lead], start
    for i in hits:
        m = spans[i]
        if m.start() >= start and m.end() <= end:
            out += [text[pos : m.start()], pre, m.group(), post]
            pos = m.end()
    out += [text[pos:end], tail]
    return "".join(out)
