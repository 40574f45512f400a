"""Fixtures for the search engine tests: i-Lab laureate documents (health subset) and an embedded index."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from search.embedded import EmbeddedEngine

REPO = Path(__file__).resolve().parents[2]
# The seed copy is what the hub ships; the shared data set is the same file before the seed helper copies it.
ILAB_CANDIDATES = (
    REPO / "seed" / "data" / "ilab-laureats.csv",
    REPO.parent / "shared" / "data" / "ilab-laureats" / "ilab_laureats_sans_donnees_personnelles.csv",
)
HEALTH_DOMAINS = frozenset(
    {
        "Biotechnologies et pharmacie",
        "Pharmacie, Sciences du vivant & Biotechnologies",
        "Pharmacie & biotechnologies",
        "Technologies médicales",
    }
)
PHASES = ("idee", "prototype", "experimentation", "deploiement")
NEEDS = ("financement", "terrain", "donnees", "reglementaire")


def ilab_path() -> Path | None:
    """The i-Lab CSV to test with, or None when neither copy is present."""
    return next((p for p in ILAB_CANDIDATES if p.exists()), None)


def load_ilab_documents() -> list[dict[str, object]]:
    """Health-subset laureates as search documents: Moto = title, Résumé = summary, deterministic facets."""
    path = ilab_path()
    if path is None:
        pytest.skip("i-Lab laureates CSV absent (seed/data/ilab-laureats.csv)")
    docs: list[dict[str, object]] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for i, row in enumerate(csv.DictReader(f, delimiter=";")):
            if row["Domaine technologique"] not in HEALTH_DOMAINS or not row["Moto"].strip():
                continue
            region = row["Id région"].strip()
            docs.append(
                {
                    "id": f"project:{i}",
                    "kind": "project",
                    "title": row["Moto"],
                    "summary": row["Résumé"],
                    "description": row.get("Libellé entreprise", "") or "",
                    "url": f"/projects/{i}",
                    "sectors": [row["Domaine technologique"]],
                    "region": region[1:] if region.startswith("R") else None,
                    "phase": [PHASES[i % len(PHASES)]],
                    "needs": [NEEDS[i % len(NEEDS)], NEEDS[(i // 4) % len(NEEDS)]],
                    "is_experimentation_volunteer": i % 3 == 0,
                }
            )
    return docs


@pytest.fixture(scope="session")
def ilab_docs() -> list[dict[str, object]]:
    """The health-subset documents, loaded once."""
    return load_ilab_documents()


@pytest.fixture(scope="module")
def ilab_engine(ilab_docs: list[dict[str, object]]) -> EmbeddedEngine:
    """An in-memory embedded index of the health subset (read-only in tests that use it)."""
    engine = EmbeddedEngine(":memory:")
    engine.rebuild(ilab_docs)
    return engine
