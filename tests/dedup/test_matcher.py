"""Behaviour of the duplicate matcher on small, realistic French project catalogues."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.dedup import LIKELY_DUPLICATE_THRESHOLD, DuplicateIndex, Match, cluster_matches, find_duplicates, match_one

Record = dict[str, object]

CATALOGUE: list[Record] = [
    {
        "id": "p01",
        "title": "Télésurveillance des patients insuffisants cardiaques à domicile",
        "summary": "CardioVeille propose une plateforme de télésurveillance : une balance et un tensiomètre connectés "
        "transmettent chaque jour le poids et la tension du patient ; une infirmière est alertée en cas de "
        "décompensation cardiaque.",
        "organisation": "CardioVeille SAS",
        "region": "R84",
    },
    {
        "id": "p02",
        "title": "Télésurveillance à domicile des insuffisants cardiaques",
        "summary": "La plateforme CardioVeille de télésurveillance relie une balance et un tensiomètre connectés au "
        "service de cardiologie ; l'infirmière reçoit une alerte en cas de décompensation.",
        "organisation": "CARDIOVEILLE",
        "region": "R84",
    },
    {
        "id": "p03",
        "title": "Robot d'assistance pour la rééducation de la marche après un AVC",
        "summary": "Exosquelette léger des membres inférieurs utilisé en centre de rééducation pour les patients "
        "hémiplégiques après un accident vasculaire cérébral.",
        "organisation": "MarcheNeuve",
        "region": "R11",
    },
    {
        "id": "p04",
        "title": "Application de suivi de la grossesse",
        "summary": "Une application mobile accompagne les femmes enceintes : rendez-vous, conseils de sages-femmes, "
        "rappels de vaccination et messagerie sécurisée avec la maternité.",
        "organisation": "Maternelia",
        "region": "R93",
    },
    {
        "id": "p05",
        "title": "Dépistage de la rétinopathie diabétique par intelligence artificielle",
        "summary": "RetinIA analyse les photographies du fond d'œil prises en pharmacie et signale les patients "
        "diabétiques à adresser en urgence à un ophtalmologiste.",
        "organisation": "RetinIA",
        "region": "R76",
        "identifiers": ["SIRET 123 456 789 00012"],
    },
    {
        "id": "p06",
        "title": "Dépistage de la rétinopathie du diabète par IA en officine",
        "summary": "Les photographies du fond d'oeil prises en officine sont analysées par RetinIA, qui signale les "
        "diabétiques à orienter vers l'ophtalmologiste.",
        "organisation": "Retin IA",
        "region": "R76",
        "identifiers": ["12345678900012"],
    },
    {
        "id": "p07",
        "title": "Pilulier connecté pour les personnes âgées",
        "summary": "Un pilulier qui rappelle la prise des médicaments et prévient l'aidant en cas d'oubli, pour le "
        "maintien à domicile des personnes âgées.",
        "organisation": "PiluTech",
        "region": "R44",
    },
    {
        "id": "p08",
        "title": "Téléconsultation dermatologique en maison de santé",
        "summary": "Les médecins généralistes envoient des photographies de lésions de la peau à un dermatologue qui "
        "répond sous 48 heures.",
        "organisation": "DermaLien",
        "region": "R28",
    },
    {
        "id": "p09",
        "title": "Capteur de chute pour les résidents d'EHPAD",
        "summary": "Un capteur radar installé au plafond détecte les chutes la nuit sans caméra et alerte le personnel "
        "soignant.",
        "organisation": "VeilleNuit",
        "region": "R53",
    },
    {
        "id": "p10",
        "title": "Plateforme de coordination des soins palliatifs",
        "summary": "Les équipes mobiles de soins palliatifs partagent un dossier commun avec les infirmiers libéraux "
        "et l'hospitalisation à domicile.",
        "organisation": "Palliacoord",
        "region": "R32",
    },
]


def test_obvious_duplicates_are_found_with_french_reasons() -> None:
    matches = find_duplicates(CATALOGUE)
    pairs = {(m.a, m.b) for m in matches}
    assert ("p01", "p02") in pairs
    assert ("p05", "p06") in pairs
    by_pair = {(m.a, m.b): m for m in matches}
    cardio = by_pair[("p01", "p02")]
    assert cardio.score >= LIKELY_DUPLICATE_THRESHOLD
    assert "même porteur" in cardio.reasons
    assert "même région" in cardio.reasons
    assert any(r.startswith("titre") for r in cardio.reasons)
    assert "même identifiant" in by_pair[("p05", "p06")].reasons


def test_distinct_projects_are_not_matched() -> None:
    matches = find_duplicates(CATALOGUE)
    assert {(m.a, m.b) for m in matches} == {("p01", "p02"), ("p05", "p06")}


def test_matches_are_ordered_best_first_with_ids_in_order() -> None:
    matches = find_duplicates(CATALOGUE, threshold=0.0)
    assert matches == sorted(matches, key=lambda m: (-m.score, m.a, m.b))
    assert all(m.a < m.b and 0.0 <= m.score <= 1.0 for m in matches)


def test_lower_threshold_returns_a_superset() -> None:
    previous: set[tuple[str, str]] = set()
    for threshold in (0.99, 0.9, LIKELY_DUPLICATE_THRESHOLD, 0.2, 0.01, 0.0):
        found = {(m.a, m.b) for m in find_duplicates(CATALOGUE, threshold=threshold)}
        assert previous <= found
        previous = found
    assert len(previous) > 2  # threshold 0 returns every candidate pair, not only the duplicates


def test_same_input_gives_same_output() -> None:
    assert find_duplicates(CATALOGUE, threshold=0.0) == find_duplicates(CATALOGUE, threshold=0.0)


def test_record_order_does_not_change_the_result() -> None:
    forward = find_duplicates(CATALOGUE, threshold=0.0)
    backward = find_duplicates(list(reversed(CATALOGUE)), threshold=0.0)
    assert forward == backward


def test_empty_and_missing_fields_are_tolerated() -> None:
    records: list[Record] = [
        {"id": "a"},
        {"id": "b", "title": "", "summary": "", "organisation": "", "region": ""},
        {"id": "c", "title": None, "summary": 3, "partners": "Hôpital Nord", "sectors": None},
        {"id": "d", "title": "Pilulier connecté", "summary": ""},
        {"id": "e", "title": "Pilulier connecté", "summary": ""},
    ]
    matches = find_duplicates(records, threshold=0.0)
    assert {(m.a, m.b) for m in matches} == {("d", "e")}
    assert find_duplicates([]) == []
    assert find_duplicates([{"id": "x"}]) == []


def test_match_one_finds_the_stored_duplicate() -> None:
    index = DuplicateIndex.build(CATALOGUE)
    new: Record = {
        "id": "new",
        "title": "Pilulier connecté pour personnes âgées à domicile",
        "summary": "Pilulier intelligent qui rappelle la prise des médicaments et prévient l'aidant en cas d'oubli.",
        "region": "R44",
    }
    found = index.match_one(new)
    assert [m.b for m in found] == ["p07"]
    assert found[0].a == "new"
    assert "même région" in found[0].reasons
    assert match_one(new, CATALOGUE) == found


def test_match_one_respects_limit_and_threshold() -> None:
    index = DuplicateIndex.build(CATALOGUE)
    query = dict(CATALOGUE[0], id="q")
    everything = index.match_one(query, threshold=0.0, limit=100)
    assert [m.score for m in everything] == sorted((m.score for m in everything), reverse=True)
    assert index.match_one(query, threshold=0.0, limit=1) == everything[:1]
    assert all(m.score >= 0.9 for m in index.match_one(query, threshold=0.9))
    assert not index.match_one({"id": "z", "title": "Logistique portuaire"})


def test_match_one_skips_the_record_itself() -> None:
    index = DuplicateIndex.build(CATALOGUE)
    found = index.match_one(CATALOGUE[0])
    assert [(m.a, m.b) for m in found] == [("p01", "p02")]


def test_cluster_matches_groups_connected_pairs() -> None:
    matches = [
        Match("b", "c", 0.9, ()),
        Match("a", "b", 0.8, ()),
        Match("x", "y", 0.7, ()),
        Match("d", "e", 0.6, ()),
        Match("c", "e", 0.6, ()),
    ]
    assert cluster_matches(matches) == [("a", "b", "c", "d", "e"), ("x", "y")]
    assert cluster_matches([]) == []


def test_match_is_frozen() -> None:
    match = Match("a", "b", 0.5, ("même région",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.score = 1.0  # type: ignore[misc]


_words = st.sampled_from(
    [
        "patient",
        "suivi",
        "domicile",
        "capteur",
        "diabète",
        "cardiaque",
        "télésurveillance",
        "robot",
        "IA",
        "plateforme",
        "soins",
        "infirmière",
        "hôpital",
        "application",
        "dépistage",
        "cancer",
        "données",
        "santé",
        "médecin",
    ]
)
_text = st.lists(_words, min_size=0, max_size=12).map(" ".join)
_record = st.fixed_dictionaries(
    {"title": _text, "summary": _text, "region": st.sampled_from(["", "R11", "R84"])},
)


@settings(max_examples=40, deadline=None)
@given(_record, _record)
def test_scores_are_symmetric(left: Record, right: Record) -> None:
    a, b = dict(left, id="a"), dict(right, id="b")
    forward = find_duplicates([a, b], threshold=0.0)
    backward = find_duplicates([b, a], threshold=0.0)
    assert forward == backward
    assert all(0.0 <= m.score <= 1.0 for m in forward)


@settings(max_examples=25, deadline=None)
@given(st.lists(_record, min_size=2, max_size=6))
def test_results_are_deterministic(records: list[Record]) -> None:
    catalogue = [dict(r, id=f"r{k}") for k, r in enumerate(records)]
    first = find_duplicates(catalogue, threshold=0.0)
    assert first == find_duplicates(catalogue, threshold=0.0)
    assert {(m.a, m.b) for m in find_duplicates(catalogue)} <= {(m.a, m.b) for m in first}


_PRODUCTS: list[Record] = [
    {"id": "abt-1", "title": "Sony BRAVIA V Series 40' LCD Flat Panel HDTV - KDL-40V4100", "summary": ""},
    {"id": "buy-1", "title": "Sony Bravia 40' Black LCD HDTV - KDL40V4100B", "summary": ""},
    {"id": "buy-2", "title": "Sony Bravia 40' Black LCD HDTV - KDL40W4100B", "summary": ""},
    {"id": "abt-3", "title": "Pioneer Premier Car CD Receiver - DEHP400UB", "summary": ""},
    {"id": "buy-3", "title": "Pioneer Premier Car CD Receiver - DEHP500UB", "summary": ""},
    {"id": "abt-4", "title": "Panasonic 2-Line Integrated Telephone - KXTSC14W", "summary": ""},
    {"id": "buy-4", "title": "Panasonic KX-TSC14W 2-Line Telephone", "summary": ""},
]


def _scores(records: list[Record]) -> dict[tuple[str, str], Match]:
    return {(m.a, m.b): m for m in find_duplicates(records, threshold=0.0)}


def test_variants_of_one_model_code_match_and_other_models_do_not() -> None:
    scores = _scores(_PRODUCTS)
    # Colour suffix and hyphen: the same model, named as such in the reasons.
    same = scores[("abt-1", "buy-1")]
    assert same.score >= LIKELY_DUPLICATE_THRESHOLD
    assert any("kdl40v4100" in reason for reason in same.reasons)
    # Hyphen only, code written in the title at another place.
    assert scores[("abt-4", "buy-4")].score >= LIKELY_DUPLICATE_THRESHOLD
    # Another model with the same words scores far lower.
    other = scores.get(("abt-1", "buy-2"))
    assert other is None or other.score < same.score - 0.3
    # Two models of a product line (400 / 500) score below the same listing written another way.
    line = scores[("abt-3", "buy-3")].score
    same_model = [
        dict(r, title="Pioneer Premier Car CD Receiver - DEHP-400UB") if r["id"] == "buy-3" else r for r in _PRODUCTS
    ]
    assert line < _scores(same_model)[("abt-3", "buy-3")].score


def test_match_one_finds_a_model_code_written_another_way() -> None:
    index = DuplicateIndex.build([r for r in _PRODUCTS if r["id"] != "buy-1"])
    found = index.match_one(dict(_PRODUCTS[1], id="new"))
    assert [m.b if m.a == "new" else m.a for m in found][:1] == ["abt-1"]
