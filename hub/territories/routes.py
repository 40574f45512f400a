"""Home page with the map of France, territory pages, and the site's information pages."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template
from sqlmodel import Session, col, select

from hub.filters import check_known
from hub.projects.models import Project, ProjectStatus
from hub.territories.figures import (
    KIND_LABELS,
    PHASE_LABELS,
    available_indicators,
    parse_filters,
    parse_indicator,
)
from hub.territories.maps import MapView, build_map, cached_svg, find_region, map_query
from hub.territories.models import Territory, TerritoryLevel
from hub.territories.services import (
    counts_by_territory,
    get_territory,
    key_figures,
    list_departements,
    list_regions,
    list_sectors,
    specialisation_counts,
)
from hub.territories.specialisation import MIN_SPECIALISATION_COUNT, STRONG_QUOTIENT, location_quotients
from hub.territories.svgmap import classify
from hub.web import CurrentViewer, DbSession, in_thread, page

INDICATORS = {"projects": "projets", "actors": "acteurs"}
SINGULAR = {"projets": "projet", "acteurs": "acteur"}
MAP_PARAMS = frozenset({"indicateur", "sector", "phase", "kind", "region"})
API_MAP_PARAMS = frozenset({"indicator", "sector", "phase", "kind", "region"})


def _map_and_table(
    session: Session,
    territories: Any,
    counts: dict[str, int],
    title: str,
    label: str,
    link_level: str,
) -> tuple[str, list[dict[str, Any]], Any]:
    """The SVG map (cached on everything that changes it) and its table rows."""
    level = TerritoryLevel(territories[0].level) if territories else TerritoryLevel.REGION

    def href(territory_id: str) -> str:
        if link_level == "territory":
            return f"/territoires/{territory_id}"
        return f"/projets?departement={territory_id.removeprefix('dep-')}"

    svg = cached_svg(
        session,
        level,
        territories,
        counts,
        title=title,
        plural=label,
        singular=SINGULAR.get(label, label),
        href_key=link_level,
        href=href,
    )
    rows = sorted(
        ({"territory": t, "count": counts.get(t.id, 0)} for t in territories), key=lambda r: r["territory"].name
    )
    return svg, rows, classify([counts.get(t.id, 0) for t in territories])


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
        sector_labels = {sector.code: sector.label for sector in list_sectors(db_session)}
        strengths = [q for q in location_quotients(*specialisation_counts(db_session)) if q.region_id == territory.id]
        context |= {
            "strengths": strengths,
            "sector_labels": sector_labels,
            "min_count": MIN_SPECIALISATION_COUNT,
            "strong_quotient": STRONG_QUOTIENT,
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


def _map_view(
    request: Request[Any, Any, Any], session: Session, *, indicator_param: str, known: frozenset[str]
) -> MapView:
    params = dict(request.query_params)
    check_known(params, known)
    indicator = parse_indicator(params.get(indicator_param), param=indicator_param)
    filters = parse_filters(params, indicator, {s.code for s in list_sectors(session)})
    region = find_region(session, params.get("region"))
    return build_map(session, indicator, filters, region)


@get("/carte", name="territories.map")
@in_thread
def map_page(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The network's map: an indicator chosen by the user, filtered, by région or by département of one région."""
    view = _map_view(request, db_session, indicator_param="indicateur", known=MAP_PARAMS)
    return page(
        request,
        "territories/map.html",
        viewer,
        view=view,
        indicators=available_indicators(),
        sectors=list_sectors(db_session),
        phase_labels=PHASE_LABELS,
        kind_labels=KIND_LABELS,
        france_url="/carte?" + map_query(view.indicator, view.filters, indicator_param="indicateur"),
    )


@get("/api/v1/map", name="api.territories.map")
@in_thread
def map_api(request: Request[Any, Any, Any], db_session: DbSession) -> dict[str, Any]:
    """The map's figures as JSON: ?indicator=&sector=&phase=&kind=&region= (région INSEE code to drill down)."""
    view = _map_view(request, db_session, indicator_param="indicator", known=API_MAP_PARAMS)
    return {
        "indicator": view.indicator.code,
        "unit": view.indicator.plural,
        "level": view.level,
        "region": view.region.id if view.region else None,
        "filters": view.filters.query(),
        "title": view.title,
        "total": view.total,
        "items": [
            {
                "territory_id": row.territory.id,
                "code": row.territory.code,
                "name": row.territory.name,
                "count": row.count,
                "list_url": row.list_url,
                "map_url": (
                    "/api/v1/map?"
                    + map_query(view.indicator, view.filters, region=row.territory.code, indicator_param="indicator")
                    if view.region is None
                    else None
                ),
            }
            for row in view.rows
        ],
        "scale": [{"lower": b.lower, "upper": b.upper, "colour": b.colour, "label": b.label} for b in view.bins],
    }


@get("/accessibilite", name="pages.accessibility", sync_to_thread=False)
def accessibility(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """The accessibility statement required of public services (RGAA)."""
    return page(request, "pages/accessibility.html", viewer)


@get("/donnees", name="pages.data", sync_to_thread=False)
def data_sources(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """Where the hub's open data comes from, and its licences."""
    return page(request, "pages/data.html", viewer)


ROUTES = [home, territory_detail, map_page, map_api, accessibility, data_sources]
