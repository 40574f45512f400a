"""The catalogue version and the cached public lists: never a stale answer after a committed write."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from hub.app import create_app
from hub.db import Database, make_engine
from hub.directory.models import Actor
from hub.freshness import CATALOGUE_TABLES, CatalogueClock, VersionedCache, cache_key, catalogue_version
from hub.settings import Settings
from tests.factories import make_account, make_actor, make_project, make_viewer, sign_in

T = TypeVar("T")


def _triggers(database: Database) -> dict[str, int]:
    with database.session() as session:
        if database.dialect_name == "postgresql":
            rows = session.connection().execute(
                text(
                    "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE t.tgname LIKE :pattern GROUP BY c.relname"
                ),
                {"pattern": "%_catalogue_version"},
            )
        else:
            rows = session.connection().execute(
                text(
                    "SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' "
                    "AND name LIKE :pattern GROUP BY tbl_name"
                ),
                {"pattern": "%_catalogue_version_%"},
            )
        return {str(name): int(count) for name, count in rows}


def test_every_catalogue_table_bumps_the_version_on_insert_update_and_delete(database: Database) -> None:
    # A batch migration on SQLite rebuilds a table and drops its triggers: this catches it.
    expected = 1 if database.dialect_name == "postgresql" else 3
    assert _triggers(database) == dict.fromkeys(CATALOGUE_TABLES, expected)


def test_writes_to_the_catalogue_change_the_version_and_other_writes_do_not(database: Database) -> None:
    with database.session() as session:
        viewer = make_viewer(session, "versions@example.fr")
        start = catalogue_version(session)
        actor = make_actor(session, viewer, name="Centre Version")
        session.flush()
        after_insert = catalogue_version(session)
        actor.description = "Modifié"
        session.add(actor)
        session.flush()
        after_update = catalogue_version(session)
        make_account(session, "not-catalogue@example.fr")
        session.flush()
        after_account = catalogue_version(session)
    assert start < after_insert < after_update
    assert after_account == after_update


def test_versioned_cache_never_answers_from_another_version() -> None:
    cache = VersionedCache(max_entries=2)
    cache.put(1, "a", b"[1]")
    assert cache.get(1, "a") is not None
    assert cache.get(2, "a") is None
    cache.put(2, "b", b"[2]")
    assert cache.get(1, "a") is None  # older versions are dropped when a newer one is stored
    cache.put(2, "c", b"[3]")
    cache.put(2, "d", b"[4]")
    assert len(cache) == 2
    assert cache.get(2, "b") is None  # least recently used
    assert cache.put(3, "x", b"same").etag != cache.put(4, "x", b"same").etag


def test_cached_entries_expire_after_their_age() -> None:
    cache = VersionedCache(max_age_seconds=0.0)
    cache.put(1, "a", b"[]")
    assert cache.get(1, "a") is None


def test_cache_key_ignores_parameter_order() -> None:
    assert cache_key("actors", {"b": "2", "a": "1"}) == cache_key("actors", {"a": "1", "b": "2"})
    assert cache_key("actors", {"a": "1"}) != cache_key("projects", {"a": "1"})


def _csrf(client: TestClient[Litestar]) -> dict[str, str]:
    client.get("/connexion")
    return {"x-csrftoken": client.cookies.get("hub_csrf") or ""}


def test_a_committed_write_shows_at_once_in_the_cached_list_of_every_worker(
    database: Database, settings: Settings
) -> None:
    """Two applications on one database stand for two workers, each with its own cache."""
    with database.session() as session:
        make_account(session, "writer@example.fr")
        session.commit()
    first = create_app(settings, database=database, background_indexing=False)
    second = create_app(settings, database=database, background_indexing=False)
    params = {"q": "fraîcheur", "per_page": "5"}
    with (
        TestClient(app=first, base_url="http://testserver.local") as writer,
        TestClient(app=second, base_url="http://testserver.local") as reader,
    ):
        before = reader.get("/api/v1/actors", params=params)
        assert before.status_code == 200
        assert before.json()["total"] == 0
        assert reader.get("/api/v1/actors", params=params).json() == before.json()  # served from the cache
        sign_in(writer, "writer@example.fr")
        created = writer.post(
            "/api/v1/actors",
            json={"name": "Laboratoire Fraîcheur", "kind": "living_lab", "departement": "33", "sectors": ["cardio"]},
            headers=_csrf(writer),
        )
        assert created.status_code == 201, created.text
        after = reader.get("/api/v1/actors", params=params)
        assert after.json()["total"] == 1
        assert after.json()["items"][0]["name"] == "Laboratoire Fraîcheur"
        assert after.headers["etag"] != before.headers["etag"]

        renamed = writer.patch(
            f"/api/v1/actors/{created.json()['id']}", json={"name": "Laboratoire Fraîcheur Bis"}, headers=_csrf(writer)
        )
        assert renamed.status_code == 200, renamed.text
        assert reader.get("/api/v1/actors", params=params).json()["items"][0]["name"] == "Laboratoire Fraîcheur Bis"


def test_project_list_follows_a_new_project(client: TestClient[Litestar], database: Database) -> None:
    params = {"q": "Télésuivi Fraîcheur"}
    assert client.get("/api/v1/projects", params=params).json()["total"] == 0
    with database.session() as session:
        viewer = make_viewer(session, "lead@example.fr")
        make_project(session, viewer, title="Télésuivi Fraîcheur")
        session.commit()
    assert client.get("/api/v1/projects", params=params).json()["total"] == 1


def test_etag_answers_not_modified_until_the_catalogue_changes(
    client: TestClient[Litestar], database: Database
) -> None:
    first = client.get("/api/v1/actors", params={"per_page": "3"})
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/api/v1/actors", params={"per_page": "3"}, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    with database.session() as session:
        actor = session.get(Actor, first.json()["items"][0]["id"])
        assert actor is not None
        actor.name = actor.name + " (renommé)"
        session.add(actor)
        session.commit()
    changed = client.get("/api/v1/actors", params={"per_page": "3"}, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed.json()["items"][0]["name"].endswith("(renommé)")


def test_bad_filters_are_refused_and_not_cached(client: TestClient[Litestar]) -> None:
    for _ in range(2):
        response = client.get("/api/v1/actors", params={"region": "zz"})
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/problem+json")
    assert len(client.app.state.list_cache) == 0


def _in_own_loop(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on a new event loop in a thread of its own (a browser test run earlier in this worker may
    have left an event loop running in the main thread, where asyncio.run refuses to start)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def test_the_clock_reads_committed_versions_on_the_real_database(engine: Engine) -> None:
    """The event-loop reader (plain sqlite3, or psycopg's async connection) on the session's database."""
    clock = CatalogueClock(Database(engine))
    before = _in_own_loop(clock.version)
    with engine.begin() as connection:
        connection.execute(text("UPDATE data_version SET value = value + 1 WHERE scope = 'catalogue'"))
    # A new event loop for the next read: the PostgreSQL connection belongs to the loop that opened it.
    _in_own_loop(clock.close)
    after = _in_own_loop(clock.version)
    _in_own_loop(clock.close)
    assert after == before + 1


@pytest.mark.parametrize("url", ["postgresql+psycopg://nobody@127.0.0.1:9/none"])
def test_an_unreachable_database_is_an_operational_error(url: str) -> None:
    clock = CatalogueClock(Database(make_engine(url)), timeout_seconds=2.0)
    with pytest.raises(OperationalError):
        _in_own_loop(clock.version)


def test_anonymous_list_pages_follow_the_catalogue_and_signed_in_pages_are_personal(
    client: TestClient[Litestar], database: Database
) -> None:
    assert "Télésuivi Page Fraîche" not in client.get("/projets", params={"q": "page fraîche"}).text
    assert client.get("/annuaire").status_code == 200
    with database.session() as session:
        viewer = make_viewer(session, "page@example.fr")
        make_project(session, viewer, title="Télésuivi Page Fraîche")
        make_actor(session, viewer, name="Centre Page Fraîche")
        session.commit()
    assert "Télésuivi Page Fraîche" in client.get("/projets", params={"q": "page fraîche"}).text
    assert "Centre Page Fraîche" in client.get("/annuaire", params={"q": "page fraîche"}).text
    anonymous = client.get("/projets")
    assert "Se déconnecter" not in anonymous.text
    sign_in(client, "page@example.fr")
    personal = client.get("/projets")
    assert personal.status_code == 200
    assert "Se déconnecter" in personal.text
    assert "etag" not in personal.headers
