"""Candidate generation (blocking) of the duplicate matcher, on small hand-made word counts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from hub.dedup.blocking import (
    MAX_BLOCK,
    Postings,
    candidate_pairs,
    merge_pairs,
    project_keys,
    sorted_unique,
    top_neighbours,
    uncommon,
)


def _counts(rows: list[list[int]], vocab_size: int) -> sparse.csr_matrix:
    data, indices, indptr = [], [], [0]
    for words in rows:
        for w in sorted(set(words)):
            indices.append(w)
            data.append(1.0)
        indptr.append(len(indices))
    return sparse.csr_matrix((np.array(data, dtype=np.float32), indices, indptr), shape=(len(rows), vocab_size))


def _pairs(rows: list[list[int]], vocab_size: int = 50) -> set[tuple[int, int]]:
    counts = _counts(rows, vocab_size)
    df = np.diff(counts.tocsc().indptr).astype(np.int64)
    empty = _counts([[] for _ in rows], vocab_size)
    postings = Postings.build(project_keys(counts, empty, empty, df), len(rows))
    i, j, _ = candidate_pairs(postings, len(rows))
    return set(zip(i.tolist(), j.tolist(), strict=True))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=-(2**40), max_value=2**40), max_size=200))
def test_sorted_unique_matches_numpy(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    assert sorted_unique(array).tolist() == np.unique(array).tolist()


def test_projects_sharing_rare_words_are_candidates() -> None:
    rows = [[1, 2, 3, 40], [1, 2, 3, 41], [10, 11, 12], [20, 21, 22]]
    assert _pairs(rows) == {(0, 1)}


def test_a_short_record_needs_only_its_own_keys() -> None:
    # Two-word records have a single pair key; sharing it is enough.
    assert _pairs([[5, 6], [5, 6], [7, 8]]) == {(0, 1)}


def test_over_full_blocks_are_dropped() -> None:
    crowd = [[1, 2] for _ in range(MAX_BLOCK + 1)]
    assert _pairs(crowd) == set()
    assert _pairs(crowd[:MAX_BLOCK]) == {(a, b) for a in range(MAX_BLOCK) for b in range(a + 1, MAX_BLOCK)}


def test_lookup_finds_what_a_batch_run_pairs_with() -> None:
    rows = [[1, 2, 3, 40], [1, 2, 3, 41], [10, 11, 12], [20, 21, 22]]
    assert _pairs(rows) == {(0, 1)}
    counts = _counts(rows, 50)
    df = np.diff(counts.tocsc().indptr).astype(np.int64)
    none = _counts([[] for _ in rows], 50)
    postings = Postings.build(project_keys(counts, none, none, df), len(rows))
    query = _counts([[1, 2, 3, 42]], 50)
    keys = project_keys(query, _counts([[]], 50), _counts([[]], 50), df, extra_df=1)
    found, shared = postings.lookup(sorted_unique(keys.keys))
    assert found.tolist() == [0, 1]
    assert shared.min() >= 2


def test_a_word_unique_in_the_index_still_finds_its_project() -> None:
    rows = [[1, 7], [10, 11], [20, 21]]  # word 1 ("valvopulse") is in one stored project only
    counts = _counts(rows, 50)
    df = np.diff(counts.tocsc().indptr).astype(np.int64)
    none = _counts([[] for _ in rows], 50)
    postings = Postings.build(project_keys(counts, none, none, df), len(rows))
    query = _counts([[1, 30]], 50)
    keys = project_keys(query, _counts([[]], 50), _counts([[]], 50), df, extra_df=1)
    assert postings.lookup(sorted_unique(keys.keys))[0].tolist() == [0]


def test_top_neighbours_keeps_k_per_row_and_never_itself() -> None:
    vectors = sparse.csr_matrix(
        np.array([[1.0, 1.0, 0.0], [1.0, 0.9, 0.0], [1.0, 0.0, 0.1], [0.0, 0.0, 1.0]], dtype=np.float32)
    )
    q, s = top_neighbours(vectors, sparse.csr_matrix(vectors.T), 1)
    assert list(zip(q.tolist(), s.tolist(), strict=True)) == [(0, 1), (1, 0), (2, 0), (3, 2)]


def test_uncommon_keeps_words_found_at_most_a_hundred_times() -> None:
    counts = _counts([[0, 1, 2]], 3)
    df = np.array([1, 100, 101], dtype=np.int64)
    assert uncommon(counts, df).indices.tolist() == [0, 1]


def test_merge_pairs_orders_and_deduplicates() -> None:
    i, j = merge_pairs(5, (np.array([3, 1]), np.array([1, 2])), (np.array([1, 4]), np.array([3, 4])))
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(1, 2), (1, 3)]
