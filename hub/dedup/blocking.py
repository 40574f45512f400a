"""Candidate generation for duplicate detection: which pairs of projects are worth comparing at all.

Comparing every pair is quadratic (5·10^11 pairs for a million projects), so each project gets a few
blocking keys and only projects sharing a key are compared:

- a rare word (found in at most RARE_WORD_MAX_DF projects): brand names, model codes, place names;
- a pair of its rarest words ("caroténoïde" + "supercritique"): one word alone is not selective in
  a large catalogue of similar projects, two rare words together almost always are. Pairs are taken
  in the whole text, in the title and in the lead of the summary, so that a truncated summary or a
  reworded title still leaves keys in common.

Blocks larger than MAX_BLOCK are dropped: a key shared by that many projects says nothing about any
two of them; and two projects must share MIN_SHARED_KEYS keys (or all the keys one of them has),
one shared pair being often chance. Keys catch copies (typos, reordering, truncation) but miss
rewritten texts, so each project also gets its NEIGHBOURS nearest projects by TF-IDF cosine computed
over its uncommon words only (document frequency <= NEIGHBOUR_MAX_DF), which keeps the sparse
product cheap. Everything is vectorised with numpy and deterministic: sorts with explicit
tie-breaks, and pair keys mixed by fixed arithmetic, never by Python's seeded hash.
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
NEIGHBOURS = 5  # nearest projects by cosine over uncommon words (10 finds 1 % more i-Lab pairs, none scoring high)
NEIGHBOUR_MAX_DF = 100  # words in more projects than this are ignored by the neighbour search
NEIGHBOUR_MIN_COSINE = 0.05  # weaker neighbours (over uncommon words) are not candidates
_ROW_CHUNK = 50_000  # < 2**16: rows of a chunk fit the packed sort key of _pair_keys
ROW_BITS = 23  # projects per collection < 2**23 (8 million); keys < 2**KEY_BITS, 23 + 40 = 63 bits
KEY_BITS = 40
_NO_WORD = np.iinfo(np.int64).max  # padding of _pair_keys' table, after every real word


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
    """Blocking keys of projects, each packed with the project's row as key << ROW_BITS | row (one int64).

    Packing halves the memory of a million projects' keys and lets one in-place sort group them.
    """

    packed: IntArray

    @property
    def keys(self) -> IntArray:
        """The key values alone."""
        return self.packed >> ROW_BITS


def _pair_code(lo: IntArray, hi: IntArray) -> IntArray:
    """A key for the word pair (lo, hi): a deterministic mix of both ids into [2**27, 2**KEY_BITS).

    Above every single-word key (word ids < 2**27). Two pairs may rarely share a code (about 500
    times among 30 million keys): that only adds a few candidates, which scoring then rejects.
    """
    mixed = (lo.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ (
        hi.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
    )
    return (mixed >> np.uint64(64 - KEY_BITS + 1)).astype(np.int64) + (1 << 27)


def project_keys(
    title: sparse.csr_matrix,
    summary: sparse.csr_matrix,
    lead: sparse.csr_matrix,
    df: IntArray,
    *,
    extra_df: int = 0,
) -> Keys:
    """Blocking keys of each project, from word counts (projects x words) of its fields and the words' document
    frequencies over title + summary.

    Pair keys come from three word sets, so that one edit rarely changes them all: the whole text,
    the title (survives a truncated summary) and the lead, the first words of the summary (survives a
    rewritten title). `extra_df` is 1 when the projects are not part of the collection that `df`
    counts (a new project checked against an index): its words then count once more, as they would
    once it is stored.
    """
    if title.shape[1] >= 1 << 27:
        raise ValueError("vocabulary too large for blocking keys (2**27 words)")
    if title.shape[0] >= 1 << ROW_BITS:
        raise ValueError(f"too many projects for blocking keys (2**{ROW_BITS})")
    parts: list[IntArray] = []
    for start in range(0, title.shape[0], _ROW_CHUNK):
        stop = start + _ROW_CHUNK
        chunk = sparse.csr_matrix(title[start:stop] + summary[start:stop])
        words = chunk.indices.astype(np.int64)
        rows = np.repeat(np.arange(start, start + chunk.shape[0], dtype=np.int64), np.diff(chunk.indptr))
        # Kept even when found once: in an index, a new project having that word will meet it here.
        rare = df[words] + extra_df <= RARE_WORD_MAX_DF
        chunk_parts = [(words[rare] << ROW_BITS) | rows[rare]]
        for counts, how_many in (
            (chunk, KEY_WORDS),
            (title[start:stop], FIELD_KEY_WORDS),
            (lead[start:stop], FIELD_KEY_WORDS),
        ):
            keys, key_rows = _pair_keys(counts, df, extra_df, how_many)
            chunk_parts.append((keys << ROW_BITS) | (key_rows + start))
        # A pair found in the title and in the whole text is one key: duplicates go before they pile up.
        parts.append(sorted_unique(np.concatenate(chunk_parts)))
    return Keys(np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64))


def _pair_keys(counts: sparse.csr_matrix, df: IntArray, extra_df: int, how_many: int) -> tuple[IntArray, IntArray]:
    """Keys for every pair among the `how_many` rarest words (found in 2+ projects) of each row."""
    words = counts.indices.astype(np.int64)
    rows = np.repeat(np.arange(counts.shape[0], dtype=np.int64), np.diff(counts.indptr))
    freq = df[words] + extra_df
    useful = freq >= 2
    rows, words, freq = rows[useful], words[useful], freq[useful]
    # Rarest words first; ties by word id, so the choice is the same on every run. Each row's words,
    # packed as (frequency | word), are laid in a padded table: a partition along rows then finds the
    # rarest ones far faster than sorting all the words of all rows.
    n_rows = counts.shape[0]
    lengths = np.bincount(rows, minlength=n_rows)
    width = int(lengths.max(initial=0))
    slots = np.full((n_rows, how_many), -1, dtype=np.int64)
    if width == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    table = np.full((n_rows, width), _NO_WORD, dtype=np.int64)
    table[rows, np.arange(len(rows)) - starts[rows]] = (np.minimum(freq, (1 << 20) - 1) << 27) | words
    if width > how_many:
        table = np.partition(table, how_many - 1, axis=1)[:, :how_many]
    table.sort(axis=1)
    taken = table[:, : min(how_many, width)]
    slots[:, : taken.shape[1]] = np.where(taken == _NO_WORD, -1, taken & ((1 << 27) - 1))
    keys: list[IntArray] = []
    key_rows: list[IntArray] = []
    for p, q in combinations(range(how_many), 2):
        a, b = slots[:, p], slots[:, q]
        valid = np.flatnonzero((a >= 0) & (b >= 0))
        keys.append(_pair_code(np.minimum(a[valid], b[valid]), np.maximum(a[valid], b[valid])))
        key_rows.append(valid)
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(keys), np.concatenate(key_rows)


@dataclass(frozen=True)
class Postings:
    """Keys sorted for lookup: the rows of the projects carrying each key, by key."""

    keys: IntArray
    rows: npt.NDArray[np.int32]
    keys_per_row: IntArray  # per row, how many of its keys another stored project also has

    @classmethod
    def build(cls, keys: Keys, n_rows: int) -> Postings:
        """Group the keys (sorting `keys.packed` in place, to spare a copy); a key counts once per project."""
        packed = keys.packed
        packed.sort()
        distinct = np.ones(len(packed), dtype=bool)
        distinct[1:] = packed[1:] != packed[:-1]
        packed = packed[distinct]
        del distinct
        rows = (packed & ((1 << ROW_BITS) - 1)).astype(np.int32)
        packed >>= ROW_BITS  # now the key values, in place
        # Keys that a single project has (words unique to it) cannot be shared in the collection itself.
        shared_key = np.zeros(len(packed), dtype=bool)
        shared_key[1:] = packed[1:] == packed[:-1]
        shared_key[:-1] |= packed[:-1] == packed[1:]
        return cls(packed, rows, np.bincount(rows[shared_key], minlength=n_rows))

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
    empty = np.zeros(0, dtype=np.int64)
    if len(keys) < 2:
        return empty, empty, empty
    # Most keys belong to one project only: set them aside first, the block bookkeeping is then small.
    same = keys[1:] == keys[:-1]
    multi = np.zeros(len(keys), dtype=bool)
    multi[1:] = same
    multi[:-1] |= same
    del same
    keys, rows = keys[multi], rows[multi]
    if len(keys) == 0:
        return empty, empty, empty
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sizes = np.diff(np.append(starts, len(keys)))
    codes: list[IntArray] = []
    for size in range(2, MAX_BLOCK + 1):
        block_starts = starts[sizes == size]
        if len(block_starts) == 0:
            continue
        members = rows[block_starts[:, None] + np.arange(size)[None, :]].astype(np.int64)  # int32 would overflow
        p, q = np.triu_indices(size, k=1)
        # Rows are sorted inside a block, so members[:, p] < members[:, q].
        codes.append((members[:, p] * n_rows + members[:, q]).ravel())
    if not codes:
        return empty, empty, empty
    code = np.concatenate(codes)
    del codes
    code.sort()
    first = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1])))
    shared = np.diff(np.append(first, len(code)))
    code = code[first]
    i, j = code // n_rows, code % n_rows
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
    if stored_t.shape[1] >= 1 << ROW_BITS:
        raise ValueError(f"too many projects for the neighbour search (2**{ROW_BITS})")
    out_q: list[IntArray] = []
    out_s: list[IntArray] = []
    chunk_rows = 4_096  # < 2**13, the row field of the packed sort key below
    for start in range(0, queries.shape[0], chunk_rows):
        product = sparse.csr_matrix(queries[start : start + chunk_rows] @ stored_t)
        # Faint similarities never make a duplicate; dropping them first keeps the sort small.
        useful = np.flatnonzero(product.data >= NEIGHBOUR_MIN_COSINE)
        rows = np.searchsorted(product.indptr, useful, side="right").astype(np.int64) - 1
        cols = product.indices[useful].astype(np.int64)
        values = np.clip(product.data[useful], 0.0, 1.0)
        if skip_self_from is not None:
            other = cols != rows + start + skip_self_from
            rows, cols, values = rows[other], cols[other], values[other]
        # One sort of packed (row | 1 - value on 27 bits | column) integers: best first, ties to the lowest column.
        closeness = np.round((1.0 - values.astype(np.float64)) * ((1 << 27) - 1)).astype(np.int64)
        packed = np.sort((rows << 50) | (closeness << ROW_BITS) | cols)
        rows, cols = packed >> 50, packed & ((1 << ROW_BITS) - 1)
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
