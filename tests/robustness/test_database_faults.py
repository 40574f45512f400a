"""PostgreSQL goes away in the middle of the hub's life: clear 503s, recovery without a restart, no lost write.

The hub talks to a real PostgreSQL through a TCP relay that the test cuts and restores (tcp_proxy.py), on a
database of its own (migrated, territories and sectors loaded) because the writes here are really committed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.app import create_app
from hub.db import Database, make_engine
from hub.directory.models import Actor
from hub.indexing.services import outbox_status
from hub.settings import Settings
from tests.factories import sign_in
from tests.robustness.fresh_postgres import ADMIN_EMAIL, FreshPostgres
from tests.robustness.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow


@pytest.fixture
def outage_database(fresh_postgres: FreshPostgres) -> Iterator[tuple[TcpProxy, str, Database]]:
    """The fresh database, its URL through a relay that can be cut, and a direct handle on it."""
    url = fresh_postgres.url
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.restore()
    try:
        yield (
            proxy,
            url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
            fresh_postgres.database,
        )
    finally:
        proxy.cut()


def _actor(name: str) -> dict[str, Any]:
    return {"name": name, "kind": "living_lab", "departement": "33", "sectors": ["cardio"]}


def _wait_for(condition: Any, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_database_outage_answers_503_then_recovers_without_losing_a_write(
    outage_database: tuple[TcpProxy, str, Database], tmp_path: Path
) -> None:
    proxy, relayed_url, direct = outage_database
    settings = Settings(var_dir=tmp_path / "var", secret_key="test-secret-key-" + "x" * 32, database_url=relayed_url)
    app = create_app(settings, database=Database(make_engine(relayed_url)), background_indexing=True)
    with TestClient(app=app, base_url="http://testserver.local") as client:
        sign_in(client, ADMIN_EMAIL)
        headers = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
        before = client.post("/api/v1/actors", json=_actor("Laboratoire vivant Avant-Panne"), headers=headers)
        assert before.status_code == 201, before.text
        assert client.get("/api/v1/actors", params={"q": "panne"}).json()["total"] == 1

        proxy.cut()
        page = client.get("/annuaire")
        assert page.status_code == 503
        assert page.headers["retry-after"] == "30"
        assert "momentanément indisponible" in page.text
        during = client.post("/api/v1/actors", json=_actor("Laboratoire vivant Pendant-Panne"), headers=headers)
        assert during.status_code == 503
        assert during.headers["content-type"].startswith("application/problem+json")
        assert during.json()["status"] == 503
        assert client.get("/ready").status_code == 503
        # The cached list checks the catalogue version on every request: no stale answer during the outage.
        listed = client.get("/api/v1/actors", params={"q": "panne"})
        assert listed.status_code == 503
        assert listed.headers["content-type"].startswith("application/problem+json")

        proxy.restore()
        # The pool checks each connection before use: the first request after the outage already succeeds.
        assert client.get("/annuaire").status_code == 200
        assert client.get("/ready").json()["checks"]["database"] == "ok"
        after = client.post("/api/v1/actors", json=_actor("Laboratoire vivant Après-Panne"), headers=headers)
        assert after.status_code == 201, after.text
        assert client.get("/api/v1/actors", params={"q": "panne"}).json()["total"] == 2

        # The search outbox drains by itself once the database is back: both committed actors are findable.
        assert _wait_for(lambda: outbox_status(direct).pending == 0), outbox_status(direct)
        found = client.get("/api/v1/search", params={"q": "laboratoire vivant panne"}).json()
        titles = " ".join(str(hit) for hit in found["hits"] if "Panne" in str(hit))
        assert "Avant-Panne" in titles
        assert "Après-Panne" in titles

    with direct.session() as session:
        names = set(session.exec(select(Actor.name).where(col(Actor.name).contains("Panne"))).all())
    assert names == {"Laboratoire vivant Avant-Panne", "Laboratoire vivant Après-Panne"}
