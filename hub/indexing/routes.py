"""The search page, suggestions while typing, and GET /api/v1/search — all through the engine interface."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Template
from sqlmodel import Session

from hub.errors import HubError
from hub.filters import reference_choices
from hub.listing import InvalidFilter, check_page_exists, parse_choice, parse_page, parse_text
from hub.web import LABELS, CurrentViewer, DbSession, in_thread, page
from search.engine import SearchEngine, SearchQuery, SearchResults
from search.errors import InvalidQuery

KIND_LABELS = {"project": "Projet", "actor": "Acteur", "person": "Personne"}
FACETS = ("kind", "sector", "region", "departement", "phase", "needs", "volunteer")
KNOWN_PARAMS = frozenset({"q", *FACETS, "page", "per_page"})
MAX_QUERY_CHARS = 1000


class SearchFailed(HubError):
    """The engine could not answer (never its own error text: that stays in the logs)."""

    status_code = 503
    title = "Recherche indisponible"


def _query(labels: Mapping[str, Mapping[str, str]], params: Mapping[str, str]) -> tuple[SearchQuery, int, int]:
    for name in params:
        if name not in KNOWN_PARAMS:
            raise InvalidFilter(name[:50], f"Filtre inconnu : « {name[:50]} ».")
    text = params.get("q", "")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidFilter("q", f"La recherche est trop longue ({MAX_QUERY_CHARS} caractères au plus).")
    filters = {name: [value] for name in FACETS if (value := parse_choice(params, name, labels[name]))}
    page_number, per_page = parse_page(params)
    query = SearchQuery(
        text=(parse_text({"q": text[:200]}, "q") or ""),
        filters=filters,
        facets=FACETS,
        limit=per_page,
        offset=(page_number - 1) * per_page,
    )
    return query, page_number, per_page


def run_search(engine: SearchEngine, query: SearchQuery) -> SearchResults:
    """Ask the engine; its errors become a clear French 4xx/503, never a stack trace."""
    try:
        return engine.search(query)
    except InvalidQuery as exc:
        raise InvalidFilter("q", str(exc)) from exc
    except Exception as exc:
        raise SearchFailed("La recherche est momentanément indisponible. Réessayez dans un instant.") from exc


def _facet_labels(session: Session) -> dict[str, dict[str, str]]:
    """Every facet's known values with their French label (the allowed filter values are these keys)."""
    reference = reference_choices(session)
    return {
        "kind": KIND_LABELS,
        "sector": {s.code: s.label for s in reference["sectors"]},
        "region": {t.code: t.name for t in reference["regions"]},
        "departement": {t.code: f"{t.code} — {t.name}" for t in reference["departements"]},
        "phase": LABELS["project_phase"] | LABELS["actor_phase"],
        "needs": LABELS["need"],
        "volunteer": {"true": "Oui", "false": "Non"},
    }


FACET_TITLES = {
    "kind": "Type de fiche",
    "sector": "Secteur",
    "region": "Région",
    "departement": "Département",
    "phase": "Phase",
    "needs": "Besoins",
    "volunteer": "Lieu d’expérimentation volontaire",
}


@get("/recherche", name="search.page")
@in_thread
def search_page(
    request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer, state: State
) -> Template:
    """Results with facets and counts, highlighted matches, the directory's filters."""
    params = dict(request.query_params)
    labels = _facet_labels(db_session)
    query, page_number, per_page = _query(labels, params)
    results = run_search(state.search_engine, query)
    check_page_exists(page_number, per_page, results.total)
    return page(
        request,
        "search/search_results.html",
        viewer,
        params=params,
        results=results,
        page_number=page_number,
        pages=max(1, -(-results.total // per_page)),
        facet_labels=labels,
        facet_titles=FACET_TITLES,
        kind_labels=KIND_LABELS,
    )


def results_json(results: SearchResults, page_number: int, per_page: int) -> dict[str, Any]:
    """The API shape of search results."""
    return {
        "query": results.query,
        "total": results.total,
        "page": page_number,
        "per_page": per_page,
        "hits": [
            {
                "id": h.id,
                "kind": h.kind,
                "title": h.title,
                "url": h.url,
                "title_html": h.title_html,
                "snippet_html": h.snippet_html,
                "score": h.score,
            }
            for h in results.hits
        ],
        "facets": results.facet_counts,
        "engine": results.engine,
        "degraded": results.degraded,
    }


@get("/api/v1/search", name="api.search")
@in_thread
def search_api(request: Request[Any, Any, Any], db_session: DbSession, state: State) -> dict[str, Any]:
    """Search actors, projects and public profiles. Parameters: q, kind, sector, region, departement, phase, needs, volunteer, page, per_page."""
    query, page_number, per_page = _query(_facet_labels(db_session), dict(request.query_params))
    results = run_search(state.search_engine, query)
    check_page_exists(page_number, per_page, results.total)
    return results_json(results, page_number, per_page)


@get("/api/v1/search/suggestions", name="api.search.suggestions")
@in_thread
def suggestions(request: Request[Any, Any, Any], state: State) -> dict[str, Any]:
    """Titles to propose while the user types (q: what has been typed so far)."""
    prefix = request.query_params.get("q", "")[:100]
    try:
        found = state.search_engine.suggest(prefix, limit=8) if prefix.strip() else []
    except InvalidQuery:
        found = []
    except Exception as exc:
        raise SearchFailed("Les suggestions sont momentanément indisponibles.") from exc
    return {
        "query": prefix,
        "suggestions": [{"title": s.title, "url": s.url, "kind": s.kind, "title_html": s.title_html} for s in found],
    }


ROUTES = [search_page, search_api, suggestions]
