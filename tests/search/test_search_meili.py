"""The Meilisearch engine against the in-process fake server, and the fallback to the embedded engine."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest
from fake_meili import FakeMeili  # tests/search is on sys.path (rootdir-relative, no __init__.py)

from search.embedded import EmbeddedEngine
from search.engine import SearchQuery
from search.errors import EngineError, EngineUnavailable, InvalidQuery
from search.fallback import FallbackEngine
from search.meili import MeiliEngine, filter_expression, formatted_html, to_meili

DOCS: list[dict[str, object]] = [
    {
        "id": "project:1",
        "kind": "project",
        "title": "Téléconsultation en EHPAD",
        "summary": "Des consultations à distance pour les résidents <b>fragiles</b>, avec un médecin traitant.",
        "sectors": ["telemedecine"],
        "region": "11",
        "is_experimentation_volunteer": True,
    },
    {
        "id": "project:2",
        "kind": "project",
        "title": "Capteur cardiaque connecté",
        "summary": "Suivi de la cardiologie à domicile.",
        "sectors": ["dispositif", "telemedecine"],
        "region": "84",
    },
    {"id": "actor:7", "kind": "actor", "title": "CHU de Lille", "summary": "Centre hospitalier", "region": "32"},
]


def closed_port_url() -> str:
    """A loopback URL on which nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def fake() -> Iterator[FakeMeili]:
    with FakeMeili(api_key="test-key") as server:
        yield server


@pytest.fixture
def meili(fake: FakeMeili) -> MeiliEngine:
    engine = MeiliEngine(fake.url, "test-key", index_uid="hub")
    engine.upsert(DOCS)
    return engine


def test_upsert_creates_index_with_settings_and_waits_for_tasks(fake: FakeMeili, meili: MeiliEngine) -> None:
    settings = fake.indexes["hub"]["settings"]
    assert settings["searchableAttributes"] == ["title", "summary", "description"]
    assert {"kind", "sector", "region", "volunteer", "id"} <= set(settings["filterableAttributes"])
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert "intelligence artificielle" in settings["synonyms"]["ia"]
    assert set(fake.indexes["hub"]["documents"]) == {"project-1", "project-2", "actor-7"}
    # Every task was polled until it left the pending states.
    assert all(t["status"] == "succeeded" for t in fake.tasks)


def test_search_maps_results_to_the_common_contract(meili: MeiliEngine) -> None:
    results = meili.search(SearchQuery("consultations", filters={"region": ["11"]}, facets=["sector", "kind"]))
    assert results.engine == "meilisearch"
    assert not results.degraded
    assert results.total == 1
    hit = results.hits[0]
    assert (hit.id, hit.kind) == ("project:1", "project")
    assert "<mark>consultations</mark>" in hit.snippet_html
    assert "&lt;b&gt;fragiles&lt;/b&gt;" in hit.snippet_html  # document text is escaped, only <mark> is HTML
    assert results.facet_counts == {"sector": {"telemedecine": 1}, "kind": {"project": 1}}


def test_filters_and_empty_query_sort_by_title(meili: MeiliEngine) -> None:
    results = meili.search(SearchQuery("", filters={"sector": ["telemedecine"]}, facets=["region"]))
    assert [h.id for h in results.hits] == ["project:2", "project:1"]  # "capteur" before "teleconsultation"
    assert results.facet_counts["region"] == {"11": 1, "84": 1}
    volunteers = meili.search(SearchQuery("", filters={"volunteer": [True]}))
    assert [h.id for h in volunteers.hits] == ["project:1"]


def test_filter_values_are_escaped() -> None:
    assert filter_expression({"region": ['a"b', "c\\"]}) == 'region IN ["a\\"b", "c\\\\"]'
    assert formatted_html("a < \ue000b\ue001") == "a &lt; <mark>b</mark>"
    assert to_meili({"id": "project:3", "kind": "project", "title": "Été"})["uid"] == "project-3"


def test_unknown_facet_is_rejected_before_any_request(fake: FakeMeili, meili: MeiliEngine) -> None:
    sent = len(fake.requests)
    with pytest.raises(InvalidQuery, match="Filtre inconnu"):
        meili.search(SearchQuery("x", filters={"couleur": ["bleu"]}))
    assert len(fake.requests) == sent


def test_delete_and_suggest(meili: MeiliEngine) -> None:
    assert [s.id for s in meili.suggest("capt")] == ["project:2"]
    assert meili.delete(["project:2", "project:404"]) == 2
    assert meili.search(SearchQuery("capteur")).total == 0
    assert meili.stats()["documents"] == 2


def test_rebuild_swaps_a_fresh_index_and_drops_the_old(fake: FakeMeili, meili: MeiliEngine) -> None:
    seen: list[int] = []
    assert meili.rebuild(DOCS[:1], progress=seen.append) == 1
    assert seen[-1] == 1
    assert list(fake.indexes) == ["hub"]  # the temporary index is gone
    assert list(fake.indexes["hub"]["documents"]) == ["project-1"]
    assert any(t["type"] == "indexSwap" and t["status"] == "succeeded" for t in fake.tasks)


def test_failed_task_raises_engine_error_with_meilisearch_code(fake: FakeMeili, meili: MeiliEngine) -> None:
    fake.fail_next_task = "internal_indexing_error"
    with pytest.raises(EngineError, match="internal_indexing_error"):
        meili.upsert(DOCS[:1])


def test_api_error_format_is_reported(fake: FakeMeili) -> None:
    engine = MeiliEngine(fake.url, "wrong-key")
    with pytest.raises(EngineError, match="invalid_api_key"):
        engine.search(SearchQuery("x"))
    missing = MeiliEngine(fake.url, "test-key", index_uid="never_built")
    with pytest.raises(EngineError, match="index_not_found"):
        missing.search(SearchQuery("x"))


def test_unreachable_server_raises_engine_unavailable() -> None:
    engine = MeiliEngine(closed_port_url(), timeout_seconds=0.5)
    with pytest.raises(EngineUnavailable):
        engine.search(SearchQuery("x"))
    assert engine.status().available is False


def test_fallback_answers_from_embedded_when_server_is_down(caplog: pytest.LogCaptureFixture) -> None:
    embedded = EmbeddedEngine(":memory:")
    engine = FallbackEngine(MeiliEngine(closed_port_url(), timeout_seconds=0.5), embedded)
    with pytest.raises(EngineUnavailable):
        engine.upsert(DOCS)  # the outbox must retry the server later ...
    assert embedded.stats()["documents"] == 3  # ... but the embedded index already has the documents
    with caplog.at_level(logging.WARNING, logger="search.fallback"):
        results = engine.search(SearchQuery("teleconsultation", facets=["kind"]))
    assert results.degraded
    assert results.engine == "embedded"
    assert [h.id for h in results.hits] == ["project:1"]
    assert engine.degraded
    assert "ne répond pas" in engine.last_error
    assert engine.status().degraded
    assert [s.id for s in engine.suggest("capt")] == ["project:2"]


def test_fallback_recovers_when_server_answers(fake: FakeMeili) -> None:
    now = [0.0]
    engine = FallbackEngine(MeiliEngine(fake.url, "test-key"), EmbeddedEngine(":memory:"), clock=lambda: now[0])
    engine.upsert(DOCS)
    assert engine.search(SearchQuery("capteur")).engine == "meilisearch"
    fake.api_key = "rotated"  # the server now refuses us: answer from the embedded index
    assert engine.search(SearchQuery("capteur")).degraded
    fake.api_key = "test-key"
    assert engine.search(SearchQuery("capteur")).degraded  # still within the retry delay
    now[0] += 60
    results = engine.search(SearchQuery("capteur"))
    assert results.engine == "meilisearch"
    assert not results.degraded
    assert not engine.degraded
