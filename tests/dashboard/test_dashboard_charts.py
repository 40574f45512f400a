"""The pure pieces of the dashboard: charts, scales, month lists, hours, medians."""

from __future__ import annotations

import re
import statistics
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.dashboard.charts import render_bars, render_lines
from hub.dashboard.services import median_of_histogram
from hub.dashboard.tables import Column, Figure, csv_lines, hours_text, months_between

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def _figure(chart: str, rows: tuple[tuple[str | int, ...], ...], series: tuple[int, ...] = (1, 2)) -> Figure:
    return Figure(
        slug="essai",
        title="Essai <titre> & co",
        description="Ce que compte l’essai.",
        chart=chart,  # type: ignore[arg-type]
        columns=(Column("label", "Libellé", "text"), Column("a", "Projets"), Column("b", "Acteurs")),
        rows=rows,
        series=series,
        label_column=0,
    )


def test_bars_are_an_accessible_image_with_every_value_written() -> None:
    svg = render_bars(_figure("bars", (("Bretagne", 12, 3), ("Corse <sud>", 0, 1500))), "graphique-essai")
    root = _parse(svg)  # well-formed XML: labels are escaped
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "graphique-essai-titre"
    assert root.find(f"{SVG}title").text == "Essai <titre> & co"  # type: ignore[union-attr]
    assert "2 lignes" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for value in ("12", "3", "0", "1\u202f500", "Corse <sud>", "Projets", "Acteurs"):
        assert value in texts
    # The second series is hatched (a pattern), not only another colour.
    assert 'fill="url(#graphique-essai-hachures)"' in svg


def test_lines_mark_each_series_with_its_own_shape_and_dash() -> None:
    rows = (("2026-01", 1, 0), ("2026-02", 4, 2), ("2026-03", 2, 2))
    svg = render_lines(_figure("lines", rows), "graphique-lignes")
    root = _parse(svg)
    assert len(root.findall(f"{SVG}polyline")) == 2
    assert 'stroke-dasharray="6 4"' in svg
    assert len(root.findall(f"{SVG}circle")) == 3 + 1  # one per month for the first series, one in the legend
    assert "01/2026" in svg and "03/2026" in svg


def test_an_empty_line_chart_says_so() -> None:
    svg = render_lines(_figure("lines", ()), "graphique-vide")
    assert "Aucune donnée pour le moment" in svg
    _parse(svg)


def test_minutes_are_drawn_on_an_axis_of_whole_hours() -> None:
    figure = Figure(
        slug="heures",
        title="Heures",
        description="",
        chart="lines",
        columns=(Column("month", "Mois", "text"), Column("minutes", "Minutes", "minutes")),
        rows=(("2026-01", 90), ("2026-02", 250)),
        series=(1,),
        label_column=0,
    )
    ticks = re.findall(r">(\d+ h \d\d)</text>", render_lines(figure, "graphique-heures"))
    assert ticks and all(tick.endswith("h 00") for tick in ticks)


@pytest.mark.parametrize(
    ("minutes", "text"), [(0, "0 h 00"), (5, "0 h 05"), (90, "1 h 30"), (6000, "100 h 00"), (-30, "-0 h 30")]
)
def test_hours_text(minutes: int, text: str) -> None:
    assert hours_text(minutes) == text


def test_months_between_crosses_the_year() -> None:
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-03", "2026-03") == ["2026-03"]


def test_csv_lines_quote_what_needs_quoting() -> None:
    figure = _figure("bars", (("Provence-Alpes-Côte d'Azur, sud", 1, 2),))
    assert "".join(csv_lines(figure)) == 'Libellé,Projets,Acteurs\r\n"Provence-Alpes-Côte d\'Azur, sud",1,2\r\n'


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=60))
def test_median_of_a_histogram_is_the_lower_median_of_its_values(values: list[int]) -> None:
    histogram: dict[int, int] = {}
    for value in values:
        histogram[value] = histogram.get(value, 0) + 1
    assert median_of_histogram(histogram) == statistics.median_low(values)


def test_median_of_nothing_is_none() -> None:
    assert median_of_histogram({}) is None
