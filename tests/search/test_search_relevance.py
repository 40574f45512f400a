"""Relevance suite: real i-Lab health laureates, queries a person would type, results that must come first.

Expected titles were chosen by reading the data (the title holds the concept asked for), not by running the
engine. Each case: query, titles (prefixes) of which at least one must appear, and within how many results.
The suite runs on the embedded engine, and on a real Meilisearch when HUB_TEST_MEILISEARCH_URL is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from search.embedded import EmbeddedEngine
from search.engine import SearchEngine, SearchQuery

CASES: list[tuple[str, str, tuple[str, ...], int]] = [
    # (category, query, expected title prefixes, top k)
    (
        "exact",
        "diabète",
        ("Compléments alimentaires pour la prévention du diabète", "Biomarqueurs prédictifs du diabète"),
        5,
    ),
    ("exact", "Alzheimer", ("Tests diagnostics de la maladie d'Alzheimer",), 10),
    ("exact", "mucoviscidose", ("LEJO : compagnons connectés",), 5),
    ("exact", "sepsis", ("Projet LR17 : nouvelle stratégie thérapeutique du sepsis",), 5),
    ("exact", "pansement", ("Un pansement intelligent pour le suivi",), 5),
    ("exact", "insuline", ("Dispositif ultrasonore pour l'administration de l'insuline",), 5),
    ("exact", "microbiote", ("STARFISH Bioscience",), 5),
    (
        "exact",
        "foie",
        ("BioTrojan : vaincre les cancers du foie", "Test sanguin diagnostique de la sévérité des maladies du foie"),
        5,
    ),
    (
        "exact",
        "anticorps",
        ("Anticorps chimériques humains", "Anticorps monoclonaux humains à visée thérapeutique"),
        10,
    ),
    ("exact", "monoclonaux", ("Anticorps monoclonaux humains à visée thérapeutique",), 5),
    ("exact", "ultrasons", ("Traitement de la cellulite par ultrasons",), 10),
    ("exact", "robot", ("Conception et développement d'un robot de microchirurgie",), 5),
    ("exact", "biomarqueurs", ("Biomarqueurs prédictifs du diabète",), 10),
    (
        "exact",
        "vaccin",
        ("Développement d'un vaccin thérapeutique dans le cancer du poumon", "Un vaccin cellulaire contre"),
        10,
    ),
    ("exact", "Parkinson", ("Premier agent modifiant l’évolution de la maladie de Parkinson",), 5),
    ("exact", "sepsis choc septique", ("SERENITE, diagnostic et traitement de l'état de sepsis",), 5),
    (
        "typo",
        "cardiolgie",
        (
            "Un coeur virtuel personnalisé",
            "Conception, developpement, fabrication et commercialisation de systèmes innovants d’imagerie cardiaq",
        ),
        10,
    ),
    (
        "typo",
        "alzeimer",
        ("Tests diagnostics de la maladie d'Alzheimer", "Diagnostic biochimique de rupture de la Maladie"),
        10,
    ),
    (
        "typo",
        "vacin",
        ("Développement d'un vaccin thérapeutique dans le cancer du poumon", "Un vaccin cellulaire contre"),
        10,
    ),
    ("typo", "diabte", ("Compléments alimentaires pour la prévention du diabète",), 10),
    ("typo", "mucovisidose", ("LEJO : compagnons connectés",), 5),
    ("typo", "insulline", ("Dispositif ultrasonore pour l'administration de l'insuline",), 5),
    ("typo", "prothse", ("Prothèse Intelligente", "Puce électronique pour prothèse chirurgicale communicante"), 5),
    ("typo", "cicatrisaton", ("Un pansement intelligent pour le suivi",), 5),
    (
        "typo",
        "chirugie",
        ("Un robot pour la chirurgie vitréo-rétinienne de demain", "Projet de chirurgie orthognatique"),
        10,
    ),
    ("typo", "biomarqeurs", ("Biomarqueurs prédictifs du diabète", "Biomarqueurs d'affections musculaires"), 10),
    ("accents", "telesurveillance", ("Télésurveillance médicale de la gestion de la douleur à domicile",), 5),
    ("accents", "therapie genique", ("Thérapie génique dédiée à l’ophtalmologie", "Produits de thérapie génique"), 5),
    ("accents", "prothese", ("Prothèse Intelligente",), 5),
    ("accents", "diabete", ("Compléments alimentaires pour la prévention du diabète",), 5),
    (
        "accents",
        "regeneration tissulaire",
        ("Développement de biomatériaux innovants pour la régénération tissulaire",),
        5,
    ),
    (
        "accents",
        "maladies neurodegeneratives",
        ("Applications de calixarènes en diagnostic et thérapie de maladies neurodégénératives",),
        5,
    ),
    ("accents", "DISPOSITIF MEDICAL IMPLANTABLE", ("Dispositif médical implantable",), 5),
    (
        "accents",
        "pancreas artificiel",
        ("Développement de technologies innovantes optimisant les systèmes de pancréas artificiel",),
        5,
    ),
    (
        "partial",
        "diab",
        ("Compléments alimentaires pour la prévention du diabète", "Biomarqueurs prédictifs du diabète"),
        10,
    ),
    ("partial", "alzh", ("Tests diagnostics de la maladie d'Alzheimer",), 10),
    ("partial", "mucovis", ("LEJO : compagnons connectés",), 5),
    ("partial", "cicatri", ("Un pansement intelligent pour le suivi",), 5),
    ("partial", "monoclo", ("Anticorps monoclonaux humains à visée thérapeutique",), 5),
    ("partial", "transplant", ("Évaluer en temps réel la qualité d’un foie humain en vue d’une transplantation",), 5),
    (
        "partial",
        "immunoth",
        ("Nouveaux produits immunothérapeutiques", "Développement de polyvaccins pour l'immunothérapie"),
        10,
    ),
    (
        "partial",
        "pancré",
        ("Développement de technologies innovantes optimisant les systèmes de pancréas artificiel",),
        5,
    ),
    ("acronym", "IA", ("Intelligence artificielle appliquée à la détection des maladies coronaires",), 10),
    ("acronym", "intelligence artificielle", ("Système de détection de fuites peropératoire assisté par IA",), 10),
    ("acronym", "IRM", ("Chipiron : rendre l’IRM accessible à tous et partout",), 10),
    ("acronym", "imagerie par résonance magnétique", ("Chipiron : rendre l’IRM accessible à tous et partout",), 10),
    ("acronym", "AVC", ("Inhibiteur de kinase dans l’accident vasculaire cérébral",), 5),
    ("acronym", "accident vasculaire cérébral", ("Permettre la prise en charge des AVC dès l’ambulance",), 5),
    (
        "acronym",
        "DM",
        ("Dispositif médical communiquant sans fils", "Dispositif médical pour l’autogreffe adipocytaire"),
        10,
    ),
    ("acronym", "DTx", ("LUCINE: thérapie numérique capable de mesurer",), 5),
    (
        "two-words",
        "cancer sein",
        ("Méthode diagnostique en oncologie : cancer du sein", "Traitement des métastases du cancer du sein"),
        5,
    ),
    ("two-words", "pansement intelligent", ("Un pansement intelligent pour le suivi",), 1),
    ("two-words", "chirurgie robot", ("Un robot pour la chirurgie vitréo-rétinienne de demain",), 3),
    ("two-words", "foie transplantation", ("Évaluer en temps réel la qualité d’un foie humain",), 1),
    ("two-words", "maladies rares", ("Traitement de maladies rares mortelles avec besoin médical irrésolu",), 5),
    (
        "two-words",
        "cellules souches",
        ("Greffons de cellules souches pour le traitetement de l'insuffisance cardiaque",),
        5,
    ),
    ("two-words", "vaccin cancer", ("Développement d'un vaccin thérapeutique dans le cancer du poumon",), 3),
    ("two-words", "cancer du poumon", ("Développement d'un vaccin thérapeutique dans le cancer du poumon",), 5),
    (
        "order",
        "sein cancer",
        ("Méthode diagnostique en oncologie : cancer du sein", "Traitement des métastases du cancer du sein"),
        5,
    ),
    ("order", "intelligent pansement", ("Un pansement intelligent pour le suivi",), 1),
    ("order", "robot chirurgie", ("Un robot pour la chirurgie vitréo-rétinienne de demain",), 3),
    ("order", "génique thérapie", ("Thérapie génique dédiée à l’ophtalmologie", "Produits de thérapie génique"), 5),
    ("order", "transplantation foie", ("Évaluer en temps réel la qualité d’un foie humain",), 1),
    ("order", "monoclonaux anticorps", ("Anticorps monoclonaux humains à visée thérapeutique",), 3),
    ("order", "parkinson maladie", ("Premier agent modifiant l’évolution de la maladie de Parkinson",), 3),
]


def test_suite_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({q for _, q, _, _ in CASES}) == len(CASES)


def test_expected_titles_exist(ilab_docs: list[dict[str, object]]) -> None:
    """Guards the suite itself: every expected title is in the data, so a failure is the engine's."""
    titles = [str(d["title"]) for d in ilab_docs]
    missing = [e for _, _, expected, _ in CASES for e in expected if not any(t.startswith(e) for t in titles)]
    assert missing == []


def _check(engine: SearchEngine, query: str, expected: tuple[str, ...], k: int) -> None:
    results = engine.search(SearchQuery(query, limit=k))
    titles = [h.title for h in results.hits]
    assert any(t.startswith(e) for t in titles for e in expected), f"{query!r} top {k}: {titles}"


@pytest.mark.parametrize(("category", "query", "expected", "k"), CASES, ids=[f"{c}-{q}" for c, q, _, _ in CASES])
def test_embedded_relevance(
    ilab_engine: EmbeddedEngine, category: str, query: str, expected: tuple[str, ...], k: int
) -> None:
    _check(ilab_engine, query, expected, k)


@pytest.fixture(scope="module")
def real_meili(ilab_docs: list[dict[str, object]]) -> Iterator[SearchEngine]:
    """A real Meilisearch index of the same documents, only when the environment names a server."""
    url = os.environ.get("HUB_TEST_MEILISEARCH_URL")
    if not url:
        pytest.skip("HUB_TEST_MEILISEARCH_URL not set: no real Meilisearch to test against")
    from search.meili import MeiliEngine

    engine = MeiliEngine(url, os.environ.get("HUB_TEST_MEILISEARCH_KEY"), index_uid=f"test_{uuid.uuid4().hex[:8]}")
    engine.rebuild(ilab_docs)
    yield engine
    engine.drop()


@pytest.mark.parametrize(("category", "query", "expected", "k"), CASES, ids=[f"{c}-{q}" for c, q, _, _ in CASES])
def test_meilisearch_relevance(
    real_meili: SearchEngine, category: str, query: str, expected: tuple[str, ...], k: int
) -> None:
    _check(real_meili, query, expected, k)
