"""Pair features for duplicate scoring: how alike two project records are, field by field."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from scipy import sparse

from hub.dedup.corpus import RecordTable, Vocabulary, weighted
from hub.dedup.normalise import codes_compatible

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_PAIR_CHUNK = 100_000  # pairs compared together (bounded memory)
FUZZ_MIN_TITLE_COSINE = 0.2  # below, title_fuzz is 0: titles sharing so little are not typo variants
# A word found in at most this many records, and in both of a pair, is most often a company or product
# name: two related projects of one company share it even when their texts were rewritten.
UNIQUE_MAX_DF = 3

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
    "unique_shared",  # log(1 + number of shared words found in at most UNIQUE_MAX_DF records): names, brands
    "code_shared",  # 1 when both share an uncommon model or product code (and no conflict)
    "code_conflict",  # 1 when each has an uncommon code the other lacks (two versions of a product)
    "organisation",  # +1 same carrier, -1 clearly different carriers, 0 unknown
    "identifier",  # 1 when both share an identifier (SIRET, grant number...)
    "partners",  # Jaccard overlap of partner names
    "sectors",  # Jaccard overlap of sectors
)


def field_cosine(
    left: sparse.csr_matrix,
    left_norms: FloatArray,
    right: sparse.csr_matrix,
    right_norms: FloatArray,
    vocab: Vocabulary,
    i: IntArray,
    j: IntArray,
) -> FloatArray:
    """TF-IDF cosine of left[i[k]] and right[j[k]] (word counts of one field) for each pair k."""
    out = np.empty(len(i), dtype=np.float64)
    for start in range(0, len(i), _PAIR_CHUNK):
        ii, jj = i[start : start + _PAIR_CHUNK], j[start : start + _PAIR_CHUNK]
        a = weighted(left[ii], left_norms[ii], vocab.idf)
        b = weighted(right[jj], right_norms[jj], vocab.idf)
        out[start : start + len(ii)] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


TextStats = tuple[FloatArray, FloatArray, FloatArray, FloatArray]


def shared_words(
    left: RecordTable, right: RecordTable, vocab: Vocabulary, i: IntArray, j: IntArray, *, extra_df: int = 0
) -> TextStats:
    """For each pair (left[i[k]], right[j[k]]): the TF-IDF cosine of title + summary, the rarity (idf / max
    idf) of the rarest word they share (0 when none), how many uncommon codes they share and how many
    shared words are found in at most UNIQUE_MAX_DF records; one sparse product serves all four.

    `extra_df` is 1 when `left` is not part of the collection counted by the vocabulary (a new project).
    """
    rarity = vocab.idf / vocab.max_idf()
    unique = (vocab.df + extra_df <= UNIQUE_MAX_DF).astype(np.float64)
    cosine = np.zeros(len(i), dtype=np.float64)
    rarest = np.zeros(len(i), dtype=np.float64)
    codes = np.zeros(len(i), dtype=np.float64)
    uniques = np.zeros(len(i), dtype=np.float64)
    for start in range(0, len(i), _PAIR_CHUNK):
        ii, jj = i[start : start + _PAIR_CHUNK], j[start : start + _PAIR_CHUNK]
        a = weighted(left.text_counts(ii), left.text_norms[ii], vocab.idf)
        b = weighted(right.text_counts(jj), right.text_norms[jj], vocab.idf)
        product = sparse.csr_matrix(a.multiply(b))  # non-zero exactly on the shared words
        cosine[start : start + len(ii)] = np.asarray(product.sum(axis=1)).ravel()
        rows = np.flatnonzero(np.diff(product.indptr) > 0)
        if len(rows):
            starts = product.indptr[rows]
            rarest[start + rows] = np.maximum.reduceat(rarity[product.indices], starts)
            codes[start + rows] = np.add.reduceat(vocab.code[product.indices].astype(np.float64), starts)
            uniques[start + rows] = np.add.reduceat(unique[product.indices], starts)
    return cosine, rarest, codes, uniques


def _codes(table: RecordTable, row: int, vocab: Vocabulary) -> set[str]:
    return {vocab.words[w] for w in table.words_of(row).tolist() if vocab.code[w]}


def _codes_conflict(a: set[str], b: set[str]) -> bool:
    """Each side has a code compatible with none of the other side's codes (two models of a product line)."""
    return any(not any(codes_compatible(x, y) for y in b) for x in a - b) and any(
        not any(codes_compatible(y, x) for x in a) for y in b - a
    )


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
    text_stats: TextStats | None = None,
    extra_df: int = 0,
) -> FloatArray:
    """One row of FEATURE_NAMES per pair (left[i[k]], right[j[k]]); `text_stats` from shared_words when known,
    `extra_df` as in shared_words."""
    n = len(i)
    out = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float64)
    if n == 0:
        return out
    if text_stats is None:
        text_stats = shared_words(left, right, vocab, i, j, extra_df=extra_df)
    cosine, rarest, shared_codes, uniques = text_stats
    out[:, 0] = field_cosine(left.title_counts, left.title_norms, right.title_counts, right.title_norms, vocab, i, j)
    out[:, 1] = cosine
    out[:, 2] = field_cosine(
        left.summary_counts, left.summary_norms, right.summary_counts, right.summary_norms, vocab, i, j
    )
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
    out[:, 9] = np.log1p(uniques)
    # Each side has a code the other lacks: two models of a product line (DEHP400UB vs DEHP500UB).
    conflict = (left.code_counts[i] > shared_codes) & (right.code_counts[j] > shared_codes)
    for k in np.flatnonzero(conflict).tolist():
        # Few pairs get here: a code on each side that the other lacks may still be the same model written
        # another way ("KX-TSC14W" gives "tsc14w", "KXTSC14W" does not; "MMV4205BT" and "MMV4205BAQ").
        conflict[k] = _codes_conflict(_codes(left, int(i[k]), vocab), _codes(right, int(j[k]), vocab))
    out[:, 10] = (shared_codes > 0) & ~conflict
    out[:, 11] = conflict
    both_extra = np.flatnonzero(left.has_extra[i] & right.has_extra[j])
    for k, a, b in zip(both_extra.tolist(), i[both_extra].tolist(), j[both_extra].tolist(), strict=True):
        # Optional fields are rare: this Python loop only visits pairs where both sides have some.
        if left.organisations[a] and right.organisations[b]:
            out[k, 12] = _organisation(left.organisations[a], right.organisations[b])
        if left.identifiers[a] and right.identifiers[b]:
            out[k, 13] = float(bool(left.identifiers[a] & right.identifiers[b]))
        if left.partners[a] and right.partners[b]:
            out[k, 14] = _jaccard(left.partners[a], right.partners[b])
        if left.sectors[a] and right.sectors[b]:
            out[k, 15] = _jaccard(left.sectors[a], right.sectors[b])
    return out
