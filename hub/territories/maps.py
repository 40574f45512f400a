"""Maps as pages show them: the SVG (cached), its table rows and its colour scale, for one indicator and filters.

Two caches. The drawing (geometry read from the database, projected, fitted, simplified: the
costly part) depends only on which territories are drawn, and geometry never changes while the
hub runs, so it is kept per set of territories. The painted SVG is keyed by everything else that
changes it: the level, the title (which names the indicator and the filters), the unit, the links'
target and every territory's figure. Figures are counted on every request, so a new project
changes the key and the map is repainted, never served stale.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from hub.listing import InvalidFilter
from hub.territories.figures import (
    KIND_LABELS,
    PHASE_LABELS,
    Indicator,
    MapFilters,
    count_by_territory,
    list_url,
)
from hub.territories.models import TerritoryLevel
from hub.territories.services import (
    TerritoryRef,
    list_departements,
    list_regions,
    list_sectors,
    list_territories_with_geometry,
)
from hub.territories.svgmap import Bin, Drawing, MapFeature, classify, draw, paint

_MAP_CACHE: dict[tuple[Any, ...], str] = {}
MAP_CACHE_SIZE = 256
# Drawings depend only on which territories are drawn (geometry never changes while the hub runs):
# at most one for France and one per région.
_DRAWINGS: dict[tuple[str, tuple[str, ...]], Drawing] = {}


def clear_map_cache() -> None:
    """Forget every drawn map (tests, or after the territories were reloaded)."""
    _MAP_CACHE.clear()
    _DRAWINGS.clear()


def _drawing(session: Session, level: TerritoryLevel, territories: Sequence[TerritoryRef]) -> Drawing:
    """The projected, simplified geometry of `territories`, computed once per set of territories."""
    wanted = tuple(sorted(t.id for t in territories))
    key = (str(level), wanted)
    drawing = _DRAWINGS.get(key)
    if drawing is None:
        parent = territories[0].parent_id if level == TerritoryLevel.DEPARTEMENT and territories else None
        features = [
            MapFeature(id=t.id, name=t.name, zone=t.zone, geometry=t.geometry)
            for t in list_territories_with_geometry(session, level, parent)
            if t.geometry and t.id in set(wanted)
        ]
        drawing = draw(features)
        if len(_DRAWINGS) >= MAP_CACHE_SIZE:
            _DRAWINGS.clear()
        _DRAWINGS[key] = drawing
    return drawing


def cached_svg(
    session: Session,
    level: TerritoryLevel,
    territories: Sequence[TerritoryRef],
    counts: dict[str, int],
    *,
    title: str,
    plural: str,
    singular: str,
    href_key: str,
    href: Callable[[str], str],
) -> str:
    """The SVG map of `territories` coloured by `counts`; `href_key` must change whenever `href` would."""
    values = tuple(sorted((t.id, counts.get(t.id, 0)) for t in territories))
    key = (str(level), values, title, plural, singular, href_key)
    svg = _MAP_CACHE.get(key)
    if svg is None:
        svg = paint(
            _drawing(session, level, territories),
            dict(values),
            href=href,
            title=title,
            indicator_label=plural,
            indicator_singular=singular,
        )
        if len(_MAP_CACHE) >= MAP_CACHE_SIZE:
            _MAP_CACHE.clear()
        _MAP_CACHE[key] = svg
    return svg


@dataclass(slots=True)
class MapRow:
    """One line of a map's table: a territory, its figure, and where to go from it."""

    territory: TerritoryRef
    count: int
    list_url: str
    drill_url: str | None = None


@dataclass(slots=True)
class MapView:
    """Everything a map page shows."""

    indicator: Indicator
    filters: MapFilters
    region: TerritoryRef | None
    title: str
    svg: str
    rows: list[MapRow]
    bins: list[Bin]
    total: int
    filter_labels: list[str] = field(default_factory=list)

    @property
    def level(self) -> str:
        """`region` (France) or `departement` (one région drilled into)."""
        return "region" if self.region is None else "departement"


def map_query(indicator: Indicator, filters: MapFilters, *, region: str | None = None, indicator_param: str) -> str:
    """The query string of a map page or API call."""
    params = {indicator_param: indicator.code, **filters.query()}
    if region:
        params["region"] = region
    return urlencode(params)


def describe_filters(session: Session, filters: MapFilters) -> list[str]:
    """The filters in words: ["secteur : Oncologie", "phase : Conception"]."""
    out = []
    if filters.sector:
        labels = {s.code: s.label for s in list_sectors(session)}
        out.append(f"secteur : {labels.get(filters.sector, filters.sector)}")
    if filters.phase:
        out.append(f"phase : {PHASE_LABELS[filters.phase]}")
    if filters.kind:
        out.append(f"type d’acteur : {KIND_LABELS[filters.kind]}")
    return out


def find_region(session: Session, raw: str | None) -> TerritoryRef | None:
    """The région with INSEE code `raw` (None when not given), or InvalidFilter (400) when unknown."""
    code = (raw or "").strip()
    if not code:
        return None
    for region in list_regions(session):
        if region.code == code:
            return region
    raise InvalidFilter("region", f"Région inconnue : « {code[:20]} ». Donnez son code INSEE (par exemple 75).")


def build_map(
    session: Session,
    indicator: Indicator,
    filters: MapFilters,
    region: TerritoryRef | None,
    *,
    page_path: str = "/carte",
    indicator_param: str = "indicateur",
) -> MapView:
    """France by région, or one région by département, coloured by `indicator` under `filters`."""
    labels = describe_filters(session, filters)
    suffix = f" ({', '.join(labels)})" if labels else ""
    if region is None:
        level = TerritoryLevel.REGION
        territories: Sequence[TerritoryRef] = list_regions(session)
        title = f"{indicator.label} par région{suffix}"
        base = f"{page_path}?{map_query(indicator, filters, indicator_param=indicator_param)}&region="

        def drill(territory_id: str) -> str:
            return base + territory_id.removeprefix("reg-")

        href, href_key = drill, base
    else:
        level = TerritoryLevel.DEPARTEMENT
        territories = list_departements(session, region.id)
        title = f"{indicator.label} par département en {region.name}{suffix}"

        def to_list(territory_id: str) -> str:
            return list_url(indicator, filters, territory_id)

        href, href_key = to_list, "list:" + map_query(indicator, filters, indicator_param="i")
    counts = count_by_territory(session, indicator, level, filters)
    svg = cached_svg(
        session,
        level,
        territories,
        counts,
        title=title,
        plural=indicator.plural,
        singular=indicator.singular,
        href_key=href_key,
        href=href,
    )
    rows = [
        MapRow(
            territory=t,
            count=counts.get(t.id, 0),
            list_url=list_url(indicator, filters, t.id),
            drill_url=href(t.id) if region is None else None,
        )
        for t in sorted(territories, key=lambda t: t.name)
    ]
    figures = [row.count for row in rows]
    return MapView(
        indicator=indicator,
        filters=filters,
        region=region,
        title=title,
        svg=svg,
        rows=rows,
        bins=classify(figures),
        total=sum(figures),
        filter_labels=labels,
    )
