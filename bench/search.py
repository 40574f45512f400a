"""Benchmark of the embedded search engine on documents recombined from the i-Lab laureates.

Run from the repository root: `.venv/bin/python -m bench.search` (100,000 documents, build timed 3 times) or
`--full` (then also 1,000,000 documents, built once).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from search.embedded import EmbeddedEngine
from search.engine import SearchQuery
from search.text import STOPWORDS, tokens

ROOT = Path(__file__).resolve().parents[1]
ILAB = ROOT.parent / "shared" / "data" / "ilab-laureats" / "ilab_laureats_sans_donnees_personnelles.csv"
RESULTS = ROOT / "bench" / "results" / "search.md"
SECTORS = [f"sector-{i}" for i in range(14)]
REGIONS = ["11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94", "01", "02", "03", "04", "06"]
PHASES = ["idee", "prototype", "experimentation", "deploiement"]
NEEDS = ["financement", "terrain", "donnees", "reglementaire", "recrutement", "partenaires"]
KINDS = ["project"] * 7 + ["actor"] * 2 + ["person"]
FACETS = ("sector", "region", "phase")


def load_texts() -> tuple[list[str], list[str]]:
    """Titles and summaries of every laureate (all domains, for variety)."""
    with ILAB.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    return [r["Moto"] for r in rows if r["Moto"].strip()], [r["Résumé"] for r in rows if r["Résumé"].strip()]


def documents(n: int, titles: list[str], summaries: list[str], seed: int = 7) -> Iterator[dict[str, object]]:
    """n documents: a title joined with a fragment of another, a summary, a description, random facets."""
    rnd = random.Random(seed)
    for i in range(n):
        kind = rnd.choice(KINDS)
        extra = rnd.choice(titles).split()
        yield {
            "id": f"{kind}:{i}",
            "kind": kind,
            "title": rnd.choice(titles) + " " + " ".join(extra[: rnd.randint(0, 4)]),
            "summary": rnd.choice(summaries),
            "description": rnd.choice(summaries)[: rnd.randint(0, 400)],
            "url": f"/{kind}s/{i}",
            "sectors": rnd.sample(SECTORS, rnd.randint(1, 2)),
            "region": rnd.choice(REGIONS),
            "departement": f"{rnd.randint(1, 95):02d}",
            "phase": [rnd.choice(PHASES)],
            "needs": rnd.sample(NEEDS, rnd.randint(1, 3)),
            "is_experimentation_volunteer": rnd.random() < 0.3,
        }


def make_queries(titles: list[str], count: int, seed: int = 11) -> tuple[list[str], list[str]]:
    """Realistic queries (words drawn from titles: frequent ones dominate, some typos and pairs) and prefixes."""
    rnd = random.Random(seed)
    words = [w for t in titles for w in tokens(t) if len(w) > 3 and w not in STOPWORDS]
    queries: list[str] = []
    for i in range(count):
        a, b = rnd.choice(words), rnd.choice(words)
        if i % 4 == 0:
            queries.append(f"{a} {b}")
        elif i % 4 == 1 and len(a) >= 6:
            cut = rnd.randrange(1, len(a) - 1)
            queries.append(a[:cut] + a[cut + 1 :])  # one letter missing
        else:
            queries.append(a)
    prefixes = [w[: rnd.randint(2, 6)] for w in rnd.sample(words, count)]
    return queries, prefixes


def timings_ms(fn: Callable[[str], object], inputs: list[str], before: Callable[[], None] | None = None) -> Timing:
    """p50 and p95 in milliseconds over the inputs (after a warm-up pass on the first ten); `before` runs untimed."""
    for x in inputs[:10]:
        fn(x)
    samples = []
    for x in inputs:
        if before:
            before()
        start = time.perf_counter()
        fn(x)
        samples.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(samples, n=20)
    return statistics.median(samples), cuts[18]


Timing = tuple[float, float]


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ratio(measured: float, reference: float) -> str:
    """Measured / reference, as the table prints it."""
    return f"{measured / reference:.2f}×"


def run(n: int, query_count: int, builds: int) -> str:
    """Build (several times), query and report as a Markdown section."""
    titles, summaries = load_texts()
    start = time.perf_counter()
    for _ in documents(n, titles, summaries):
        pass
    generate_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        engine = EmbeddedEngine(Path(tmp) / "bench.sqlite3")
        build_times = []
        for _ in range(builds):  # each rebuild writes a new file and swaps it in, as in production
            start = time.perf_counter()
            engine.rebuild(documents(n, titles, summaries))
            build_times.append(time.perf_counter() - start - generate_s)
        size_mb = int(str(engine.stats()["file_bytes"])) / 1e6
        # A distinct query sample per measure, so no measure is answered from words cached by the previous one.
        sets = [make_queries(titles, query_count, seed) for seed in (11, 12, 13, 14)]
        ranked = timings_ms(lambda q: engine.search(SearchQuery(q, limit=20)), sets[0][0])
        faceted = timings_ms(lambda q: engine.search(SearchQuery(q, facets=FACETS, limit=20)), sets[1][0])
        filtered = timings_ms(
            lambda q: engine.search(SearchQuery(q, filters={"region": ["11"]}, facets=FACETS, limit=20)), sets[2][0]
        )
        cold = timings_ms(
            lambda q: engine.search(SearchQuery(q, facets=FACETS, limit=20)), sets[3][0], engine.clear_cache
        )
        browse = timings_ms(lambda q: engine.search(SearchQuery("", facets=FACETS, limit=20)), sets[0][0][:100])
        suggest = timings_ms(lambda p: engine.suggest(p), sets[1][1])
        suggest_cold = timings_ms(lambda p: engine.suggest(p), sets[2][1], engine.clear_cache)
        totals = [engine.search(SearchQuery(q, limit=1)).total for q in sets[1][0]]
        engine.close()
    build = statistics.median(build_times)
    runs = ", ".join(f"{t:.1f}" for t in build_times)
    lines = [
        f"## Embedded search engine, {n:,} documents",
        "",
        f"- command: `.venv/bin/python -m bench.search{' --full' if n > 100_000 else ''}`",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.processor() or platform.machine()}, "
        f"2 cores, shared with other workers (load average {os.getloadavg()[0]:.1f} at the end), "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        f"- data: i-Lab laureates ({len(titles):,} titles, {len(summaries):,} summaries) recombined into {n:,} "
        "documents with random facets; per measure a distinct sample of "
        f"{query_count} queries (words from titles, 1/4 pairs, 1/4 with a letter missing; median "
        f"{statistics.median(totals):,.0f} matches, max {max(totals):,}); the engine's word cache is warm from "
        "earlier queries except in the rows marked cold (cache emptied before every query)",
        f"- build: median of {builds} rebuild(s) into a fresh file swapped in ({runs} s), excluding the "
        f"{generate_s:.1f} s spent generating the documents",
        "",
        "| measure | p50 | p95 | target | p95 vs plain FTS5 at 100k (27.5 ms ranked, 62.6 ms faceted) |",
        "|---|---|---|---|---|",
        f"| index build | {build:.1f} s | | ≤ 10 s at 100k | |",
        f"| ranked top-20 | {ranked[0]:.1f} ms | {ranked[1]:.1f} ms | | {ratio(ranked[1], 27.5)} |",
        f"| top-20 + 3 facet counts | {faceted[0]:.1f} ms | {faceted[1]:.1f} ms | p95 ≤ 25 ms "
        f"| {ratio(faceted[1], 62.6)} |",
        f"| top-20 + 3 facet counts, cold cache | {cold[0]:.1f} ms | {cold[1]:.1f} ms | | {ratio(cold[1], 62.6)} |",
        f"| top-20 + region filter + 3 facet counts | {filtered[0]:.1f} ms | {filtered[1]:.1f} ms | "
        f"| {ratio(filtered[1], 62.6)} |",
        f"| empty query (browse) + 3 facet counts | {browse[0]:.1f} ms | {browse[1]:.1f} ms | | |",
        f"| as-you-type suggestions (2-6 letters) | {suggest[0]:.1f} ms | {suggest[1]:.1f} ms | p95 ≤ 10 ms | |",
        f"| suggestions, cold cache | {suggest_cold[0]:.1f} ms | {suggest_cold[1]:.1f} ms | | |",
        "",
        f"Index file {size_mb:.0f} MB; peak RSS of the benchmark process {peak_rss_mb():.0f} MB.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m bench.search [--full] [--docs N] [--builds K]`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="also run at 1,000,000 documents (one build)")
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--builds", type=int, default=3, help="rebuilds to take the median build time of")
    args = parser.parse_args(argv)
    if not ILAB.exists():
        print(f"bench.search skipped: {ILAB} is absent (shared evaluation data)")
        return 0
    sections = [run(args.docs, args.queries, args.builds)]
    if args.full:
        sections.append(run(1_000_000, args.queries, 1))
    report = "\n".join(sections)
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
