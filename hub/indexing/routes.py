"""The search page, suggestions while typing, and GET /api/v1/search — all through the engine interface."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Template
from sqlmodel import Session

from hub.directory.models import ActorPhase
from hub.errors import HubError
from hub.listing import InvalidFilter, check_page_exists, parse_choice, parse_page, parse_text
from hub.projects.models import ProjectNeed, ProjectPhase
from hub.territories.services import list_departements, list_regions, list_sectors
from hub.web import CurrentViewer, DbSession, in_thread, page
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


def _query(session: Session, params: Mapping[str, str]) -> tuple[SearchQuery, int, int]:
    for name in params:
        if name not in KNOWN_PARAMS:
            raise InvalidFilter(name[:50], f"Filtre inconnu : « {name[:50]} ».")
    text = params.get("q", "")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidFilter("q", f"La recherche est trop longue ({MAX_QUERY_CHARS} caractères au plus).")
    choices: dict[str, set[str]] = {
        "kind": set(KIND_LABELS),
        "sector": {s.code for s in list_sectors(session)},
        "region": {t.code for t in list_regions(session)},
        "departement": {t.code for t in list_departements(session)},
        "phase": {p.value for p in ProjectPhase} | {p.value for p in ActorPhase},
        "needs": {n.value for n in ProjectNeed},
        "volunteer": {"true", "false"},
    }
    filters = {name: [value] for name in FACETS if (value := parse_choice(params, name, choices[name]))}
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
    from hub.web import make_environment  # the same French labels as the templates

    labels = make_environment().globals["labels"]
    assert isinstance(labels, dict)
    return {
        "kind": KIND_LABELS,
        "sector": {s.code: s.label for s in list_sectors(session)},
        "region": {t.code: t.name for t in list_regions(session)},
        "departement": {t.code: f"{t.code} — {t.name}" for t in list_departements(session)},
        "phase": labels["project_phase"] | labels["actor_phase"],
        "needs": labels["need"],
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
    query, page_number, per_page = _query(db_session, params)
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
        facet_labels=_facet_labels(db_session),
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
    query, page_number, per_page = _query(db_session, dict(request.query_params))
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
