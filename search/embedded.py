"""The embedded engine (default, no server): SQLite FTS5 word lookup in its own file; ranking and facets in numpy.

Each text field has its own contentless FTS5 table with detail=none and no column sizes: the smallest, fastest
index, since it only answers "which documents hold this word in this field"; SQLite folds case and accents while
tokenizing. Ranking is then done in numpy, the way Meilisearch ranks (words matched, typos, field, exactness)
rather than BM25: per word group, the best way it matched in each field, weighted by field (title > summary >
description) and by word rarity. The documents holding a word are cached (LRU), so frequent words are read once.
A rebuild writes a new file and swaps a pointer to it (see search/generations.py).
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

import numpy as np
import numpy.typing as npt

from search.documents import TEXT_FIELDS, SearchDocument, facet_values, normalize_document
from search.engine import EngineStatus, Hit, Progress, SearchQuery, SearchResults, Suggestion
from search.facets import BoolArray, FacetRow, FacetStore
from search.generations import new_data_file, pointer_state, publish, read_pointer, remove_data_file
from search.query import Alternative, QueryPlan, WordGroup, plan_query
from search.rowcache import RowidCache, RowIds
from search.synonyms import Synonyms, default_synonyms
from search.text import Highlighter, fold, index_text, tokens
from search.vocabulary import Vocabulary

log = logging.getLogger(__name__)

# SQL below interpolates only table names taken from COLUMNS (constants) and "?" placeholders (S608 noqa).

# Field weights: a word in the title says more about the document than one in its long description.
COLUMNS: tuple[tuple[str, float], ...] = (("title", 10.0), ("summary", 3.0), ("description", 1.0))
TITLE_ONLY: tuple[tuple[str, float], ...] = COLUMNS[:1]
SNIPPET_CHARS = 240
BATCH = 5_000
# As-you-type suggestions complete the last word with its most frequent title words only: a two-letter prefix
# would otherwise expand to dozens of words, and the few best are what a person picks from anyway.
SUGGEST_COMPLETIONS = 8

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS doc (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, "
    "title TEXT NOT NULL, summary TEXT NOT NULL, description TEXT NOT NULL, url TEXT NOT NULL, facets TEXT NOT NULL)",
    *(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS fts_{col} USING fts5(t, content='', detail=none, columnsize=0, "
        "tokenize='unicode61 remove_diacritics 2')"
        for col, _ in COLUMNS
    ),
    *(f"CREATE VIRTUAL TABLE IF NOT EXISTS vocab_{col} USING fts5vocab(fts_{col}, 'row')" for col, _ in COLUMNS),
]
_DOC_COLUMNS = "rid, id, kind, title, summary, description, url"


def _open(path: str, *, create: bool) -> sqlite3.Connection:
    """A connection to a data file; without `create`, a missing file raises instead of appearing empty."""
    if path == ":memory:":
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    else:
        uri = f"file:{quote(path)}?mode={'rwc' if create else 'rw'}"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        if not create:
            conn.execute("PRAGMA journal_mode=WAL")  # readers in other processes keep reading during writes
            conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA secure_delete=OFF")  # the index holds nothing secret; zeroing freed pages only costs
    for statement in _SCHEMA:
        conn.execute(statement)
    return conn


def _facet_row(rid: int, title: str, facets: Mapping[str, Sequence[str]]) -> FacetRow:
    key = fold(title)  # words counted by spaces: a tie-breaker, not worth a regex per document in bulk builds
    return FacetRow(rid, facets, key, len(key.split()))


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _alternative_expr(alt: Alternative) -> str:
    if len(alt.words) == 1:
        return _quote(alt.words[0])
    return "(" + " AND ".join(_quote(w) for w in alt.words) + ")"


class _BatchWriter:
    """The inserts of a bulk build, in one transaction (a writer thread was measured: no gain on 2 busy cores)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        conn.execute("BEGIN")

    def put(self, doc_rows: Sequence[tuple[object, ...]], fts_rows: Sequence[list[tuple[int, str]]]) -> None:
        """Insert one batch of documents and their words."""
        self._conn.executemany(
            "INSERT INTO doc (rid, id, kind, title, summary, description, url, facets) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            doc_rows,
        )
        for (col, _), rows in zip(COLUMNS, fts_rows, strict=True):
            self._conn.executemany(f"INSERT INTO fts_{col} (rowid, t) VALUES (?, ?)", rows)  # noqa: S608

    def finish(self) -> None:
        """Commit everything inserted."""
        self._conn.execute("COMMIT")


class EmbeddedEngine:
    """Search index in SQLite files beside `path` (or ":memory:"); safe to share between threads of one process."""

    name = "embedded"

    def __init__(self, path: str | os.PathLike[str], synonyms: Synonyms | None = None) -> None:
        self.path = str(path)
        self._memory = self.path == ":memory:"
        self._pointer = Path(self.path)
        self._synonyms = synonyms or default_synonyms()
        self._lock = threading.RLock()
        self._cache = RowidCache()
        self._data_file: Path | None = None
        self._pointer_seen: tuple[int, int, int] | None = None
        self._conn: sqlite3.Connection | None = None
        self._attach()

    # -- state -------------------------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """The open connection to the current data file."""
        assert self._conn is not None  # set in __init__, only replaced afterwards
        return self._conn

    def _attach(self) -> None:
        """Open the data file the pointer names (creating an empty index when there is none yet)."""
        if self._memory:
            self._switch(_open(":memory:", create=True), None, None)
            return
        for _ in range(20):  # the pointer may move between reading it and opening the file: read it again
            state = pointer_state(self._pointer)
            target = read_pointer(self._pointer)
            if target is None:
                target = new_data_file(self._pointer)
                _open(str(target), create=True).close()
                _open(str(target), create=False).close()  # switches the empty file to WAL before anyone reads it
                publish(self._pointer, target)
                for leftover in (f"{self.path}-wal", f"{self.path}-shm"):  # of a pre-pointer index file
                    Path(leftover).unlink(missing_ok=True)
                continue
            try:
                conn = _open(str(target), create=False)
            except sqlite3.OperationalError:
                continue
            self._switch(conn, target, state)
            return
        raise RuntimeError(f"search index pointer {self.path} keeps changing")

    def _switch(
        self,
        conn: sqlite3.Connection,
        data_file: Path | None,
        state: tuple[int, int, int] | None,
        loaded: tuple[FacetStore, Vocabulary, Vocabulary] | None = None,
    ) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn, self._data_file, self._pointer_seen = conn, data_file, state
        self._load(loaded)

    def _load(self, loaded: tuple[FacetStore, Vocabulary, Vocabulary] | None = None) -> None:
        """(Re)read facets and vocabulary from the file, e.g. after another process wrote to it."""
        if loaded is None:
            store = FacetStore()
            rows = [
                _facet_row(rid, title, json.loads(facets))
                for rid, title, facets in self.conn.execute("SELECT rid, title, facets FROM doc")
            ]
            store.apply((), rows)
            loaded = (store, *self._read_vocabularies(self.conn))
        self._store, self._vocabulary, self._title_vocabulary = loaded
        self._cache.clear()
        self._data_version = self.conn.execute("PRAGMA data_version").fetchone()[0]

    @staticmethod
    def _read_vocabularies(conn: sqlite3.Connection) -> tuple[Vocabulary, Vocabulary]:
        """All indexed words (document counts summed over fields), and the title words alone (for suggestions)."""
        per_column = {col: conn.execute(f"SELECT term, doc FROM vocab_{col}").fetchall() for col, _ in COLUMNS}  # noqa: S608
        return Vocabulary(pair for rows in per_column.values() for pair in rows), Vocabulary(per_column["title"])

    def _sync(self) -> None:
        """Follow a rebuild swapped in by anyone, and rows written by another connection since we last looked."""
        if not self._memory:
            state = pointer_state(self._pointer)
            if state != self._pointer_seen:
                if read_pointer(self._pointer) != self._data_file:
                    self._attach()
                    return
                self._pointer_seen = state
        if self.conn.execute("PRAGMA data_version").fetchone()[0] != self._data_version:
            self._load()

    # -- writing -----------------------------------------------------------------------------------

    def upsert(self, docs: Iterable[Mapping[str, object]]) -> int:
        """Add or replace documents by id in one transaction."""
        clean = {d["id"]: d for d in (normalize_document(raw) for raw in docs)}
        if not clean:
            return 0
        with self._lock:
            self._sync()
            cur = self.conn.cursor()
            added: list[FacetRow] = []
            cur.execute("BEGIN IMMEDIATE")
            try:
                for doc in clean.values():
                    old = cur.execute("SELECT rid, title, summary, description FROM doc WHERE id = ?", (doc["id"],))
                    found = old.fetchone()
                    facets = facet_values(doc)
                    row = (
                        doc["kind"],
                        doc["title"],
                        doc.get("summary", ""),
                        doc.get("description", ""),
                        doc.get("url", ""),
                        json.dumps(facets),
                    )
                    if found:
                        rid = int(found[0])
                        self._fts_write(cur, "delete", rid, found[1:])
                        cur.execute(
                            "UPDATE doc SET kind = ?, title = ?, summary = ?, description = ?, url = ?, facets = ? "
                            "WHERE rid = ?",
                            (*row, rid),
                        )
                    else:
                        cur.execute(
                            "INSERT INTO doc (id, kind, title, summary, description, url, facets) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (doc["id"], *row),
                        )
                        rid = int(cur.lastrowid or 0)
                    self._fts_write(cur, "insert", rid, row[1:4])
                    added.append(_facet_row(rid, doc["title"], facets))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            self._store.apply((), added)
            # Re-reading the vocabulary walks the whole index: only worth it when a word is new.
            words = {w for d in clean.values() for f in TEXT_FIELDS for w in tokens(str(d.get(f) or ""))}
            if words - self._vocabulary.doc_counts.keys():
                self._vocabulary, self._title_vocabulary = self._read_vocabularies(self.conn)
            self._cache.clear()
            self._data_version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        return len(clean)

    @staticmethod
    def _fts_write(cur: sqlite3.Cursor, action: str, rid: int, fields: Sequence[str]) -> None:
        for (col, _), text in zip(COLUMNS, fields, strict=True):
            if not text:
                continue
            if action == "delete":  # contentless tables forget a row only when given its indexed text back
                cur.execute(
                    f"INSERT INTO fts_{col} (fts_{col}, rowid, t) VALUES ('delete', ?, ?)",  # noqa: S608
                    (rid, index_text(text)),
                )
            else:
                cur.execute(f"INSERT INTO fts_{col} (rowid, t) VALUES (?, ?)", (rid, index_text(text)))  # noqa: S608

    def delete(self, ids: Iterable[str]) -> int:
        """Remove documents by id; unknown ids are ignored."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return 0
        with self._lock:
            self._sync()
            cur = self.conn.cursor()
            removed: list[int] = []
            cur.execute("BEGIN IMMEDIATE")
            try:
                for doc_id in wanted:
                    old = cur.execute("SELECT rid, title, summary, description FROM doc WHERE id = ?", (doc_id,))
                    found = old.fetchone()
                    if found:
                        self._fts_write(cur, "delete", int(found[0]), found[1:])
                        cur.execute("DELETE FROM doc WHERE rid = ?", (found[0],))
                        removed.append(int(found[0]))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            self._store.apply(removed, ())
            self._cache.clear()
            self._data_version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        return len(wanted)

    def rebuild(self, docs: Iterable[Mapping[str, object]], progress: Progress | None = None) -> int:
        """Build a complete index in a new file, then point readers at it atomically and drop the old file."""
        target = None if self._memory else new_data_file(self._pointer)
        conn = _open(":memory:" if target is None else str(target), create=True)
        try:
            conn.execute("PRAGMA journal_mode=OFF")  # a half-built file is thrown away anyway
            conn.execute("PRAGMA synchronous=OFF")
            count, store = self._bulk_build(conn, docs, progress)
            loaded = (store, *self._read_vocabularies(conn))
            if target is not None:
                conn.close()
                _open(str(target), create=False).close()  # WAL from now on, before any reader opens it
        except BaseException:
            conn.close()
            if target is not None:
                remove_data_file(target)
            raise
        with self._lock:
            old = self._data_file
            if target is None:
                self._switch(conn, None, None, loaded)
            else:
                publish(self._pointer, target)
                self._switch(_open(str(target), create=False), target, pointer_state(self._pointer), loaded)
                if old is not None and old != target:
                    remove_data_file(old)  # other processes keep their open handle until they follow the pointer
        log.info("search index rebuilt: %d documents", count)
        return count

    def _bulk_build(
        self, conn: sqlite3.Connection, docs: Iterable[Mapping[str, object]], progress: Progress | None
    ) -> tuple[int, FacetStore]:
        """Insert every document in one transaction, in batches; SQLite folds and tokenizes the text."""
        count = 0
        store = FacetStore()
        batch: list[SearchDocument] = []
        seen: set[str] = set()
        writer = _BatchWriter(conn)
        for raw in docs:
            doc = normalize_document(raw)
            if doc["id"] in seen:
                continue
            seen.add(doc["id"])
            batch.append(doc)
            if len(batch) >= BATCH:
                count = self._prepare(writer, batch, count, store)
                batch = []
                if progress:
                    progress(count)
        count = self._prepare(writer, batch, count, store)
        writer.finish()
        for col, _ in COLUMNS:
            conn.execute(f"INSERT INTO fts_{col} (fts_{col}) VALUES ('optimize')")  # noqa: S608
        if progress:
            progress(count)
        return count, store

    @staticmethod
    def _prepare(writer: _BatchWriter, batch: list[SearchDocument], start: int, store: FacetStore) -> int:
        rids = range(start + 1, start + 1 + len(batch))
        facets = [facet_values(d) for d in batch]
        store.apply((), [_facet_row(rid, d["title"], f) for rid, d, f in zip(rids, batch, facets, strict=True)])
        doc_rows = [
            (
                rid,
                d["id"],
                d["kind"],
                d["title"],
                d.get("summary", ""),
                d.get("description", ""),
                d.get("url", ""),
                json.dumps(f),
            )
            for rid, d, f in zip(rids, batch, facets, strict=True)
        ]
        fts_rows = [
            [(rid, index_text(text)) for rid, d in zip(rids, batch, strict=True) if (text := str(d.get(col) or ""))]
            for col, _ in COLUMNS
        ]
        writer.put(doc_rows, fts_rows)
        return start + len(batch)

    # -- reading -----------------------------------------------------------------------------------

    def _rowids(self, column: str, expr: str) -> RowIds:
        """Documents whose `column` matches an FTS expression (cached until the index changes)."""
        key = (column, expr)
        found = self._cache.get(key)
        if found is None:
            cur = self.conn.cursor()
            cur.row_factory = lambda _c, row: row[0]
            rows = cur.execute(f"SELECT rowid FROM fts_{column} WHERE fts_{column} MATCH ?", (expr,)).fetchall()  # noqa: S608
            found = np.fromiter(rows, dtype=np.int32, count=len(rows))
            self._cache.put(key, found)
        return found

    def _group_scores(
        self, group: WordGroup, size: int, vocabulary: Vocabulary, columns: tuple[tuple[str, float], ...]
    ) -> npt.NDArray[np.float32]:
        """Per document: sum over fields of field weight x best way the group matched there (0 = absent)."""
        total = np.zeros(size, dtype=np.float32)
        levels = sorted({a.weight for a in group.alternatives})
        known = [a for a in group.alternatives if all(vocabulary.count(w) for w in a.words)]
        column = np.zeros(size, dtype=np.float32)
        for col, col_weight in columns:
            column.fill(0)
            for weight in levels:  # ascending, so a better match overwrites a weaker one
                exprs = [_alternative_expr(a) for a in known if a.weight == weight]
                if exprs:
                    ids = self._rowids(col, " OR ".join(exprs))
                    column[ids[ids < size]] = weight
            total += col_weight * column
        return total

    def _match(
        self,
        plan: QueryPlan,
        base: BoolArray,
        vocabulary: Vocabulary | None = None,
        columns: tuple[tuple[str, float], ...] = COLUMNS,
    ) -> tuple[BoolArray, npt.NDArray[np.float32] | None]:
        """Documents matching every word group (dropping last words while nothing matches), with scores."""
        if plan.is_empty:
            return base, None
        size = base.shape[0]
        live = max(self._store.count, 1)
        vocabulary = vocabulary or self._vocabulary
        scores = [self._group_scores(g, size, vocabulary, columns) for g in plan.groups]
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
        rows = self.conn.execute(f"SELECT {_DOC_COLUMNS} FROM doc WHERE rid IN ({marks})", rids).fetchall()  # noqa: S608
        return {
            int(rid): {"id": i, "kind": k, "title": t, "summary": s, "description": d, "url": u}
            for rid, i, k, t, s, d, u in rows
        }

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
        """Titles of the best matches for what is being typed (last word completed with frequent title words)."""
        limit = min(max(limit, 0), 20)
        with self._lock:
            self._sync()
            vocabulary = self._title_vocabulary
            plan = plan_query(prefix, vocabulary, self._synonyms, completions=SUGGEST_COMPLETIONS)
            if plan.is_empty:
                return []
            matched, scores = self._match(plan, self._store.alive, vocabulary, TITLE_ONLY)
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
            size = self._data_file.stat().st_size if self._data_file is not None else 0
            return {
                "engine": self.name,
                "documents": self._store.count,
                "words": len(self._vocabulary),
                "file_bytes": size,
                "path": str(self._data_file or self.path),
            }

    def status(self) -> EngineStatus:
        """The embedded engine is available whenever its file opens."""
        return EngineStatus(self.name, True, False, self._store.count, "index SQLite local")

    def clear_cache(self) -> None:
        """Forget the cached word lookups (benchmarks measure cold queries with it)."""
        with self._lock:
            self._cache.clear()

    def close(self) -> None:
        """Close the SQLite connection."""
        with self._lock:
            self.conn.close()
