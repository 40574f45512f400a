"""Innovation-hours ledger benchmark: posted transfers per second and p99 latency at 1, 8 and 32 clients on SQLite
and PostgreSQL under a hot-account load (5 depositors, one pool), and `hub ledger verify` time on a large journal.

Run: `.venv/bin/python -m bench.ledger` from the repository root. PostgreSQL is measured when HUB_TEST_POSTGRES_URL
names a server (a temporary database is created and dropped). Bounded: LEDGER_BENCH_SECONDS per run (default 4),
LEDGER_BENCH_ENTRIES journal entries for the verify timing (default 1,000,000; SQLite). Writes bench/results/ledger.md.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from hub.accounts.models import Account, Person
from hub.db import Database, make_engine, utcnow
from hub.directory.models import Actor, ActorMembership, MembershipStatus
from hub.ledger.chain import GENESIS_HASH, entry_hash
from hub.ledger.rules import Refusal
from hub.ledger.services import create_convention, decide_deposit, declare_interests, request_deposit
from hub.ledger.verification import verify_ledger
from hub.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "ledger.md"
SECONDS = float(os.environ.get("LEDGER_BENCH_SECONDS", "4"))
ENTRIES = int(os.environ.get("LEDGER_BENCH_ENTRIES", "1000000"))
CLIENT_COUNTS = (1, 8, 32)
HOT_ACCOUNTS = 5
UNUSABLE_HASH = "!"  # these accounts never sign in


@contextmanager
def fresh_database(backend: str) -> Iterator[str | None]:
    """A migrated, empty database of `backend` (None when PostgreSQL is not configured)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'ledger.sqlite3'}"
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            yield url
        return
    admin_url = os.environ.get("HUB_TEST_POSTGRES_URL", "")
    if not admin_url:
        yield None
        return
    name = f"hub_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def setup_bank(engine: Engine) -> dict[str, Any]:
    """An employer, its approver and the hot depositors, each with a current declaration of interests."""
    with Database(engine).transaction() as session:
        employer = Actor(slug=f"chu-{uuid.uuid4().hex[:6]}", name="CHU", kind="health_establishment")
        session.add(employer)
        session.flush()
        assert employer.id is not None
        ids = []
        for index in range(HOT_ACCOUNTS + 1):
            account = Account(email=f"p{index}-{uuid.uuid4().hex[:6]}@example.fr", password_hash=UNUSABLE_HASH)
            session.add(account)
            session.flush()
            assert account.id is not None
            session.add(Person(account_id=account.id, display_name=f"P{index}"))
            session.add(ActorMembership(actor_id=employer.id, account_id=account.id, status=MembershipStatus.APPROVED))
            session.flush()
            declare_interests(session, account.id, "Aucun lien.", utcnow() + dt.timedelta(days=365))
            ids.append(account.id)
        convention = create_convention(
            session, title="Bench", employer_id=employer.id, cap_minutes_per_period=10**9, approver_ids=[ids[0]]
        )
        return {"convention": convention.id, "approver": ids[0], "depositors": ids[1:]}


def run_load(url: str, clients: int) -> dict[str, float]:
    """`clients` threads, each with its own engine, deposit then approve (one posted transfer) for SECONDS."""
    engine = make_engine(url)
    bank = setup_bank(engine)
    engine.dispose()
    latencies: list[float] = []
    posted = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + SECONDS

    def client(seed: int) -> None:
        own = make_engine(url)
        database = Database(own)
        rng = random.Random(seed)
        mine: list[float] = []
        done = 0
        number = 0
        while time.perf_counter() < stop:
            key = f"b{clients}-{seed}-{number}"
            number += 1
            started = time.perf_counter()
            try:
                result = request_deposit(
                    database,
                    key,
                    account_id=rng.choice(bank["depositors"]),
                    convention_id=bank["convention"],
                    minutes=rng.randint(1, 120),
                )
                decide_deposit(
                    database, key + "-ok", approver_id=bank["approver"], transfer_id=result["transfer_id"], accept=True
                )
                done += 1
            except Refusal:
                pass
            mine.append(time.perf_counter() - started)
        own.dispose()
        with lock:
            latencies.extend(mine)
            posted[0] += done

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
    engine = make_engine(url)
    problem = verify_ledger(Database(engine))
    engine.dispose()
    assert problem is None, problem
    return {
        "rate": posted[0] / elapsed,
        "p99_ms": p99 * 1000,
        "median_ms": statistics.median(ordered) * 1000 if ordered else 0.0,
    }


def verify_timing(url: str, entries: int) -> tuple[float, float]:
    """Write a valid journal of `entries` posted legs straight into the tables, then time `verify_ledger`."""
    engine = make_engine(url)
    transfers = entries // 2
    now = utcnow()
    stamp = now.isoformat()
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO ledger_account (id, code, kind, unit, is_source, balance, reserved) VALUES "
                "(1, 'pro:bench', 'professional', 'minute', true, :neg, 0), (2, 'pool:bench', 'pool', 'minute', false, :pos, 0)"
            ),
            {"neg": -transfers, "pos": transfers},
        )
        previous = GENESIS_HASH
        batch_t: list[dict[str, Any]] = []
        batch_e: list[dict[str, Any]] = []
        entry_id = 0
        for transfer_id in range(1, transfers + 1):
            batch_t.append({"id": transfer_id, "link": uuid.uuid4().hex, "at": now})
            for account_id, code, delta in ((1, "pro:bench", -1), (2, "pool:bench", 1)):
                entry_id += 1
                digest = entry_hash(
                    entry_id=entry_id,
                    transfer_id=transfer_id,
                    account=code,
                    phase="post",
                    delta=delta,
                    created_at=stamp,
                    prev_hash=previous,
                )
                batch_e.append(
                    {
                        "id": entry_id,
                        "t": transfer_id,
                        "a": account_id,
                        "d": delta,
                        "at": now,
                        "p": previous,
                        "h": digest,
                    }
                )
                previous = digest
            if len(batch_e) >= 50_000 or transfer_id == transfers:
                connection.execute(
                    text(
                        "INSERT INTO ledger_transfer (id, kind, status, debit_account_id, credit_account_id, amount, unit,"
                        " link_id, holder, decided_by, created_at) VALUES (:id, 'deposit', 'posted', 1, 2, 1, 'minute',"
                        " :link, 'bench', '', :at)"
                    ),
                    batch_t,
                )
                connection.execute(
                    text(
                        "INSERT INTO ledger_entry (id, transfer_id, account_id, phase, delta, created_at, prev_hash, hash)"
                        " VALUES (:id, :t, :a, 'post', :d, :at, :p, :h)"
                    ),
                    batch_e,
                )
                batch_t, batch_e = [], []
        connection.execute(
            text("UPDATE ledger_chain_head SET last_entry_id = :n, last_hash = :h WHERE id = 1"),
            {"n": entry_id, "h": previous},
        )
    build = time.perf_counter() - started
    started = time.perf_counter()
    problem = verify_ledger(Database(engine))
    elapsed = time.perf_counter() - started
    engine.dispose()
    assert problem is None, problem
    return build, elapsed


def main() -> None:
    """Print the Markdown report and write it to bench/results/ledger.md."""
    lines = [
        "## Innovation-hours ledger",
        "",
        "Command: `.venv/bin/python -m bench.ledger` (PostgreSQL when `HUB_TEST_POSTGRES_URL` is set).",
        f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"shared (load average {os.getloadavg()[0]:.1f}); Python {platform.python_version()}.",
        f"Load: each client deposits (pending) then has it approved (posted) on {HOT_ACCOUNTS} hot depositor accounts "
        f"and one pool, for {SECONDS:g} s per run; each client thread has its own engine; idempotency key on each request.",
        "",
        "| database | clients | posted transfers/s | median request pair (ms) | p99 request pair (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    for backend in ("sqlite", "postgresql"):
        for clients in CLIENT_COUNTS:
            with fresh_database(backend) as url:
                if url is None:
                    lines.append(f"| {backend} | {clients} | skipped (HUB_TEST_POSTGRES_URL not set) | | |")
                    continue
                figures = run_load(url, clients)
                lines.append(
                    f"| {backend} | {clients} | {figures['rate']:.0f} | {figures['median_ms']:.1f} | {figures['p99_ms']:.1f} |"
                )
            print(lines[-1], flush=True)
    with fresh_database("sqlite") as url:
        assert url is not None
        build, elapsed = verify_timing(url, ENTRIES)
    lines += [
        "",
        f"`hub ledger verify` on {ENTRIES:,} journal entries (SQLite, written directly; build {build:.1f} s): "
        f"**{elapsed:.1f} s**.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
