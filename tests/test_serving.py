"""What the served hub sets up for speed: templates not re-read in production, long-lived objects set aside,
bounded threads per worker."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio.to_thread
import httpx
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.testing import TestClient

from hub.app import create_app
from hub.db import Database
from hub.settings import Mode, Settings

SECRET_KEY = "serving-" + "s" * 40


def _environment_of(settings: Settings, database: Database) -> JinjaTemplateEngine:
    engine = create_app(settings, database=database, background_indexing=False).template_engine
    assert isinstance(engine, JinjaTemplateEngine)
    return engine


def test_production_templates_are_read_once_and_local_ones_after_each_edit(database: Database, tmp_path: Path) -> None:
    production = Settings(
        mode=Mode.PRODUCTION, var_dir=tmp_path, secret_key=SECRET_KEY, database_url=f"sqlite:///{tmp_path}/unused.db"
    )
    local = Settings(mode=Mode.LOCAL, var_dir=tmp_path, secret_key=SECRET_KEY)
    assert _environment_of(production, database).engine.auto_reload is False
    assert _environment_of(local, database).engine.auto_reload is True


def test_the_served_app_sets_its_long_lived_objects_aside_from_the_garbage_collector(tmp_path: Path) -> None:
    env = {**os.environ, "HUB_VAR_DIR": str(tmp_path), "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.sqlite3"}
    env.pop("HUB_MODE", None)
    probe = "import gc, hub.asgi; print(gc.get_freeze_count(), type(hub.asgi.app).__name__)"
    output = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    frozen, kind = output.stdout.split()
    # modules, classes and the framework's tables: far more than a few objects (about 250,000 here)
    assert kind == "Litestar" and int(frozen) > 10_000


def test_a_worker_runs_at_most_its_setting_of_synchronous_handlers_at_once(database: Database, tmp_path: Path) -> None:
    settings = Settings(mode=Mode.LOCAL, var_dir=tmp_path, secret_key=SECRET_KEY, threads=3)
    app = create_app(settings, database=database, background_indexing=False)
    with TestClient(app=app) as client:
        assert client.get("/health").status_code == 200
        assert (
            client.blocking_portal.call(_tokens) == 3
        )  # read in the worker's event loop, where handlers get their threads


async def _tokens() -> float:
    return anyio.to_thread.current_default_thread_limiter().total_tokens


def test_served_in_production_every_log_line_is_json_and_each_request_has_one_without_its_query(
    tmp_path: Path,
) -> None:
    """`hub serve` in production: uvicorn's lines and the hub's go out as JSON, and the access line of a request
    carries its request id, its path without the query string, its status and duration (docs/deployment.md)."""
    env = {
        **os.environ,
        "HUB_MODE": "production",
        "HUB_VAR_DIR": str(tmp_path / "var"),
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/hub.sqlite3",
        "HUB_SECRET_KEY": SECRET_KEY,
        "HUB_HOST": "127.0.0.1",
        "HUB_PORT": str(_free_port()),
        "HUB_WORKERS": "2",
        "HUB_LOG_LEVEL": "INFO",
    }
    subprocess.run([sys.executable, "-m", "hub", "db", "upgrade"], env=env, check=True, capture_output=True)
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "hub", "serve"], env=env, stdout=log, stderr=log)
        try:
            base = f"http://127.0.0.1:{env['HUB_PORT']}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()[-3000:]
                time.sleep(0.2)
            answer = httpx.get(f"{base}/annuaire?q=mot-secret-de-recherche", timeout=10)
            assert answer.status_code == 200
            request_id = answer.headers["x-request-id"]
        finally:
            server.terminate()
            server.wait(timeout=30)
    lines = [line for line in log_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = []
    for line in lines[1:]:  # the first line is `hub serve`'s own banner on standard output
        records.append(json.loads(line))  # every log line is one JSON object
    assert lines[0].startswith("Serving the lab e-santé hub")
    loggers = {record["logger"] for record in records}
    assert "uvicorn.error" in loggers  # uvicorn's own lines ("Started server process", ...) are JSON too
    access = [r for r in records if r["logger"] == "hub.access" and r["request_id"] == request_id]
    assert len(access) == 1
    method, path, status, duration, unit = access[0]["message"].split()
    assert (method, path, status, unit) == ("GET", "/annuaire", "200", "ms") and float(duration) >= 0
    assert "mot-secret-de-recherche" not in log_path.read_text(encoding="utf-8")
    assert "uvicorn.access" not in loggers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
