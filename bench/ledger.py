"""Innovation-hours ledger benchmark, under the issue's load: random transfers, half of the debits on 5 hot accounts,
5 % duplicate submissions (same idempotency key and payload), at 1, 8 and 32 concurrent clients, on SQLite and
PostgreSQL, through the ledger core (`hub.ledger.posting.post_transfers`); one line measures the business flow
(deposit request + approval, conflict-of-interest checks) for comparison; `hub ledger verify` time on a large journal.

Run: `.venv/bin/python -m bench.ledger` from the repository root. PostgreSQL is measured when HUB_TEST_POSTGRES_URL
names a server (a temporary database is created and dropped). Knobs: LEDGER_BENCH_SECONDS per run (default 4),
LEDGER_BENCH_REPEAT runs per figure (default 3, the median is reported), LEDGER_BENCH_PROCESSES client processes for
PostgreSQL (default 2; the clients are threads split across them; SQLite clients are threads of one process),
LEDGER_BENCH_ENTRIES journal entries for the verify timing (default 1,000,000; SQLite). Writes bench/results/ledger.md.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
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

from sqlalchemy import Engine, insert, text
from sqlalchemy.engine import make_url

from hub.accounts.models import Account, Person
from hub.db import Database, make_engine, utcnow
from hub.directory.models import Actor, ActorKind, ActorMembership, MembershipStatus
from hub.ledger.book import ACCOUNTS
from hub.ledger.chain import GENESIS_HASH, entry_hash
from hub.ledger.once import service_committer
from hub.ledger.posting import Leg, core_committer, post_transfers
from hub.ledger.rules import Refusal
from hub.ledger.services import create_convention, decide_deposit, declare_interests, request_deposit
from hub.ledger.verification import verify_ledger
from hub.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "ledger.md"
SECONDS = float(os.environ.get("LEDGER_BENCH_SECONDS", "4"))
REPEAT = int(os.environ.get("LEDGER_BENCH_REPEAT", "3"))
PROCESSES = int(os.environ.get("LEDGER_BENCH_PROCESSES", "2"))
ENTRIES = int(os.environ.get("LEDGER_BENCH_ENTRIES", "1000000"))
CLIENT_COUNTS = (1, 8, 32)
HOT_ACCOUNTS = 5
COLD_ACCOUNTS = 1000
HOT_SHARE = 0.5
DUPLICATE_SHARE = 0.05
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
        employer = Actor(slug=f"chu-{uuid.uuid4().hex[:6]}", name="CHU", kind=ActorKind.HEALTH_ESTABLISHMENT)
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
    committer = service_committer(Database(engine))  # this process's group committer for the services
    assert committer is not None
    batches, requests = committer.batches, committer.requests
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
        "per_commit": (committer.requests - requests) / max(1, committer.batches - batches),
    }


def open_core_accounts(url: str) -> tuple[list[str], list[str]]:
    """A source account, the hot and cold accounts, each funded by one linked posting from the source."""
    engine = make_engine(url)
    hot = [f"acct:hot{i}" for i in range(HOT_ACCOUNTS)]
    cold = [f"acct:cold{i}" for i in range(COLD_ACCOUNTS)]
    rows = [{"code": "pro:source", "kind": "professional", "unit": "minute", "is_source": True}]
    rows += [{"code": code, "kind": "pool", "unit": "minute", "is_source": False} for code in hot + cold]
    with engine.begin() as connection:
        connection.execute(
            insert(ACCOUNTS),
            [{**row, "balance": 0, "reserved": 0, "seq": 0, "head_hash": GENESIS_HASH} for row in rows],
        )
    post_transfers(Database(engine), "funding", [Leg("pro:source", code, 10**9) for code in hot + cold])
    engine.dispose()
    return hot, cold


def core_clients(
    url: str, seeds: list[int], start_at: float, seconds: float, hot: list[str], cold: list[str]
) -> dict[str, Any]:
    """Run one client thread per seed (each with its own engine) from `start_at` for `seconds`; returns the tallies."""
    latencies: list[float] = []
    tally = {"posted": 0, "replayed": 0, "refused": 0, "start": start_at, "end": 0.0}
    lock = threading.Lock()
    everyone = hot + cold
    counter = make_engine(url)
    committer = core_committer(Database(counter))  # this process's group committer for the database
    assert committer is not None
    batches, requests = committer.batches, committer.requests

    def client(seed: int) -> None:
        engine = make_engine(url)
        database = Database(engine)
        rng = random.Random(seed)
        sent: list[tuple[str, Leg]] = []
        mine: list[float] = []
        posted = replayed = refused = 0
        while time.time() < start_at:
            time.sleep(0.001)
        stop = start_at + seconds
        number = 0
        while time.time() < stop:
            duplicate = bool(sent) and rng.random() < DUPLICATE_SHARE
            if duplicate:
                key, leg = rng.choice(sent)
            else:
                debit = rng.choice(hot) if rng.random() < HOT_SHARE else rng.choice(cold)
                credit = rng.choice(everyone)
                while credit == debit:
                    credit = rng.choice(everyone)
                key, leg = f"t{seed}-{number}", Leg(debit, credit, rng.randint(1, 100))
                number += 1
                sent.append((key, leg))
            started = time.perf_counter()
            try:
                post_transfers(database, key, [leg])
                if duplicate:
                    replayed += 1
                else:
                    posted += 1
            except Refusal:
                refused += 1
            mine.append(time.perf_counter() - started)
        engine.dispose()
        with lock:
            latencies.extend(mine)
            tally["posted"] += posted
            tally["replayed"] += replayed
            tally["refused"] += refused
            tally["end"] = max(tally["end"], time.time())

    threads = [threading.Thread(target=client, args=(seed,)) for seed in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counter.dispose()
    commits = {"commits": committer.batches - batches, "committed": committer.requests - requests}
    return {**tally, **commits, "latencies": latencies}


def _child(url: str, seeds: list[int], start: Any, go: Any, hot: list[str], cold: list[str], queue: Any) -> None:
    queue.put("ready")
    go.wait()
    queue.put(core_clients(url, seeds, start.value, SECONDS, hot, cold))


def run_core(url: str, clients: int, hot: list[str], cold: list[str], processes: int) -> dict[str, float]:
    """`clients` concurrent clients split over `processes` processes (threads in this one when 1).

    The clock starts once every process has started (on a loaded machine a spawned process may take seconds).
    """
    seeds = list(range(clients))
    if processes <= 1:
        parts = [core_clients(url, seeds, time.time() + 0.2, SECONDS, hot, cold)]
    else:
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        start, go = context.Value("d", 0.0), context.Event()
        workers = [
            context.Process(target=_child, args=(url, seeds[i::processes], start, go, hot, cold, queue))
            for i in range(min(processes, clients))
        ]
        for worker in workers:
            worker.start()
        assert [queue.get() for _ in workers] == ["ready"] * len(workers)
        start.value = time.time() + 0.5
        go.set()
        parts = [queue.get() for _ in workers]
        for worker in workers:
            worker.join()
    elapsed = max(part["end"] for part in parts) - min(part["start"] for part in parts)
    ordered = sorted(latency for part in parts for latency in part["latencies"])
    return {
        "rate": sum(part["posted"] for part in parts) / elapsed,
        "requests": len(ordered) / elapsed,
        "refused": sum(part["refused"] for part in parts),
        "replayed": sum(part["replayed"] for part in parts),
        "median_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "per_commit": sum(part["committed"] for part in parts) / max(1, sum(part["commits"] for part in parts)),
    }


def timed_verify(url: str) -> tuple[float, int]:
    """Seconds `verify_ledger` takes on the database, and how many entries it checked (asserting it passes)."""
    engine = make_engine(url)
    started = time.perf_counter()
    problem = verify_ledger(Database(engine))
    elapsed = time.perf_counter() - started
    with engine.connect() as connection:
        count = int(connection.execute(text("SELECT count(*) FROM ledger_entry")).scalar_one())
    engine.dispose()
    assert problem is None, problem
    return elapsed, count


def verify_timing(url: str, entries: int) -> tuple[float, float]:
    """Write a valid journal of `entries` posted legs (one source, 5 accounts) straight into the tables, time verify."""
    engine = make_engine(url)
    transfers = entries // 2
    now = utcnow()
    stamp = now.isoformat()
    codes = ["pro:bench", *(f"pool:bench{i}" for i in range(5))]
    heads = dict.fromkeys(codes, (0, GENESIS_HASH))
    balances = dict.fromkeys(codes, 0)
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            insert(ACCOUNTS),
            [
                {"id": i + 1, "code": code, "kind": "pool", "unit": "minute", "is_source": i == 0}
                | {"balance": 0, "reserved": 0, "seq": 0, "head_hash": GENESIS_HASH}
                for i, code in enumerate(codes)
            ],
        )
        batch_t: list[dict[str, Any]] = []
        batch_e: list[dict[str, Any]] = []
        for transfer_id in range(1, transfers + 1):
            target = 1 + transfer_id % 5
            batch_t.append({"id": transfer_id, "c": target + 1, "link": uuid.uuid4().hex, "at": now})
            for account_id, delta in ((1, -1), (target + 1, 1)):
                code = codes[account_id - 1]
                seq, previous = heads[code]
                digest = entry_hash(
                    account=code,
                    seq=seq + 1,
                    transfer_id=transfer_id,
                    phase="post",
                    delta=delta,
                    created_at=stamp,
                    prev_hash=previous,
                )
                batch_e.append(
                    {"t": transfer_id, "a": account_id, "s": seq + 1, "d": delta, "at": now, "p": previous, "h": digest}
                )
                heads[code] = (seq + 1, digest)
                balances[code] += delta
            if len(batch_e) >= 50_000 or transfer_id == transfers:
                connection.execute(
                    text(
                        "INSERT INTO ledger_transfer (id, kind, status, debit_account_id, credit_account_id, amount, unit,"
                        " link_id, holder, decided_by, created_at) VALUES (:id, 'deposit', 'posted', 1, :c, 1, 'minute',"
                        " :link, 'bench', '', :at)"
                    ),
                    batch_t,
                )
                connection.execute(
                    text(
                        "INSERT INTO ledger_entry (transfer_id, account_id, account_seq, phase, delta, created_at,"
                        " prev_hash, hash) VALUES (:t, :a, :s, 'post', :d, :at, :p, :h)"
                    ),
                    batch_e,
                )
                batch_t, batch_e = [], []
        for code in codes:
            connection.execute(
                text("UPDATE ledger_account SET balance = :b, seq = :s, head_hash = :h WHERE code = :c"),
                {"b": balances[code], "s": heads[code][0], "h": heads[code][1], "c": code},
            )
    build = time.perf_counter() - started
    started = time.perf_counter()
    problem = verify_ledger(Database(engine))
    elapsed = time.perf_counter() - started
    engine.dispose()
    assert problem is None, problem
    return build, elapsed


def _cell(runs: list[dict[str, float]], name: str, digits: int = 0) -> str:
    values = [run[name] for run in runs]
    each = ", ".join(f"{v:.{digits}f}" for v in values)
    return f"{statistics.median(values):.{digits}f} ({each})"


def main() -> None:
    """Print the Markdown report and write it to bench/results/ledger.md."""
    load_before = os.getloadavg()
    lines = [
        "## Innovation-hours ledger",
        "",
        "Command: `.venv/bin/python -m bench.ledger` (PostgreSQL when `HUB_TEST_POSTGRES_URL` is set).",
        f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"shared with other users (load average at start {load_before[0]:.1f} / {load_before[1]:.1f} / "
        f"{load_before[2]:.1f}); Python {platform.python_version()}.",
        f"Load (issue 6): each client posts random transfers through `post_transfers` for {SECONDS:g} s; half of the "
        f"debits on {HOT_ACCOUNTS} hot accounts, the rest on {COLD_ACCOUNTS} cold ones, credits on any account; "
        f"{DUPLICATE_SHARE:.0%} of submissions repeat an earlier key and payload (answered from the stored outcome). "
        f"Each client is a thread with its own engine (hub.db.make_engine: SQLite WAL synchronous=NORMAL; PostgreSQL "
        f"default fsync, synchronous_commit on, pool_pre_ping). SQLite clients are threads of one process; PostgreSQL "
        f"clients are split over {PROCESSES} processes (the clock starts once every process is ready). "
        f"Concurrent callers of one process share transactions (group commit, `hub.ledger.committer`): requests per "
        f"commit counts the requests each process's committer ran per transaction. "
        f"Each figure is the median of {REPEAT} runs "
        f"(all runs in brackets); latency is per request; `verify` checked the journal after every run.",
        "",
        "| database | clients | posted transfers/s | requests/s | median latency (ms) | p99 latency (ms) "
        "| requests per commit |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    verify_notes: list[str] = []
    for backend in ("sqlite", "postgresql"):
        processes = 1 if backend == "sqlite" else PROCESSES
        for clients in CLIENT_COUNTS:
            runs: list[dict[str, float]] = []
            for _ in range(REPEAT):
                with fresh_database(backend) as url:
                    if url is None:
                        break
                    hot, cold = open_core_accounts(url)
                    runs.append(run_core(url, clients, hot, cold, processes))
                    seconds, count = timed_verify(url)
                    verify_notes.append(f"{backend} {clients} clients: {count:,} entries in {seconds:.2f} s")
            if not runs:
                lines.append(f"| {backend} | {clients} | skipped (HUB_TEST_POSTGRES_URL not set) | | | | |")
                print(lines[-1], flush=True)
                continue

            lines.append(
                f"| {backend} | {clients} | {_cell(runs, 'rate')} | {_cell(runs, 'requests')} | {_cell(runs, 'median_ms', 1)} "
                f"| {_cell(runs, 'p99_ms', 1)} | {_cell(runs, 'per_commit', 1)} |"
            )
            print(lines[-1], flush=True)
    lines += [
        "",
        "Business flow for comparison (one process, threads; each client requests a deposit then has it approved, "
        "with the conflict-of-interest and cap checks; one posted transfer per pair of requests; one run):",
        "",
        "| database | clients | posted transfers/s | median request pair (ms) | p99 request pair (ms) "
        "| requests per commit |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for backend in ("sqlite", "postgresql"):
        with fresh_database(backend) as url:
            if url is None:
                continue
            figures = run_load(url, 32)
            lines.append(
                f"| {backend} | 32 | {figures['rate']:.0f} | {figures['median_ms']:.1f} | {figures['p99_ms']:.1f} "
                f"| {figures['per_commit']:.1f} |"
            )
            print(lines[-1], flush=True)
    with fresh_database("sqlite") as url:
        assert url is not None
        build, elapsed = verify_timing(url, ENTRIES)
    load_after = os.getloadavg()
    lines += [
        "",
        f"`hub ledger verify` on {ENTRIES:,} journal entries (SQLite, written directly; build {build:.1f} s): "
        f"**{elapsed:.1f} s**. After each load run: " + "; ".join(verify_notes) + ".",
        "",
        f"Load average at the end: {load_after[0]:.1f} / {load_after[1]:.1f} / {load_after[2]:.1f}.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
