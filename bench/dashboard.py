"""Decision-makers' dashboard and open-data export on the seed multiplied by 10 (bench.scale), with network activity.

Run: .venv/bin/python -m bench.dashboard [--requests 100] [--factor 10] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

Builds a throw-away database with `bench.scale` (the seed x factor: 19,380 actors and 13,620 projects for x10),
then adds the activity the dashboard counts, which the seed does not hold: duplicate pairs (some decided),
introductions (some answered), hours used on projects (some reversed), projects registered in the hub with
their partner arriving later (change-log entries), spread over 24 months. Then, in-process (Litestar's test
client, no network, one client), measures the server time of the dashboard pages (median and p95 after warm-up),
and exports the whole catalogue in each format: wall time through HTTP, size, and the peak Python memory of
the export pipeline (tracemalloc while the chunks are produced and thrown away). Writes bench/results/dashboard.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import col

from bench.scale import scaled_database
from hub.accounts.models import Account
from hub.changelog.models import ChangeLogEntry
from hub.db import Database, make_engine
from hub.dedup.models import DuplicatePair, DuplicateReview
from hub.exchanges.models import IntroductionRequest
from hub.ledger.models import LedgerAccount, LedgerTransfer
from hub.projects.models import Project

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "/tableau-de-bord",
    "/tableau-de-bord?region=75",
    "/tableau-de-bord?region=11&sector=cardio&phase=development",
    "/tableau-de-bord/territoires.csv?sector=oncologie",
    "/api/v1/dashboard",
]
EXPORTS = [(d, f) for d in ("acteurs", "projets") for f in ("csv", "json", "geojson")]
ACTIVITY = {"pairs": 3000, "introductions": 6000, "uses": 6000, "hub_projects": 2000}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def add_activity(url: str, seed: int = 7) -> dict[str, int]:
    """Bulk-insert synthetic duplicates, introductions, hours and hub registrations (one transaction)."""
    rng = random.Random(seed)
    engine = make_engine(url)
    now = datetime.now(UTC)

    def moment() -> datetime:
        return now - timedelta(days=rng.randrange(0, 730), minutes=rng.randrange(0, 1440))

    with engine.begin() as connection:
        project_ids: list[int] = list(
            connection.execute(select(col(Project.id)).order_by(col(Project.id))).scalars().all()  # type: ignore[arg-type]
        )
        review = connection.execute(insert(DuplicateReview).values(sector_codes=[]).returning(col(DuplicateReview.id)))
        review_id = review.scalar_one()
        pairs: list[dict[str, Any]] = []
        seen: set[tuple[int, int]] = set()
        while len(pairs) < ACTIVITY["pairs"]:
            a, b = sorted(rng.sample(project_ids, 2))
            if (a, b) in seen:
                continue
            seen.add((a, b))
            found = moment()
            status = rng.choice(["open", "open", "merged", "twins", "distinct"])
            pairs.append(
                {
                    "review_id": review_id,
                    "project_a_id": a,
                    "project_b_id": b,
                    "score": 0.8,
                    "reasons": [],
                    "fingerprint": {},
                    "status": status,
                    "is_declared_distinct": False,
                    "created_at": found,
                    "decided_at": None if status == "open" else found + timedelta(days=rng.randrange(0, 60)),
                }
            )
        connection.execute(insert(DuplicatePair), pairs)
        account_id = connection.execute(
            insert(Account).values(email="bench.dashboard@example.fr", password_hash="!").returning(col(Account.id))  # noqa: S106 - no password: cannot sign in
        ).scalar_one()
        intros = []
        for _ in range(ACTIVITY["introductions"]):
            made = moment()
            status = rng.choice(["pending", "accepted", "accepted", "declined"])
            intros.append(
                {
                    "sender_id": account_id,
                    "sender_project_id": rng.choice(project_ids),
                    "target_kind": "actor",
                    "target_id": 1,
                    "purpose": "partnership",
                    "message": "bench",
                    "status": status,
                    "is_routed_to_administrators": False,
                    "reason": "",
                    "shared_contact": "",
                    "created_at": made,
                    "decided_at": None if status == "pending" else made + timedelta(days=rng.randrange(0, 20)),
                }
            )
        connection.execute(insert(IntroductionRequest), intros)
        pool = connection.execute(
            insert(LedgerAccount).values(code="pool:bench", kind="pool", unit="minute").returning(col(LedgerAccount.id))
        ).scalar_one()
        target = connection.execute(
            insert(LedgerAccount)
            .values(code="project:bench", kind="project", unit="minute")
            .returning(col(LedgerAccount.id))
        ).scalar_one()
        uses = []
        for i in range(ACTIVITY["uses"]):
            at = moment()
            uses.append(
                {
                    "kind": "use",
                    "status": rng.choice(["posted", "posted", "pending"]),
                    "debit_account_id": pool,
                    "credit_account_id": target,
                    "amount": rng.randrange(15, 480),
                    "unit": "minute",
                    "link_id": f"bench-{i}",
                    "project_id": rng.choice(project_ids),
                    "holder": "bench",
                    "decided_by": "",
                    "created_at": at,
                    "decided_at": at,
                }
            )
        connection.execute(insert(LedgerTransfer), uses)
        registered = rng.sample(project_ids, ACTIVITY["hub_projects"])
        entries = []
        for project_id in registered:
            created = moment()
            connection.execute(
                update(Project).where(col(Project.id) == project_id).values(source="hub", created_at=created)
            )
            if rng.random() < 0.7:
                entries.append(
                    {
                        "object_type": "project",
                        "object_id": project_id,
                        "action": "update",
                        "account_id": account_id,
                        "changes": {"partners": [[], [f"{rng.choice(project_ids)}:autre"]]},
                        "note": "",
                        "created_at": created + timedelta(days=rng.randrange(0, 120)),
                    }
                )
        connection.execute(insert(ChangeLogEntry), entries)
    if engine.dialect.name == "postgresql":
        # What autovacuum does on a live database: planner statistics for the freshly bulk-loaded tables.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {**ACTIVITY, "partner_entries": len(entries)}


def _measure_pages(client: Any, requests: int) -> list[str]:
    rows = []
    for path in PAGES:
        for _ in range(5):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
        timings = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
        rows.append(
            f"| `{path}` | {statistics.median(timings):.1f} | {_percentile(timings, 0.95):.1f} | "
            f"{len(response.content) / 1024:.0f} |"
        )
    return rows


def _measure_exports(client: Any, database: Database) -> list[str]:
    from hub.opendata.datasets import DATASETS
    from hub.opendata.formats import csv_chunks, geojson_chunks, json_chunks
    from hub.opendata.services import ROW_READERS

    rows = []
    client.get("/donnees-ouvertes/acteurs.csv")  # warm-up: territory centres are computed once per process
    for name, fmt in EXPORTS:
        start = time.perf_counter()
        response = client.get(f"/donnees-ouvertes/{name}.{fmt}")
        seconds = time.perf_counter() - start
        assert response.status_code == 200
        size = len(response.content)
        dataset = DATASETS[name]
        with database.session() as session:
            batches = ROW_READERS[name](session, "https://hub.example")
            chunks = (
                csv_chunks(dataset, batches)
                if fmt == "csv"
                else json_chunks(dataset, {}, batches)
                if fmt == "json"
                else geojson_chunks(dataset, {}, batches)
            )
            tracemalloc.start()
            produced = 0
            for chunk in chunks:
                produced += len(chunk)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        rows.append(
            f"| {name}.{fmt} | {seconds:.2f} | {size / 1_048_576:.1f} | {peak / 1_048_576:.1f} | "
            f"{100 * peak / max(produced, 1):.0f} % |"
        )
    return rows


def _run(url: str, requests: int) -> tuple[list[str], list[str], list[str], dict[str, int]]:
    from litestar.testing import TestClient

    from hub.app import create_app
    from hub.settings import load_settings

    activity = add_activity(url)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HUB_DATABASE_URL"] = url
        os.environ["HUB_VAR_DIR"] = tmp
        settings = load_settings()
        engine = make_engine(url)
        database = Database(engine)
        app = create_app(settings, database=database, background_indexing=False)
        with TestClient(app=app) as client:
            app.state.dashboard_cache_seconds = 0  # every request computes its figures
            cold = _measure_pages(client, requests)
            app.state.dashboard_cache_seconds = 30  # the shipped setting (hub.dashboard.routes.CACHE_SECONDS)
            warm = _measure_pages(client, requests)
            exports = _measure_exports(client, database)
        engine.dispose()
    return cold, warm, exports, activity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--postgres", default="", help="admin URL: also measure on a fresh PostgreSQL database")
    args = parser.parse_args()
    backends = [("SQLite (WAL)", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
    lines = [
        "# Decision-makers' dashboard and open-data export",
        "",
        f"- Command: `.venv/bin/python -m bench.dashboard --requests {args.requests} --factor {args.factor}"
        + (" --postgres <admin url>`" if args.postgres else "`"),
        f"- Data: the seed x {args.factor} (bench.scale: {1938 * args.factor:,} actors, {1362 * args.factor:,} projects), "
        f"plus synthetic activity over 24 months: {ACTIVITY['pairs']:,} duplicate pairs, "
        f"{ACTIVITY['introductions']:,} introductions, {ACTIVITY['uses']:,} hour uses, "
        f"{ACTIVITY['hub_projects']:,} projects registered in the hub (70 % with a later partner)",
        f"- Date: {datetime.now(UTC).date().isoformat()}; machine: {platform.machine()}, {os.cpu_count()} cores, "
        "shared with other jobs (noisy)",
        "- In-process (Litestar test client, no network, one client), 5 warm-up requests per page; "
        "target: dashboard p95 ≤ 150 ms",
        "",
    ]
    for label, admin_url in backends:
        started = time.perf_counter()
        with scaled_database(factor=args.factor, postgres_admin_url=admin_url) as url:
            build_seconds = time.perf_counter() - started
            cold, warm, exports, _ = _run(url, args.requests)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        lines += [
            f"## {label}",
            "",
            f"Scaled database built in {build_seconds:.0f} s; load average after the run: {load} (1, 5, 15 min).",
            "",
            "Every request computing its figures (cache off):",
            "",
            f"| page ({args.requests} requests) | median ms | p95 ms | KB |",
            "|---|---:|---:|---:|",
            *cold,
            "",
            "As shipped: figures kept 30 s per filter set (so nearly every request below is served from the cache):",
            "",
            f"| page ({args.requests} requests) | median ms | p95 ms | KB |",
            "|---|---:|---:|---:|",
            *warm,
            "",
            "Full-catalogue export (streamed): wall time through HTTP (the test client buffers the body), size, and",
            "peak Python memory of the export pipeline while producing the file (tracemalloc), also as a share of the size.",
            "",
            "| file | seconds | MB | peak MB | peak / size |",
            "|---|---:|---:|---:|---:|",
            *exports,
            "",
        ]
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "dashboard.md").write_text(text)


if __name__ == "__main__":
    main()
