"""create_app(settings): the one place where the hub's web application is assembled."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from litestar import Litestar, Request
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from hub import observability, privacy
from hub.accounts import api as account_api
from hub.accounts import routes as account_routes
from hub.activity import routes as activity_routes
from hub.advisers import routes as advisers_routes
from hub.audit import routes as audit_routes
from hub.contests import routes as contests_routes
from hub.dashboard import routes as dashboard_routes
from hub.db import Database, make_engine
from hub.dedup import api as dedup_api
from hub.dedup import routes as dedup_routes
from hub.directory import api as directory_api
from hub.directory import routes as directory_routes
from hub.errors import HubError, NotFound
from hub.exchanges import api as exchanges_api
from hub.exchanges import routes as exchanges_routes
from hub.feedback import routes as feedback_routes
from hub.freshness import CatalogueClock, VersionedCache
from hub.indexing import routes as search_routes
from hub.indexing.services import IndexWorker
from hub.ledger import api as ledger_api
from hub.ledger import routes as ledger_routes
from hub.matchmaking import routes as matchmaking_routes
from hub.matchmaking.services import SuggestionGraphs
from hub.moderation import routes as moderation_routes
from hub.needs import routes as needs_routes
from hub.network import routes as network_routes
from hub.observability import Metrics, RequestContextMiddleware, configure_logging
from hub.openapi import document_api_only
from hub.opendata import routes as opendata_routes
from hub.orientations import routes as orientations_routes
from hub.places import routes as places_routes
from hub.projects import api as project_api
from hub.projects import routes as project_routes
from hub.referents import routes as referents_routes
from hub.research import routes as research_routes
from hub.settings import Settings
from hub.territories import api as territory_api
from hub.territories import routes as territory_routes
from hub.web import (
    RenewStaleCsrfCookie,
    SecurityHeaders,
    csrf_cookie_name,
    handle_database_unavailable,
    handle_http_exception,
    handle_hub_error,
    handle_integrity_error,
    handle_server_error,
    limit_threads,
    make_environment,
    provide_db_session,
    provide_viewer,
)
from search.choice import open_engine
from search.engine import SearchEngine

HUB_STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 1_048_576  # forms and JSON bodies; file uploads get their own limit


def request_context(metrics: Metrics) -> Any:
    """The request-id and metrics middleware factory."""

    def factory(app: ASGIApp) -> ASGIApp:
        return RequestContextMiddleware(app, metrics)

    return factory


def open_search_engine(settings: Settings) -> SearchEngine:
    """The search engine the settings choose (Meilisearch is always backed by the embedded index)."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    if settings.search_engine == "meilisearch":
        return open_engine(settings.search_index_path, settings.meilisearch_url, settings.meilisearch_key or None)
    return open_engine(settings.search_index_path)


# Identifiers are INTEGER columns (32-bit signed on PostgreSQL).
_INT32 = 2**31


def check_request(request: Request[Any, Any, Any]) -> None:
    """Refusals every route shares, before its handler runs:

    - an integer path parameter outside 32 bits names no row the databases can hold: 404, not an overflow;
    - a JSON API write whose body is declared as anything but JSON: 415 (the body is never read as JSON
      on the strength of its bytes alone).
    """
    for value in request.path_params.values():
        if isinstance(value, int) and not -_INT32 <= value < _INT32:
            raise NotFound("Cette ressource n’existe pas.")
    if request.method in _WRITES and request.url.path.startswith("/api/") and _has_body(request):
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise HTTPException(
                status_code=415,
                detail="Le corps de la requête doit être du JSON (Content-Type: application/json).",
            )


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _has_body(request: Request[Any, Any, Any]) -> bool:
    length = request.headers.get("content-length")
    return bool(request.headers.get("transfer-encoding")) or (length is not None and length.strip() not in ("", "0"))


def create_app(settings: Settings, database: Database | None = None, *, background_indexing: bool = True) -> Litestar:
    """The hub's Litestar application for `settings`; `database` defaults to the configured URL.

    With `background_indexing`, a worker thread applies the search outbox after each commit and partner
    suggestions are rebuilt in a background thread; without it (tests driving one connection), the caller
    drains the outbox itself and suggestions are rebuilt within the request that notices a change.
    """
    configure_logging(settings.log_level, json_logs=settings.is_production)
    metrics = Metrics()
    if database is None:
        database = Database(make_engine(settings.effective_database_url))
    search_engine = open_search_engine(settings)
    indexer = IndexWorker(database, search_engine)
    catalogue_clock = CatalogueClock(database)
    suggestion_graphs = SuggestionGraphs(
        database, background=background_indexing, warm=settings.suggestions_warm, is_busy=metrics.is_busy
    )
    static_routers = [
        create_static_files_router(
            path="/static/hub", directories=[HUB_STATIC_DIR], name="static.hub", send_as_attachment=False
        )
    ]
    if settings.static_dir.is_dir():
        static_routers.append(
            create_static_files_router(path="/static/dsfr", directories=[settings.static_dir], name="static.dsfr")
        )
    else:
        logging.getLogger("hub").warning(
            "DSFR assets not found in %s: run `make run` (npm install) to style the pages", settings.static_dir
        )
    return Litestar(
        route_handlers=document_api_only(
            [
                *territory_routes.ROUTES,
                *directory_routes.ROUTES,
                *project_routes.ROUTES,
                *dedup_routes.ROUTES,
                *account_routes.ROUTES,
                *account_api.ROUTES,
                *directory_api.ROUTES,
                *dedup_api.ROUTES,
                *project_api.ROUTES,
                *ledger_api.ROUTES,
                *territory_api.ROUTES,
                *search_routes.ROUTES,
                *matchmaking_routes.ROUTES,
                *exchanges_routes.ROUTES,
                *exchanges_api.ROUTES,
                *ledger_routes.ROUTES,
                *referents_routes.ROUTES,
                *orientations_routes.ROUTES,
                *network_routes.ROUTES,
                *activity_routes.ROUTES,
                *dashboard_routes.ROUTES,
                *opendata_routes.ROUTES,
                *needs_routes.ROUTES,
                *contests_routes.ROUTES,
                *feedback_routes.ROUTES,
                *moderation_routes.ROUTES,
                *research_routes.ROUTES,
                *advisers_routes.ROUTES,
                *places_routes.ROUTES,
                *privacy.ROUTES,
                *audit_routes.ROUTES,
                *observability.ROUTES,
                *static_routers,
            ]
        ),
        dependencies={
            "db_session": Provide(provide_db_session),
            "viewer": Provide(provide_viewer, sync_to_thread=True),
        },
        state=State(
            {
                "settings": settings,
                "database": database,
                "search_engine": search_engine,
                "indexer": indexer,
                "metrics": metrics,
                "suggestion_graphs": suggestion_graphs,
                "list_cache": VersionedCache(),
                "catalogue_clock": catalogue_clock,
            }
        ),
        on_startup=[
            functools.partial(limit_threads, settings.threads),
            *([indexer.start] if background_indexing else []),
        ],
        on_shutdown=[indexer.stop, catalogue_clock.close, suggestion_graphs.close]
        if background_indexing
        else [catalogue_clock.close],
        template_config=TemplateConfig(
            instance=JinjaTemplateEngine.from_environment(make_environment(auto_reload=not settings.is_production))
        ),
        csrf_config=CSRFConfig(
            secret=settings.effective_secret_key,
            cookie_name=csrf_cookie_name(settings),
            cookie_secure=settings.is_production,
            cookie_httponly=True,
            cookie_samesite="lax",
            header_name="x-csrftoken",
        ),
        compression_config=CompressionConfig(backend="gzip", minimum_size=1000),
        exception_handlers={
            HubError: handle_hub_error,
            HTTPException: handle_http_exception,
            OperationalError: handle_database_unavailable,
            IntegrityError: handle_integrity_error,
            InterfaceError: handle_database_unavailable,
            Exception: handle_server_error,
        },
        before_request=check_request,
        logging_config=None,  # the hub's own (configure_logging above): Litestar's would replace its JSON handler
        before_send=[SecurityHeaders(hsts=settings.is_production)],
        middleware=[
            request_context(metrics),
            DefineMiddleware(
                RenewStaleCsrfCookie, cookie_name=csrf_cookie_name(settings), secret=settings.effective_secret_key
            ),
        ],
        openapi_config=OpenAPIConfig(
            title="API du lab e-santé",
            version="1.0.0",
            description="Annuaire des acteurs, catalogue des projets et référentiels (territoires, secteurs).",
            path="/api/schema",
        ),
        request_max_body_size=MAX_BODY_BYTES,
        debug=False,
    )
