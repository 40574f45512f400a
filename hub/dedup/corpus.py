"""Project records turned into comparable vectors: tokens, vocabulary, TF-IDF weights, per-record attributes.

Memory matters at a million projects: tokens are kept as ids, and only raw word counts per field
are stored; TF-IDF weights are computed on the fly for the rows being compared.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
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

# Summaries beyond this length add little to tell projects apart and cost time on long texts
# (on i-Lab, 1,000 characters score as well as 1,500; 600 lose 0.02 F1).
SUMMARY_MAX_CHARS = 1000
LEAD_WORDS = 20  # the lead: the first content words of the summary (a blocking key source)
_CHUNK = 20_000  # records tokenised together (one joined string each)
_COUNT_CHUNK = 25_000  # records whose word counts are built together
_TEXT_CHUNK = 50_000  # records whose title + summary counts are summed together
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
        vocab = _FirstSeen()
        title_parts: list[tuple[IntArray, Int32Array]] = []
        summary_parts: list[tuple[IntArray, Int32Array]] = []
        title_strings: list[str] = []
        for start in range(0, len(records), _CHUNK):
            chunk = records[start : start + _CHUNK]
            both = tokens_many(
                [_text(r, "title") for r in chunk] + [_text(r, "summary")[:SUMMARY_MAX_CHARS] for r in chunk]
            )
            title_parts.append(_encode(both[: len(chunk)], vocab))
            summary_parts.append(_encode(both[len(chunk) :], vocab))
            title_strings += [" ".join(t) for t in both[: len(chunk)]]
        title_ptr, title_tokens = _concatenate(title_parts)
        summary_ptr, summary_tokens = _concatenate(summary_parts)
        return cls(
            ids=["" if r.get("id") is None else str(r.get("id")) for r in records],
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


class _FirstSeen(dict[str, int]):
    """Word -> id, numbering new words as they come (looked up from C, so a miss is the only slow case)."""

    def __missing__(self, word: str) -> int:
        self[word] = len(self)
        return len(self) - 1


def _encode(lists: Sequence[Sequence[str]], vocab: _FirstSeen) -> tuple[IntArray, Int32Array]:
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

    def count(self, df: IntArray, n_docs: int) -> None:
        """Record the document frequencies of the words (`df`, over `n_docs` title + summary texts)."""
        self.df = df
        self.n_docs = n_docs
        self.idf = np.log((1.0 + self.n_docs) / (1.0 + self.df)) + 1.0
        self.strong = np.fromiter((is_strong(w) for w in self.words), dtype=bool, count=len(self.words))
        # Codes found in many records ("mp3", "usb2") identify nothing.
        rare = self.idf >= _CODE_MIN_RARITY * self.max_idf()
        self.code = rare & np.fromiter((is_code(w) for w in self.words), dtype=bool, count=len(self.words))

    def max_idf(self) -> float:
        """The idf of a word seen nowhere else: the top of the rarity scale."""
        return math.log(1.0 + self.n_docs) + 1.0


def counts(
    sources: Sequence[tuple[IntArray, Int32Array]], remap: IntArray, vocab_size: int, *, keep_first: int | None = None
) -> tuple[sparse.csr_matrix, FloatArray]:
    """Word counts per document of the token lists in `sources` (CSR offsets and local token ids, added
    together; only the `keep_first` tokens of each document when given), with local ids turned into
    vocabulary ids by `remap`; and the number of tokens unknown to the vocabulary per document.
    Built by chunks of documents to bound memory."""
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
            lengths = np.diff(indptr[start : stop + 1])
            rows = np.repeat(np.arange(stop - start, dtype=np.int64), lengths)
            ids = remap[flat[lo:hi]]
            if keep_first is not None:
                position = np.arange(hi - lo) - np.repeat(indptr[start:stop] - lo, lengths)
                rows, ids = rows[position < keep_first], ids[position < keep_first]
            ids_parts.append(ids)
            rows_parts.append(rows)
        ids, rows = np.concatenate(ids_parts), np.concatenate(rows_parts)
        known = ids >= 0
        unknown[start:stop] = np.bincount(rows[~known], minlength=stop - start)
        # scipy groups by row in linear time and sums repeated words with small per-row sorts.
        chunk = sparse.csr_matrix(
            (np.ones(int(known.sum()), dtype=np.float32), (rows[known], ids[known])), shape=(stop - start, vocab_size)
        )
        chunk.sum_duplicates()
        indptr_parts.append(np.diff(chunk.indptr).astype(np.int64))
        words_parts.append(chunk.indices.astype(np.int32))
        count_parts.append(chunk.data)
    lengths = np.concatenate(indptr_parts) if indptr_parts else np.zeros(0, dtype=np.int64)
    indptr_all = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr_all[1:])
    data = np.concatenate(count_parts) if count_parts else np.zeros(0, dtype=np.float32)
    indices = np.concatenate(words_parts) if words_parts else np.zeros(0, dtype=np.int32)
    return sparse.csr_matrix((data, indices, indptr_all), shape=(n, vocab_size)), unknown


def _norms(count: sparse.csr_matrix, unknown: FloatArray, idf: FloatArray, max_idf: float) -> FloatArray:
    """L2 norms of the TF-IDF rows; tokens unknown to the index make a query longer, as unseen words."""
    squares = np.zeros(count.shape[0], dtype=np.float64)
    idf32 = idf.astype(np.float32)
    for start in range(0, count.shape[0], _TEXT_CHUNK):  # by chunks: temporaries as big as the data add up
        chunk = count[start : start + _TEXT_CHUNK]
        weights = ((1.0 + np.log(chunk.data)) * idf32[chunk.indices]) ** 2
        rows = np.repeat(np.arange(chunk.shape[0]), np.diff(chunk.indptr))
        squares[start : start + chunk.shape[0]] = np.bincount(rows, weights=weights, minlength=chunk.shape[0])
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

    def text_chunks(self) -> Iterator[tuple[int, sparse.csr_matrix]]:
        """Word counts of title + summary, by chunks of consecutive rows (first row, counts)."""
        yield from text_chunks(self.title_counts, self.summary_counts)

    def words_of(self, row: int) -> IntArray:
        """The known words of one record (title then summary; a word may appear twice)."""
        t, s = self.title_counts, self.summary_counts
        return np.concatenate(
            (t.indices[t.indptr[row] : t.indptr[row + 1]], s.indices[s.indptr[row] : s.indptr[row + 1]])
        )

    @classmethod
    def build(
        cls, tok: Tokenised, vocab: Vocabulary, regions: dict[str, int], *, grow: bool
    ) -> tuple[RecordTable, sparse.csr_matrix]:
        """Encode tokenised records with `vocab` (set and counted when `grow`, i.e. for an index).

        Also returns, for blocking only, the word counts of the lead of each summary.
        """
        if grow:
            vocab.add(tok.words)
        remap = vocab.remap(tok.words)
        title, summary = (tok.title_ptr, tok.title_tokens), (tok.summary_ptr, tok.summary_tokens)
        size = len(vocab.words)
        t_count, t_unknown = counts([title], remap, size)
        s_count, s_unknown = counts([summary], remap, size)
        if grow:
            df = np.zeros(size, dtype=np.int64)
            for _, chunk in text_chunks(t_count, s_count):
                df += np.bincount(chunk.indices, minlength=size)
            vocab.count(df, len(tok.ids))
            for name in sorted(set(tok.regions) - {""}):
                regions.setdefault(name, len(regions))
        idf, max_idf = vocab.idf, vocab.max_idf()
        # Title + summary counts are never stored whole (as big as both fields): norms and codes by chunks.
        text_norms, code_counts = [], []
        for start, chunk in text_chunks(t_count, s_count):
            stop = start + chunk.shape[0]
            text_norms.append(_norms(chunk, t_unknown[start:stop] + s_unknown[start:stop], idf, max_idf))
            code_rows = np.searchsorted(chunk.indptr, np.flatnonzero(vocab.code[chunk.indices]), side="right") - 1
            code_counts.append(np.bincount(code_rows, minlength=chunk.shape[0]))
        extra = [
            bool(o or i or p or s)
            for o, i, p, s in zip(tok.organisations, tok.identifiers, tok.partners, tok.sectors, strict=True)
        ]
        table = cls(
            ids=tok.ids,
            title_counts=t_count,
            summary_counts=s_count,
            title_norms=_norms(t_count, t_unknown, idf, max_idf),
            summary_norms=_norms(s_count, s_unknown, idf, max_idf),
            text_norms=np.concatenate(text_norms) if text_norms else np.zeros(0),
            code_counts=np.concatenate(code_counts) if code_counts else np.zeros(0, dtype=np.int64),
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
        return table, counts([summary], remap, size, keep_first=LEAD_WORDS)[0]


def text_chunks(title: sparse.csr_matrix, summary: sparse.csr_matrix) -> Iterator[tuple[int, sparse.csr_matrix]]:
    """Word counts of title + summary by chunks of consecutive rows: (first row, counts)."""
    for start in range(0, title.shape[0], _TEXT_CHUNK):
        yield start, sparse.csr_matrix(title[start : start + _TEXT_CHUNK] + summary[start : start + _TEXT_CHUNK])
