"""Keyword classifier and health filter, checked on real i-Lab pitches."""

from __future__ import annotations

import pytest

from seed.classify import SECTOR_PATTERNS, TECHNOLOGY_CODES, classify, domain_fallback, is_health_related, normalise
from seed.sources import iter_sectors


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Chipiron : rendre l’IRM accessible à tous et partout", {"imagerie"}),
        (
            "Surgical Augmented Reality (SurgAR): logiciel d’assistance à la chirurgie par réalité augmentée",
            {"chirurgie", "realite_virtuelle"},
        ),
        (
            "Semelle à capteurs de pression pour la prévention de complications au niveau du pied chez la "
            "personne diabétique",
            {"diabete", "objets_connectes", "prevention"},
        ),
        ("DIATELIC :Télésurveillance de dialysés à domicile", {"nephro_uro", "telemedecine"}),
        ("Raidium, le GPT de la radiologie", {"ia", "imagerie"}),
        ("Mesures cardiologiques par webcam et sur téléphone mobile", {"cardio"}),
        ("Outil ludique et personnalisable pour répondre aux besoins des personnes autistes", {"sante_mentale"}),
        ("Système portatif d'aide au diagnostic et à l'amélioration du traitement du glaucome", {"ophtalmologie"}),
        ("Plateforme décentralisée de valorisation des données de santé", {"donnees_sante"}),
        ("Kits de motorisation innovants pour fauteuil roulant manuel", {"handicap"}),
        (
            "Simulateur d’enseignement dentaire en réalité virtuelle",
            {"bucco_dentaire", "formation", "realite_virtuelle"},
        ),
    ],
)
def test_real_titles_get_expected_sectors(title: str, expected: set[str]) -> None:
    assert set(classify([title])) == expected


def test_word_boundaries_prevent_partial_matches() -> None:
    assert "ia" not in classify(["Une initiative sociale et familiale"])
    assert "infectiologie" not in classify(["Désinfection des surfaces"])
    assert classify([None, ""]) == ()


def test_every_pattern_code_is_in_the_vocabulary() -> None:
    codes = {s.code: s.family for s in iter_sectors()}
    assert set(SECTOR_PATTERNS) == set(codes)
    assert {code for code, family in codes.items() if family == "technology"} == TECHNOLOGY_CODES


def test_domain_fallback_names_a_technology() -> None:
    assert domain_fallback("Technologies médicales") == "dispositifs_medicaux"
    assert domain_fallback(" Pharmacie & biotechnologies ") == "biotech"
    assert domain_fallback("Chimie & environnement") is None


def test_normalise_strips_accents_and_ligatures() -> None:
    assert normalise("Cœur ÉLECTRONIQUE’s") == "coeur electronique's"


@pytest.mark.parametrize(
    ("title", "summary", "expected"),
    [
        ("Développement d'une nutripompe portable dédiée aux patients hospitalisés à domicile", "", True),
        ("Kit tout terrain pour fauteuil handicapé de ville", "", True),
        ("UbiFrame Interactive", "Un besoin exprimé par des médecins pour poser un diagnostic à distance.", True),
        ("Equipement de détection précoce des troubles de la santé des bovins", "", False),
        ("NEPHTYS MATERIALS : matériau avancé sans effet nocif sur la santé et sur l'environnement", "", False),
        ("Solutions de diagnostic et de surveillance des réseaux câblés", "", False),
        (
            "Microfabrication de moules pour l’injection plastique",
            "Pour les marchés de l'horlogerie et du médical.",
            False,
        ),
    ],
)
def test_health_filter(title: str, summary: str, expected: bool) -> None:
    assert is_health_related(title, summary) is expected
