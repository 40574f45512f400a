"""Approximate positions for records without coordinates: the centre of their territory's largest polygon."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Point = tuple[float, float]  # (longitude, latitude), the GeoJSON order


def _ring_area_and_centroid(ring: Sequence[Sequence[float]]) -> tuple[float, Point]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    area /= 2
    if area == 0:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return 0.0, (sum(xs) / len(xs), sum(ys) / len(ys))
    return area, (cx / (6 * area), cy / (6 * area))


def centroid(geometry: Mapping[str, Any] | None) -> Point | None:
    """The area centroid of the outer ring of the largest polygon (lon/lat plane), rounded to 5 decimals.

    The largest polygon, not the whole shape: the centre of Bretagne with its islands, or of a
    région with overseas parts, must stay on the mainland. Good enough for a marker on a map of
    France (a few kilometres at most), not for measuring distances.
    """
    if not geometry:
        return None
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if not coordinates:
        return None
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    best: tuple[float, Point] | None = None
    for polygon in polygons:
        if not polygon or len(polygon[0]) < 3:
            continue
        area, point = _ring_area_and_centroid([(float(p[0]), float(p[1])) for p in polygon[0]])
        if best is None or abs(area) > abs(best[0]):
            best = (area, point)
    if best is None:
        return None
    lon, lat = best[1]
    return round(lon, 5), round(lat, 5)
