"""The decision-makers' dashboard: a public page of aggregated figures, each chart's CSV, and its JSON twin."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.params import FromPath
from litestar.response import Template
from sqlmodel import Session

from hub.dashboard.charts import render_all
from hub.dashboard.scope import DashboardFilters, parse_filters, phase_label
from hub.dashboard.services import BUILDERS, Dashboard, Reference, build_dashboard
from hub.dashboard.tables import Figure, csv_lines, hours_text
from hub.errors import NotFound
from hub.projects.models import ProjectPhase
from hub.territories.services import list_departements, list_regions, list_sectors
from hub.web import CurrentViewer, DbSession, in_thread, page

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
# The figures of one set of filters are kept this long per application (app.state.dashboard_cache_seconds
# overrides it; 0 turns the cache off): the page, its CSV files and the API then show the same figures.
CACHE_SECONDS = 30.0
_CACHE_SIZE = 512


def _reference_and_filters(session: Session, params: Any) -> tuple[Reference, DashboardFilters]:
    reference = Reference(
        regions=list_regions(session), departements=list_departements(session), sectors=list_sectors(session)
    )
    filters = parse_filters(params, list(reference.regions), {s.code for s in reference.sectors})
    return reference, filters


def _dashboard(request: Request[Any, Any, Any], session: Session) -> tuple[Dashboard, DashboardFilters, Reference]:
    """The figures for the request's filters, computed at most once per CACHE_SECONDS and per filter set."""
    reference, filters = _reference_and_filters(session, request.query_params)
    state = request.app.state
    ttl = float(state.get("dashboard_cache_seconds", CACHE_SECONDS))
    cache: dict[tuple[str | None, ...], tuple[float, Dashboard]] = state.setdefault("dashboard_cache", {})
    key = (filters.region, filters.sector, filters.phase)
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1], filters, reference
    dashboard = build_dashboard(session, filters, reference)
    if ttl > 0:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = (now, dashboard)
    return dashboard, filters, reference


def _csv_url(figure: Figure, filters: DashboardFilters) -> str:
    query = urlencode(filters.params())
    return f"/tableau-de-bord/{figure.slug}.csv" + (f"?{query}" if query else "")


def _scope_words(filters: DashboardFilters, reference: Reference) -> list[str]:
    words = []
    if filters.region:
        words += [r.name for r in reference.regions if r.id == filters.region]
    if filters.sector:
        words += [s.label for s in reference.sectors if s.code == filters.sector]
    if filters.phase:
        words.append(f"phase « {phase_label(filters.phase)} »")
    return words


@get("/tableau-de-bord", name="dashboard.page")
@in_thread
def dashboard_page(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The decision-makers' dashboard: public, aggregated figures only, each chart with its table and CSV."""
    dashboard, filters, reference = _dashboard(request, db_session)
    return page(
        request,
        "dashboard/dashboard.html",
        viewer,
        dashboard=dashboard,
        charts=render_all(dashboard.figures),
        csv_urls={f.slug: _csv_url(f, filters) for f in dashboard.figures},
        filters=filters,
        current=filters.params(),
        scope_words=_scope_words(filters, reference),
        regions_options=[(r.code, r.name) for r in reference.regions],
        sectors_options=[(s.code, s.label) for s in reference.sectors],
        phases_options=[(p.value, phase_label(p.value)) for p in ProjectPhase],
        hours=hours_text(dashboard.key["minutes"]),
    )


@get("/tableau-de-bord/{filename:str}", name="dashboard.csv")
@in_thread
def dashboard_csv(request: Request[Any, Any, Any], filename: FromPath[str], db_session: DbSession) -> Response[str]:
    """One chart's figures as CSV, with the page's filters; the file name carries the filters and the date."""
    slug, dot, extension = filename.rpartition(".")
    if not dot or extension != "csv" or slug not in BUILDERS:
        raise NotFound("Ce fichier n’existe pas.")
    dashboard, filters, _ = _dashboard(request, db_session)
    figure = next(f for f in dashboard.figures if f.slug == slug)
    parts = ["tableau-de-bord", figure.slug, *filters.params().values(), datetime.now(UTC).date().isoformat()]
    return Response(
        content="".join(csv_lines(figure)),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{"-".join(parts)}.csv"'},
    )


@get("/api/v1/dashboard", name="api.dashboard")
@in_thread
def dashboard_api(request: Request[Any, Any, Any], db_session: DbSession) -> dict[str, Any]:
    """The dashboard's figures as JSON: the same tables as the page and its CSV files."""
    dashboard, filters, _ = _dashboard(request, db_session)
    delay = dashboard.partner_delay
    return {
        "filters": filters.params(),
        "key_figures": dashboard.key
        | {
            "partner_delay_median_days": delay.median_days,
            "partner_delay_projects": delay.count,
            "projects_without_partner": delay.without_partner,
        },
        "figures": [
            {
                "slug": f.slug,
                "title": f.title,
                "description": f.description,
                "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in f.columns],
                "rows": [list(row) for row in f.rows],
                "csv_url": _csv_url(f, filters),
            }
            for f in dashboard.figures
        ],
        "licence": "Licence Ouverte / Open Licence 2.0 (Etalab)",
    }


ROUTES: list[Any] = [dashboard_page, dashboard_csv, dashboard_api]
