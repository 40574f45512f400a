"""Live feed delivery latency: 200 browsers on the SSE stream, events committed meanwhile (target p95 ≤ 1 s).

Run: .venv/bin/python -m bench.feed [--clients 200] [--events 40] [--workers 2] [--interval 0.25]
Sets up a seeded SQLite hub in a temporary folder (`hub setup`), serves it with uvicorn in a subprocess
(`hub serve`, several worker processes), opens the streams with httpx, then commits new actors from this process
(each one makes an activity event through the session listeners, as a request would) and measures, for every
client and event, the time from the commit to the event's arrival. Writes bench/results/feed.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"the hub stopped (exit {process.returncode}):\n" + log.read_text(errors="replace")[-3000:]
            )
        try:
            with urllib.request.urlopen(f"{base_url}/activite", timeout=2) as response:  # noqa: S310 (local URL)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the hub did not answer within 180 s:\n" + log.read_text(errors="replace")[-3000:])


class Client:
    """One browser: an open stream, and when each event arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.ready = asyncio.Event()

    async def listen(self, http: httpx.AsyncClient, url: str, stop: asyncio.Event) -> None:
        async with http.stream("GET", url, headers={"Accept": "text/event-stream"}) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                now = time.monotonic()
                if line.startswith(":"):
                    self.ready.set()
                elif line.startswith("data: "):
                    self.arrivals[json.loads(line[6:])["title"]] = now
                if stop.is_set():
                    return


def _commit_actor(database: object, name: str) -> float:
    from hub.db import Database, utcnow
    from hub.directory.models import Actor, ActorKind

    assert isinstance(database, Database)
    with database.session() as session:
        slug = "bench-" + name.lower().replace(" ", "-")
        session.add(
            Actor(
                slug=slug,
                name=name,
                kind=ActorKind.COMPANY,
                departement_id="dep-33",
                region_id="reg-75",
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        session.commit()
    return time.monotonic()


async def _run(base_url: str, database_url: str, clients: int, events: int, interval: float) -> dict[str, object]:
    import hub.activity.recording  # noqa: F401  (the listeners that turn the new actors into events)
    from hub.db import Database, make_engine

    database = Database(make_engine(database_url))
    limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
    stop = asyncio.Event()
    listeners = [Client() for _ in range(clients)]
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=httpx.Timeout(60.0, read=None)) as http:
        started = time.monotonic()
        tasks = [asyncio.create_task(c.listen(http, "/activite/flux", stop)) for c in listeners]
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in listeners)), 60)
        connect_seconds = time.monotonic() - started
        committed: dict[str, float] = {}
        for n in range(events):
            name = f"Entreprise de mesure {n:03d}"
            committed[f"{name} rejoint l’annuaire"] = await asyncio.to_thread(_commit_actor, database, name)
            await asyncio.sleep(interval)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(len(c.arrivals) < events for c in listeners):
            await asyncio.sleep(0.1)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    latencies = [
        (client.arrivals[title] - at) * 1000
        for client in listeners
        for title, at in committed.items()
        if title in client.arrivals
    ]
    return {
        "connect_seconds": connect_seconds,
        "expected": clients * events,
        "delivered": len(latencies),
        "latencies": latencies,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between two events")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        database_url = f"sqlite:///{Path(tmp) / 'hub.sqlite3'}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
        env.update(
            HUB_MODE="local",
            HUB_VAR_DIR=tmp,
            HUB_DATABASE_URL=database_url,
            HUB_HOST="127.0.0.1",
            HUB_PORT=str(port),
            HUB_WORKERS=str(args.workers),
            HUB_LOG_LEVEL="WARNING",
        )
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "hub", "setup"], cwd=ROOT, env=env, check=True, capture_output=True)
        setup_seconds = time.perf_counter() - started
        log = (Path(tmp) / "serve.log").open("wb")
        server = subprocess.Popen([sys.executable, "-m", "hub", "serve"], cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_up(base_url, server, Path(tmp) / "serve.log")
            result = asyncio.run(_run(base_url, database_url, args.clients, args.events, args.interval))
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
    latencies = result["latencies"]
    assert isinstance(latencies, list)
    median = statistics.median(latencies) if latencies else float("nan")
    p95 = _percentile(latencies, 0.95) if latencies else float("nan")
    p99 = _percentile(latencies, 0.99) if latencies else float("nan")
    verdict = "met" if latencies and p95 <= 1000 and result["delivered"] == result["expected"] else "NOT met"
    lines = [
        "### Live feed delivery (Server-Sent Events)",
        "",
        f"- Command: `.venv/bin/python -m bench.feed --clients {args.clients} --events {args.events} "
        f"--workers {args.workers} --interval {args.interval}`",
        f"- Data: the seed (1,938 actors, 1,362 projects) on SQLite (WAL); `hub setup` took {setup_seconds:.1f} s",
        f"- Server: `hub serve` (uvicorn, {args.workers} worker processes, one poller each reading the event table "
        "every 0.25 s); clients: httpx streams in one asyncio process on the same machine",
        f"- Date: {dt.datetime.now(dt.UTC).date().isoformat()}; machine: {platform.machine()}, {os.cpu_count()} cores, "
        "shared (noisy)",
        f"- {args.clients} streams connected in {result['connect_seconds']:.1f} s; {args.events} events committed "
        f"{args.interval} s apart; latency = from the commit to the event's arrival at each client",
        "",
        "| deliveries (received / expected) | median ms | p95 ms | p99 ms | max ms | target p95 ≤ 1,000 ms |",
        "|---|---:|---:|---:|---:|---|",
        f"| {result['delivered']:,} / {result['expected']:,} | {median:.0f} | {p95:.0f} | {p99:.0f} | "
        f"{max(latencies) if latencies else float('nan'):.0f} | {verdict} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "feed.md").write_text(text)


if __name__ == "__main__":
    main()
