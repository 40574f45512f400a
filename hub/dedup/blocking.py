"""Candidate generation for duplicate detection: which pairs of projects are worth comparing at all.

Comparing every pair is quadratic (5·10^11 pairs for a million projects), so each project gets a few
blocking keys and only projects sharing a key are compared:

- a rare word (found in at most RARE_WORD_MAX_DF projects): brand names, model codes, place names;
- a pair of its rarest words ("caroténoïde" + "supercritique"): one word alone is not selective in
  a large catalogue of similar projects, two rare words together almost always are. Pairs are taken
  in the whole text, in the title and in the lead of the summary, so that a truncated summary or a
  reworded title still leaves keys in common.

Blocks larger than MAX_BLOCK are dropped: a key shared by that many projects says nothing about any
two of them. Keys catch copies (typos, reordering, truncation) but miss rewritten texts, so each
project also gets its NEIGHBOURS nearest projects by TF-IDF cosine computed over its uncommon
words only (document frequency <= NEIGHBOUR_MAX_DF), which keeps the sparse product cheap.
Everything is vectorised with numpy and deterministic (stable sorts, no hashing).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt
from scipy import sparse

IntArray = npt.NDArray[np.int64]

RARE_WORD_MAX_DF = 8  # a word in at most this many projects is a key on its own
KEY_WORDS = 7  # the rarest words of a project whose pairs are keys (21 pair keys)
FIELD_KEY_WORDS = 4  # same within the title, and within the lead of the summary (6 pair keys each)
MAX_BLOCK = 40  # larger blocks are dropped
MIN_SHARED_KEYS = 2  # pairs sharing fewer keys are left to the neighbour search
NEIGHBOURS = 10  # nearest projects by cosine over uncommon words
NEIGHBOUR_MAX_DF = 100  # words in more projects than this are ignored by the neighbour search
NEIGHBOUR_MIN_COSINE = 0.05  # weaker neighbours (over uncommon words) are not candidates
_ROW_CHUNK = 50_000  # < 2**16: rows of a chunk fit the packed sort key of project_keys


def sorted_unique(values: IntArray) -> IntArray:
    """Sorted distinct values; numpy 2's np.unique hashes and is ten times slower on millions of integers."""
    if len(values) == 0:
        return values
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


@dataclass(frozen=True)
class Keys:
    """Blocking keys as parallel arrays: key value and the row of the project carrying it."""

    keys: IntArray
    rows: npt.NDArray[np.int32]


def project_keys(
    text: sparse.csr_matrix,
    title: sparse.csr_matrix,
    lead: sparse.csr_matrix,
    df: IntArray,
    *,
    extra_df: int = 0,
) -> Keys:
    """Blocking keys of each project, from its word counts (projects x words) and the words' document frequencies.

    Pair keys come from three word sets, so that one edit rarely changes them all: the whole text,
    the title (survives a truncated summary) and the lead, the first words of the summary (survives a
    rewritten title). `extra_df` is 1 when the projects are not part of the collection that `df`
    counts (a new project checked against an index): its words then count once more, as they would
    once it is stored.
    """
    vocab_size = text.shape[1]
    if vocab_size >= 1 << 27:
        raise ValueError("vocabulary too large for blocking keys (2**27 words)")
    all_keys: list[IntArray] = []
    all_rows: list[npt.NDArray[np.int32]] = []
    for start in range(0, text.shape[0], _ROW_CHUNK):
        stop = start + _ROW_CHUNK
        chunk = text[start:stop]
        words = chunk.indices.astype(np.int64)
        rows = np.repeat(np.arange(chunk.shape[0], dtype=np.int64), np.diff(chunk.indptr))
        freq = df[words] + extra_df
        # Kept even when found once: in an index, a new project having that word will meet it here.
        rare = freq <= RARE_WORD_MAX_DF
        all_keys.append(words[rare])
        all_rows.append((rows[rare] + start).astype(np.int32))
        for counts, how_many in (
            (chunk, KEY_WORDS),
            (title[start:stop], FIELD_KEY_WORDS),
            (lead[start:stop], FIELD_KEY_WORDS),
        ):
            keys, key_rows = _pair_keys(counts, df, extra_df, how_many)
            all_keys.append(keys)
            all_rows.append((key_rows + start).astype(np.int32))
    if not all_keys:
        return Keys(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32))
    return Keys(np.concatenate(all_keys), np.concatenate(all_rows))


def _pair_keys(counts: sparse.csr_matrix, df: IntArray, extra_df: int, how_many: int) -> tuple[IntArray, IntArray]:
    """Keys for every pair among the `how_many` rarest words (found in 2+ projects) of each row."""
    vocab_size = counts.shape[1]
    words = counts.indices.astype(np.int64)
    rows = np.repeat(np.arange(counts.shape[0], dtype=np.int64), np.diff(counts.indptr))
    freq = df[words] + extra_df
    useful = freq >= 2
    rows, words, freq = rows[useful], words[useful], freq[useful]
    # Rarest words first; ties by word id, so the choice is the same on every run. One sort of a
    # packed key (row | frequency | word) is several times faster than a three-key lexsort.
    packed = (rows << 47) | (np.minimum(freq, (1 << 20) - 1) << 27) | words
    packed.sort()
    rows, words = packed >> 47, packed & ((1 << 27) - 1)
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")
    top = rank < how_many
    slots = np.full((counts.shape[0], how_many), -1, dtype=np.int64)
    slots[rows[top], rank[top]] = words[top]
    keys: list[IntArray] = []
    key_rows: list[IntArray] = []
    for p, q in combinations(range(how_many), 2):
        a, b = slots[:, p], slots[:, q]
        valid = np.flatnonzero((a >= 0) & (b >= 0))
        lo, hi = np.minimum(a[valid], b[valid]), np.maximum(a[valid], b[valid])
        # Pair keys live above every single-word key (which are word ids < vocab_size).
        keys.append((lo + 1) * vocab_size + hi)
        key_rows.append(valid)
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(keys), np.concatenate(key_rows)


@dataclass(frozen=True)
class Postings:
    """Keys sorted for lookup: the rows of the projects carrying each key, by key."""

    keys: IntArray
    rows: npt.NDArray[np.int32]
    keys_per_row: IntArray

    @classmethod
    def build(cls, keys: Keys, n_rows: int) -> Postings:
        """Sort keys, rows in order inside a key; a key found twice for one project (title and text) counts once."""
        row_bits = max(1, int(n_rows).bit_length())
        top_key = int(keys.keys.max()) if len(keys.keys) else 0
        if top_key.bit_length() + row_bits <= 63:
            # One in-place sort of packed (key | row) integers: far less memory and time than a lexsort.
            packed = keys.keys << row_bits
            packed |= keys.rows
            packed.sort()
            distinct = np.ones(len(packed), dtype=bool)
            distinct[1:] = packed[1:] != packed[:-1]
            packed = packed[distinct]
            k, r = packed >> row_bits, packed & ((1 << row_bits) - 1)
        else:
            order = np.lexsort((keys.rows, keys.keys))
            k, r = keys.keys[order], keys.rows[order]
            keep = np.ones(len(k), dtype=bool)
            keep[1:] = (k[1:] != k[:-1]) | (r[1:] != r[:-1])
            k, r = k[keep], r[keep]
        return cls(k, r.astype(np.int32), np.bincount(r, minlength=n_rows))

    def lookup(self, keys: IntArray) -> tuple[IntArray, IntArray]:
        """Rows sharing any of `keys` (distinct), sorted, with how many they share.

        Unlike candidate_pairs, one shared key is enough: checking one new project costs little, and a
        single rare word (a brand name) already makes a stored project worth comparing.
        """
        lo = np.searchsorted(self.keys, keys, side="left")
        hi = np.searchsorted(self.keys, keys, side="right")
        # A block that is full without the new project is still full with it.
        found = [self.rows[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if 0 < b - a < MAX_BLOCK]
        if not found:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        rows, shared = np.unique(np.concatenate(found).astype(np.int64), return_counts=True)
        return rows, shared.astype(np.int64)


def candidate_pairs(postings: Postings, n_rows: int) -> tuple[IntArray, IntArray, IntArray]:
    """Pairs of rows (i < j) sharing at least MIN_SHARED_KEYS keys in blocks of at most MAX_BLOCK rows, with how many."""
    keys, rows = postings.keys, postings.rows
    if len(keys) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    boundaries = np.flatnonzero(np.diff(keys)) + 1
    starts = np.concatenate(([0], boundaries))
    sizes = np.diff(np.concatenate((starts, [len(keys)])))
    codes: list[IntArray] = []
    for size in range(2, MAX_BLOCK + 1):
        block_starts = starts[sizes == size]
        if len(block_starts) == 0:
            continue
        members = rows[block_starts[:, None] + np.arange(size)[None, :]].astype(np.int64)  # int32 would overflow
        p, q = np.triu_indices(size, k=1)
        a, b = members[:, p].ravel(), members[:, q].ravel()
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keep = lo != hi
        codes.append(lo[keep] * n_rows + hi[keep])
    if not codes:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    unique, shared = np.unique(np.concatenate(codes), return_counts=True)
    i, j = unique // n_rows, unique % n_rows
    # One shared key is often chance (two rare words that tend to go together); a duplicate shares
    # several, or all the keys that a short record has.
    per_row = postings.keys_per_row
    enough = (shared >= MIN_SHARED_KEYS) | (shared >= np.minimum(per_row[i], per_row[j]))
    return i[enough], j[enough], shared[enough].astype(np.int64)


def uncommon(vectors: sparse.csr_matrix, df: IntArray) -> sparse.csr_matrix:
    """`vectors` (counts or weights) restricted to words found in at most NEIGHBOUR_MAX_DF projects."""
    keep = df[vectors.indices] <= NEIGHBOUR_MAX_DF
    rows = np.searchsorted(vectors.indptr, np.flatnonzero(keep), side="right") - 1
    indptr = np.zeros(vectors.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=vectors.shape[0]), out=indptr[1:])
    return sparse.csr_matrix((vectors.data[keep], vectors.indices[keep], indptr), shape=vectors.shape)


def top_neighbours(
    queries: sparse.csr_matrix, stored_t: sparse.csr_matrix, k: int, *, skip_self_from: int | None = 0
) -> tuple[IntArray, IntArray]:
    """For each query row, its k stored rows of highest dot product (ties: lowest row), as (query, stored) pairs.

    `stored_t` is the transposed stored matrix (words x projects). When the queries are the stored rows
    themselves, `skip_self_from` is the row offset of the first query so a row is not its own neighbour.
    """
    out_q: list[IntArray] = []
    out_s: list[IntArray] = []
    chunk_rows = max(1, 2_000_000 // max(1, stored_t.shape[1] // 1000 + 1))
    chunk_rows = min(chunk_rows, 5_000)
    for start in range(0, queries.shape[0], chunk_rows):
        product = sparse.csr_matrix(queries[start : start + chunk_rows] @ stored_t)
        rows = np.repeat(np.arange(product.shape[0], dtype=np.int64), np.diff(product.indptr))
        cols = product.indices.astype(np.int64)
        values = product.data
        # Faint similarities never make a duplicate; dropping them first keeps the sort small.
        useful = values >= NEIGHBOUR_MIN_COSINE
        if skip_self_from is not None:
            useful &= cols != rows + start + skip_self_from
        rows, cols, values = rows[useful], cols[useful], values[useful]
        order = np.lexsort((cols, -values, rows))
        rows, cols = rows[order], cols[order]
        rank = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")
        top = rank < k
        out_q.append(rows[top] + start)
        out_s.append(cols[top])
    if not out_q:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_q), np.concatenate(out_s)


def merge_pairs(n_rows: int, *pairs: tuple[IntArray, IntArray]) -> tuple[IntArray, IntArray]:
    """Union of several lists of row pairs, as sorted unique (i < j) pairs."""
    codes = [np.minimum(i, j) * n_rows + np.maximum(i, j) for i, j in pairs if len(i)]
    if not codes:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    unique = sorted_unique(np.concatenate(codes))
    unique = unique[unique // n_rows != unique % n_rows]
    return unique // n_rows, unique % n_rows
