"""In-memory facet columns (numpy) for filtering and counting over a set of matching documents."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from search.documents import FACET_FIELDS

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class FacetRow:
    """What the facet store keeps of one document."""

    rowid: int
    values: Mapping[str, Sequence[str]]
    sort_key: str  # folded title, for browsing without query text
    title_words: int


class FacetStore:
    """Per-facet (document, value) pairs as int32 arrays, indexed by SQLite rowid.

    Counting a facet over a match set is then one gather and one bincount, O(pairs), with no SQL.
    """

    def __init__(self) -> None:
        self.alive: BoolArray = np.zeros(0, dtype=bool)
        self.title_words = np.zeros(0, dtype=np.int16)
        self._sort_keys: list[str] = []
        self._order_rank: npt.NDArray[np.int64] | None = None
        self._values: dict[str, list[str]] = {f: [] for f in FACET_FIELDS}
        self._codes: dict[str, dict[str, int]] = {f: {} for f in FACET_FIELDS}
        self._docs: dict[str, npt.NDArray[np.int32]] = {f: np.zeros(0, np.int32) for f in FACET_FIELDS}
        self._vals: dict[str, npt.NDArray[np.int32]] = {f: np.zeros(0, np.int32) for f in FACET_FIELDS}

    @property
    def capacity(self) -> int:
        """One past the highest rowid held."""
        return int(self.alive.shape[0])

    @property
    def count(self) -> int:
        """Live documents."""
        return int(np.count_nonzero(self.alive))

    def _grow(self, size: int) -> None:
        if size <= self.capacity:
            return
        size = max(size, int(self.capacity * 1.25) + 16)
        extra = size - self.capacity
        self.alive = np.concatenate([self.alive, np.zeros(extra, dtype=bool)])
        self.title_words = np.concatenate([self.title_words, np.zeros(extra, dtype=np.int16)])
        self._sort_keys.extend([""] * extra)

    def apply(self, removed: Iterable[int], added: Sequence[FacetRow]) -> None:
        """Drop documents by rowid and (re)insert others; a replaced document appears in both."""
        gone = np.fromiter([*removed, *(r.rowid for r in added)], dtype=np.int64)
        if added:
            self._grow(max(r.rowid for r in added) + 1)
        if gone.size and self.capacity:
            gone = gone[gone < self.capacity]
            self.alive[gone] = False
            for facet in FACET_FIELDS:
                if self._docs[facet].size:
                    keep = ~np.isin(self._docs[facet], gone)
                    self._docs[facet] = self._docs[facet][keep]
                    self._vals[facet] = self._vals[facet][keep]
        for facet in FACET_FIELDS:
            codes, values = self._codes[facet], self._values[facet]
            new_docs: list[int] = []
            new_vals: list[int] = []
            for row in added:
                for value in row.values.get(facet, ()):
                    code = codes.get(value)
                    if code is None:
                        code = codes[value] = len(values)
                        values.append(value)
                    new_docs.append(row.rowid)
                    new_vals.append(code)
            if new_docs:
                self._docs[facet] = np.concatenate([self._docs[facet], np.array(new_docs, dtype=np.int32)])
                self._vals[facet] = np.concatenate([self._vals[facet], np.array(new_vals, dtype=np.int32)])
        for row in added:
            self.alive[row.rowid] = True
            self.title_words[row.rowid] = min(row.title_words, 32000)
            self._sort_keys[row.rowid] = row.sort_key
        self._order_rank = None

    def filter_mask(self, filters: Mapping[str, Sequence[str]]) -> BoolArray:
        """Live documents passing every filter (any of the listed values within one facet)."""
        mask = self.alive.copy()
        for facet, wanted in filters.items():
            codes = [self._codes[facet][v] for v in wanted if v in self._codes[facet]]
            hit = np.zeros(self.capacity, dtype=bool)
            if codes:
                docs = self._docs[facet]
                hit[docs[np.isin(self._vals[facet], codes)]] = True
            mask &= hit
        return mask

    def counts(self, mask: BoolArray, facets: Iterable[str]) -> dict[str, dict[str, int]]:
        """How many documents in `mask` hold each value of each facet, most frequent first."""
        out: dict[str, dict[str, int]] = {}
        for facet in facets:
            docs, vals, values = self._docs[facet], self._vals[facet], self._values[facet]
            tally = np.bincount(vals[mask[docs]], minlength=len(values)) if docs.size else np.zeros(0, np.int64)
            nonzero = np.flatnonzero(tally)
            ranked = nonzero[np.lexsort((nonzero, -tally[nonzero]))]
            out[facet] = {values[i]: int(tally[i]) for i in ranked}
        return out

    def browse_order(self, rows: npt.NDArray[np.int64], first: int) -> npt.NDArray[np.int64]:
        """The `first` of the given rowids in alphabetical order of title (for searches without text)."""
        if self._order_rank is None:
            keys = np.array(self._sort_keys, dtype=object)
            order = np.argsort(keys, kind="stable")
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            self._order_rank = rank
        ranks = self._order_rank[rows]
        if first < len(rows):
            keep = np.argpartition(ranks, first)[:first]
            rows, ranks = rows[keep], ranks[keep]
        return rows[np.argsort(ranks, kind="stable")]
