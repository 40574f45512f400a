"""Project records turned into comparable vectors: tokens, vocabulary, TF-IDF weights, per-record attributes.

Memory matters at a million projects: tokens are kept as ids, and only raw word counts per field
are stored; TF-IDF weights are computed on the fly for the rows being compared.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
import numpy.typing as npt
from scipy import sparse

from hub.dedup.normalise import is_code, is_strong, normalise_identifiers, normalise_organisation, tokens_many

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Int32Array = npt.NDArray[np.int32]

# Summaries beyond this length add little to tell projects apart and cost time on long texts.
SUMMARY_MAX_CHARS = 1500
LEAD_WORDS = 20  # the lead: the first content words of the summary (a blocking key source)
_CHUNK = 20_000  # records tokenised together (one joined string each)
_COUNT_CHUNK = 25_000  # records whose word counts are built together
_CODE_MIN_RARITY = 0.5  # idf / max idf from which a code identifies a product


def _text(record: Mapping[str, object], key: str) -> str:
    value = record.get(key)
    return value if isinstance(value, str) else ""


def _names(record: Mapping[str, object], key: str) -> frozenset[str]:
    value = record.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, set, frozenset)):
        return frozenset()
    return frozenset(n for n in (normalise_organisation(str(v)) for v in value) if n)


@dataclass(frozen=True)
class Tokenised:
    """Records reduced to their content words, field by field, as ids into `words` (first-seen order).

    Token strings are kept once each in `words`: a million project texts hold some 70 million tokens,
    far too many to keep as Python strings.
    """

    ids: list[str]
    words: list[str]
    title_ptr: IntArray  # CSR offsets into title_tokens, one row per record
    title_tokens: Int32Array
    summary_ptr: IntArray
    summary_tokens: Int32Array
    title_strings: list[str]  # normalised title words joined by spaces, for edit distance
    regions: list[str]
    organisations: list[str]
    identifiers: list[frozenset[str]]
    partners: list[frozenset[str]]
    sectors: list[frozenset[str]]

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, object]]) -> Tokenised:
        """Normalise the fields of each record (see normalise.py)."""
        vocab: dict[str, int] = {}
        title_parts: list[tuple[IntArray, Int32Array]] = []
        summary_parts: list[tuple[IntArray, Int32Array]] = []
        title_strings: list[str] = []
        for start in range(0, len(records), _CHUNK):
            chunk = records[start : start + _CHUNK]
            both = tokens_many(
                [_text(r, "title") for r in chunk] + [_text(r, "summary")[:SUMMARY_MAX_CHARS] for r in chunk]
            )
            for word in dict.fromkeys(chain.from_iterable(both)):
                if word not in vocab:
                    vocab[word] = len(vocab)
            title_parts.append(_encode(both[: len(chunk)], vocab))
            summary_parts.append(_encode(both[len(chunk) :], vocab))
            title_strings += [" ".join(t) for t in both[: len(chunk)]]
        title_ptr, title_tokens = _concatenate(title_parts)
        summary_ptr, summary_tokens = _concatenate(summary_parts)
        return cls(
            ids=[str(r.get("id", "")) for r in records],
            words=list(vocab),
            title_ptr=title_ptr,
            title_tokens=title_tokens,
            summary_ptr=summary_ptr,
            summary_tokens=summary_tokens,
            title_strings=title_strings,
            regions=[_text(r, "region").strip().upper() for r in records],
            organisations=[normalise_organisation(o) if (o := _text(r, "organisation")) else "" for r in records],
            identifiers=[normalise_identifiers(_as_list(v)) if (v := r.get("identifiers")) else _NONE for r in records],
            partners=[_names(r, "partners") if r.get("partners") else _NONE for r in records],
            sectors=[_names(r, "sectors") if r.get("sectors") else _NONE for r in records],
        )


def _encode(lists: Sequence[Sequence[str]], vocab: dict[str, int]) -> tuple[IntArray, Int32Array]:
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter(map(vocab.__getitem__, chain.from_iterable(lists)), dtype=np.int32, count=int(lengths.sum()))
    return lengths, flat


def _concatenate(parts: list[tuple[IntArray, Int32Array]]) -> tuple[IntArray, Int32Array]:
    lengths = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    flat: Int32Array = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int32)
    return indptr, flat


_NONE: frozenset[str] = frozenset()


def _as_list(value: object) -> list[object]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(value, key=str)
    return [value]


class Vocabulary:
    """Token -> id in alphabetical order, with document frequencies over title + summary.

    Alphabetical ids make every tie-break that uses ids independent of the order of the records.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.words: list[str] = []
        self.df = np.zeros(0, dtype=np.int64)
        self.n_docs = 0
        self.idf = np.zeros(0, dtype=np.float64)
        self.strong = np.zeros(0, dtype=bool)
        self.code = np.zeros(0, dtype=bool)

    def add(self, words: Sequence[str]) -> None:
        """Set the vocabulary to `words`, numbered alphabetically."""
        self.words = sorted(words)
        self.ids = {w: k for k, w in enumerate(self.words)}

    def remap(self, words: Sequence[str]) -> IntArray:
        """Ids of `words` in this vocabulary (-1 for unknown words)."""
        return np.fromiter(map(self.ids.get, words, repeat(-1)), dtype=np.int64, count=len(words))

    def count(self, documents: sparse.csr_matrix) -> None:
        """Record the document frequencies of `documents` (token counts, one row per document)."""
        self.df = np.bincount(documents.indices, minlength=len(self.words)).astype(np.int64)
        self.n_docs = documents.shape[0]
        self.idf = np.log((1.0 + self.n_docs) / (1.0 + self.df)) + 1.0
        self.strong = np.fromiter((is_strong(w) for w in self.words), dtype=bool, count=len(self.words))
        # Codes found in many records ("mp3", "usb2") identify nothing.
        rare = self.idf >= _CODE_MIN_RARITY * self.max_idf()
        self.code = rare & np.fromiter((is_code(w) for w in self.words), dtype=bool, count=len(self.words))

    def max_idf(self) -> float:
        """The idf of a word seen nowhere else: the top of the rarity scale."""
        return math.log(1.0 + self.n_docs) + 1.0


def counts(
    sources: Sequence[tuple[IntArray, Int32Array]], remap: IntArray, vocab_size: int
) -> tuple[sparse.csr_matrix, FloatArray]:
    """Word counts per document of the token lists in `sources` (CSR offsets and local token ids, added
    together), with local ids turned into vocabulary ids by `remap`; and the number of tokens unknown
    to the vocabulary per document. Built by chunks of documents to bound memory."""
    n = len(sources[0][0]) - 1
    indptr_parts: list[IntArray] = []
    words_parts: list[Int32Array] = []
    count_parts: list[npt.NDArray[np.float32]] = []
    unknown = np.zeros(n, dtype=np.float64)
    for start in range(0, n, _COUNT_CHUNK):
        stop = min(n, start + _COUNT_CHUNK)
        rows_parts, ids_parts = [], []
        for indptr, flat in sources:
            lo, hi = int(indptr[start]), int(indptr[stop])
            ids_parts.append(remap[flat[lo:hi]])
            rows_parts.append(np.repeat(np.arange(stop - start, dtype=np.int64), np.diff(indptr[start : stop + 1])))
        ids, rows = np.concatenate(ids_parts), np.concatenate(rows_parts)
        known = ids >= 0
        unknown[start:stop] = np.bincount(rows[~known], minlength=stop - start)
        # One sort of packed (row | word) integers groups each document's words; equal neighbours are counted.
        packed = np.sort((rows[known] << 32) | ids[known])
        first = np.ones(len(packed), dtype=bool)
        first[1:] = packed[1:] != packed[:-1]
        starts = np.flatnonzero(first)
        distinct = packed[starts]
        indptr_parts.append(np.bincount(distinct >> 32, minlength=stop - start))
        words_parts.append((distinct & 0xFFFFFFFF).astype(np.int32))
        count_parts.append(np.diff(np.append(starts, len(packed))).astype(np.float32))
    lengths = np.concatenate(indptr_parts) if indptr_parts else np.zeros(0, dtype=np.int64)
    indptr_all = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr_all[1:])
    data = np.concatenate(count_parts) if count_parts else np.zeros(0, dtype=np.float32)
    indices = np.concatenate(words_parts) if words_parts else np.zeros(0, dtype=np.int32)
    return sparse.csr_matrix((data, indices, indptr_all), shape=(n, vocab_size)), unknown


def _norms(count: sparse.csr_matrix, unknown: FloatArray, idf: FloatArray, max_idf: float) -> FloatArray:
    """L2 norms of the TF-IDF rows; tokens unknown to the index make a query longer, as unseen words."""
    squares = ((1.0 + np.log(count.data)) * idf[count.indices].astype(np.float32)) ** 2
    squares = np.add.reduceat(np.append(squares, np.float32(0)), count.indptr[:-1], dtype=np.float64)
    squares *= np.diff(count.indptr) > 0
    norms: FloatArray = np.sqrt(squares + unknown * max_idf**2)
    norms[norms == 0] = 1.0
    return norms


def weighted(count: sparse.csr_matrix, norms: FloatArray, idf: FloatArray) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows (sublinear term frequency) from word counts and the rows' norms."""
    out = count.copy()
    row_norms = np.repeat(norms, np.diff(out.indptr))
    out.data = ((1.0 + np.log(out.data)) * idf[out.indices] / row_norms).astype(np.float32)
    return out


@dataclass(frozen=True)
class RecordTable:
    """Records as word counts and plain attributes, ready for pair features; rows align with `ids`."""

    ids: list[str]
    title_counts: sparse.csr_matrix  # known words of the title
    summary_counts: sparse.csr_matrix  # known words of the summary
    title_norms: FloatArray  # TF-IDF norms of title, summary and title + summary
    summary_norms: FloatArray
    text_norms: FloatArray
    code_counts: IntArray  # number of distinct uncommon codes in title + summary
    title_strings: list[str]
    region_codes: IntArray
    organisations: list[str]
    identifiers: list[frozenset[str]]
    partners: list[frozenset[str]]
    sectors: list[frozenset[str]]
    has_title: BoolArray
    has_summary: BoolArray
    has_extra: BoolArray  # organisation, identifiers, partners or sectors given

    def text_counts(self, rows: IntArray) -> sparse.csr_matrix:
        """Word counts of title + summary for `rows`."""
        return sparse.csr_matrix(self.title_counts[rows] + self.summary_counts[rows])

    def words_of(self, row: int) -> IntArray:
        """The distinct known words of one record, sorted."""
        t, s = self.title_counts, self.summary_counts
        return np.union1d(t.indices[t.indptr[row] : t.indptr[row + 1]], s.indices[s.indptr[row] : s.indptr[row + 1]])

    @classmethod
    def build(
        cls, tok: Tokenised, vocab: Vocabulary, regions: dict[str, int], *, grow: bool
    ) -> tuple[RecordTable, sparse.csr_matrix, sparse.csr_matrix]:
        """Encode tokenised records with `vocab` (set and counted when `grow`, i.e. for an index).

        Also returns, for blocking only, the word counts of title + summary and of the summary's lead.
        """
        if grow:
            vocab.add(tok.words)
        remap = vocab.remap(tok.words)
        title, summary = (tok.title_ptr, tok.title_tokens), (tok.summary_ptr, tok.summary_tokens)
        size = len(vocab.words)
        t_count, t_unknown = counts([title], remap, size)
        s_count, s_unknown = counts([summary], remap, size)
        x_count, _ = counts([title, summary], remap, size)
        if grow:
            vocab.count(x_count)
            for name in sorted(set(tok.regions) - {""}):
                regions.setdefault(name, len(regions))
        idf, max_idf = vocab.idf, vocab.max_idf()
        extra = [
            bool(o or i or p or s)
            for o, i, p, s in zip(tok.organisations, tok.identifiers, tok.partners, tok.sectors, strict=True)
        ]
        code_rows = np.searchsorted(x_count.indptr, np.flatnonzero(vocab.code[x_count.indices]), side="right") - 1
        code_counts = np.bincount(code_rows, minlength=len(tok.ids))
        table = cls(
            ids=tok.ids,
            title_counts=t_count,
            summary_counts=s_count,
            title_norms=_norms(t_count, t_unknown, idf, max_idf),
            summary_norms=_norms(s_count, s_unknown, idf, max_idf),
            text_norms=_norms(x_count, t_unknown + s_unknown, idf, max_idf),
            code_counts=code_counts,
            title_strings=tok.title_strings,
            region_codes=np.array([regions.get(r, -2) if r else -1 for r in tok.regions], dtype=np.int64),
            organisations=tok.organisations,
            identifiers=tok.identifiers,
            partners=tok.partners,
            sectors=tok.sectors,
            has_title=np.diff(tok.title_ptr) > 0,
            has_summary=np.diff(tok.summary_ptr) > 0,
            has_extra=np.array(extra, dtype=bool),
        )
        return table, x_count, counts([_lead(*summary, LEAD_WORDS)], remap, size)[0]


def _lead(indptr: IntArray, flat: Int32Array, n_words: int) -> tuple[IntArray, Int32Array]:
    """The first `n_words` tokens of each encoded document."""
    lengths = np.minimum(np.diff(indptr), n_words)
    position = np.arange(len(flat)) - np.repeat(indptr[:-1], np.diff(indptr))
    new_indptr = np.zeros_like(indptr)
    np.cumsum(lengths, out=new_indptr[1:])
    return new_indptr, flat[position < n_words]
