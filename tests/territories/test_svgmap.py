"""The SVG choropleth: drawn from the real région and département geometry, parsed back and checked."""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.territories.svgmap import (
    BORDER_COLOUR,
    CLASS_COLOURS,
    ZERO_COLOUR,
    Bin,
    MapFeature,
    bin_of,
    classify,
    features_from_geojson,
    format_number,
    render_map,
)

REPO = Path(__file__).resolve().parents[2]
NS = {"svg": "http://www.w3.org/2000/svg"}
SVG = "{http://www.w3.org/2000/svg}"
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d+)?|\.\d+)")


def _geojson(name: str) -> dict[str, Any]:
    # The seed copy is what the app loads; the shared copy is the fallback while the seed is built.
    for path in (REPO / "seed" / "data" / name, REPO.parent / "shared" / "data" / "france-geo" / name):
        if path.exists():
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data
    pytest.skip(f"{name} is neither in seed/data nor in the shared data")


@pytest.fixture(scope="module")
def regions() -> list[MapFeature]:
    return features_from_geojson(_geojson("regions-avec-outre-mer-simplifie.geojson"), level="region")


@pytest.fixture(scope="module")
def departements() -> list[MapFeature]:
    return features_from_geojson(_geojson("departements-avec-outre-mer-simplifie.geojson"), level="departement")


def _parse(svg: str | bytes) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def _render(features: list[MapFeature], values: dict[str, int] | None = None, **options: Any) -> str:
    return render_map(
        features,
        values or {},
        href=options.pop("href", "/territoires/{id}"),
        title=options.pop("title", "Projets par territoire"),
        indicator_label="projets",
        indicator_singular="projet",
        **options,
    )


def _points(d: str) -> list[tuple[float, float]]:
    """Absolute points of a path written as the renderer writes it: M x y l dx dy … z, repeated."""
    points = []
    for start, moves in re.findall(r"M([^l]*)l([^z]*)z", d):
        x, y = (float(v) for v in _NUMBER.findall(start))
        deltas = [float(v) for v in _NUMBER.findall(moves)]
        points.append((x, y))
        for dx, dy in zip(deltas[::2], deltas[1::2], strict=True):
            x, y = x + dx, y + dy
            points.append((x, y))
    return points


def _viewbox(root: ET.Element) -> tuple[float, float]:
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    return width, height


def _inside(points: list[tuple[float, float]], x0: float, y0: float, x1: float, y1: float) -> bool:
    return all(x0 - 0.5 <= x <= x1 + 0.5 and y0 - 0.5 <= y <= y1 + 0.5 for x, y in points)


def test_regions_map_has_one_labelled_focusable_link_per_region(regions: list[MapFeature]) -> None:
    values = {"53": 42, "11": 1234, "94": 1}
    root = _parse(_render(regions, values))
    links = root.findall(".//svg:a", NS)
    assert len(links) == 18
    labels = {a.attrib["aria-label"] for a in links}
    assert {
        "Bretagne : 42 projets",
        "Île-de-France : 1\u202f234 projets",
        "Corse : 1 projet",
        "Mayotte : 0 projet",
    } <= labels
    for a in links:
        assert a.attrib["href"].startswith("/territoires/")
        assert a.findtext("svg:title", namespaces=NS) == a.attrib["aria-label"]
        assert a.find("svg:path", NS) is not None
    assert {a.attrib["href"] for a in links} >= {"/territoires/53", "/territoires/01"}


def test_map_is_an_accessible_group_with_title_and_description(regions: list[MapFeature]) -> None:
    svg = _render(regions, {"53": 42}, dom_id="carte-regions")
    root = _parse(svg)
    # role="img" would make the links inside presentational.
    assert root.attrib["role"] == "group"
    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert title is not None
    assert title.text == "Projets par territoire"
    assert desc is not None
    assert "42 projets" in (desc.text or "")
    assert "outre-mer" in (desc.text or "")
    assert root.attrib["aria-labelledby"] == title.attrib["id"] == "carte-regions-titre"
    assert root.attrib["aria-describedby"] == desc.attrib["id"]
    assert "<script" not in svg
    assert "onclick" not in svg
    # No inline <style>: the content security policy (style-src 'self') would block it.
    assert root.find("svg:style", namespaces=NS) is None


def test_legend_shows_the_classes_in_french(regions: list[MapFeature]) -> None:
    values = {
        f.id: v
        for f, v in zip(regions, [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 0], strict=True)
    }
    root = _parse(_render(regions, values))
    legend = root.find(".//svg:g[@class='legende']", NS)
    assert legend is not None
    texts = [t.text or "" for t in legend.findall("svg:text", NS)]
    assert texts[0] == "Projets"
    assert texts[1:] == [b.label for b in classify(values.values())]
    assert texts[1] == "0"
    assert texts[-1].endswith(" à 1\u202f597")
    assert [r.attrib["fill"] for r in legend.findall("svg:rect", NS)] == [ZERO_COLOUR, *CLASS_COLOURS]


def test_areas_are_coloured_by_their_class(regions: list[MapFeature]) -> None:
    values = {"11": 100, "53": 0, "84": 50, "76": 10, "75": 5, "93": 1}
    root = _parse(_render(regions, values))
    fills = {a.attrib["href"].rsplit("/", 1)[1]: a[1].attrib["fill"] for a in root.iter(f"{SVG}a")}
    bins = classify(values.get(f.id, 0) for f in regions)
    assert fills["53"] == ZERO_COLOUR
    assert fills["11"] == CLASS_COLOURS[-1]
    assert all(fills[fid] == bin_of(values.get(fid, 0), bins).colour for fid in fills)


def test_departements_map_stays_under_300_kb_and_regions_much_less(
    regions: list[MapFeature], departements: list[MapFeature]
) -> None:
    deps = _render(departements, {f.id: i for i, f in enumerate(departements)}).encode()
    regs = _render(regions, {f.id: i for i, f in enumerate(regions)}).encode()
    assert len(_parse(deps).findall(".//svg:a", NS)) == 101
    assert len(deps) <= 300 * 1024
    assert len(regs) <= 60 * 1024
    assert len(regs) < len(deps) / 2


def test_every_point_lies_in_the_viewbox_and_no_coordinate_has_two_decimals(departements: list[MapFeature]) -> None:
    svg = _render(departements)
    root = _parse(svg)
    width, height = _viewbox(root)
    for path in root.iter(f"{SVG}path"):
        assert not re.search(r"\d\.\d\d", path.attrib["d"])
        points = _points(path.attrib["d"])
        assert len(points) >= 3
        assert _inside(points, 0, 0, width, height)
        # Consecutive duplicates were dropped: no zero-length move.
        assert all(p != q for p, q in itertools.pairwise(points))


def test_overseas_regions_are_drawn_in_labelled_boxes_on_the_left(departements: list[MapFeature]) -> None:
    root = _parse(_render(departements))
    insets = root.findall(".//svg:g[@class='encart']", NS)
    assert [g.findtext("svg:text", namespaces=NS) for g in insets] == [
        "Guadeloupe",
        "Martinique",
        "Guyane",
        "La Réunion",
        "Mayotte",
    ]
    main = root.find(".//svg:g[@class='principale']", NS)
    assert main is not None
    assert len(main.findall("svg:a", NS)) == 96
    inset_right = 0.0
    for g in insets:
        frame = g.find("svg:rect", NS)
        assert frame is not None
        x, y, w, h = (float(frame.attrib[k]) for k in ("x", "y", "width", "height"))
        points = [p for path in g.iter(f"{SVG}path") for p in _points(path.attrib["d"])]
        assert _inside(points, x, y, x + w, y + h)
        # Each island is scaled to fill its box, whatever its real size (Mayotte as Guyane).
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        assert max(max(xs) - min(xs) - w * 0.8, max(ys) - min(ys) - (h - 14) * 0.8) > 0
        inset_right = max(inset_right, x + w)
    main_points = [p for path in main.iter(f"{SVG}path") for p in _points(path.attrib["d"])]
    assert min(x for x, _ in main_points) > inset_right


def test_a_metropolitan_subset_fills_the_map_without_insets(departements: list[MapFeature]) -> None:
    bretagne = [f for f in departements if f.id in {"22", "29", "35", "56"}]
    root = _parse(_render(bretagne, {"35": 7}, width=400))
    width, _ = _viewbox(root)
    assert width == 400
    assert root.find(".//svg:g[@class='encart']", NS) is None
    assert "outre-mer" not in (root.findtext("svg:desc", namespaces=NS) or "")
    assert len(root.findall(".//svg:a", NS)) == 4
    points = [
        p
        for path in root.iter(f"{SVG}path")
        if path.attrib.get("class") == "zone" and "d" in path.attrib
        for p in _points(path.attrib["d"])
    ]
    xs = [x for x, _ in points]
    # Fitted to the four départements: they span the width, margin aside.
    assert min(xs) < 12
    assert max(xs) > width - 12


def test_overseas_only_maps(departements: list[MapFeature]) -> None:
    drom = [f for f in departements if f.zone == "drom"]
    single = _parse(_render(drom[:1]))
    assert single.find(".//svg:g[@class='encart']", NS) is None
    assert single.find(".//svg:g[@class='principale']", NS) is not None
    grid = _parse(_render(drom))
    assert len(grid.findall(".//svg:g[@class='encart']", NS)) == 5
    assert grid.find(".//svg:g[@class='principale']", NS) is None


def _square(lon: float, lat: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + 1, lat], [lon + 1, lat + 1], [lon, lat + 1], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_names_and_links_are_escaped() -> None:
    features = [
        MapFeature("x&1", 'Terre <&> "neuve"', "metro", _square(2, 46)),
        MapFeature("y", "Île d’Yeu", "metro", {"type": "MultiPolygon", "coordinates": [_square(4, 47)["coordinates"]]}),
    ]
    svg = render_map(
        features, {"x&1": 3}, href="/t/{id}?vue=carte&niveau=dep", title="Carte <test> & co", indicator_label="projets"
    )
    root = _parse(svg)
    links = root.findall(".//svg:a", NS)
    assert links[0].attrib["aria-label"] == 'Terre <&> "neuve" : 3 projets'
    assert links[0].findtext("svg:title", namespaces=NS) == 'Terre <&> "neuve" : 3 projets'
    assert links[0].attrib["href"] == "/t/x%261?vue=carte&niveau=dep"
    assert root.findtext("svg:title", namespaces=NS) == "Carte <test> & co"
    assert "<&>" not in svg


def test_href_may_be_a_callable() -> None:
    features = [MapFeature("reg-53", "Bretagne", "metro", _square(-4, 48))]
    root = _parse(
        render_map(features, {}, href=lambda fid: f"/regions/{fid[4:]}", title="t", indicator_label="actions")
    )
    link = root.find(".//svg:a", NS)
    assert link is not None
    assert link.attrib["href"] == "/regions/53"
    assert link.attrib["aria-label"] == "Bretagne : 0 actions"


def test_bad_input_is_refused() -> None:
    line = MapFeature("l", "Ligne", "metro", {"type": "LineString", "coordinates": [[0, 0], [1, 1]]})
    with pytest.raises(ValueError, match="LineString"):
        render_map([line], {}, href="/{id}", title="t", indicator_label="projets")
    with pytest.raises(ValueError, match="at least one feature"):
        render_map([], {}, href="/{id}", title="t", indicator_label="projets")
    with pytest.raises(ValueError, match="unknown zones"):
        render_map(
            [MapFeature("c", "Clipperton", "com", _square(-109, 10))], {}, href="/{id}", title="t", indicator_label="p"
        )
    square = MapFeature("s", "Carré", "metro", _square(0, 45))
    with pytest.raises(ValueError, match="dom_id"):
        render_map([square], {}, href="/{id}", title="t", indicator_label="projets", dom_id="a b{")
    with pytest.raises(ValueError, match=">= 0"):
        render_map([square], {"s": -1}, href="/{id}", title="t", indicator_label="projets")


@pytest.mark.parametrize(
    ("values", "labels"),
    [
        ([], ["0"]),
        ([0, 0], ["0"]),
        ([7, 7, 0], ["0", "1 à 7"]),
        ([1, 2, 3], ["0", "1", "2", "3"]),
        (list(range(1, 11)), ["0", "1 à 2", "3 à 4", "5 à 6", "7 à 8", "9 à 10"]),
        ([1, 1, 1, 1, 2, 1500, 12000], ["0", "1", "2", "3 à 1\u202f500", "1\u202f501 à 12\u202f000"]),
    ],
)
def test_classify_labels(values: list[int], labels: list[str]) -> None:
    assert [b.label for b in classify(values)] == labels


def test_classify_spreads_colours_so_the_maximum_is_darkest() -> None:
    assert [b.colour for b in classify([5])] == [ZERO_COLOUR, CLASS_COLOURS[-1]]
    assert [b.colour for b in classify([1, 2])] == [ZERO_COLOUR, CLASS_COLOURS[0], CLASS_COLOURS[-1]]


@given(st.lists(st.integers(min_value=0, max_value=1_000_000), max_size=120))
def test_every_value_falls_in_exactly_one_contiguous_class(values: list[int]) -> None:
    bins = classify(values)
    assert bins[0] == Bin(0, 0, ZERO_COLOUR, "0")
    assert len(bins) <= 6
    assert all(b.lower <= b.upper for b in bins)
    assert all(nxt.lower == prev.upper + 1 for prev, nxt in itertools.pairwise(bins))
    assert bins[-1].upper == max(values, default=0)
    assert len({b.colour for b in bins}) == len(bins)
    for value in values:
        assert sum(b.contains(value) for b in bins) == 1
        assert bin_of(value, bins).contains(value)


def test_format_number_uses_french_thousands() -> None:
    assert format_number(0) == "0"
    assert format_number(999) == "999"
    assert format_number(1234567) == "1\u202f234\u202f567"


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("fill", [ZERO_COLOUR, *CLASS_COLOURS])
def test_every_fill_contrasts_3_to_1_with_the_borders(fill: str) -> None:
    light, dark = sorted((_luminance(fill), _luminance(BORDER_COLOUR)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 3.0


def test_palette_goes_from_light_to_dark() -> None:
    luminances = [_luminance(c) for c in CLASS_COLOURS]
    assert luminances == sorted(luminances, reverse=True)
    assert _luminance(ZERO_COLOUR) > luminances[0]
