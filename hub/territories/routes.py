"""Home page with the map of France, territory pages, and the site's information pages."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template
from sqlmodel import Session, col, select

from hub.projects.models import Project, ProjectStatus
from hub.territories.models import Territory, TerritoryLevel
from hub.territories.services import (
    counts_by_territory,
    get_territory,
    key_figures,
    list_departements,
    list_regions,
    list_territories_with_geometry,
)
from hub.territories.svgmap import MapFeature, classify, render_map
from hub.web import CurrentViewer, DbSession, in_thread, page

INDICATORS = {"projects": "projets", "actors": "acteurs"}
SINGULAR = {"projets": "projet", "acteurs": "acteur"}


_MAP_CACHE: dict[tuple[Any, ...], str] = {}
_MAP_CACHE_SIZE = 256


def _href_for(link_level: str) -> Any:
    def href(territory_id: FromPath[str]) -> str:
        if link_level == "territory":
            return f"/territoires/{territory_id}"
        return f"/projets?departement={territory_id.removeprefix('dep-')}"

    return href


def _map_and_table(
    session: Session,
    territories: Any,
    counts: dict[str, int],
    title: str,
    label: str,
    link_level: str,
) -> tuple[str, list[dict[str, Any]], Any]:
    """The SVG map (memoised on its figures: geometry never changes at run time) and its table rows.

    `territories` come without geometry; the geometry is read only when the map is not in the cache.
    """
    values = tuple(sorted((t.id, counts.get(t.id, 0)) for t in territories))
    key = (values, title, label, link_level)
    svg = _MAP_CACHE.get(key)
    if svg is None:
        wanted = {t.id for t in territories}
        level = TerritoryLevel(territories[0].level) if territories else TerritoryLevel.REGION
        features = [
            MapFeature(id=t.id, name=t.name, zone=t.zone, geometry=t.geometry)
            for t in list_territories_with_geometry(session, level)
            if t.geometry and t.id in wanted
        ]
        svg = render_map(
            features,
            dict(values),
            href=_href_for(link_level),
            title=title,
            indicator_label=label,
            indicator_singular=SINGULAR.get(label),
        )
        if len(_MAP_CACHE) >= _MAP_CACHE_SIZE:
            _MAP_CACHE.clear()
        _MAP_CACHE[key] = svg
    rows = sorted(
        ({"territory": t, "count": counts.get(t.id, 0)} for t in territories), key=lambda r: r["territory"].name
    )
    return svg, rows, classify([v for _, v in values])


@get("/", name="home")
@in_thread
def home(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Key figures, the map of projects by région, and the latest projects."""
    indicator = request.query_params.get("indicateur", "projects")
    if indicator not in INDICATORS:
        indicator = "projects"
    regions = list_regions(db_session)
    counts = counts_by_territory(db_session, TerritoryLevel.REGION, indicator)
    title = f"Nombre de {INDICATORS[indicator]} par région"
    svg, rows, bins = _map_and_table(db_session, regions, counts, title, INDICATORS[indicator], "territory")
    latest = db_session.exec(
        select(Project)
        .where(col(Project.status) == ProjectStatus.ACTIVE)
        .order_by(col(Project.created_at).desc(), col(Project.id).desc())
        .limit(6)
    ).all()
    return page(
        request,
        "home.html",
        viewer,
        figures=key_figures(db_session),
        map_svg=svg,
        rows=rows,
        bins=bins,
        indicator=indicator,
        indicators=INDICATORS,
        map_title=title,
        latest=latest,
    )


@get("/territoires/{territory_id:str}", name="territories.detail")
@in_thread
def territory_detail(
    request: Request[Any, Any, Any], territory_id: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """A région with the map of its départements, or a département with its figures."""
    territory = get_territory(db_session, territory_id)
    context: dict[str, Any] = {"territory": territory}
    if territory.level == TerritoryLevel.REGION:
        departements = list_departements(db_session, territory.id)
        counts = counts_by_territory(db_session, TerritoryLevel.DEPARTEMENT, "projects", parent=territory.id)
        actor_counts = counts_by_territory(db_session, TerritoryLevel.DEPARTEMENT, "actors", parent=territory.id)
        title = f"Nombre de projets par département en {territory.name}"
        svg, rows, bins = _map_and_table(db_session, departements, counts, title, "projets", "departement")
        for row in rows:
            row["actors"] = actor_counts.get(row["territory"].id, 0)
        context |= {
            "map_svg": svg,
            "rows": rows,
            "bins": bins,
            "map_title": title,
            "filter_name": "region",
            "filter_value": territory.code,
        }
    else:
        parent = db_session.get(Territory, territory.parent_id) if territory.parent_id else None
        context |= {"parent": parent, "filter_name": "departement", "filter_value": territory.code, "rows": []}
    return page(request, "territories/territory_detail.html", viewer, **context)


@get("/accessibilite", name="pages.accessibility", sync_to_thread=False)
def accessibility(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """The accessibility statement required of public services (RGAA)."""
    return page(request, "pages/accessibility.html", viewer)


@get("/donnees", name="pages.data", sync_to_thread=False)
def data_sources(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """Where the hub's open data comes from, and its licences."""
    return page(request, "pages/data.html", viewer)


ROUTES = [home, territory_detail, accessibility, data_sources]
