"""Trees fitted at build time on the graph's own participations (self-supervised second stage)."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from hub.matchmaking.graph import build_graph, rerank_model
from hub.matchmaking.learn import Learning, fit_own_trees, hide_own, training_rows, without
from hub.matchmaking.rerank import FEATURES, Trees, fit_trees, joined
from hub.matchmaking.scoring import Weights

OWN_TREES = Weights(learn=True, learn_from_shipped=False)


def _communities(
    n_projects: int = 120, n_groups: int = 3, group_size: int = 30, seed: int = 0
) -> list[tuple[int, str]]:
    """Projects that each gather 8 actors of one community (actor ids name their community: "g1-7")."""
    rng = np.random.default_rng(seed)
    pairs = []
    for p in range(n_projects):
        group = p % n_groups
        for a in rng.choice(group_size, 8, replace=False).tolist():
            pairs.append((p, f"g{group}-{a}"))
    return pairs


def _incidence(pairs: list[tuple[int, int]], shape: tuple[int, int]) -> sparse.csr_matrix:
    rows, cols = zip(*pairs, strict=True)
    return sparse.csr_matrix((np.ones(len(pairs)), (rows, cols)), shape=shape)


def test_only_participations_that_leave_both_ends_linked_are_hidden() -> None:
    # project 0 has three partners (one may go), project 1 two (none may go); actor 3 is in one project only
    incidence = _incidence([(0, 0), (0, 1), (0, 3), (1, 0), (1, 1), (2, 1), (2, 2), (2, 0)], (3, 4))
    for seed in range(20):
        rows, cols = hide_own(incidence, np.random.default_rng(seed), Learning(share=1.0))
        left = without(incidence, rows, cols)
        assert left.nnz == incidence.nnz - rows.size
        assert 1 <= rows.size <= 2  # at most one from project 0 and one from project 2
        assert 1 not in rows.tolist()
        assert 3 not in cols.tolist()
        assert (np.asarray(left.getnnz(axis=1)) >= 2).all()
        assert (np.asarray(left.getnnz(axis=0)) >= 1).all()
        assert not left[rows, cols].any()


def test_a_share_of_the_participations_is_hidden_and_each_hiding_differs() -> None:
    graph = build_graph(_communities(), weights=Weights(rerank=False))
    rng = np.random.default_rng(0)
    first = hide_own(graph.incidence, rng, Learning(share=0.1))
    second = hide_own(graph.incidence, rng, Learning(share=0.1))
    assert first[0].size == second[0].size == round(0.1 * graph.incidence.nnz)
    assert set(zip(*first, strict=True)) != set(zip(*second, strict=True))


def test_training_rows_label_the_hidden_partners_among_the_candidates() -> None:
    graph = build_graph(_communities(), weights=Weights(rerank=False))
    x, y, weight = training_rows(graph, Learning(repeats=2, negatives=0.5))
    assert x.shape == (y.size, len(FEATURES))
    assert 0 < y.sum() < y.size
    # kept negatives stand for the dropped ones: each counts twice
    assert np.array_equal(weight, np.where(y > 0, 1.0, 2.0))


def test_trees_learned_on_the_graph_keep_suggestions_in_the_project_community() -> None:
    pairs = _communities()
    graph = build_graph(pairs, weights=OWN_TREES)
    assert graph.trees is not None and graph.trees is not rerank_model()
    for project in range(6):
        group = f"g{project % 3}-"
        suggested = [s.actor_id for s in graph.suggest_for_project(project, k=5)]
        assert len(suggested) == 5
        assert all(str(a).startswith(group) for a in suggested), (project, suggested)
    # the draws are seeded: the same participations give the same trees and the same suggestions
    again = build_graph(list(reversed(pairs)), weights=OWN_TREES)
    assert again.trees == graph.trees


def test_a_graph_too_small_to_learn_from_keeps_the_shipped_trees() -> None:
    pairs = [("p", "a"), ("p", "b"), ("p", "c"), ("q", "a"), ("q", "b"), ("r", "c"), ("r", "d")]
    graph = build_graph(pairs, weights=OWN_TREES)
    assert fit_own_trees(graph) is None
    assert graph.trees is rerank_model()


def test_corrected_trees_start_from_the_shipped_ones() -> None:
    shipped = rerank_model()
    assert shipped is not None
    graph = build_graph(_communities(), weights=Weights(rerank=False))
    learned = fit_own_trees(graph, Learning(start=shipped, rounds=10, repeats=2, min_positives=20))
    assert learned is not None
    n = len(shipped.leaves)
    assert learned.leaves[:n] == shipped.leaves
    assert len(learned.leaves) == n + (10 << shipped.depth)
    assert learned.base == shipped.base


def test_joined_trees_add_the_log_odds_of_both() -> None:
    rng = np.random.default_rng(2)
    x = rng.random((300, 3))
    y = (x[:, 0] + 0.3 * x[:, 2] > 0.7).astype(np.float64)
    first = fit_trees(x, y, rounds=5, depth=2)
    then = fit_trees(x, y, rounds=5, depth=2, init=first.predict(x))
    assert then.base == 0.0
    both = joined(first, then)
    assert np.allclose(both.predict(x), first.predict(x) + then.predict(x))

    # the correction fits what the first trees missed: the logistic loss goes down
    def loss(t: Trees) -> float:
        p = 1.0 / (1.0 + np.exp(-t.predict(x)))
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    assert loss(both) < loss(first)
