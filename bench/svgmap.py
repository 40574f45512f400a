"""Benchmark of the SVG choropleth: size and render time of the région and département maps of France.

Run from the repository root: `.venv/bin/python -m bench.svgmap`.
"""

from __future__ import annotations

import gzip
import json
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from hub.territories.svgmap import MapFeature, features_from_geojson, render_map

REPO = Path(__file__).resolve().parents[1]
GEO = REPO.parent / "shared" / "data" / "france-geo"
FILES: dict[str, tuple[str, Literal["region", "departement"]]] = {
    "région": ("regions-avec-outre-mer-simplifie.geojson", "region"),
    "département": ("departements-avec-outre-mer-simplifie.geojson", "departement"),
}
TOLERANCES = (0.0, 0.2, 0.4, 0.8)
RUNS = 7


def _render(features: list[MapFeature], values: dict[str, int], tolerance: float) -> str:
    return render_map(
        features,
        values,
        href="/territoires/{id}",
        title="Projets par territoire",
        indicator_label="projets",
        indicator_singular="projet",
        tolerance=tolerance,
    )


def _median_ms(features: list[MapFeature], values: dict[str, int], tolerance: float) -> float:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        _render(features, values, tolerance)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> int:
    """Print the Markdown section and write it to bench/results/svgmap.md."""
    if not all((GEO / name).exists() for name, _ in FILES.values()):
        print(f"skipped: the France GeoJSON files are absent from {GEO}")
        return 0
    rng = random.Random(42)
    lines = [
        "## SVG choropleth map (hub/territories/svgmap.py)",
        "",
        "Command: `.venv/bin/python -m bench.svgmap`  ",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, "
        f"Python {platform.python_version()}, 2 shared cores.  ",
        "Data: shared france-geo `*-avec-outre-mer-simplifie.geojson` (18 régions, 101 départements), "
        f"random counts 0-1500, width 640. Time = median of {RUNS} renders.",
        "",
        "| map | source GeoJSON KB | tolerance (SVG units) | SVG KB | gzip KB | render ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for level, (name, kind) in FILES.items():
        path = GEO / name
        features = features_from_geojson(json.loads(path.read_text(encoding="utf-8")), level=kind)
        values = {f.id: rng.choice([0, 1, 3, 8, 20, 60, 250, 1500]) for f in features}
        for tolerance in TOLERANCES:
            svg = _render(features, values, tolerance).encode()
            lines.append(
                f"| {len(features)} {level}s | {path.stat().st_size / 1024:.0f} | {tolerance} | "
                f"{len(svg) / 1024:.1f} | {len(gzip.compress(svg)) / 1024:.1f} | "
                f"{_median_ms(features, values, tolerance):.0f} |"
            )
    lines.append("")
    lines.append("Default tolerance is 0.4.")
    report = "\n".join(lines) + "\n"
    print(report)
    results = REPO / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "svgmap.md").write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
