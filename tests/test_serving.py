"""What the served hub sets up for speed: templates not re-read in production, long-lived objects set aside,
bounded threads per worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio.to_thread
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
