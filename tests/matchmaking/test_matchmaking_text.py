"""Text similarity of projects (TF-IDF) and the French reasons and roles around it."""

from __future__ import annotations

import pytest

from hub.matchmaking import reasons
from hub.matchmaking.roles import provides, role_label, unmet_needs
from hub.matchmaking.text import tfidf_matrix, tokenize


def test_tokens_fold_accents_drop_function_words_and_keep_word_pairs() -> None:
    tokens = tokenize("Les patients de l’hôpital et le télésuivi")
    assert "hopital" in tokens
    assert "telesuivi" in tokens
    assert "les" not in tokens
    assert "patients_hopital" in tokens


def test_tfidf_products_are_cosines_and_same_topic_is_closer() -> None:
    matrix = tfidf_matrix(
        ["insuffisance cardiaque à domicile", "insuffisance cardiaque à domicile", "insuffisance cardiaque et capteurs",
         "diabète de type 2", ""]
    )  # fmt: skip
    sim = (matrix @ matrix.T).toarray()
    assert sim[0, 1] == pytest.approx(1.0)  # same text
    assert 0.0 < sim[0, 2] < 1.0
    assert sim[0, 3] == 0.0  # nothing in common
    assert not sim[4].any()  # an empty text is similar to nothing
    assert sim.max() <= 1.0 + 1e-9


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (reasons.worked_with_members(1), "a déjà travaillé avec 1 partenaire du projet"),
        (reasons.worked_with_members(3), "a déjà travaillé avec 3 partenaires du projet"),
        (reasons.your_partners_inside(2), "2 de vos partenaires y participent"),
        (reasons.close_projects(["Cardio", "Diab"]), "mène des projets proches (Cardio, Diab)"),
        (reasons.same_sector(["cardiologie"]), "même secteur : cardiologie"),
        (reasons.same_territory("Occitanie"), "même territoire : Occitanie"),
        (reasons.brings_missing("patients"), "apporte ce qui manque : une association de patients"),
        (reasons.brings_missing("research_unit"), "apporte ce qui manque : une unité de recherche"),
        (reasons.active_in(0), "nouveau venu dans le réseau"),
    ],
)
def test_reasons_read_as_plain_french(reason: str, expected: str) -> None:
    assert reason == expected


def test_roles_know_which_kinds_meet_which_needs() -> None:
    assert provides("health_establishment", True, "experimentation_site")
    assert not provides("health_establishment", False, "experimentation_site")
    assert provides("university", True, "research")
    assert not provides(None, True, "patients")
    assert unmet_needs(["patients", "research"], [("research_unit", True)]) == ("patients",)
    assert role_label("unknown_kind") == "unknown kind"
