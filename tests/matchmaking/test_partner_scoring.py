"""The scoring components of partner suggestions, each alone on a small graph where the answer is obvious."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from hub.matchmaking.graph import build_graph
from hub.matchmaking.scoring import Weights, random_walk

CARDIO = "Télésurveillance à domicile des patients atteints d’insuffisance cardiaque, suivi des constantes."
DIABETES = "Application mobile pour l’éducation thérapeutique des patients diabétiques de type 2."

# each first-stage signal alone (no second stage: the trees would mix them again)
ONLY_WALK = Weights(blend=0.0, walk=1.0, nearby_text=0.0, profile=0.0, popularity=0.0, verified=0.0, rerank=False)
ONLY_NEARBY_TEXT = Weights(
    blend=0.0, walk=0.0, nearby_text=1.0, profile=0.0, popularity=0.0, verified=0.0, rerank=False
)
ONLY_PROFILE = Weights(blend=0.0, walk=0.0, nearby_text=0.0, profile=1.0, popularity=0.0, verified=0.0, rerank=False)


def _walk(pairs: list[tuple[int, int]], shape: tuple[int, int], members: list[int], skip: int) -> np.ndarray:
    rows, cols = zip(*pairs, strict=True)
    incidence = sparse.csr_matrix((np.ones(len(pairs)), (rows, cols)), shape=shape)
    degree = np.asarray(incidence.getnnz(axis=0), dtype=np.float64)
    size = np.asarray(incidence.getnnz(axis=1), dtype=np.float64)
    start = np.zeros(shape[1])
    start[members] = 1.0 / len(members)
    return random_walk(
        incidence,
        sparse.csr_matrix(incidence.T),
        start,
        1.0 / np.maximum(degree, 1.0),
        1.0 / np.maximum(size, 1.0),
        skip=skip,
    )


def test_the_random_walk_gives_the_exact_probabilities_of_reaching_each_actor() -> None:
    # project 0 = {0, 1}; project 1 = {0, 2}; project 2 = {1, 2, 3}
    walk = _walk([(0, 0), (0, 1), (1, 0), (1, 2), (2, 1), (2, 2), (2, 3)], (3, 4), [0, 1], skip=0)
    # from actor 0 (1/2): project 1 (1/2 of its two projects), then actor 0 or 2 (1/2 each) -> 1/8 each;
    # from actor 1 (1/2): project 2 (1/2), then actors 1, 2, 3 (1/3 each) -> 1/12 each
    assert np.allclose(walk, [1 / 8, 1 / 12, 1 / 8 + 1 / 12, 1 / 12])


@settings(max_examples=40, deadline=None)
@given(st.sets(st.tuples(st.integers(0, 5), st.integers(0, 7)), min_size=1, max_size=30), st.integers(0, 5))
def test_the_walk_keeps_all_the_probability_except_what_goes_through_the_starting_project(
    pairs: set[tuple[int, int]], project: int
) -> None:
    ordered = sorted(pairs)
    members = sorted({a for p, a in ordered if p == project})
    if not members:
        return
    walk = _walk(ordered, (6, 8), members, skip=project)
    degree = np.bincount([a for _, a in ordered], minlength=8)
    through_start = sum(1.0 / len(members) / degree[a] for a in members)
    assert np.all(walk >= 0.0)
    assert np.isclose(walk.sum() + through_start, 1.0)


def test_an_organisation_working_with_the_partners_ranks_above_an_unrelated_one() -> None:
    # "z" sorts after the unrelated "x" and "y", so it can only come first on its score
    pairs = [("p", "a"), ("p", "b"), ("q1", "a"), ("q1", "z"), ("q2", "b"), ("q2", "z"), ("r", "x"), ("r", "y")]
    for weights in (ONLY_WALK, Weights()):
        ranking = build_graph(pairs, weights=weights).rank_actors_for_project("p")
        assert ranking[0] == "z"
        assert set(ranking[1:]) == {"x", "y"}
    first = build_graph(pairs, weights=ONLY_WALK).suggest_for_project("p")[0]
    assert "a déjà travaillé avec 2 partenaires du projet" in first.reasons


def test_the_walk_discounts_busy_organisations_by_walk_beta() -> None:
    # "hub" shares a project with the partner and takes part in ten more; "small" shares one project only
    pairs = [("p", "a"), ("q", "a"), ("q", "hub"), ("q", "small"), ("s", "a"), ("s", "hub")]
    pairs += [(f"h{i}", "hub") for i in range(10)]
    plain = build_graph(pairs, weights=Weights(blend=0.0, walk=1.0, walk_beta=0.0, popularity=0.0, rerank=False))
    damped = build_graph(pairs, weights=Weights(blend=0.0, walk=1.0, walk_beta=1.0, popularity=0.0, rerank=False))
    assert plain.rank_actors_for_project("p")[0] == "hub"
    assert damped.rank_actors_for_project("p")[0] == "small"


def test_members_of_the_nearest_projects_in_text_come_first() -> None:
    pairs = [("new", "m"), ("cardio", "heart"), ("diab", "sugar")]
    texts = {"new": CARDIO, "cardio": CARDIO, "diab": DIABETES}
    graph = build_graph(pairs, project_texts=texts, weights=ONLY_NEARBY_TEXT)
    first = graph.suggest_for_project("new")[0]
    assert first.actor_id == "heart"
    assert "mène des projets proches (cardio)" in first.reasons
    assert first.score > graph.suggest_for_project("new", k=2)[1].score


def test_the_text_profile_prefers_an_organisation_focused_on_the_subject_over_a_busy_one() -> None:
    # "busy" takes part in one cardiology project and three diabetes ones; "focused" in one cardiology project
    pairs = [("new", "m"), ("c1", "busy"), ("c2", "focused"), ("d1", "busy"), ("d2", "busy"), ("d3", "busy")]
    texts = {"new": CARDIO, "c1": CARDIO, "c2": CARDIO, "d1": DIABETES, "d2": DIABETES, "d3": DIABETES}
    graph = build_graph(pairs, project_texts=texts, weights=ONLY_PROFILE)
    first = graph.suggest_for_project("new")[0]
    assert first.actor_id == "focused"
    assert any(r.startswith("mène des projets proches (c2") for r in first.reasons)


def _worked_with(pairs: set[tuple[int, str]], actor: str, others: set[str]) -> int:
    projects = {p for p, a in pairs if a == actor}
    return len({a for p, a in pairs if p in projects and a in others} - {actor})


@settings(max_examples=40, deadline=None)
@given(st.sets(st.tuples(st.integers(0, 6), st.sampled_from("abcdefghij")), min_size=1, max_size=40))
def test_the_count_of_partners_already_met_matches_the_participations(pairs: set[tuple[int, str]]) -> None:
    graph = build_graph(pairs)
    for project in graph.projects:
        members = {str(m) for m in graph.members(project)}
        for s in graph.suggest_for_project(project, k=10):
            n = _worked_with(pairs, str(s.actor_id), members)
            said = [r for r in s.reasons if r.startswith("a déjà travaillé avec")]
            assert said == ([f"a déjà travaillé avec {n} partenaire{'s' if n > 1 else ''} du projet"] if n else [])
    for actor in graph.actors:
        partners = {a for p, a in pairs if any(q == p and b == actor for q, b in pairs)} - {actor}
        for s in graph.suggest_for_actor(actor, k=10).actors:
            n = _worked_with(pairs, str(s.actor_id), partners)
            said = [r for r in s.reasons if r.startswith("a déjà travaillé avec")]
            assert said == ([f"a déjà travaillé avec {n} de vos partenaires"] if n else [])
