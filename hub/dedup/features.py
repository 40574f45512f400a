"""Project records turned into comparable vectors (TF-IDF) and pair features for duplicate scoring."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from scipy import sparse

from hub.dedup.blocking import LEAD_WORDS
from hub.dedup.normalise import is_code, is_strong, normalise_identifiers, normalise_organisation, tokens_many

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Summaries beyond this length add little to tell projects apart and cost time on long texts.
SUMMARY_MAX_CHARS = 1500
_CHUNK = 20_000  # records tokenised together (one joined string each)
_PAIR_CHUNK = 200_000  # pairs compared together (bounded memory)
FUZZ_MIN_TITLE_COSINE = 0.2  # below, title_fuzz is 0: titles sharing so little are not typo variants
_CODE_MIN_RARITY = 0.5  # idf / max idf from which a code identifies a product

FEATURE_NAMES = (
    "title_cosine",  # TF-IDF cosine of the titles (0 when one is empty)
    "text_cosine",  # TF-IDF cosine of title + summary, so a title may match the other's summary
    "summary_cosine",  # TF-IDF cosine of the summaries (0 when one is empty)
    "title_fuzz",  # rapidfuzz token-set ratio of the normalised titles, 0..1 (resists typos)
    "rare_shared",  # rarity (idf / max idf) of the rarest word both texts share
    "region",  # +1 same region, -1 different regions, 0 when unknown
    "one_summary_missing",  # 1 when exactly one of the two has a summary
    "one_title_missing",  # 1 when exactly one of the two has a title
    "margin",  # text cosine minus the best cosine either side has with any other record (set by the matcher)
    "code_shared",  # 1 when both share an uncommon model or product code (and no conflict)
    "code_conflict",  # 1 when each has an uncommon code the other lacks (two versions of a product)
    "organisation",  # +1 same carrier, -1 clearly different carriers, 0 unknown
    "identifier",  # 1 when both share an identifier (SIRET, grant number...)
    "partners",  # Jaccard overlap of partner names
    "sectors",  # Jaccard overlap of sectors
)


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
    """Records reduced to their content words, field by field (no vocabulary yet)."""

    ids: list[str]
    titles: list[list[str]]
    summaries: list[list[str]]
    regions: list[str]
    organisations: list[str]
    identifiers: list[frozenset[str]]
    partners: list[frozenset[str]]
    sectors: list[frozenset[str]]

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, object]]) -> Tokenised:
        """Normalise the fields of each record (see normalise.py)."""
        titles: list[list[str]] = []
        summaries: list[list[str]] = []
        for start in range(0, len(records), _CHUNK):
            chunk = records[start : start + _CHUNK]
            both = tokens_many(
                [_text(r, "title") for r in chunk] + [_text(r, "summary")[:SUMMARY_MAX_CHARS] for r in chunk]
            )
            titles += both[: len(chunk)]
            summaries += both[len(chunk) :]
        return cls(
            ids=[str(r.get("id", "")) for r in records],
            titles=titles,
            summaries=summaries,
            regions=[_text(r, "region").strip().upper() for r in records],
            organisations=[normalise_organisation(o) if (o := _text(r, "organisation")) else "" for r in records],
            identifiers=[normalise_identifiers(_as_list(v)) if (v := r.get("identifiers")) else _NONE for r in records],
            partners=[_names(r, "partners") if r.get("partners") else _NONE for r in records],
            sectors=[_names(r, "sectors") if r.get("sectors") else _NONE for r in records],
        )


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

    def add(self, *groups: Sequence[Sequence[str]]) -> None:
        """Set the vocabulary to the words of `groups` (lists of token lists), numbered alphabetically."""
        words: set[str] = set()
        for lists in groups:
            words.update(chain.from_iterable(lists))
        self.words = sorted(words)
        self.ids = {w: k for k, w in enumerate(self.words)}

    def encode(self, lists: Sequence[Sequence[str]]) -> tuple[IntArray, IntArray]:
        """Token lists -> CSR (indptr, token ids); unknown words get id -1."""
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        indptr = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        words = chain.from_iterable(lists)
        try:  # the common case, every word known (building an index), is twice as fast without defaults
            flat = np.fromiter(map(self.ids.__getitem__, words), dtype=np.int64, count=int(indptr[-1]))
        except KeyError:
            words = chain.from_iterable(lists)
            flat = np.fromiter(map(self.ids.get, words, repeat(-1)), dtype=np.int64, count=int(indptr[-1]))
        return indptr, flat

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


def counts(indptr: IntArray, flat: IntArray, vocab_size: int) -> tuple[sparse.csr_matrix, FloatArray]:
    """Encoded documents -> (token counts of known tokens, number of unknown tokens per document)."""
    n = len(indptr) - 1
    rows = np.repeat(np.arange(n), np.diff(indptr))
    known = flat >= 0
    matrix = sparse.csr_matrix(
        (np.ones(int(known.sum()), dtype=np.float32), (rows[known], flat[known])), shape=(n, vocab_size)
    )
    matrix.sum_duplicates()
    return matrix, np.bincount(rows[~known], minlength=n).astype(np.float64)


def tfidf(
    count: sparse.csr_matrix,
    unknown: FloatArray,
    idf: FloatArray,
    max_idf: float,
    keep: npt.NDArray[np.bool_] | None = None,
) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows, sublinear term frequency; tokens unknown to the index count in the norm only."""
    weights = count.copy()
    weights.data = ((1.0 + np.log(weights.data)) * idf[weights.indices]).astype(np.float32)
    if keep is not None:
        weights.data[~keep[weights.indices]] = 0.0
        weights.eliminate_zeros()
        unknown = np.zeros_like(unknown)  # unknown words are not numbers we could compare anyway
    norms = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel() + unknown * max_idf**2)
    norms[norms == 0] = 1.0
    weights.data /= np.repeat(norms, np.diff(weights.indptr)).astype(np.float32)
    return weights


def rowwise_dot(a: sparse.csr_matrix, b: sparse.csr_matrix, i: IntArray, j: IntArray) -> FloatArray:
    """Dot products a[i[k]] . b[j[k]] for each pair k."""
    out = np.empty(len(i), dtype=np.float64)
    for start in range(0, len(i), _PAIR_CHUNK):
        ii, jj = i[start : start + _PAIR_CHUNK], j[start : start + _PAIR_CHUNK]
        out[start : start + len(ii)] = np.asarray(a[ii].multiply(b[jj]).sum(axis=1)).ravel()
    return out


def shared_words(
    a: sparse.csr_matrix, b: sparse.csr_matrix, i: IntArray, j: IntArray, rarity: FloatArray, code: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """For each pair (a[i[k]], b[j[k]]) of TF-IDF rows: their cosine, the rarity of the rarest word they
    share (0 when none) and how many uncommon codes they share; one sparse product serves all three."""
    cosine = np.zeros(len(i), dtype=np.float64)
    rarest = np.zeros(len(i), dtype=np.float64)
    codes = np.zeros(len(i), dtype=np.float64)
    for start in range(0, len(i), _PAIR_CHUNK):
        ii, jj = i[start : start + _PAIR_CHUNK], j[start : start + _PAIR_CHUNK]
        product = sparse.csr_matrix(a[ii].multiply(b[jj]))  # non-zero exactly on the shared words
        stop = start + len(ii)
        cosine[start:stop] = np.asarray(product.sum(axis=1)).ravel()
        rows = np.flatnonzero(np.diff(product.indptr) > 0)
        if len(rows):
            starts = product.indptr[rows]
            rarest[start + rows] = np.maximum.reduceat(rarity[product.indices], starts)
            codes[start + rows] = np.add.reduceat(code[product.indices].astype(np.float64), starts)
    return cosine, rarest, codes


@dataclass(frozen=True)
class RecordTable:
    """Records as vectors and plain attributes, ready for pair features; rows align with `ids`."""

    ids: list[str]
    title: sparse.csr_matrix
    text: sparse.csr_matrix
    summary: sparse.csr_matrix
    code_counts: IntArray  # number of distinct uncommon codes in title + summary
    title_strings: list[str]
    region_codes: IntArray
    organisations: list[str]
    identifiers: list[frozenset[str]]
    partners: list[frozenset[str]]
    sectors: list[frozenset[str]]
    has_title: npt.NDArray[np.bool_]
    has_summary: npt.NDArray[np.bool_]
    text_counts: sparse.csr_matrix  # known tokens of title + summary, for blocking keys
    title_counts: sparse.csr_matrix  # known tokens of the title, for blocking keys
    lead_counts: sparse.csr_matrix  # known tokens of the first words of the summary, for blocking keys
    has_extra: npt.NDArray[np.bool_]  # organisation, identifiers, partners or sectors given

    @classmethod
    def build(cls, tok: Tokenised, vocab: Vocabulary, regions: dict[str, int], *, grow: bool) -> RecordTable:
        """Encode tokenised records with `vocab` (grown and counted when `grow`, i.e. for an index)."""
        if grow:
            vocab.add(tok.titles, tok.summaries)
        t_ptr, t_flat = vocab.encode(tok.titles)
        s_ptr, s_flat = vocab.encode(tok.summaries)
        size = len(vocab.words)
        t_count, t_unknown = counts(t_ptr, t_flat, size)
        s_count, s_unknown = counts(s_ptr, s_flat, size)
        x_count, x_unknown = sparse.csr_matrix(t_count + s_count), t_unknown + s_unknown
        if grow:
            vocab.count(x_count)
        idf, max_idf = vocab.idf, vocab.max_idf()
        text = tfidf(x_count, x_unknown, idf, max_idf)
        if grow:
            for name in sorted(set(tok.regions) - {""}):
                regions.setdefault(name, len(regions))
        extra = [
            bool(o or i or p or s)
            for o, i, p, s in zip(tok.organisations, tok.identifiers, tok.partners, tok.sectors, strict=True)
        ]
        return cls(
            ids=tok.ids,
            title=tfidf(t_count, t_unknown, idf, max_idf),
            text=text,
            summary=tfidf(s_count, s_unknown, idf, max_idf),
            code_counts=np.add.reduceat(
                np.append(vocab.code[x_count.indices], False).astype(np.int64), x_count.indptr[:-1]
            )
            * (np.diff(x_count.indptr) > 0),
            title_strings=[" ".join(t) for t in tok.titles],
            region_codes=np.array([regions.get(r, -2) if r else -1 for r in tok.regions], dtype=np.int64),
            organisations=tok.organisations,
            identifiers=tok.identifiers,
            partners=tok.partners,
            sectors=tok.sectors,
            has_title=np.diff(t_ptr) > 0,
            has_summary=np.diff(s_ptr) > 0,
            text_counts=x_count,
            title_counts=t_count,
            lead_counts=counts(*_lead(s_ptr, s_flat, LEAD_WORDS), size)[0],
            has_extra=np.array(extra, dtype=bool),
        )


def _lead(indptr: IntArray, flat: IntArray, n_words: int) -> tuple[IntArray, IntArray]:
    """The first `n_words` tokens of each encoded document."""
    lengths = np.minimum(np.diff(indptr), n_words)
    position = np.arange(len(flat)) - np.repeat(indptr[:-1], np.diff(indptr))
    new_indptr = np.zeros_like(indptr)
    np.cumsum(lengths, out=new_indptr[1:])
    return new_indptr, flat[position < n_words]


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _organisation(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    # Spacing varies in names ("Retin IA" / "RetinIA"), word order too ("Hôpital Nord" / "Nord Hôpital").
    similarity = max(fuzz.token_sort_ratio(a, b), fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))
    return 1.0 if similarity >= 90 else (-1.0 if similarity < 60 else 0.0)


def pair_features(
    left: RecordTable,
    right: RecordTable,
    vocab: Vocabulary,
    i: IntArray,
    j: IntArray,
    *,
    text_stats: tuple[FloatArray, FloatArray, FloatArray] | None = None,
) -> FloatArray:
    """One row of FEATURE_NAMES per pair (left[i[k]], right[j[k]]); `text_stats` from shared_words when known."""
    n = len(i)
    out = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float64)
    if n == 0:
        return out
    if text_stats is None:
        text_stats = shared_words(left.text, right.text, i, j, vocab.idf / vocab.max_idf(), vocab.code)
    cosine, rarest, shared_codes = text_stats
    out[:, 0] = rowwise_dot(left.title, right.title, i, j)
    out[:, 1] = cosine
    out[:, 2] = rowwise_dot(left.summary, right.summary, i, j)
    # Edit distance is the costly part: only titles sharing some words are compared, which keeps every
    # pair whose titles differ by a few typos (a 1-in-6 typo still leaves a cosine well above the floor).
    both_titles = left.has_title[i] & right.has_title[j]
    close = np.flatnonzero(both_titles & (out[:, 0] >= FUZZ_MIN_TITLE_COSINE))
    if len(close):
        fuzzy = process.cpdist(
            [left.title_strings[k] for k in i[close]],
            [right.title_strings[k] for k in j[close]],
            scorer=fuzz.token_set_ratio,
            workers=-1 if len(close) > 10_000 else 1,
        )
        out[close, 3] = np.asarray(fuzzy, dtype=np.float64) / 100.0
    out[:, 4] = rarest
    ri, rj = left.region_codes[i], right.region_codes[j]
    out[:, 5] = np.where((ri < 0) | (rj < 0), 0.0, np.where(ri == rj, 1.0, -1.0))
    out[:, 6] = left.has_summary[i] != right.has_summary[j]
    out[:, 7] = left.has_title[i] != right.has_title[j]
    # column 8, margin, needs the other candidates: the matcher fills it
    # Each side has a code the other lacks: two models of a product line (DEHP400UB vs DEHP500UB).
    conflict = (left.code_counts[i] > shared_codes) & (right.code_counts[j] > shared_codes)
    out[:, 9] = (shared_codes > 0) & ~conflict
    out[:, 10] = conflict
    both_extra = np.flatnonzero(left.has_extra[i] & right.has_extra[j])
    for k, a, b in zip(both_extra.tolist(), i[both_extra].tolist(), j[both_extra].tolist(), strict=True):
        # Optional fields are rare: this Python loop only visits pairs where both sides have some.
        if left.organisations[a] and right.organisations[b]:
            out[k, 11] = _organisation(left.organisations[a], right.organisations[b])
        if left.identifiers[a] and right.identifiers[b]:
            out[k, 12] = float(bool(left.identifiers[a] & right.identifiers[b]))
        if left.partners[a] and right.partners[b]:
            out[k, 13] = _jaccard(left.partners[a], right.partners[b])
        if left.sectors[a] and right.sectors[b]:
            out[k, 14] = _jaccard(left.sectors[a], right.sectors[b])
    return out
