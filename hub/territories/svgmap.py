"""SVG choropleth map of France drawn from GeoJSON geometry: no tile server, no JavaScript, one link per area.

Metropolitan France is drawn in a Lambert conformal conic projection (the parallels of
Lambert-93); the overseas regions are drawn in boxes along the left side, each at its own scale.
Coordinates are rounded to 0.1 SVG unit, written as relative moves and simplified
(Douglas–Peucker) below a tolerance that is invisible at the drawn size, which keeps the map of
101 départements under 100 KB.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Literal, NamedTuple
from urllib.parse import quote

__all__ = [
    "BORDER_COLOUR",
    "CLASS_COLOURS",
    "DROM_DEPARTEMENT_CODES",
    "DROM_REGION_CODES",
    "ZERO_COLOUR",
    "ZONES",
    "Bin",
    "Drawing",
    "MapFeature",
    "bin_of",
    "classify",
    "draw",
    "features_from_geojson",
    "format_number",
    "paint",
    "render_map",
]

ZONES = ("metro", "drom")

# INSEE codes of the five overseas regions and their départements (Guadeloupe, Martinique,
# Guyane, La Réunion, Mayotte). Région "01" is Guadeloupe while département "01" is Ain, hence two lists.
DROM_REGION_CODES = ("01", "02", "03", "04", "06")
DROM_DEPARTEMENT_CODES = ("971", "972", "973", "974", "976")

# Areas are outlined in near-black so that every fill, from the lightest to the darkest, keeps a
# contrast of at least 3:1 with its border (WCAG 1.4.11); the darkest blue is chosen for that.
BORDER_COLOUR = "#161616"
ZERO_COLOUR = "#f2f2f2"  # grey, not the lightest blue: "none" must not read as "a few"
CLASS_COLOURS = ("#dbe9f6", "#a9cce8", "#74a9d8", "#4a8bc9", "#2f6eb0")

_TEXT_COLOUR = "#161616"
_FRAME_COLOUR = "#666666"
_MARGIN = 8
_GAP = 6
_LEGEND_ROW = 20


@dataclass(frozen=True, slots=True)
class MapFeature:
    """One area of the map: a région or a département, its French name and its WGS84 GeoJSON geometry."""

    id: str
    name: str
    zone: str  # "metro" or "drom"; plain str because it comes straight from the database
    geometry: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Bin:
    """One class of the colour scale: the integer values from `lower` to `upper` and their colour."""

    lower: int
    upper: int
    colour: str
    label: str

    def contains(self, value: int) -> bool:
        """Whether `value` falls in this class."""
        return self.lower <= value <= self.upper


def format_number(value: int) -> str:
    """An integer in French notation: thousands separated by a narrow no-break space (1 234)."""
    return f"{value:,}".replace(",", "\u202f")


def _bin(lower: int, upper: int, colour: str) -> Bin:
    label = format_number(lower) if lower == upper else f"{format_number(lower)} à {format_number(upper)}"
    return Bin(lower, upper, colour, label)


def classify(values: Iterable[int], *, classes: int = 5) -> list[Bin]:
    """The colour scale for these values: a class for zero, then up to `classes` quantile classes of the rest.

    Zero always has its own class so that "none" is never confused with "a few". The positive
    values are cut at their quantiles, so each class holds about as many areas; bounds are
    integers and classes are contiguous (1 à 4, 5 à 12, …), the last ending at the maximum.
    """
    if not 1 <= classes <= len(CLASS_COLOURS):
        raise ValueError(f"classes must be between 1 and {len(CLASS_COLOURS)}")
    observed = sorted(values)
    if observed and observed[0] < 0:
        raise ValueError("a choropleth of counts takes values >= 0")
    bins = [Bin(0, 0, ZERO_COLOUR, "0")]
    positive = [v for v in observed if v > 0]
    if not positive:
        return bins
    uppers: list[int] = []
    for k in range(1, classes + 1):
        upper = positive[math.ceil(k * len(positive) / classes) - 1]
        if not uppers or upper > uppers[-1]:
            uppers.append(upper)
    # With fewer distinct values than classes, spread the colours over the palette so that
    # the maximum is always the darkest and neighbouring classes stay far apart.
    last = len(CLASS_COLOURS) - 1
    steps = len(uppers) - 1
    colours = [CLASS_COLOURS[round(i * last / steps) if steps else last] for i in range(len(uppers))]
    lower = 1
    for upper, colour in zip(uppers, colours, strict=True):
        bins.append(_bin(lower, upper, colour))
        lower = upper + 1
    return bins


def bin_of(value: int, bins: Sequence[Bin]) -> Bin:
    """The class of `value`; values above the last class (not seen by `classify`) go to the last one."""
    for candidate in bins:
        if candidate.contains(value):
            return candidate
    return bins[-1]


def features_from_geojson(
    collection: Mapping[str, Any], *, level: Literal["region", "departement"], id_prefix: str = ""
) -> list[MapFeature]:
    """Map features from a GeoJSON FeatureCollection whose properties are `code` (INSEE) and `nom`."""
    drom = DROM_REGION_CODES if level == "region" else DROM_DEPARTEMENT_CODES
    features = []
    for feature in collection["features"]:
        code = str(feature["properties"]["code"])
        zone = "drom" if code in drom else "metro"
        features.append(MapFeature(id_prefix + code, str(feature["properties"]["nom"]), zone, feature["geometry"]))
    return features


# --- Geometry: projection, fitting, rounding, simplification -----------------------------------

Point = tuple[float, float]
Shape = list[list[Point]]  # the rings of one feature, projected
Projection = Callable[[float, float], Point]

# Lambert conformal conic on the sphere with the parallels of Lambert-93 (44° and 49° N, centred
# on 3° E): metropolitan France as the IGN draws it; the ellipsoid is irrelevant at this scale.
_PHI1, _PHI2, _LAMBDA0 = math.radians(44), math.radians(49), math.radians(3)


def _t(phi: float) -> float:
    return math.tan(math.pi / 4 + phi / 2)


_N = math.log(math.cos(_PHI1) / math.cos(_PHI2)) / math.log(_t(_PHI2) / _t(_PHI1))
_F = math.cos(_PHI1) * _t(_PHI1) ** _N / _N


def _lambert(lon: float, lat: float) -> Point:
    rho = _F / _t(math.radians(lat)) ** _N
    theta = _N * (math.radians(lon) - _LAMBDA0)
    return rho * math.sin(theta), -rho * math.cos(theta)


def _equirectangular(lat0: float) -> Projection:
    # Good enough for an island or Guyane: the cos(latitude) factor keeps east-west distances true.
    k = math.cos(math.radians(lat0))
    return lambda lon, lat: (math.radians(lon) * k, math.radians(lat))


def _rings(geometry: Mapping[str, Any]) -> list[list[Point]]:
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise ValueError(f"unsupported geometry type {kind!r}: expected Polygon or MultiPolygon")
    return [[(float(p[0]), float(p[1])) for p in ring] for polygon in polygons for ring in polygon]


def _project(feature: MapFeature, project: Projection) -> Shape:
    return [[project(lon, lat) for lon, lat in ring] for ring in _rings(feature.geometry)]


def _drom_projection(feature: MapFeature) -> Projection:
    lats = [lat for ring in _rings(feature.geometry) for _, lat in ring]
    return _equirectangular((min(lats) + max(lats)) / 2)


def _bounds(shapes: Iterable[Shape]) -> tuple[float, float, float, float]:
    shapes = list(shapes)
    xs = [x for shape in shapes for ring in shape for x, _ in ring]
    ys = [y for shape in shapes for ring in shape for _, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


class Box(NamedTuple):
    """A rectangle of the SVG, in SVG units (y grows downwards)."""

    x: float
    y: float
    width: float
    height: float


class _Transform(NamedTuple):
    scale: float
    dx: float
    dy: float


def _fit(shapes: Sequence[Shape], box: Box, padding: float, top: float) -> _Transform:
    """Scale and centre projected shapes in a box (top: room kept for a label)."""
    x0, y0, x1, y1 = _bounds(shapes)
    inner_width, inner_height = box.width - 2 * padding, box.height - 2 * padding - top
    scale = min(inner_width / max(x1 - x0, 1e-12), inner_height / max(y1 - y0, 1e-12))
    dx = box.x + padding + (inner_width - (x1 - x0) * scale) / 2 - x0 * scale
    # Projected y grows northwards, SVG y downwards.
    dy = box.y + padding + top + (inner_height - (y1 - y0) * scale) / 2 + y1 * scale
    return _Transform(scale, dx, dy)


def _simplify(points: list[tuple[int, int]], tolerance: float) -> list[tuple[int, int]]:
    """Douglas–Peucker on an open polyline of integer points; keeps both ends."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    limit = tolerance * tolerance
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        vx, vy = bx - ax, by - ay
        length2 = vx * vx + vy * vy
        worst, worst_at = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if length2 == 0:
                d2 = float((px - ax) ** 2 + (py - ay) ** 2)
            else:
                t = max(0.0, min(1.0, ((px - ax) * vx + (py - ay) * vy) / length2))
                d2 = (px - ax - t * vx) ** 2 + (py - ay - t * vy) ** 2
            if d2 > worst:
                worst, worst_at = d2, i
        if worst > limit:
            keep[worst_at] = True
            stack.extend(((first, worst_at), (worst_at, last)))
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _simplify_ring(points: list[tuple[int, int]], tolerance: float) -> list[tuple[int, int]]:
    # A closed ring has no natural ends: split it at the point farthest from the first one.
    if len(points) < 4:
        return points
    x0, y0 = points[0]
    far = max(range(len(points)), key=lambda i: (points[i][0] - x0) ** 2 + (points[i][1] - y0) ** 2)
    return _simplify(points[: far + 1], tolerance)[:-1] + _simplify([*points[far:], points[0]], tolerance)[:-1]


def _tenths(value: int) -> str:
    """A length given in tenths of SVG unit, written as short as SVG allows (12, 1.5, .5, -.5)."""
    sign = "-" if value < 0 else ""
    whole, tenth = divmod(abs(value), 10)
    if not tenth:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{tenth}"


def _numbers(values: Iterable[int]) -> str:
    out: list[str] = []
    for value in values:
        text = _tenths(value)
        out.append(text if not out or text.startswith("-") else " " + text)
    return "".join(out)


def _path(shape: Shape, transform: _Transform, tolerance: float) -> str:
    """SVG path data for a projected shape: absolute start, relative moves, 0.1-unit precision."""
    scale, dx, dy = transform
    rings: list[list[tuple[int, int]]] = []
    for ring in shape:
        points: list[tuple[int, int]] = []
        for x, y in ring:
            point = (round((dx + x * scale) * 10), round((dy - y * scale) * 10))
            if not points or point != points[-1]:
                points.append(point)
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) >= 3:
            rings.append(points)
    simplified = [r for r in (_simplify_ring(r, tolerance * 10) for r in rings) if len(r) >= 3]
    if not simplified:
        # An area too small to keep any ring at this size still needs a shape to carry its link.
        simplified = [max(rings, key=len)] if rings else [_dot(shape, transform)]
    parts = []
    for points in simplified:
        deltas: list[int] = []
        for (ax, ay), (bx, by) in itertools.pairwise(points):
            deltas += (bx - ax, by - ay)
        x0, y0 = points[0]
        parts.append(f"M{_numbers((x0, y0))}l{_numbers(deltas)}z")
    return "".join(parts)


def _dot(shape: Shape, transform: _Transform) -> list[tuple[int, int]]:
    scale, dx, dy = transform
    x, y = shape[0][0] if shape and shape[0] else (0.0, 0.0)
    cx, cy = round((dx + x * scale) * 10), round((dy - y * scale) * 10)
    return [(cx - 10, cy - 10), (cx + 10, cy - 10), (cx + 10, cy + 10), (cx - 10, cy + 10)]


# --- Layout and rendering ---------------------------------------------------------------------


class _Panel(NamedTuple):
    """Features drawn together in one box and one projection; a label makes it an inset."""

    shapes: list[tuple[MapFeature, Shape]]
    box: Box
    label: str | None


def _layout(features: Sequence[MapFeature], width: int) -> tuple[list[_Panel], float]:
    """The main map and the overseas insets, placed, and the height they take."""
    metro = [f for f in features if f.zone == "metro"]
    drom = sorted((f for f in features if f.zone == "drom"), key=lambda f: f.id)
    if not metro and len(drom) == 1:
        # Drilling into one overseas région: it becomes the main map.
        main = [(drom[0], _project(drom[0], _drom_projection(drom[0])))]
        drom = []
    else:
        main = [(f, _project(f, _lambert)) for f in metro]
    insets = [(f, _project(f, _drom_projection(f))) for f in drom]
    panels: list[_Panel] = []
    if main:
        inset_width = round(width * 0.2) if insets else 0
        left = _MARGIN + (inset_width + _GAP if insets else 0)
        main_width = width - left - _MARGIN
        x0, y0, x1, y1 = _bounds(shape for _, shape in main)
        aspect = (y1 - y0) / (x1 - x0) if x1 > x0 else 1.0
        # Keep tall subsets from running off the page and wide ones from squashing the insets.
        height = main_width * min(max(aspect, 0.5), 1.5)
        if insets:
            height = max(height, len(insets) * 64 + (len(insets) - 1) * _GAP)
        panels.append(_Panel(main, Box(left, _MARGIN, main_width, height), None))
        if insets:
            box_height = (height - (len(insets) - 1) * _GAP) / len(insets)
            for i, (feature, shape) in enumerate(insets):
                box = Box(_MARGIN, _MARGIN + i * (box_height + _GAP), inset_width, box_height)
                panels.append(_Panel([(feature, shape)], box, feature.name))
        return panels, height
    # Several overseas régions and no metropolitan one: a grid of boxes.
    columns = min(len(insets), 3)
    rows = math.ceil(len(insets) / columns)
    cell_width = (width - 2 * _MARGIN - (columns - 1) * _GAP) / columns
    cell_height = cell_width * 0.8
    for i, (feature, shape) in enumerate(insets):
        row, column = divmod(i, columns)
        box = Box(_MARGIN + column * (cell_width + _GAP), _MARGIN + row * (cell_height + _GAP), cell_width, cell_height)
        panels.append(_Panel([(feature, shape)], box, feature.name))
    return panels, rows * cell_height + (rows - 1) * _GAP


def _link(href: Callable[[str], str] | str, feature_id: str) -> str:
    return href.replace("{id}", quote(feature_id, safe="")) if isinstance(href, str) else href(feature_id)


def _quantity(value: int, plural: str, singular: str) -> str:
    # French takes the singular for 0 and 1 ("0 projet", "1 projet").
    return f"{format_number(value)} {singular if value < 2 else plural}"


@dataclass(frozen=True, slots=True)
class DrawnArea:
    """One area as drawn: its id, name and SVG path data."""

    id: str
    name: str
    path: str


@dataclass(frozen=True, slots=True)
class DrawnGroup:
    """The areas of one panel; `frame` is the inset's frame and label (empty for the main map)."""

    is_inset: bool
    frame: str
    areas: tuple[DrawnArea, ...]


@dataclass(frozen=True, slots=True)
class Drawing:
    """The geometry of a map once projected, fitted and simplified: everything but the figures.

    Drawing is the costly part of a map (projection, simplification); a drawing can be painted
    with any figures by `paint`, so a caller may keep one per set of areas while figures change.
    """

    width: int
    map_height: float
    groups: tuple[DrawnGroup, ...]
    has_insets: bool

    @property
    def feature_ids(self) -> list[str]:
        """The ids of the drawn areas."""
        return [area.id for group in self.groups for area in group.areas]


def draw(features: Sequence[MapFeature], *, width: int = 640, tolerance: float = 0.4) -> Drawing:
    """Project, place and simplify `features` (see `render_map` for the parameters)."""
    if not features:
        raise ValueError("a map needs at least one feature")
    if unknown := {f.zone for f in features} - set(ZONES):
        raise ValueError(f"unknown zones {sorted(unknown)}: expected 'metro' or 'drom'")
    panels, map_height = _layout(features, width)
    groups = []
    for panel in panels:
        is_inset = panel.label is not None
        transform = _fit([shape for _, shape in panel.shapes], panel.box, 4 if is_inset else 1, 14 if is_inset else 0)
        frame = ""
        if panel.label is not None:
            b = panel.box
            frame = (
                f'<rect class="cadre" fill="none" stroke="{_FRAME_COLOUR}" x="{b.x:.1f}" y="{b.y:.1f}" width="{b.width:.1f}" height="{b.height:.1f}"/>'
                f'<text x="{b.x + 4:.1f}" y="{b.y + 14:.1f}" aria-hidden="true">{escape(panel.label)}</text>'
            )
        areas = tuple(
            DrawnArea(feature.id, feature.name, _path(shape, transform, tolerance)) for feature, shape in panel.shapes
        )
        groups.append(DrawnGroup(is_inset, frame, areas))
    has_insets = any(p.label is not None for p in panels) and any(p.label is None for p in panels)
    return Drawing(width, map_height, tuple(groups), has_insets)


def render_map(
    features: Sequence[MapFeature],
    values: Mapping[str, int],
    *,
    href: Callable[[str], str] | str,
    title: str,
    indicator_label: str,
    indicator_singular: str | None = None,
    legend_title: str | None = None,
    width: int = 640,
    tolerance: float = 0.4,
    dom_id: str = "carte",
) -> str:
    """An accessible SVG choropleth of these areas, each a link labelled like "Bretagne : 42 projets".

    `values` maps feature ids to counts (missing ids count 0); `href` is a callable id -> URL or a
    template containing "{id}"; `indicator_label` is the plural unit ("projets"),
    `indicator_singular` its singular ("projet", defaults to the plural); `tolerance` is the
    simplification tolerance in SVG units; `dom_id` must be unique in the page: it scopes the
    styles and the ids of the title and description.
    """
    _check_dom_id(dom_id)
    return paint(
        draw(features, width=width, tolerance=tolerance),
        values,
        href=href,
        title=title,
        indicator_label=indicator_label,
        indicator_singular=indicator_singular,
        legend_title=legend_title,
        dom_id=dom_id,
    )


def _check_dom_id(dom_id: str) -> None:
    if not (dom_id[:1].isalpha() and dom_id.replace("-", "").replace("_", "").isalnum() and dom_id.isascii()):
        raise ValueError("dom_id must be a plain identifier: ASCII letters, digits, - and _")


def paint(
    drawing: Drawing,
    values: Mapping[str, int],
    *,
    href: Callable[[str], str] | str,
    title: str,
    indicator_label: str,
    indicator_singular: str | None = None,
    legend_title: str | None = None,
    dom_id: str = "carte",
) -> str:
    """The SVG of a drawing coloured by `values`, with its links, legend, title and description."""
    _check_dom_id(dom_id)
    width = drawing.width
    singular = indicator_singular or indicator_label
    legend = legend_title or indicator_label[:1].upper() + indicator_label[1:]
    counts = {fid: int(values.get(fid, 0)) for fid in drawing.feature_ids}
    bins = classify(counts.values())

    body: list[str] = []
    for group in drawing.groups:
        body.append(f'<g class="{"encart" if group.is_inset else "principale"}">')
        if group.frame:
            body.append(group.frame)
        for area in group.areas:
            count = counts[area.id]
            label = escape(f"{area.name} : {_quantity(count, indicator_label, singular)}")
            body.append(
                f'<a href="{escape(_link(href, area.id))}" aria-label="{label}"><title>{label}</title>'
                f'<path class="zone" fill="{bin_of(count, bins).colour}" d="{area.path}"/></a>'
            )
        body.append("</g>")

    top = _MARGIN + drawing.map_height + 16
    body.append(
        f'<g class="legende"><text class="titre-legende" font-weight="bold" x="{_MARGIN}" y="{top + 12:.1f}">{escape(legend)}</text>'
    )
    for i, item in enumerate(bins):
        y = top + 22 + i * _LEGEND_ROW
        body.append(
            f'<rect class="zone" x="{_MARGIN}" y="{y:.1f}" width="18" height="12" fill="{item.colour}"/>'
            f'<text x="{_MARGIN + 26}" y="{y + 11:.1f}">{escape(item.label)}</text>'
        )
    body.append("</g>")
    height = math.ceil(top + 22 + len(bins) * _LEGEND_ROW + _MARGIN)

    has_insets = drawing.has_insets
    desc = (
        f"Carte : {legend[:1].lower() + legend[1:]} par territoire, pour {len(counts)} territoires, "
        f"en {len(bins)} classes de couleur, la plus foncée pour les valeurs les plus grandes. "
        f"Total : {_quantity(sum(counts.values()), indicator_label, singular)}. "
        + (
            "Les territoires d’outre-mer sont dessinés dans des encadrés à gauche, à une autre échelle. "
            if has_insets
            else ""
        )
        + "Chaque territoire est un lien vers sa page."
    )
    # No <style> element: the hub's content security policy (style-src 'self') would block it.
    # Presentation attributes carry the drawing; hover and focus rules live in hub/static/hub.css.
    shapes = f'stroke="{BORDER_COLOUR}" stroke-width="0.5" stroke-linejoin="round" fill-rule="evenodd"'
    texts = f'<text stroke="none" font-family="system-ui,sans-serif" font-size="12" fill="{_TEXT_COLOUR}" '
    # role="group", not "img": children of an img are presentational, which would hide the links.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{dom_id}" class="carte" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="group" '
        f'aria-labelledby="{dom_id}-titre" aria-describedby="{dom_id}-desc">'
        f'<title id="{dom_id}-titre">{escape(title)}</title><desc id="{dom_id}-desc">{escape(desc)}</desc>'
        f"<g {shapes}>{''.join(body).replace('<text ', texts)}</g></svg>"
    )
