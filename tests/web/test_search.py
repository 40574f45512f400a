"""The search page, its API and the suggestions, on the seeded network indexed for real."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from hub.db import Database
from hub.indexing.services import drain, rebuild_index
from tests.factories import csrf_from, make_account, sign_in


@pytest.fixture
def indexed(app: Litestar, database: Database) -> Litestar:
    rebuild_index(database, app.state.search_engine)
    return app


def test_search_page_shows_highlighted_results_and_facets(client: TestClient[Litestar], indexed: Litestar) -> None:
    html = client.get("/recherche?q=oncologie").text
    assert "résultats" in html
    assert "<mark>" in html
    assert "Type de fiche" in html
    assert "Région" in html


def test_typos_and_missing_accents_still_find(client: TestClient[Litestar], indexed: Litestar) -> None:
    exact = client.get("/api/v1/search?q=cardiologie").json()
    typo = client.get("/api/v1/search?q=cardiolgie").json()
    assert exact["total"] > 0
    assert typo["total"] > 0
    assert {h["id"] for h in typo["hits"][:5]} & {h["id"] for h in exact["hits"][:10]}
    accents = client.get("/api/v1/search?q=therapeutique").json()
    assert accents["total"] > 0


def test_facet_filters_narrow_results(client: TestClient[Litestar], indexed: Litestar) -> None:
    everything = client.get("/api/v1/search?q=diagnostic").json()
    projects = client.get("/api/v1/search?q=diagnostic&kind=project").json()
    assert 0 < projects["total"] <= everything["total"]
    assert {h["kind"] for h in projects["hits"]} == {"project"}
    assert sum(everything["facets"]["kind"].values()) == everything["total"]


def test_suggestions_answer_while_typing(client: TestClient[Litestar], indexed: Litestar) -> None:
    body = client.get("/api/v1/search/suggestions?q=canc").json()
    assert body["suggestions"]
    assert all(s["title"] for s in body["suggestions"])
    assert client.get("/api/v1/search/suggestions?q=").json()["suggestions"] == []


@pytest.mark.parametrize(
    "query",
    ['"', "*", "-", "NEAR(a b)", "a OR", "'; DROP TABLE actor; --", "title:x", "^x", "(((", "é" * 300, "x" * 999],
)
def test_hostile_queries_get_an_answer_not_an_engine_error(
    client: TestClient[Litestar], indexed: Litestar, query: str
) -> None:
    response = client.get("/api/v1/search", params={"q": query})
    assert response.status_code == 200
    assert "total" in response.json()
    page = client.get("/recherche", params={"q": query})
    assert page.status_code == 200


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"q": "x" * 1001}, 400),
        ({"kind": "licorne"}, 400),
        ({"region": "99"}, 400),
        ({"inconnu": "1"}, 400),
        ({"q": "zzzz", "page": "500"}, 404),
    ],
)
def test_bad_search_parameters_are_clear_4xx(
    client: TestClient[Litestar], indexed: Litestar, params: dict[str, str], status: int
) -> None:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_actor_created_in_the_interface_is_found_after_the_outbox_runs(
    client: TestClient[Litestar], indexed: Litestar, database: Database
) -> None:
    with database.session() as session:
        make_account(session, "chercheuse@example.fr")
        session.commit()
    sign_in(client, "chercheuse@example.fr")
    form = client.get("/annuaire/nouveau").text
    client.post(
        "/annuaire/nouveau",
        data={"name": "Observatoire Quokka", "kind": "research_unit", "_csrf_token": csrf_from(form)},
    )
    drain(database, indexed.state.search_engine)
    hits = client.get("/api/v1/search?q=quokka").json()["hits"]
    assert hits[0]["title"] == "Observatoire Quokka"
    assert hits[0]["url"].startswith("/annuaire/observatoire-quokka")
