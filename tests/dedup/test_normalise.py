"""Table tests of the text normalisation used by duplicate detection."""

from __future__ import annotations

import pytest

from hub.dedup.normalise import (
    code_core,
    codes_compatible,
    fold,
    is_code,
    is_strong,
    normalise_identifiers,
    normalise_organisation,
    stem,
    tokens,
    tokens_many,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Télémédecine", "telemedecine"),
        ("Cœur ÆSOP", "coeur aesop"),
        ("Hôpital Saint-Éloi", "hopital saint-eloi"),
        ("L’hôpital « Nord » – 2024", "l'hopital   nord   - 2024"),
        ("Erdős, ﬁltre, 60°C", "erdos, filtre, 60c"),
        ("", ""),
    ],
)
def test_fold_strips_case_accents_and_ligatures(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # stop words (French and English) and punctuation disappear
        ("Le suivi des patients à domicile", ["suivi", "patient", "domicile"]),
        ("The remote care of the patients", ["remote", "care", "patient"]),
        ("l’industrie et l'industrie", ["industrie", "industrie"]),
        # plurals are reduced, -aux becomes -al
        ("Dispositifs connectés", ["dispositif", "connecte"]),
        ("Capteurs médicaux", ["capteur", "medical"]),
        # acronyms and their expansions become the same token
        ("intelligence artificielle", ["ia"]),
        ("Intelligences artificielles", ["ia"]),
        ("AI", ["ia"]),
        ("dispositifs médicaux", ["dm"]),
        ("télé-médecine", ["tlm", "tlm"]),
        ("Télémédecine", ["tlm"]),
        ("IRM", ["irm"]),
        ("imagerie par résonance magnétique", ["irm"]),
        ("établissement d'hébergement pour personnes âgées dépendantes", ["ehpad"]),
        # glued codes keep their parts and their glued form
        ("KDL-52W4100", ["kdl", "52w4100", "kdl52w4100"]),
        ("Industrie 4.0", ["industrie", "4", "0", "40"]),
        # a model code with a colour or variant suffix also gives its core
        ("KDL40V4100B", ["kdl40v4100b", "kdl40v4100"]),
        ("NN-H965WF", ["nn", "h965wf", "nnh965wf", "nnh965"]),
        # quantities and plain numbers are not model codes: no core
        ("100mg 2024 3D", ["100mg", "2024", "3d"]),
        # slash-separated lists are split, not glued
        ("CD/MP3", ["cd", "mp3"]),
        # export debris
        ("MAGELIA_x000D_", ["magelia"]),
        ("", []),
    ],
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_tokens_many_keeps_texts_apart_even_with_newlines() -> None:
    texts = ["Télésuivi\ndu diabète", "", "Robot chirurgical"]
    assert tokens_many(texts) == [["tls", "diabete"], [], ["robot", "chirurgical"]]
    assert tokens_many([]) == []


@pytest.mark.parametrize(
    ("word", "expected"),
    [("dispositifs", "dispositif"), ("medicaux", "medical"), ("process", "process"), ("virus", "virus"), ("ia", "ia")],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


@pytest.mark.parametrize(
    ("token", "strong", "code"),
    [
        ("2024", True, False),
        ("5g", True, False),
        ("kdl52w4100", True, True),
        ("dispositif", False, False),
        ("3eme", True, False),
        ("21st", True, False),
    ],
)
def test_strong_tokens_and_codes(token: str, strong: bool, code: bool) -> None:
    assert is_strong(token) is strong
    assert is_code(token) is code


@pytest.mark.parametrize(
    ("name", "expected"),
    [("SAS Valvopulse", "valvopulse"), ("VALVOPULSE S.A.S.", "valvopulse"), ("Société Cœur & Co", "coeur"), ("", "")],
)
def test_normalise_organisation(name: str, expected: str) -> None:
    assert normalise_organisation(name) == expected


def test_normalise_identifiers_ignores_spacing_and_case() -> None:
    assert normalise_identifiers(["123 456 789", "fr-12", "x"]) == frozenset({"123456789", "FR12"})
    assert normalise_identifiers(["SIRET 123 456 789 00012"]) == frozenset({"SIRET12345678900012", "12345678900012"})


@pytest.mark.parametrize(
    ("token", "core"),
    [
        ("kdl40v4100b", "kdl40v4100"),
        ("pm1327bk", "pm1327"),
        ("mmv4205baq", "mmv4205"),
        ("kdl40v4100", None),  # already ends with a digit
        ("x50red", None),  # the core would be too short to identify a model
        ("100mg", None),  # a quantity: no letter before the last digit
        ("dispositif", None),
    ],
)
def test_code_core(token: str, core: str | None) -> None:
    assert code_core(token) == core


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("kdl40v4100b", "kdl40v4100"),
        ("mmv4205bt", "mmv4205baq"),
        ("rxv663bl", "rxv663bk"),
        ("tsc14w", "kxtsc14w"),
        ("r1214", "r1214ss"),
    ],
)
def test_variants_of_one_model_are_compatible(a: str, b: str) -> None:
    assert codes_compatible(a, b)
    assert codes_compatible(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [("dehp400ub", "dehp500ub"), ("kdl40v4100", "kdl52w4100"), ("am53bk", "am54bk"), ("rxv663bl", "rxv863bl")],
)
def test_different_models_are_not_compatible(a: str, b: str) -> None:
    assert not codes_compatible(a, b)
    assert not codes_compatible(b, a)
