"""Partner suggestions on small hand-built graphs where the right answer is obvious."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from hub.matchmaking.graph import ActorSuggestions, PartnerGraph, Suggestion, UnknownNode, build_graph

CARDIO = "Télésurveillance à domicile des patients atteints d’insuffisance cardiaque, suivi des constantes."
DIABETES = "Application mobile pour l’éducation thérapeutique des patients diabétiques de type 2."

# Two cardiology consortia that share partners a and b, one diabetes consortium with its own people.
PARTICIPATIONS = [
    ("cardio-1", "a"), ("cardio-1", "b"),
    ("cardio-2", "a"), ("cardio-2", "b"), ("cardio-2", "c"),
    ("diab-1", "x"), ("diab-1", "y"),
    ("diab-2", "x"), ("diab-2", "y"), ("diab-2", "z"),
]  # fmt: skip
TEXTS = {"cardio-1": CARDIO, "cardio-2": CARDIO, "diab-1": DIABETES, "diab-2": DIABETES}


def _graph() -> PartnerGraph:
    return build_graph(PARTICIPATIONS, project_texts=TEXTS)


def test_the_partner_of_my_partners_comes_first_with_reasons_in_french() -> None:
    first = _graph().suggest_for_project("cardio-1")[0]
    assert first.actor_id == "c"
    assert "a déjà travaillé avec 2 partenaires du projet" in first.reasons
    assert "mène des projets proches (cardio-2)" in first.reasons


def test_existing_partners_are_never_suggested() -> None:
    suggested = {s.actor_id for s in _graph().suggest_for_project("cardio-2", k=100)}
    assert suggested.isdisjoint({"a", "b", "c"})
    assert suggested == {"x", "y", "z"}


def test_scores_are_sorted_and_k_is_respected() -> None:
    suggestions = _graph().suggest_for_project("diab-1", k=2)
    assert len(suggestions) == 2
    assert suggestions[0].score >= suggestions[1].score
    assert suggestions[0].actor_id == "z"


def test_unknown_ids_raise_a_key_error_the_web_layer_can_map_to_404() -> None:
    graph = _graph()
    with pytest.raises(UnknownNode, match="unknown project"):
        graph.suggest_for_project("nope")
    with pytest.raises(KeyError):
        graph.suggest_for_actor("nobody")
    with pytest.raises(UnknownNode):
        graph.missing_roles("nope", ["company"])
    with pytest.raises(UnknownNode):
        graph.members(["not", "hashable"])  # type: ignore[arg-type]


def test_a_project_without_partners_gets_suggestions_from_its_text() -> None:
    texts = {**TEXTS, "new": "Suivi de l’insuffisance cardiaque à domicile"}
    graph = build_graph(PARTICIPATIONS, project_texts=texts)
    suggestions = graph.suggest_for_project("new", k=3)
    assert {s.actor_id for s in suggestions} == {"a", "b", "c"}
    assert all(any(r.startswith("mène des projets proches (cardio-") for r in s.reasons) for s in suggestions)


def test_a_project_known_only_by_attributes_gets_suggestions_from_sector_and_territory() -> None:
    graph = build_graph(
        [("old", "far"), ("old", "near")],
        actor_attributes={
            "far": {"region": "Bretagne", "sectors": ["diabète"]},
            "near": {"region": "Occitanie", "sectors": ["cardiologie"]},
        },
        project_attributes={"new": {"region": "Occitanie", "sectors": ["cardiologie"]}},
    )
    first, second = graph.suggest_for_project("new")
    assert first.actor_id == "near"
    assert "même secteur : cardiologie" in first.reasons
    assert "même territoire : Occitanie" in first.reasons
    assert second.actor_id == "far"
    assert second.reasons  # a suggestion always says something


def test_the_missing_patient_organisation_is_preferred_and_said() -> None:
    graph = build_graph(
        [("p", "lab"), ("q", "lab"), ("q", "startup"), ("q", "patients")],
        actor_attributes={
            "lab": {"kind": "research_unit"},
            "startup": {"kind": "company"},
            "patients": {"kind": "patient_organisation"},
        },
        project_attributes={"p": {"needs": ["patients"]}},
    )
    first = graph.suggest_for_project("p")[0]
    assert first.actor_id == "patients"
    assert "apporte ce qui manque : une association de patients" in first.reasons


def test_an_establishment_refusing_experiments_is_no_experimentation_site() -> None:
    graph = build_graph(
        [("p", "lab")],
        actor_attributes={
            "lab": {"kind": "research_unit"},
            "chu": {"kind": "health_establishment", "volunteer": False},
            "clinique": {"kind": "health_establishment"},
        },
        project_attributes={"p": {"needs": ["experimentation_site"]}},
    )
    by_id = {s.actor_id: s for s in graph.suggest_for_project("p")}
    assert "apporte ce qui manque : un lieu d’expérimentation" in by_id["clinique"].reasons
    assert not any(r.startswith("apporte ce qui manque") for r in by_id["chu"].reasons)
    assert by_id["clinique"].score > by_id["chu"].score


def test_missing_roles_lists_only_the_roles_nobody_fills_with_actors_of_that_kind() -> None:
    graph = build_graph(
        [("p", "lab"), ("q", "lab"), ("q", "startup"), ("q", "patients")],
        actor_attributes={
            "lab": {"kind": "research_unit"},
            "startup": {"kind": "company"},
            "patients": {"kind": "patient_organisation"},
        },
    )
    gaps = graph.missing_roles("p", ["research_unit", "company", "patient_organisation", "funder"])
    assert set(gaps) == {"company", "patient_organisation", "funder"}
    assert [s.actor_id for s in gaps["company"]] == ["startup"]
    assert [s.actor_id for s in gaps["patient_organisation"]] == ["patients"]
    assert gaps["funder"] == []
    assert "apporte ce qui manque : une entreprise" in gaps["company"][0].reasons


def test_ties_are_broken_by_id_and_the_input_order_does_not_matter() -> None:
    pairs: list[tuple[str, int | str]] = [("p", "m"), ("q", "m"), ("q", "b2"), ("q", "b1"), ("q", 3)]
    graph = build_graph(pairs)
    shuffled = pairs[:]
    random.Random(1).shuffle(shuffled)
    again = build_graph(shuffled)
    first = graph.suggest_for_project("p")
    assert [s.actor_id for s in first] == [3, "b1", "b2"]  # equal scores: numbers first, then text order
    assert first == again.suggest_for_project("p")
    assert graph.suggest_for_actor("b1") == again.suggest_for_actor("b1")


def test_verified_actors_win_ties() -> None:
    graph = build_graph([("p", "m"), ("q", "m"), ("q", "a"), ("q", "b")], actor_attributes={"b": {"verified": True}})
    first = graph.suggest_for_project("p")[0]
    assert first.actor_id == "b"
    assert "structure vérifiée par le lab e-santé" in first.reasons


def test_suggestions_for_an_actor_give_projects_to_join_and_people_to_meet() -> None:
    graph = _graph()
    result = graph.suggest_for_actor("c")
    assert isinstance(result, ActorSuggestions)
    assert "cardio-1" in [p.project_id for p in result.projects]
    assert "cardio-2" not in [p.project_id for p in result.projects]  # already in it
    joined = next(p for p in result.projects if p.project_id == "cardio-1")
    assert "2 de vos partenaires y participent" in joined.reasons
    met = {s.actor_id for s in result.actors}
    assert met.isdisjoint({"a", "b", "c"})  # self and existing partners are not "to meet"
    assert all(isinstance(s, Suggestion) and s.reasons for s in result.actors)


def test_actor_suggestions_prefer_projects_that_lack_what_the_actor_brings() -> None:
    graph = build_graph(
        [("p", "lab"), ("q", "lab"), ("q", "patients")],
        actor_attributes={"lab": {"kind": "research_unit"}, "patients": {"kind": "patient_organisation"}},
        project_attributes={"r": {"needs": ["patients"]}, "s": {"needs": ["funding"]}},
    )
    projects = graph.suggest_for_actor("patients").projects
    assert [p.project_id for p in projects][:2] == ["p", "r"]
    assert "cherche ce que vous apportez : une association de patients" in projects[1].reasons


def test_networkx_export_is_the_bipartite_participation_graph() -> None:
    graph = _graph().to_networkx()
    assert isinstance(graph, nx.Graph)
    assert graph.number_of_edges() == len(PARTICIPATIONS)
    assert graph.has_edge(("project", "cardio-2"), ("actor", "c"))
    assert nx.is_bipartite(graph)


def test_members_and_ids_are_exposed_in_order() -> None:
    graph = _graph()
    assert graph.members("cardio-2") == ("a", "b", "c")
    assert graph.projects == ("cardio-1", "cardio-2", "diab-1", "diab-2")
    assert graph.rank_actors_for_project("cardio-1")[0] == "c"


def test_answers_are_the_same_whether_a_project_query_was_kept_or_not() -> None:
    roles = ["patients", "research", "industry", "experimentation_site"]
    fresh_gaps = _graph().missing_roles("cardio-1", roles)
    graph = _graph()
    suggestions = graph.suggest_for_project("cardio-1")  # keeps the project's query
    assert graph.missing_roles("cardio-1", roles) == fresh_gaps
    assert graph.suggest_for_project("cardio-1") == suggestions == _graph().suggest_for_project("cardio-1")


def test_kept_project_queries_are_few_and_read_only() -> None:
    graph = _graph()
    for project in graph.projects:
        graph.suggest_for_project(project)
    kept = list(graph._recent.values())
    assert 0 < len(kept) <= 8
    with pytest.raises(ValueError, match="read-only"):
        kept[0].scores[0] = 1.0
