"""Invariants of partner suggestions on random graphs (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.matchmaking.graph import build_graph

WORDS = ["cardiologie", "diabète", "domicile", "patients", "capteurs", "hôpital", "données", "télésuivi"]

participations = st.lists(st.tuples(st.integers(0, 6), st.sampled_from("abcdefghij")), min_size=1, max_size=40)
texts = st.dictionaries(st.integers(0, 8), st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join), max_size=9)
attributes = st.dictionaries(
    st.sampled_from("abcdefghijk"),
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["company", "patient_organisation", "health_establishment", "research_unit"]),
            "region": st.sampled_from(["Bretagne", "Occitanie"]),
            "verified": st.booleans(),
        }
    ),
)


@settings(max_examples=30, deadline=None)
@given(participations, texts, attributes, st.integers(1, 12))
def test_suggestions_are_sorted_new_and_explained(
    pairs: list[tuple[int, str]], project_texts: dict[int, str], actor_attributes: dict[str, dict[str, object]], k: int
) -> None:
    graph = build_graph(pairs, project_texts=project_texts, actor_attributes=actor_attributes)
    for project in graph.projects:
        members = set(graph.members(project))
        suggestions = graph.suggest_for_project(project, k=k)
        scores = [s.score for s in suggestions]
        assert scores == sorted(scores, reverse=True)
        assert len(suggestions) == min(k, len(graph.actors) - len(members))
        assert not members & {s.actor_id for s in suggestions}
        assert all(s.reasons and all(isinstance(r, str) and r for r in s.reasons) for s in suggestions)
        assert suggestions == graph.suggest_for_project(project, k=k)  # same answer twice
    for actor in graph.actors:
        result = graph.suggest_for_actor(actor, k=k)
        assert [p.score for p in result.projects] == sorted((p.score for p in result.projects), reverse=True)
        assert actor not in {s.actor_id for s in result.actors}
        joined = {p for p in graph.projects if actor in graph.members(p)}
        assert joined.isdisjoint(p.project_id for p in result.projects)
