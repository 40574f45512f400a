"""Server time of the main pages on the seeded database (SQLite by default, PostgreSQL with --postgres URL).

Run: .venv/bin/python -m bench.pages [--requests 200] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
Drives the real application in-process (Litestar's test client, no network), after `hub setup` into a
temporary folder; reports the median and p95 per page over repeated requests. Writes bench/results/pages.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PAGES = [
    "/",
    "/annuaire",
    "/annuaire?kind=health_establishment&region=84",
    "/annuaire?page=40",
    "/annuaire/{actor}",
    "/projets",
    "/projets?sector=oncologie&phase=development",
    "/projets/{project}",
    "/api/v1/actors?per_page=20",
    "/api/v1/projects?per_page=20",
    "/recherche?q=cardiologie",
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", default="", help="admin URL; a fresh database is created and dropped")
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HUB_VAR_DIR": tmp}
        database_name = ""
        if args.postgres:
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            database_name = f"hub_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{database_name}"'))
            env["HUB_DATABASE_URL"] = (
                make_url(args.postgres).set(database=database_name).render_as_string(hide_password=False)
            )
        try:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "hub", "setup"], cwd=root, env=env, check=True, capture_output=True)
            setup_seconds = time.perf_counter() - started
            os.environ.update(env)
            rows = _measure(args.requests)
        finally:
            if database_name:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)'))
    backend = "PostgreSQL 15" if args.postgres else "SQLite (WAL)"
    lines = [
        f"### Page server time — {backend}",
        "",
        f"- Command: `.venv/bin/python -m bench.pages --requests {args.requests}"
        + (" --postgres <url>`" if args.postgres else "`"),
        f"- Data: the seed (1,938 actors, 1,362 projects, 119 territories); `hub setup` took {setup_seconds:.1f} s",
        f"- Date: {dt.datetime.now(dt.UTC).date().isoformat()}; machine: {platform.machine()}, {os.cpu_count()} cores, shared (noisy)",
        "- In-process (Litestar test client, no network), one client, after 10 warm-up requests per page",
        "",
        "| page | median ms | p95 ms | HTML/JSON KB |",
        "|---|---:|---:|---:|",
        *rows,
        "",
    ]
    report = "\n".join(lines)
    print(report)
    out = root / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / ("pages-postgres.md" if args.postgres else "pages.md")).write_text(report)


def _measure(requests: int) -> list[str]:
    from litestar.testing import TestClient

    from hub.app import create_app
    from hub.settings import load_settings

    app = create_app(load_settings(), background_indexing=False)
    rows: list[str] = []
    with TestClient(app=app) as client:
        actor = client.get("/api/v1/actors?per_page=1&kind=company").json()["items"][0]["slug"]
        project = client.get("/api/v1/projects?per_page=1").json()["items"][0]["slug"]
        for template in PAGES:
            path = template.format(actor=actor, project=project)
            for _ in range(10):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            timings: list[float] = []
            for _ in range(requests):
                start = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
            size = len(response.content) / 1024
            rows.append(
                f"| `{template}` | {statistics.median(timings):.1f} | {_percentile(timings, 0.95):.1f} | {size:.0f} |"
            )
    return rows


if __name__ == "__main__":
    main()
