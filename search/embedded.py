"""The embedded engine (default, no server): SQLite FTS5 word lookup in its own file; ranking and facets in numpy.

Each text field has its own contentless FTS5 table with detail=none: the smallest, fastest index, since it
only answers "which documents hold this word in this field". Ranking is then done in numpy, the way
Meilisearch ranks (words matched, typos, field, exactness) rather than BM25: per word group, the best
way it matched in each field, weighted by field (title > summary > description) and by word rarity.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

from search.documents import SearchDocument, facet_values, normalize_document
from search.engine import EngineStatus, Hit, Progress, SearchQuery, SearchResults, Suggestion
from search.facets import BoolArray, FacetRow, FacetStore
from search.query import Alternative, QueryPlan, WordGroup, plan_query
from search.synonyms import Synonyms, default_synonyms
from search.text import Highlighter, fold, tokens
from search.vocabulary import Vocabulary

log = logging.getLogger(__name__)

# SQL below interpolates only table names taken from COLUMNS (constants) and "?" placeholders (S608 noqa).

# Field weights: a word in the title says more about the document than one in its long description.
COLUMNS: tuple[tuple[str, float], ...] = (("title", 10.0), ("summary", 3.0), ("description", 1.0))
SNIPPET_CHARS = 240
BATCH = 2_000

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS doc (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, facets TEXT NOT NULL, "
    "body TEXT NOT NULL)",
    *(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS fts_{col} USING fts5(t, content='', detail=none, tokenize='unicode61')"
        for col, _ in COLUMNS
    ),
    *(f"CREATE VIRTUAL TABLE IF NOT EXISTS vocab_{col} USING fts5vocab(fts_{col}, 'row')" for col, _ in COLUMNS),
]


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode=WAL")  # readers in other processes keep reading during writes
        conn.execute("PRAGMA synchronous=NORMAL")
    for statement in _SCHEMA:
        conn.execute(statement)
    return conn


def _folded_fields(doc: SearchDocument) -> tuple[str, str, str]:
    return fold(doc["title"]), fold(doc.get("summary", "")), fold(doc.get("description", ""))


def _facet_row(rid: int, doc: SearchDocument) -> FacetRow:
    words = tokens(doc["title"])
    return FacetRow(rid, facet_values(doc), " ".join(words), len(words))


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _alternative_expr(alt: Alternative) -> str:
    if len(alt.words) == 1:
        return _quote(alt.words[0])
    return "(" + " AND ".join(_quote(w) for w in alt.words) + ")"


class EmbeddedEngine:
    """Search index in one SQLite file (or ":memory:"); safe to share between threads of one process."""

    name = "embedded"

    def __init__(self, path: str | os.PathLike[str], synonyms: Synonyms | None = None) -> None:
        self.path = str(path)
        self._synonyms = synonyms or default_synonyms()
        self._lock = threading.RLock()
        self._conn = _connect(self.path)
        self._load()

    # -- state -------------------------------------------------------------------------------------

    def _load(self, store: FacetStore | None = None) -> None:
        """(Re)read facets and vocabulary from the file, e.g. after another process wrote to it."""
        if store is None:
            store = FacetStore()
            rows: list[FacetRow] = []
            for rid, facets, body in self._conn.execute("SELECT rid, facets, body FROM doc"):
                words = tokens(json.loads(body)["title"])
                rows.append(FacetRow(rid, json.loads(facets), " ".join(words), len(words)))
            store.apply((), rows)
        self._store = store
        self._vocabulary = self._read_vocabulary(self._conn)
        self._data_version = self._conn.execute("PRAGMA data_version").fetchone()[0]

    @staticmethod
    def _read_vocabulary(conn: sqlite3.Connection) -> Vocabulary:
        return Vocabulary(
            (term, docs)
            for col, _ in COLUMNS
            for term, docs in conn.execute(f"SELECT term, doc FROM vocab_{col}")  # noqa: S608
        )

    def _sync(self) -> None:
        """Pick up rows written (or a rebuild copied in) by another connection since we last looked."""
        if self._conn.execute("PRAGMA data_version").fetchone()[0] != self._data_version:
            self._load()

    # -- writing -----------------------------------------------------------------------------------

    def upsert(self, docs: Iterable[Mapping[str, object]]) -> int:
        """Add or replace documents by id in one transaction."""
        clean = {d["id"]: d for d in (normalize_document(raw) for raw in docs)}
        if not clean:
            return 0
        with self._lock:
            self._sync()
            cur = self._conn.cursor()
            added: list[FacetRow] = []
            new_words: set[str] = set()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for doc in clean.values():
                    old = cur.execute("SELECT rid, body FROM doc WHERE id = ?", (doc["id"],)).fetchone()
                    body, facets = json.dumps(doc, ensure_ascii=False), json.dumps(facet_values(doc))
                    if old:
                        rid = int(old[0])
                        self._fts_write(cur, "delete", rid, _folded_fields(json.loads(old[1])))
                        cur.execute("UPDATE doc SET facets = ?, body = ? WHERE rid = ?", (facets, body, rid))
                    else:
                        cur.execute("INSERT INTO doc (id, facets, body) VALUES (?, ?, ?)", (doc["id"], facets, body))
                        rid = int(cur.lastrowid or 0)
                    fields = _folded_fields(doc)
                    self._fts_write(cur, "insert", rid, fields)
                    new_words.update(w for text in fields for w in text.split() if w.isalnum())
                    added.append(_facet_row(rid, doc))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            self._store.apply((), added)
            self._vocabulary = (
                self._read_vocabulary(self._conn)
                if new_words - set(self._vocabulary.doc_counts)
                else (self._vocabulary)
            )
        return len(clean)

    @staticmethod
    def _fts_write(cur: sqlite3.Cursor, action: str, rid: int, fields: tuple[str, str, str]) -> None:
        for (col, _), text in zip(COLUMNS, fields, strict=True):
            if action == "delete":  # contentless tables forget a row only when given its indexed text back
                cur.execute(f"INSERT INTO fts_{col} (fts_{col}, rowid, t) VALUES ('delete', ?, ?)", (rid, text))  # noqa: S608
            else:
                cur.execute(f"INSERT INTO fts_{col} (rowid, t) VALUES (?, ?)", (rid, text))  # noqa: S608

    def delete(self, ids: Iterable[str]) -> int:
        """Remove documents by id; unknown ids are ignored."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return 0
        with self._lock:
            self._sync()
            cur = self._conn.cursor()
            removed: list[int] = []
            cur.execute("BEGIN IMMEDIATE")
            try:
                for doc_id in wanted:
                    old = cur.execute("SELECT rid, body FROM doc WHERE id = ?", (doc_id,)).fetchone()
                    if old:
                        self._fts_write(cur, "delete", int(old[0]), _folded_fields(json.loads(old[1])))
                        cur.execute("DELETE FROM doc WHERE rid = ?", (old[0],))
                        removed.append(int(old[0]))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            self._store.apply(removed, ())
        return len(wanted)

    def rebuild(self, docs: Iterable[Mapping[str, object]], progress: Progress | None = None) -> int:
        """Build a fresh index file beside the current one, then copy it over the live one atomically."""
        target = ":memory:" if self.path == ":memory:" else self.path + ".rebuild"
        if target != ":memory:" and os.path.exists(target):
            os.remove(target)
        conn = _connect(target)
        conn.execute("PRAGMA journal_mode=OFF")  # a half-built file is thrown away anyway
        conn.execute("PRAGMA synchronous=OFF")
        count = 0
        store = FacetStore()
        batch: list[SearchDocument] = []
        seen: set[str] = set()
        conn.execute("BEGIN")
        for raw in docs:
            doc = normalize_document(raw)
            if doc["id"] in seen:
                continue
            seen.add(doc["id"])
            batch.append(doc)
            if len(batch) >= BATCH:
                count = self._bulk_insert(conn, batch, count, store)
                batch = []
                if progress:
                    progress(count)
        count = self._bulk_insert(conn, batch, count, store)
        conn.execute("COMMIT")
        for col, _ in COLUMNS:
            conn.execute(f"INSERT INTO fts_{col} (fts_{col}) VALUES ('optimize')")  # noqa: S608
        if progress:
            progress(count)
        with self._lock:
            # The backup API copies the new pages into the live file in one transaction: readers (in this
            # process or others) see the old index or the new one, never a mix. A plain os.replace would pair
            # the new file with the old file's WAL and shared memory, which SQLite does not allow.
            conn.backup(self._conn)
            conn.close()
            if target != ":memory:":
                os.remove(target)
            self._load(store)
        log.info("search index rebuilt: %d documents", count)
        return count

    @staticmethod
    def _bulk_insert(conn: sqlite3.Connection, batch: list[SearchDocument], start: int, store: FacetStore) -> int:
        rids = range(start + 1, start + 1 + len(batch))
        rows = [_facet_row(rid, d) for rid, d in zip(rids, batch, strict=True)]
        store.apply((), rows)
        conn.executemany(
            "INSERT INTO doc (rid, id, facets, body) VALUES (?, ?, ?, ?)",
            [
                (row.rowid, d["id"], json.dumps(row.values), json.dumps(d, ensure_ascii=False))
                for row, d in zip(rows, batch, strict=True)
            ],
        )
        folded = [_folded_fields(d) for d in batch]
        for i, (col, _) in enumerate(COLUMNS):
            conn.executemany(
                f"INSERT INTO fts_{col} (rowid, t) VALUES (?, ?)",  # noqa: S608
                [(rid, f[i]) for rid, f in zip(rids, folded, strict=True) if f[i]],
            )
        return start + len(batch)

    # -- reading -----------------------------------------------------------------------------------

    def _rowids(self, column: str, expr: str) -> npt.NDArray[np.int64]:
        cur = self._conn.cursor()
        cur.row_factory = lambda _c, row: row[0]
        found = cur.execute(f"SELECT rowid FROM fts_{column} WHERE fts_{column} MATCH ?", (expr,)).fetchall()  # noqa: S608
        return np.fromiter(found, dtype=np.int64, count=len(found))

    def _known(self, alt: Alternative) -> bool:
        return all(self._vocabulary.count(w) for w in alt.words)

    def _group_scores(self, group: WordGroup, size: int) -> npt.NDArray[np.float32]:
        """Per document: sum over fields of field weight x best way the group matched there (0 = absent)."""
        total = np.zeros(size, dtype=np.float32)
        levels = sorted({a.weight for a in group.alternatives})
        column = np.zeros(size, dtype=np.float32)
        for col, col_weight in COLUMNS:
            column.fill(0)
            for weight in levels:  # ascending, so a better match overwrites a weaker one
                exprs = [_alternative_expr(a) for a in group.alternatives if a.weight == weight and self._known(a)]
                if exprs:
                    ids = self._rowids(col, " OR ".join(exprs))
                    column[ids[ids < size]] = weight
            total += col_weight * column
        return total

    def _match(self, plan: QueryPlan, base: BoolArray) -> tuple[BoolArray, npt.NDArray[np.float32] | None]:
        """Documents matching every word group (dropping last words while nothing matches), with scores."""
        if plan.is_empty:
            return base, None
        size = base.shape[0]
        live = max(self._store.count, 1)
        scores = [self._group_scores(g, size) for g in plan.groups]
        presents = [s > 0 for s in scores]
        kept = len(scores)
        matched = base & np.logical_and.reduce(presents)
        while kept > 1 and not matched.any():  # Meilisearch's "last" matching strategy
            kept -= 1
            matched = base & np.logical_and.reduce(presents[:kept])
        total = np.zeros(size, dtype=np.float32)
        for s, p in zip(scores[:kept], presents[:kept], strict=True):
            total += np.float32(math.log(1.0 + live / (0.5 + np.count_nonzero(p)))) * s
        return matched, total

    def _top(self, matched: BoolArray, scores: npt.NDArray[np.float32] | None, first: int) -> list[tuple[int, float]]:
        rows = np.flatnonzero(matched)
        if first <= 0 or not rows.size:
            return []
        if scores is None:
            ordered = self._store.browse_order(rows, first)
            return [(int(r), 0.0) for r in ordered]
        # Fewer title words breaks ties: "Cardiologie" is a closer match to "cardiologie" than a long title.
        keys = scores[rows].astype(np.float64) - 1e-4 * self._store.title_words[rows]
        if first < rows.size:
            part = np.argpartition(-keys, first)[:first]
            rows, keys = rows[part], keys[part]
        order = np.lexsort((rows, -keys))
        return [(int(rows[i]), float(keys[i])) for i in order]

    def _bodies(self, rids: list[int]) -> dict[int, SearchDocument]:
        if not rids:
            return {}
        marks = ",".join("?" * len(rids))
        rows = self._conn.execute(f"SELECT rid, body FROM doc WHERE rid IN ({marks})", rids).fetchall()  # noqa: S608
        return {int(rid): json.loads(body) for rid, body in rows}

    def search(self, query: SearchQuery) -> SearchResults:
        """Ranked search with filters and facet counts; never lets an FTS syntax error out."""
        q = query.checked()
        with self._lock:
            self._sync()
            plan = plan_query(q.text, self._vocabulary, self._synonyms)
            base = self._store.filter_mask(q.filters)
            matched, scores = self._match(plan, base)
            facet_counts = self._store.counts(matched, q.facets)
            top = self._top(matched, scores, q.offset + q.limit)[q.offset :]
            bodies = self._bodies([rid for rid, _ in top])
        marker = Highlighter(plan.highlight_terms(), plan.highlight_prefixes())
        hits = []
        for rid, score in top:
            doc = bodies[rid]
            summary, description = doc.get("summary", ""), doc.get("description", "")
            text = summary or description
            if description and not marker.matches(summary) and marker.matches(description):
                text = description
            hits.append(
                Hit(
                    id=doc["id"],
                    kind=doc["kind"],
                    title=doc["title"],
                    url=doc.get("url", ""),
                    snippet_html=marker.html(text, SNIPPET_CHARS),
                    title_html=marker.html(doc["title"]),
                    score=score,
                )
            )
        return SearchResults(int(np.count_nonzero(matched)), hits, facet_counts, self.name, False, q.text)

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Titles of the best matches for what is being typed (last word completed as a prefix)."""
        limit = min(max(limit, 0), 20)
        with self._lock:
            self._sync()
            plan = plan_query(prefix, self._vocabulary, self._synonyms)
            if plan.is_empty:
                return []
            matched, scores = self._match(plan, self._store.alive.copy())
            top = self._top(matched, scores, limit)
            bodies = self._bodies([rid for rid, _ in top])
        marker = Highlighter(plan.highlight_terms(), plan.highlight_prefixes())
        return [
            Suggestion(d["id"], d["kind"], d["title"], d.get("url", ""), marker.html(d["title"]))
            for d in (bodies[rid] for rid, _ in top)
        ]

    def stats(self) -> dict[str, object]:
        """Document and word counts and file size."""
        with self._lock:
            self._sync()
            size = Path(self.path).stat().st_size if self.path != ":memory:" else 0
            return {
                "engine": self.name,
                "documents": self._store.count,
                "words": len(self._vocabulary),
                "file_bytes": size,
                "path": self.path,
            }

    def status(self) -> EngineStatus:
        """The embedded engine is available whenever its file opens."""
        return EngineStatus(self.name, True, False, self._store.count, "index SQLite local")

    def close(self) -> None:
        """Close the SQLite connection."""
        with self._lock:
            self._conn.close()
