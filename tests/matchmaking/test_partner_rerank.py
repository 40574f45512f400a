"""The second stage of partner suggestions: boosted trees, the features they read, the period of activity."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.matchmaking.features import Tables
from hub.matchmaking.graph import _share_with, build_graph, rerank_model, segment_max
from hub.matchmaking.rerank import FEATURES, Trees, fit_trees, model_source
from hub.matchmaking.scoring import Weights

FIRST_ONLY = Weights(rerank=False)


def _column(name: str) -> int:
    return FEATURES.index(name)


def test_oblivious_trees_add_the_leaf_each_row_reaches() -> None:
    # tree 0 asks x0 > 0.5 (bit 0) then x1 > 2 (bit 1); tree 1 asks x1 > 0 at both levels (leaves 0 or 3 only)
    trees = Trees(
        features=(0, 1, 1, 1),
        thresholds=(0.5, 2.0, 0.0, 0.0),
        leaves=(0.0, 1.0, 2.0, 3.0, -1.0, 0.0, 0.0, 10.0),
        depth=2,
        base=-1.0,
    )
    x = np.array([[0.6, 1.0], [0.4, 3.0], [0.5, 2.0], [0.9, -1.0]])
    # row 0: tree 0 leaf 1, tree 1 leaf 3; row 1: leaf 2 and 3; row 2: leaf 0 (0.5 is not above 0.5) and 3
    assert np.allclose(trees.predict(x), [-1 + 1 + 10, -1 + 2 + 10, -1 + 0 + 10, -1 + 1 - 1])


def test_trees_without_any_tree_give_the_base_log_odds() -> None:
    trees = Trees(features=(), thresholds=(), leaves=(), depth=2, base=0.25)
    assert np.array_equal(trees.predict(np.zeros((3, 2))), [0.25, 0.25, 0.25])


def test_boosting_finds_the_threshold_that_separates_the_labels() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((2000, 3))
    y = (x[:, 1] > 0.3).astype(np.float64)
    trees = fit_trees(x, y, rounds=30, depth=1, learning_rate=0.5, l2=1.0)
    # the first tree asks the question that separates the labels (later ones only polish the margins)
    assert trees.features[0] == 1
    assert abs(trees.thresholds[0] - 0.3) < 0.04
    p = 1.0 / (1.0 + np.exp(-trees.predict(x)))
    assert ((p > 0.5) == (y == 1)).mean() > 0.98  # only values within a quantile bin of 0.3 may be missed
    assert np.median(p[y == 1]) > 0.95
    assert np.median(p[y == 0]) < 0.05


def test_listwise_boosting_orders_candidates_within_each_group() -> None:
    # two groups of candidates; within each, the positive is the one with the larger x1, whatever x0 says
    rng = np.random.default_rng(1)
    x = rng.random((400, 2))
    groups = np.repeat(np.arange(40), 10)
    y = np.zeros(400)
    for g in range(40):
        y[g * 10 + int(np.argmax(x[g * 10 : g * 10 + 10, 1]))] = 1.0
    trees = fit_trees(x, y, rounds=40, depth=2, learning_rate=0.3, l2=1.0, groups=groups)
    assert trees.base == 0.0
    scores = trees.predict(x).reshape(40, 10)
    assert (scores.argmax(axis=1) == np.flatnonzero(y) % 10).mean() > 0.8


def test_the_written_model_reads_back_as_the_same_trees() -> None:
    trees = fit_trees(np.array([[0.0], [1.0], [2.0], [3.0]] * 5), np.array([0.0, 0.0, 1.0, 1.0] * 5), rounds=3)
    namespace: dict[str, object] = {}
    exec(model_source(trees, "test", ("x",)), namespace)  # noqa: S102 - our own generated source
    assert namespace["TREES"] == dataclasses.replace(
        trees,
        thresholds=tuple(round(t, 6) for t in trees.thresholds),
        leaves=tuple(round(v, 6) for v in trees.leaves),
    )
    assert namespace["FEATURE_NAMES"] == ("x",)
    # a level that found no split (threshold +inf) and a model without trees also read back
    for special in (Trees((0,), (float("inf"),), (0.5, -0.5), 1, 0.0), Trees((), (), (), 2, -1.5)):
        exec(model_source(special, "test", ("x",)), namespace)  # noqa: S102
        assert namespace["TREES"] == special


def test_segment_maxima_and_shares_are_exact() -> None:
    values = np.array([0.2, 0.9, 0.1, 0.5, 0.7])
    assert np.array_equal(segment_max(values, np.array([2, 0, 1, 2])), [0.9, 0.0, 0.1, 0.7])
    assert np.array_equal(segment_max(np.zeros(0), np.array([0, 0])), [0.0, 0.0])
    codes = np.array([0, 0, 1, -1, 1, 0])  # actors 0-5; members 0, 1, 2, 3 (one of unknown code)
    shares = _share_with(codes, np.array([0, 1, 2, 3]), np.array([4, 5, 3]))
    assert np.array_equal(shares, [0.25, 0.5, -1.0])
    assert np.array_equal(_share_with(np.array([-1, -1]), np.array([0]), np.array([1])), [-1.0])


def test_the_period_share_counts_projects_in_the_period_and_trusts_declared_periods() -> None:
    actors = [{}, {}, {"periods": ["2021"]}, {"periods": ["2015"]}, {}]
    projects = [{"period": "2021"}, {"period": "2021"}, {"period": "2015"}, {}]
    tables = Tables.build(actors, projects)
    period = int(tables.periods.codes(["2021"])[0])
    # actor 0: projects 0, 1, 2 -> 2 of 3; actor 1: project 2 -> 0; actor 2 declares 2021 (its project 2 aside);
    # actor 3 declares 2015 only (its project 0 aside); actor 4: project 3 of unknown period -> unknown
    their_projects = np.array([0, 1, 2, 2, 2, 0, 3])
    share = tables.period_share(period, np.arange(5), their_projects, np.array([3, 1, 1, 1, 1]))
    assert np.allclose(share, [2 / 3, 0.0, 1.0, 0.0, -1.0])
    assert np.array_equal(tables.period_share(-1, np.arange(2), their_projects[:4], np.array([3, 1])), [-1, -1])


def test_an_organisation_active_in_the_project_period_is_told_so() -> None:
    pairs = [("new", "m"), ("q1", "x"), ("q2", "x"), ("q3", "x"), ("q4", "y"), ("q5", "y")]
    periods = {"new": "2021", "q1": "2021", "q2": "2021", "q3": "2015", "q4": "2015", "q5": "2015"}
    graph = build_graph(
        pairs,
        project_attributes={p: {"period": v} for p, v in periods.items()},
        actor_attributes={"z": {"periods": ["2021"]}},
    )
    said = {s.actor_id: s.reasons for s in graph.suggest_for_project("new", k=10)}
    assert "actif sur la même période : 2021" in said["x"]
    assert "actif sur la même période : 2021" in said["z"]
    assert not any(r.startswith("actif sur la même période") for r in said["y"])
    # no period for the project: nobody is said to be active in it
    plain = build_graph(pairs)
    assert not any(r.startswith("actif") for s in plain.suggest_for_project("new", k=10) for r in s.reasons)


def test_second_stage_features_on_a_small_graph_are_exact() -> None:
    # p = {a, b}; q1 = {a, z}; q2 = {b, z}; r = {x, y}: z worked with both partners, x and y with none
    pairs = [("p", "a"), ("p", "b"), ("q1", "a"), ("q1", "z"), ("q2", "b"), ("q2", "z"), ("r", "x"), ("r", "y")]
    kinds = {"a": "company", "b": "university", "z": "university", "x": "company"}
    graph = build_graph(
        pairs,
        actor_attributes={a: {"kind": k, "country": "France"} for a, k in kinds.items()},
        project_attributes={"p": {"period": "2021"}, "q1": {"period": "2021"}, "q2": {"period": "2015"}},
        weights=FIRST_ONLY,
    )
    chosen, x = graph.rerank_features("p")
    assert chosen[0] == "z"
    assert set(chosen) == {"x", "y", "z"}
    assert x.shape == (3, len(FEATURES))
    z, xi, yi = 0, chosen.index("x"), chosen.index("y")
    assert x[z, _column("shared_partners")] == 1.0  # both partners
    assert x[z, _column("best_shared")] == 0.5  # q1 holds one of the two partners
    assert x[xi, _column("shared_partners")] == 0.0
    assert x[z, _column("log_degree")] == pytest.approx(np.log(3.0))
    assert x[z, _column("same_period")] == 0.5  # q1 in 2021, q2 in 2015
    assert x[xi, _column("same_period")] == -1.0  # r has no period
    assert x[z, _column("same_kind")] == 0.5  # b is a university too
    assert x[xi, _column("same_kind")] == 0.5  # a is a company
    assert x[yi, _column("same_kind")] == -1.0  # y's kind is unknown
    assert x[z, _column("same_country")] == 1.0
    assert x[yi, _column("same_region")] == -1.0
    assert x[z, _column("first")] == 1.0
    assert np.allclose(x[:, _column("log_rank")], np.log1p([0.0, 1.0, 2.0]))
    assert x[z, _column("log_size")] == pytest.approx(np.log(3.0))


def test_the_shipped_trees_read_the_current_features() -> None:
    model = rerank_model()
    assert model is not None, "hub/matchmaking/ranker_model.py is missing or was fitted on other features"
    assert max(model.features) < len(FEATURES)
    assert len(model.leaves) == (len(model.features) // model.depth) << model.depth


participations = st.sets(st.tuples(st.integers(0, 6), st.integers(0, 14)), min_size=1, max_size=50)


@settings(max_examples=30, deadline=None)
@given(participations, st.integers(1, 6))
def test_re_ranking_only_reorders_the_first_stage_best_candidates(pairs: set[tuple[int, int]], depth: int) -> None:
    first = build_graph(pairs, weights=FIRST_ONLY)
    second = build_graph(pairs, weights=Weights(rerank_depth=depth))
    for project in first.projects:
        before, after = first.rank_actors_for_project(project), second.rank_actors_for_project(project)
        assert set(after[:depth]) == set(before[:depth])
        assert after[depth:] == before[depth:]
        scores = [s.score for s in second.suggest_for_project(project, k=depth)]
        assert all(1.0 < s <= 2.0 for s in scores)  # no declared needs, nobody verified


def test_a_declared_need_still_counts_after_re_ranking() -> None:
    # z worked with both partners; "pat" has no link at all but is the patient organisation the project asked for
    pairs = [("p", "a"), ("p", "b"), ("q1", "a"), ("q1", "z"), ("q2", "b"), ("q2", "z"), ("r", "pat"), ("r", "x")]
    attributes = {"pat": {"kind": "patient_organisation"}, "z": {"kind": "company"}}
    needs = {"p": {"needs": ["patients"]}}
    asked = build_graph(
        pairs, actor_attributes=attributes, project_attributes=needs, weights=Weights(declared_need=1.0)
    )
    ignored = build_graph(
        pairs, actor_attributes=attributes, project_attributes=needs, weights=Weights(declared_need=0.0)
    )
    first = asked.suggest_for_project("p")[0]
    assert first.actor_id == "pat"
    assert "apporte ce qui manque : une association de patients" in first.reasons
    assert ignored.suggest_for_project("p")[0].actor_id == "z"
