"""Two worker processes against one PostgreSQL: no state in memory that breaks when requests change process.

The real `hub serve` runs in a subprocess with HUB_WORKERS=2. Each request below opens a new connection, so
the kernel hands them to either worker; the test first proves that both workers answer (two distinct
process start times in /metrics), then that sessions, login throttling and the search outbox behave as one
service.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.indexing.services import outbox_status
from tests.factories import PASSWORD, csrf_from
from tests.robustness.fresh_postgres import ADMIN_EMAIL, FreshPostgres

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parents[2]
START = re.compile(r"^process_start_time_seconds (\S+)$", re.MULTILINE)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def two_workers(fresh_postgres: FreshPostgres, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "HUB_DATABASE_URL": fresh_postgres.url_text,
        "HUB_VAR_DIR": str(tmp_path / "var"),
        "HUB_SECRET_KEY": "test-secret-key-" + "w" * 32,
        "HUB_HOST": "127.0.0.1",
        "HUB_PORT": str(port),
        "HUB_WORKERS": "2",
        "HUB_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "hub", "serve"], cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the hub did not answer within 60 s:\n" + (tmp_path / "serve.log").read_text()[-3000:])
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _fresh(base: str, **kwargs: object) -> httpx.Client:
    """A client whose every request goes over a new connection."""
    return httpx.Client(base_url=base, limits=httpx.Limits(max_keepalive_connections=0), timeout=10, **kwargs)  # type: ignore[arg-type]


def test_two_workers_serve_as_one_service(two_workers: str, fresh_postgres: FreshPostgres) -> None:
    base = two_workers
    with _fresh(base) as client:
        starts = set()
        for _ in range(60):
            match = START.search(client.get("/metrics").text)
            assert match is not None
            starts.add(match.group(1))
            if len(starts) == 2:
                break
        assert len(starts) == 2, "only one worker answered 60 new connections"

        # A session opened on one worker is honoured by the other (sessions live in the database).
        page = client.get("/connexion")
        response = client.post(
            "/connexion",
            data={"email": ADMIN_EMAIL, "password": PASSWORD, "_csrf_token": csrf_from(page.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert [client.get("/compte").status_code for _ in range(20)] == [200] * 20

        # Actors created through the API are indexed once the outbox drains, whichever worker drains it.
        headers = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
        for number in range(12):
            created = client.post(
                "/api/v1/actors",
                json={"name": f"Plateforme multiprocessus {number}", "kind": "incubator", "departement": "69"},
                headers=headers,
            )
            assert created.status_code == 201, created.text
    deadline = time.monotonic() + 30
    while outbox_status(fresh_postgres.database).pending and time.monotonic() < deadline:
        time.sleep(0.3)
    status = outbox_status(fresh_postgres.database)
    assert status.pending == 0
    assert status.failing == 0
    with _fresh(base) as client:
        found = client.get("/api/v1/search", params={"q": "plateforme multiprocessus", "per_page": 50}).json()
        names = {hit.get("title") or hit.get("name") for hit in found["hits"]}
        assert {f"Plateforme multiprocessus {number}" for number in range(12)} <= names, found


def test_login_throttling_counts_attempts_across_workers(two_workers: str) -> None:
    statuses = []
    with _fresh(two_workers) as client:
        for _ in range(11):
            page = client.get("/connexion")
            response = client.post(
                "/connexion",
                data={"email": ADMIN_EMAIL, "password": "pas le bon mot de passe", "_csrf_token": csrf_from(page.text)},
                follow_redirects=False,
            )
            statuses.append(response.status_code)
    assert statuses[:10] == [422] * 10, statuses
    assert statuses[10] == 429, statuses
