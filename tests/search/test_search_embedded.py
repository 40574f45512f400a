"""The embedded engine: writes, facets, filters, snippets, bad input, rebuild swap, several processes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.choice import open_engine
from search.embedded import EmbeddedEngine
from search.engine import SearchQuery
from search.errors import InvalidDocument, InvalidQuery

DOCS: list[dict[str, object]] = [
    {
        "id": "project:1",
        "kind": "project",
        "title": "Téléconsultation en EHPAD",
        "summary": "Des consultations <b>à distance</b> & sans déplacement pour les résidents.",
        "sectors": ["telemedecine"],
        "region": "11",
        "departement": "75",
        "phase": ["experimentation"],
        "needs": ["terrain", "financement"],
        "is_experimentation_volunteer": True,
    },
    {
        "id": "project:2",
        "kind": "project",
        "title": "Capteur cardiaque connecté",
        "summary": "Suivi de la cardiologie à domicile par un dispositif médical.",
        "sectors": ["dispositif", "telemedecine"],
        "region": "84",
        "phase": ["prototype"],
        "needs": ["financement"],
    },
    {
        "id": "actor:7",
        "kind": "actor",
        "title": "Centre hospitalier universitaire de Lille",
        "summary": "Hôpital partenaire d'expérimentations en intelligence artificielle.",
        "region": "32",
    },
    {"id": "person:3", "kind": "person", "title": "Alice Martin", "description": "Cheffe de projet IA au CHU."},
]


@pytest.fixture
def engine() -> EmbeddedEngine:
    e = EmbeddedEngine(":memory:")
    e.upsert(DOCS)
    return e


def ids(engine: EmbeddedEngine, text: str, **kw: object) -> list[str]:
    return [h.id for h in engine.search(SearchQuery(text, **kw)).hits]  # type: ignore[arg-type]


def test_facet_counts_follow_the_match_set(engine: EmbeddedEngine) -> None:
    results = engine.search(SearchQuery("", facets=["kind", "sector", "volunteer", "needs"]))
    assert results.total == 4
    assert results.facet_counts["kind"] == {"project": 2, "actor": 1, "person": 1}
    assert results.facet_counts["sector"] == {"telemedecine": 2, "dispositif": 1}
    assert results.facet_counts["volunteer"] == {"false": 3, "true": 1}
    assert results.facet_counts["needs"] == {"financement": 2, "terrain": 1}
    narrowed = engine.search(SearchQuery("cardiologie", facets=["sector"]))
    assert narrowed.facet_counts["sector"] == {"dispositif": 1, "telemedecine": 1}


def test_filters_or_within_and_across_facets(engine: EmbeddedEngine) -> None:
    assert ids(engine, "", filters={"region": ["11", "84"]}) == ["project:2", "project:1"]  # alphabetical
    assert ids(engine, "", filters={"region": ["11", "84"], "phase": ["prototype"]}) == ["project:2"]
    assert ids(engine, "", filters={"volunteer": [True]}) == ["project:1"]
    assert ids(engine, "", filters={"region": ["unknown-value"]}) == []
    assert engine.search(SearchQuery("", filters={"region": []})).total == 4  # an empty list filters nothing


def test_synonyms_and_acronyms_both_ways(engine: EmbeddedEngine) -> None:
    assert set(ids(engine, "IA")) == {"actor:7", "person:3"}
    assert set(ids(engine, "intelligence artificielle")) == {"actor:7", "person:3"}
    assert ids(engine, "DM") == ["project:2"]
    assert ids(engine, "CHU") == ["actor:7", "person:3"]  # title (expanded phrase) outranks description


def test_snippets_escape_text_and_mark_matches(engine: EmbeddedEngine) -> None:
    hit = engine.search(SearchQuery("consultations")).hits[0]
    assert hit.snippet_html == (
        "Des <mark>consultations</mark> &lt;b&gt;à distance&lt;/b&gt; &amp; sans déplacement pour les résidents."
    )
    assert engine.search(SearchQuery("teleconsult")).hits[0].title_html == "<mark>Téléconsultation</mark> en EHPAD"


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"unbalanced',
        "*",
        "-",
        "- cardio",
        "NEAR(cardio capteur)",
        "cardio OR capteur",
        "cardio AND NOT capteur",
        "title:capteur",
        "{title}: capteur",
        "'; DROP TABLE doc; --",
        "^capteur",
        "\x00",
        "   ",
        "é" * 1000,
        "capteur " * 200,
        "🙂 capteur",
    ],
)
def test_hostile_queries_never_leak_engine_errors(engine: EmbeddedEngine, text: str) -> None:
    results = engine.search(SearchQuery(text, facets=["kind"]))
    assert results.total >= 0
    assert len(results.hits) <= 20


def test_operators_are_plain_words(engine: EmbeddedEngine) -> None:
    # OR is a plain word; nothing holds all three words, so trailing words are dropped until something matches.
    assert ids(engine, "capteur OR zzzz") == ["project:2"]
    assert ids(engine, "zzzz OR capteur") == []
    assert ids(engine, "- capteur") == ["project:2"]
    assert ids(engine, '"capteur cardiaque"') == ["project:2"]


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_is_answered(text: str) -> None:
    results = ENGINE_FOR_PROPERTIES.search(SearchQuery(text, facets=["kind"]))
    assert results.total == sum(results.facet_counts["kind"].values())


ENGINE_FOR_PROPERTIES = EmbeddedEngine(":memory:")
ENGINE_FOR_PROPERTIES.upsert(DOCS)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (SearchQuery("x", filters={"couleur": ["bleu"]}), "Filtre inconnu"),
        (SearchQuery("x", facets=["couleur"]), "Filtre inconnu"),
        (SearchQuery("x", filters={"region": "11"}), "doivent être une liste"),
        (SearchQuery(42), "doit être un texte"),  # type: ignore[arg-type]
        (SearchQuery("x", filters={"region": [{"a": 1}]}), "Valeur de filtre invalide"),  # type: ignore[list-item]
    ],
)
def test_invalid_queries_raise_in_french(engine: EmbeddedEngine, query: SearchQuery, message: str) -> None:
    with pytest.raises(InvalidQuery, match=message):
        engine.search(query)


def test_pagination_is_clamped(engine: EmbeddedEngine) -> None:
    assert len(engine.search(SearchQuery("", limit=10_000)).hits) == 4
    assert ids(engine, "", limit=2, offset=1) == ["project:2", "actor:7"]  # alice, [capteur, centre], tele…
    assert engine.search(SearchQuery("", limit=-5, offset=-1)).hits == []


def test_upsert_replaces_and_delete_removes(engine: EmbeddedEngine) -> None:
    engine.upsert([{**DOCS[1], "title": "Patch cardiaque", "sectors": ["ia"]}])
    assert ids(engine, "capteur") == []
    assert ids(engine, "patch") == ["project:2"]
    assert engine.search(SearchQuery("", facets=["sector"])).facet_counts["sector"] == {"ia": 1, "telemedecine": 1}
    assert engine.delete(["project:2", "project:999"]) == 2
    assert ids(engine, "patch") == []
    assert engine.stats()["documents"] == 3


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "project:1", "kind": "Project", "title": "x"},
        {"id": "actor:1", "kind": "project", "title": "x"},
        {"id": "project:1", "kind": "project", "title": "   "},
        {"id": "project:1", "kind": "project", "title": "x", "sectors": "ia"},
        {"id": "project:1", "kind": "project", "title": "x", "summary": 3},
    ],
)
def test_invalid_documents_are_refused_before_writing(engine: EmbeddedEngine, bad: dict[str, object]) -> None:
    with pytest.raises(InvalidDocument):
        engine.upsert([DOCS[3] | {"title": "Changed"}, bad])
    assert ids(engine, "changed") == []


def test_suggest_completes_the_last_word(engine: EmbeddedEngine) -> None:
    suggestions = engine.suggest("capteur cardi")
    assert [s.id for s in suggestions] == ["project:2"]
    assert suggestions[0].title_html == "<mark>Capteur</mark> <mark>cardiaque</mark> connecté"
    assert engine.suggest("") == []
    assert len(engine.suggest("c", limit=2)) <= 2


def test_rebuild_replaces_the_index_and_other_connections_follow(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    writer = EmbeddedEngine(path)
    writer.upsert(DOCS[:2])
    reader = EmbeddedEngine(path)  # another worker process opening the same file
    assert ids(reader, "capteur") == ["project:2"]
    writer.upsert([DOCS[2]])  # a write from the other connection is seen (PRAGMA data_version)
    assert ids(reader, "hospitalier") == ["actor:7"]
    progress: list[int] = []
    assert writer.rebuild(DOCS[2:], progress=progress.append) == 2
    assert progress[-1] == 2
    assert not (tmp_path / "search.sqlite3.rebuild").exists()
    assert ids(reader, "capteur") == []  # the reader sees the rebuilt index
    assert ids(reader, "alice") == ["person:3"]


def test_rebuild_swaps_atomically_under_wal(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    writer = EmbeddedEngine(path)
    writer.upsert(DOCS[:2])
    reader = EmbeddedEngine(path)
    assert ids(reader, "capteur") == ["project:2"]
    old_file = Path(str(writer.stats()["path"]))
    seen_during_build: list[tuple[list[str], list[str], list[str]]] = []

    def while_building(_count: int) -> None:
        # Mid-build, an open reader and a newly opened one both still answer from the complete old index.
        late = EmbeddedEngine(path)
        seen_during_build.append((ids(reader, "capteur"), ids(late, "capteur"), ids(reader, "alice")))
        late.close()

    new_docs = [
        {**DOCS[3], "id": f"person:{100 + i}", "kind": "person", "title": f"Alice Martin {i}"} for i in range(7000)
    ]
    assert writer.rebuild(new_docs, progress=while_building) == 7000
    assert seen_during_build
    assert all(seen == (["project:2"], ["project:2"], []) for seen in seen_during_build)
    after = reader.search(SearchQuery("alice", limit=5))  # the reader follows the pointer to the new file
    assert after.total == 7000
    assert ids(reader, "capteur") == []
    assert not old_file.exists()  # the replaced file is gone, with its WAL companions
    assert not Path(f"{old_file}-wal").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".db")) == [
        Path(str(writer.stats()["path"])).name
    ]
    reader.upsert([DOCS[0]])  # writes after the swap land in the new file, for every connection
    assert ids(writer, "teleconsultation") == ["project:1"]


def test_an_index_file_from_before_the_pointer_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE doc (rid INTEGER PRIMARY KEY)").connection.close()
    engine = EmbeddedEngine(path)
    assert engine.stats()["documents"] == 0
    engine.upsert(DOCS)
    assert EmbeddedEngine(path).stats()["documents"] == 4


def test_open_engine_defaults_to_embedded(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "idx.sqlite3")
    assert engine.name == "embedded"
    assert engine.status().available
