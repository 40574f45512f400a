"""Server time of the map pages and weight of their SVG, on the seed multiplied by 10 (bench.scale).

Run: .venv/bin/python -m bench.maps [--requests 100] [--factor 10]
     [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
Builds a throw-away database holding the seed x factor (SQLite in a temporary folder; with
--postgres, also a fresh PostgreSQL database, dropped afterwards), drives the real application
in-process (Litestar's test client, no network) and reports, per page, the median and p95 server
time over repeated requests after warm-up ("warm": the drawing of the map is cached), the time of
maps whose figures change at every request (every sector in turn: the SVG is repainted), the time
of the very first map after start-up ("cold": geometry read, projected and simplified), and the
weight of the SVG of France and of the heaviest région. Targets: p95 <= 150 ms; SVG <= 300 KB.
Writes bench/results/maps.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.scale import build_scaled_database, scaled_database

PAGES = [
    "/carte",
    "/carte?indicateur=actors&sector=oncologie&kind=health_establishment",
    "/carte?indicateur=volunteers&phase=experimentation",
    "/carte?region=75",
    "/carte?indicateur=actors&sector=cardio&region=84",
    "/carte?indicateur=professionals&region=11",
    "/carte?indicateur=hours&region=53",
    "/api/v1/map?indicator=projects&region=75",
    "/territoires/reg-75",
    "/secteurs/oncologie",
]
SVG = re.compile(r"<svg .*?</svg>", re.S)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timed(get: Callable[[str], Any], path: str) -> tuple[float, Any]:
    start = time.perf_counter()
    response = get(path)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return elapsed, response


def _svg_kb(html: str) -> float:
    match = SVG.search(html)
    assert match, "no SVG in the page"
    return len(match.group(0).encode()) / 1024


def measure(url: str, requests: int) -> tuple[list[str], list[str]]:
    """Rows of the timing table and lines about cold starts and SVG weights, for the database at `url`."""
    from litestar.testing import TestClient

    from hub.app import create_app
    from hub.db import Database, make_engine
    from hub.settings import Settings
    from hub.territories.maps import clear_map_cache

    engine = make_engine(url)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(var_dir=Path(tmp), secret_key="bench-" + "x" * 40)
        app = create_app(settings, database=Database(engine), background_indexing=False)
        rows: list[str] = []
        notes: list[str] = []
        with TestClient(app=app) as client:
            clear_map_cache()
            cold_france, _ = _timed(client.get, "/carte")
            cold_region, _ = _timed(client.get, "/carte?region=84")
            for path in PAGES:
                for _ in range(5):
                    _timed(client.get, path)
                timings = []
                for _ in range(requests):
                    elapsed, response = _timed(client.get, path)
                    timings.append(elapsed)
                size = len(response.content) / 1024
                rows.append(
                    f"| `{path}` | {statistics.median(timings):.1f} | {_percentile(timings, 0.95):.1f} | {size:.0f} |"
                )
            # Figures that change at every request: each sector in turn, France then one région.
            sectors = [item["code"] for item in client.get("/api/v1/sectors").json()["items"]]
            for label, template in (
                ("France, a new sector at each request", "/carte?indicateur=actors&sector={s}"),
                (
                    "Auvergne-Rhône-Alpes, a new sector at each request",
                    "/carte?indicateur=projects&sector={s}&region=84",
                ),
            ):
                timings = [_timed(client.get, template.format(s=s))[0] for s in sectors]
                rows.append(
                    f"| {label} ({len(sectors)} maps repainted) | {statistics.median(timings):.1f} | "
                    f"{_percentile(timings, 0.95):.1f} | — |"
                )
            france_kb = _svg_kb(client.get("/carte").text)
            regions = client.get("/api/v1/territories").json()["items"]
            weights = {
                r["name"]: _svg_kb(client.get(f"/carte?region={r['code']}").text)
                for r in regions
                if r["level"] == "region"
            }
            heaviest = max(weights, key=lambda name: weights[name])
            notes += [
                f"- First map after start-up (geometry read, projected, simplified): France {cold_france:.0f} ms, "
                f"Auvergne-Rhône-Alpes {cold_region:.0f} ms (once per process and set of territories).",
                "- `/territoires/...` and `/secteurs/...` read the specialisation counts, which are recounted at most "
                "once a minute (hub.territories.services.SPECIALISATION_TTL_SECONDS): the figures above are warm.",
                f"- SVG weight: France by région {france_kb:.0f} KB; heaviest région ({heaviest}) "
                f"{weights[heaviest]:.0f} KB; all 18 drill-downs {sum(weights.values()):.0f} KB together. Target <= 300 KB.",
            ]
    engine.dispose()
    return rows, notes


def _section(
    backend: str, args: argparse.Namespace, counts: str, built: float, rows: list[str], notes: list[str]
) -> str:
    return "\n".join(
        [
            f"### Map pages — {backend}",
            "",
            f"- Command: `.venv/bin/python -m bench.maps --requests {args.requests} --factor {args.factor}"
            + (" --postgres <admin url>`" if args.postgres else "`"),
            f"- Data: the seed x {args.factor} built by `bench.scale` ({counts}) in {built:.1f} s",
            f"- Date: {dt.datetime.now(dt.UTC).isoformat(timespec='minutes')}; machine: {platform.machine()}, "
            f"{os.cpu_count()} cores, shared with other jobs (load average {os.getloadavg()[0]:.1f} at the end)",
            f"- In-process (Litestar test client, no network), one client, {args.requests} requests per page after 5 warm-up requests",
            "",
            "| page | median ms | p95 ms | page KB |",
            "|---|---:|---:|---:|",
            *rows,
            "",
            *notes,
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--postgres", default="", help="admin URL: a fresh database is created, then dropped")
    args = parser.parse_args()
    sections = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'hub-maps.sqlite3'}"
        report = build_scaled_database(url, args.factor)
        rows, notes = measure(url, args.requests)
        counts = f"{report.actors:,} actors, {report.projects:,} projects"
        sections.append(_section("SQLite (WAL)", args, counts, report.seconds, rows, notes))
        print(sections[-1])
    if args.postgres:
        started = time.perf_counter()
        with scaled_database(args.factor, args.postgres) as url:
            built = time.perf_counter() - started
            rows, notes = measure(url, args.requests)
        sections.append(_section("PostgreSQL", args, counts, built, rows, notes))
        print(sections[-1])
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "maps.md").write_text("\n".join(sections))


if __name__ == "__main__":
    main()
