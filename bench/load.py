"""Load test of the served hub: 2 worker processes against PostgreSQL, loopback only, bounded in time.

Run: `.venv/bin/python -m bench.load [--rate 200] [--seconds 60] [--wrk-seconds 20] [--pages 0]` from the repository root,
with PostgreSQL at HUB_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test; a temporary
database is created, seeded by `hub setup` and dropped) and `wrk` installed (Debian package `wrk`).

1. Mixed pages at a fixed arrival rate (open model: requests are sent on schedule whatever the answers, so a slow
   server cannot slow the load down): directory and catalogue lists, actor and project pages, search, the JSON list
   API; per page the median and p95 latency and the error count.
2. The JSON list endpoint at full speed with wrk (2 threads, 32 connections): requests per second and p99.
Writes bench/results/load.md. The load generator runs on the same 2 shared cores as the server: figures are a
floor for a dedicated machine.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# (share of the traffic, path template); {actor} and {project} are filled with random seeded slugs.
MIX = [
    (0.25, "/annuaire"),
    (0.10, "/annuaire?kind=health_establishment&region=84"),
    (0.15, "/annuaire/{actor}"),
    (0.15, "/projets"),
    (0.15, "/projets/{project}"),
    (0.10, "/recherche?q=télésurveillance"),
    (0.10, "/api/v1/projects?per_page=20"),
]


_ERROR_KINDS = {-1: "connection errors", -2: "timeouts"}
REQUEST_TIMEOUT = 10.0  # seconds; a slower answer counts as an error
DRAIN_SECONDS = 15.0  # after the schedule ends, how long answers are still awaited
TIMELINE = "__window__"  # results' keys for the requests sent in each window of TIMELINE_SECONDS
TIMELINE_SECONDS = 10


def _slugs(url: str, limit: int) -> list[str]:
    """The slugs of the first `limit` items of a paginated API list (every item when `limit` is 0)."""
    slugs: list[str] = []
    page = 1
    while True:
        body = httpx.get(f"{url}?per_page=100&page={page}").json()
        slugs += [item["slug"] for item in body["items"]]
        if page >= body["pages"] or (limit and len(slugs) >= limit):
            return slugs[:limit] if limit else slugs
        page += 1


def _wait_for_prepared_suggestions(base: str, timeout: float = 300.0) -> tuple[int, float]:
    """Poll /metrics (each poll reaches one of the workers) until every worker reports the same, unchanging count
    of partner suggestions prepared ahead; (that count, seconds waited). Exits when it does not settle in time."""
    started = time.monotonic()
    history: list[int] = []
    while time.monotonic() - started < timeout:
        found = re.search(r"^hub_suggestions_prepared (\d+)", httpx.get(f"{base}/metrics").text, re.MULTILINE)
        history = [*history[-19:], int(found.group(1)) if found else -1]
        if len(history) == 20 and history[0] > 0 and len(set(history)) == 1:
            return history[0], time.monotonic() - started
        time.sleep(0.25)
    sys.exit(f"the workers did not finish preparing their suggestions within {timeout:g} s (last counts {history})")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Client:
    """A lean HTTP/1.1 keep-alive client for the load generator (httpx's pool costs time quadratic in the number of
    waiting requests, which made the generator itself the bottleneck at 200 requests/s): a request takes an idle
    connection or opens one, up to `limit`; the answer is read whole (Content-Length or chunked)."""

    def __init__(self, host: str, port: int, limit: int = 256) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(limit)

    async def get(self, path: str) -> int:
        async with self.slots:
            if self.idle:
                reader, writer = self.idle.pop()
                try:
                    return await self._exchange(reader, writer, path)
                except (ConnectionError, asyncio.IncompleteReadError):
                    pass  # the server closed this idle keep-alive connection meanwhile: ask again on a new one
            reader, writer = await asyncio.open_connection(self.host, self.port)
            return await self._exchange(reader, writer, path)

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> int:
        try:
            target = quote(path, safe="/?=&")
            writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode("ascii"))
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)
            }
            if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
                while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
                    await reader.readexactly(size + 2)
                await reader.readuntil(b"\r\n")
            else:
                await reader.readexactly(int(headers.get(b"content-length", b"0")))
        except BaseException:
            writer.close()
            raise
        if headers.get(b"connection", b"").lower() == b"close":
            writer.close()
        else:
            self.idle.append((reader, writer))
        return status

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


async def _open_model(
    base: str, rate: float, seconds: float, actors: list[str], projects: list[str]
) -> dict[str, list[float]]:
    """Send requests on a fixed schedule (rate per second) for `seconds`; latency per page template (ms, or -status)."""
    results: dict[str, list[float]] = defaultdict(list)
    weights = [share for share, _ in MIX]
    rng = random.Random(7)
    url = httpx.URL(base)
    client = _Client(url.host, url.port or 80)

    async def one(template: str) -> None:
        path = template.format(actor=rng.choice(actors), project=rng.choice(projects))
        started = time.perf_counter()
        try:
            status = await asyncio.wait_for(client.get(path), REQUEST_TIMEOUT)
            elapsed = (time.perf_counter() - started) * 1000
            outcome = elapsed if status == 200 else -status
        except TimeoutError:
            outcome = -2  # no answer within REQUEST_TIMEOUT
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            outcome = -1  # connection refused, reset or garbled
        results[template].append(outcome)
        results[f"{TIMELINE}{int((started - start) // TIMELINE_SECONDS)}"].append(outcome)

    tasks = []
    start = time.perf_counter()
    total = int(rate * seconds)
    for index in range(total):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        template = rng.choices([t for _, t in MIX], weights)[0]
        tasks.append(asyncio.create_task(one(template)))
    # Bounded: what has not been answered DRAIN_SECONDS after the last request was sent counts as an error.
    _, late = await asyncio.wait(tasks, timeout=DRAIN_SECONDS)
    for task in late:
        task.cancel()
    client.close()
    results["__unanswered__"] = [float(len(late))]
    results["__elapsed__"] = [time.perf_counter() - start]
    return results


def _wrk(url: str, seconds: int) -> tuple[float, str, str]:
    """Requests per second, p99 and the error line of a wrk run on `url`."""
    output = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)  # type: ignore[union-attr]
    errors = re.search(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", output)
    return rate, p99, errors.group(1) if errors else "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--wrk-seconds", type=int, default=20)
    parser.add_argument(
        "--pages", type=int, default=0, help="draw actor and project pages from the first N of each list (0: all)"
    )
    parser.add_argument(
        "--steady",
        action="store_true",
        help="after the warm-up, wait until both workers have prepared their partner suggestions (steady state) "
        "instead of starting right after the cold start",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    admin_url = os.environ.get("HUB_TEST_POSTGRES_URL") or DEFAULT_PG
    name = f"hub_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "HUB_MODE": "production",
            "HUB_SECRET_KEY": "bench-" + "k" * 40,
            "HUB_DATABASE_URL": make_url(admin_url).set(database=name).render_as_string(hide_password=False),
            "HUB_VAR_DIR": tmp,
            "HUB_HOST": "127.0.0.1",
            "HUB_PORT": str(port),
            "HUB_WORKERS": "2",
            "HUB_LOG_LEVEL": "WARNING",
        }
        server = None
        try:
            subprocess.run([sys.executable, "-m", "hub", "setup"], cwd=ROOT, env=env, check=True, capture_output=True)
            server = subprocess.Popen(
                [sys.executable, "-m", "hub", "serve"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            actors = _slugs(f"{base}/api/v1/actors", args.pages)
            projects = _slugs(f"{base}/api/v1/projects", args.pages)
            asyncio.run(_open_model(base, args.rate / 4, 8, actors, projects))  # warm-up, below capacity
            time.sleep(2)
            prepared = _wait_for_prepared_suggestions(base) if args.steady else None
            results = asyncio.run(_open_model(base, args.rate, args.seconds, actors, projects))
            wrk = _wrk(f"{base}/api/v1/actors?per_page=20", args.wrk_seconds)
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    elapsed = results.pop("__elapsed__")[0]
    unanswered = int(results.pop("__unanswered__")[0])
    windows = {int(key[len(TIMELINE) :]): results.pop(key) for key in list(results) if key.startswith(TIMELINE)}
    timeline = [
        f"| {index * TIMELINE_SECONDS}-{(index + 1) * TIMELINE_SECONDS} s | {len(values)} | "
        + (
            f"{statistics.median(ok):.1f} | {_percentile(ok, 0.95):.1f}"
            if (ok := [v for v in values if v >= 0])
            else "– | –"
        )
        + f" | {len(values) - len(ok)} |"
        for index, values in sorted(windows.items())
    ]
    rows = []
    all_ok: list[float] = []
    errors_total = 0
    for _, template in MIX:
        values = results.get(template, [])
        ok = [v for v in values if v >= 0]
        errors = len(values) - len(ok)
        errors_total += errors
        all_ok += ok
        rows.append(
            f"| `{template}` | {len(values)} | {statistics.median(ok):.1f} | {_percentile(ok, 0.95):.1f} | {errors} |"
            if ok
            else f"| `{template}` | {len(values)} | – | – | {errors} |"
        )
    today = dt.datetime.now(dt.UTC).date().isoformat()
    lines = [
        "### Load test — 2 workers, PostgreSQL 15, loopback",
        "",
        f"- Command: `.venv/bin/python -m bench.load --rate {args.rate:g} --seconds {args.seconds:g} --wrk-seconds {args.wrk_seconds}"
        + (" --steady`" if args.steady else "`"),
        "- Data: the seed (`hub setup` into a temporary PostgreSQL database), HUB_MODE=production, HUB_WORKERS=2; "
        f"actor and project pages drawn at random from {len(actors):,} actors and {len(projects):,} projects",
        f"- Date: {today}; machine: {platform.machine()}, {os.cpu_count()} cores, shared (noisy); load generator on the same cores",
        (
            f"- Steady state: the run started once both workers had prepared their partner suggestions "
            f"({prepared[0]:,} answers each, after {prepared[1]:.0f} s of waiting)"
            if prepared
            else "- Cold start: the run starts 2 s after an 8 s warm-up at a quarter of the rate; partner suggestions "
            "are prepared only in idle time (HUB_SUGGESTIONS_WARM), so most actor and project pages compute theirs"
        ),
        "",
        f"Mixed pages at a fixed rate of {args.rate:g} req/s for {args.seconds:g} s: {len(all_ok)} answered 200 "
        f"within {REQUEST_TIMEOUT:g} s, {errors_total} errors or timeouts, {unanswered} still unanswered "
        f"{DRAIN_SECONDS:g} s after the last request (run {elapsed:.1f} s in all); answered pages: median "
        f"{statistics.median(all_ok):.1f} ms, p95 {_percentile(all_ok, 0.95):.1f} ms.",
        "",
        "Errors by kind: "
        + (
            ", ".join(
                f"{_ERROR_KINDS.get(code, f'HTTP {-code}')}: {count}"
                for code, count in sorted(Counter(int(v) for vs in results.values() for v in vs if v < 0).items())
            )
            or "none"
        )
        + ".",
        "",
        "| page | requests | median ms | p95 ms | errors |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
        f"Over time (requests by the {TIMELINE_SECONDS} s window they were sent in, every page):",
        "",
        "| sent | requests | median ms | p95 ms | errors |",
        "|---|---:|---:|---:|---:|",
        *timeline,
        "",
        f"JSON list endpoint `/api/v1/actors?per_page=20` with wrk (2 threads, 32 connections, {args.wrk_seconds} s): "
        f"{wrk[0]:.0f} requests/s, p99 {wrk[1]}, errors: {wrk[2]}.",
        "",
    ]
    text_out = "\n".join(lines)
    print(text_out)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.md").write_text(text_out)


if __name__ == "__main__":
    main()
