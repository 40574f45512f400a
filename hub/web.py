"""The web layer's shared pieces: templates, the session dependencies, guards, error pages, headers."""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Awaitable, Callable, Generator, Mapping
from datetime import datetime
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlencode

import anyio.to_thread
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash
from litestar.response import Template
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlmodel import Session

from hub.accounts.models import ROLE_LABELS
from hub.accounts.services import SESSION_ABSOLUTE_TIMEOUT, resolve_session
from hub.accounts.viewer import Viewer
from hub.db import Database
from hub.directory.models import ACTOR_KIND_LABELS, ACTOR_PHASE_LABELS, MEMBERSHIP_LABELS, VERIFICATION_LABELS
from hub.errors import HubError, LoginRequired
from hub.projects.models import (
    NEED_LABELS,
    PARTNER_ROLE_LABELS,
    PROJECT_PHASE_LABELS,
    PROJECT_STATUS_LABELS,
    REGULATORY_LABELS,
    REIMBURSEMENT_LABELS,
)
from hub.settings import REPO_ROOT, Settings

log = logging.getLogger("hub.web")
# sign-ins, sign-outs and refused access, for the operator's monitoring (ASVS 7.1.3, 7.2.1, 7.2.2); never a
# password, token or e-mail address
security_log = logging.getLogger("hub.security")
P = ParamSpec("P")
R = TypeVar("R")

# Parameters injected by name into route handlers (Litestar asks for them to be marked explicitly).
DbSession = NamedDependency[Session]
CurrentViewer = NamedDependency[Viewer | None]

# Cookie names in local mode (plain http://, where browsers refuse `__Host-` cookies). In production they carry
# the `__Host-` prefix (ASVS 3.4.4): the browser then only accepts them Secure, with Path=/ and no Domain, so a
# neighbouring sub-domain cannot plant or shadow them. Read them through `session_cookie_name` and `session_token`.
SESSION_COOKIE = "hub_session"
CSRF_COOKIE = "hub_csrf"
HOST_PREFIX = "__Host-"
FLASH_COOKIE = "hub_flash"

# Flash messages are chosen by code so that no user-controlled text travels in a cookie.
FLASH_MESSAGES = {
    "welcome": "Votre compte est créé. Bienvenue sur le lab e-santé !",
    "logged_in": "Vous êtes connecté.",
    "logged_out": "Vous êtes déconnecté.",
    "actor_created": "La fiche de l’acteur est publiée dans l’annuaire.",
    "actor_updated": "La fiche de l’acteur est mise à jour.",
    "project_created": "Le projet est publié dans le catalogue.",
    "project_updated": "Le projet est mis à jour.",
    "claim_sent": "Votre demande est envoyée : un administrateur vous répondra.",
    "claim_decided": "La décision est enregistrée.",
    "profile_updated": "Votre profil est enregistré.",
}

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


# French labels of every vocabulary, by value, for templates and facet menus.
LABELS: dict[str, dict[str, str]] = {
    "kind": {str(k): v for k, v in ACTOR_KIND_LABELS.items()},
    "actor_phase": {str(k): v for k, v in ACTOR_PHASE_LABELS.items()},
    "verification": {str(k): v for k, v in VERIFICATION_LABELS.items()},
    "membership": {str(k): v for k, v in MEMBERSHIP_LABELS.items()},
    "project_phase": {str(k): v for k, v in PROJECT_PHASE_LABELS.items()},
    "project_status": {str(k): v for k, v in PROJECT_STATUS_LABELS.items()},
    "regulatory": {str(k): v for k, v in REGULATORY_LABELS.items()},
    "reimbursement": {str(k): v for k, v in REIMBURSEMENT_LABELS.items()},
    "need": {str(k): v for k, v in NEED_LABELS.items()},
    "partner_role": {str(k): v for k, v in PARTNER_ROLE_LABELS.items()},
    "role": {str(k): v for k, v in ROLE_LABELS.items()},
}


def _format_number(value: int | float) -> str:
    return f"{value:,}".replace(",", "\u202f")


def _format_date(value: datetime | None) -> str:
    if value is None:
        return ""
    months = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
    return f"{value.day} {months[value.month - 1]} {value.year}"


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{_format_number(count)} {singular if count <= 1 else plural}"


def make_environment(*, auto_reload: bool = True) -> Environment:
    """The Jinja2 environment of the hub: autoescaped, strict, with French label filters.

    With ``auto_reload`` (local mode) an edited template is read again; in production templates do not change
    while the hub runs, so each use skips the file's modification time check."""
    env = Environment(
        loader=FileSystemLoader(str(REPO_ROOT / "templates")),
        auto_reload=auto_reload,
        autoescape=select_autoescape(["html", "svg", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = _format_number
    env.filters["date_fr"] = _format_date
    env.globals["plural"] = _plural
    env.globals["labels"] = LABELS
    env.globals["query_with"] = query_with
    return env


def query_with(params: Mapping[str, Any], **changes: Any) -> str:
    """The query string of `params` with `changes` applied (None removes a key)."""
    merged = {k: v for k, v in params.items() if v not in (None, "")}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return "?" + urlencode(merged) if merged else "?"


def provide_db_session(state: State) -> Generator[Session, None, None]:
    """One database session per request, closed at the end (uncommitted work is rolled back)."""
    database: Database = state.database
    session = database.session()
    try:
        yield session
    finally:
        session.close()


def session_cookie_name(settings: Settings) -> str:
    """The session cookie's name: `__Host-hub_session` in production, `hub_session` in local mode."""
    return HOST_PREFIX + SESSION_COOKIE if settings.is_production else SESSION_COOKIE


def csrf_cookie_name(settings: Settings) -> str:
    """The CSRF cookie's name: `__Host-hub_csrf` in production, `hub_csrf` in local mode."""
    return HOST_PREFIX + CSRF_COOKIE if settings.is_production else CSRF_COOKIE


class RenewStaleCsrfCookie:
    """On a page view, forget a CSRF cookie whose signature does not match the running key.

    Litestar keeps the CSRF cookie a browser already holds without checking it, and the cookie has no expiry: after
    a rotation of `HUB_SECRET_KEY` (docs/deployment.md, "Keys and secrets") every form of a browser that visited
    before would be refused, reloading included. Taking the stale cookie out of the request on safe methods makes
    Litestar issue a new one with the page; writes are left to the CSRF check, which refuses them as before.
    """

    def __init__(self, app: ASGIApp, cookie_name: str, secret: str) -> None:
        self.app = app
        self.prefix = cookie_name + "="
        self.secret = secret

    def _stale(self, value: str) -> bool:
        token, signature = value[:CSRF_SECRET_LENGTH], value[CSRF_SECRET_LENGTH:]
        return not hmac.compare_digest(signature, generate_csrf_hash(token=token, secret=self.secret))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope["method"] in ("GET", "HEAD", "OPTIONS"):
            marker = self.prefix.encode()
            if any(name == b"cookie" and marker in raw for name, raw in scope["headers"]):
                scope["headers"] = [header for header in map(self._without_stale, scope["headers"]) if header[1]]
        await self.app(scope, receive, send)

    def _without_stale(self, header: tuple[bytes, bytes]) -> tuple[bytes, bytes]:
        name, raw = header
        if name != b"cookie":
            return header
        pairs = [pair.strip() for pair in raw.decode("latin-1").split(";")]
        kept = [p for p in pairs if not (p.startswith(self.prefix) and self._stale(p[len(self.prefix) :]))]
        return header if len(kept) == len(pairs) else (name, "; ".join(kept).encode("latin-1"))


def session_token(request: Request[Any, Any, Any]) -> str:
    """The session token the browser sent, under the cookie name of the running mode only."""
    return request.cookies.get(session_cookie_name(request.app.state.settings), "")


def provide_viewer(request: Request[Any, Any, Any], db_session: DbSession) -> Viewer | None:
    """The signed-in person, from the session cookie."""
    token = session_token(request)
    if not token:
        return None
    viewer = resolve_session(db_session, token)
    if db_session.dirty or db_session.deleted:
        db_session.commit()
    request.state.viewer = viewer
    return viewer


def require_viewer(viewer: Viewer | None, message: str = "Connectez-vous pour continuer.") -> Viewer:
    """The viewer, or LoginRequired (a redirect to the login page in the HTML interface)."""
    if viewer is None:
        raise LoginRequired(message)
    return viewer


def session_cookie(settings: Settings, token: str) -> Cookie:
    """The session cookie: HttpOnly, SameSite=Lax, Secure outside local use."""
    return Cookie(
        key=session_cookie_name(settings),
        value=token,
        httponly=True,
        samesite="lax",
        secure=settings.is_production,
        max_age=int(SESSION_ABSOLUTE_TIMEOUT.total_seconds()),
        path="/",
    )


def expired_session_cookie(settings: Settings) -> Cookie:
    """Tells the browser to drop the session cookie (Secure in production, as `__Host-` cookies must be)."""
    return Cookie(
        key=session_cookie_name(settings),
        value="",
        httponly=True,
        samesite="lax",
        secure=settings.is_production,
        max_age=0,
        expires=0,
        path="/",
    )


def flash_cookie(code: str) -> Cookie:
    """A one-shot message shown on the next page."""
    return Cookie(key=FLASH_COOKIE, value=code, httponly=True, samesite="lax", max_age=60, path="/")


def page(
    request: Request[Any, Any, Any], template: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> Template:
    """Render a page with what every page needs (viewer, flash message, current path)."""
    flash = FLASH_MESSAGES.get(request.cookies.get(FLASH_COOKIE, ""))
    response = Template(
        template_name=template,
        context={"viewer": viewer, "flash": flash, "path": request.url.path, **context},
        status_code=status_code,
    )
    if flash:
        response.delete_cookie(FLASH_COOKIE)
    return response


def is_api(request: Request[Any, Any, Any]) -> bool:
    """Whether the request is for the JSON API (answered with problem details)."""
    return request.url.path.startswith("/api/")


def problem(
    status: int, title: str, detail: str, *, instance: str = "", errors: Mapping[str, str] | None = None
) -> Response[Any]:
    """An RFC 9457 problem details response."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [{"field": field, "message": message} for field, message in errors.items()]
    return Response(content=body, status_code=status, media_type="application/problem+json")


_STATUS_TITLES = {
    400: "Requête invalide",
    401: "Connexion requise",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    413: "Contenu trop volumineux",
    415: "Format non pris en charge",
    422: "Données invalides",
    429: "Trop de requêtes",
    500: "Erreur du serveur",
    503: "Service momentanément indisponible",
}


def _error_page(request: Request[Any, Any, Any], status: int, detail: str) -> Response[Any]:
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/error.html"
    viewer = getattr(request.state, "viewer", None)
    return page(
        request,
        template,
        viewer,
        status_code=status,
        title=_STATUS_TITLES.get(status, "Erreur"),
        detail=detail,
        status=status,
    )


def handle_hub_error(request: Request[Any, Any, Any], exc: HubError) -> Response[Any]:
    """Domain errors: problem details in the API, a redirect to login or an error page in HTML."""
    errors = getattr(exc, "errors", None)
    if exc.status_code in (401, 403):
        _log_refusal(request, exc.status_code, type(exc).__name__)
    if is_api(request):
        return problem(exc.status_code, exc.title, exc.message, instance=request.url.path, errors=errors)
    if isinstance(exc, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Response(
            content="",
            status_code=303,
            media_type=MediaType.TEXT,
            headers={"Location": "/connexion?" + urlencode({"suite": target})},
        )
    return _error_page(request, exc.status_code, exc.message)


def _log_refusal(request: Request[Any, Any, Any], status: int, reason: str) -> None:
    client = request.client.host if request.client else "unknown"
    security_log.warning(
        "access refused (%s %s) on %s %s from %s", status, reason, request.method, request.url.path, client
    )


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Framework errors (404, 405, CSRF 403, body too large...) in French."""
    status = exc.status_code
    if isinstance(exc, NotFoundException):
        detail = "La page demandée n’existe pas ou a été déplacée."
    elif isinstance(exc, ValidationException):
        status = 400
        detail = "Les paramètres de la requête sont invalides."
    elif status == 403 and "csrf" in str(exc.detail).lower():
        detail = "Le formulaire a expiré ou ne provient pas du site. Rechargez la page et recommencez."
        _log_refusal(request, status, "csrf")
    elif status == 413:
        detail = "Le contenu envoyé est trop volumineux."
    elif status == 415:
        detail = "Le corps de la requête doit être du JSON (Content-Type: application/json)."
    else:
        detail = _STATUS_TITLES.get(status, "Erreur")
    if is_api(request):
        errors = None
        if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
            errors = {str(e.get("key", "body")): "Valeur invalide." for e in exc.extra if isinstance(e, dict)}
        return problem(status, _STATUS_TITLES.get(status, "Erreur"), detail, instance=request.url.path, errors=errors)
    return _error_page(request, status, detail)


RETRY_AFTER_SECONDS = 30


def handle_database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database did not answer (stopped, unreachable, locked): 503 with Retry-After, nothing half-written.

    The request's transaction is rolled back with its session; the connection pool checks connections before
    use, so the hub recovers by itself once the database is back.
    """
    log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    detail = "Le service est momentanément indisponible. Rien n’a été enregistré : réessayez dans quelques instants."
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if is_api(request):
        response = problem(503, _STATUS_TITLES[503], detail, instance=request.url.path)
        response.headers.update(headers)
        return response
    response = _error_page(request, 503, detail)
    response.headers.update(headers)
    return response


def handle_integrity_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A write that broke a uniqueness rule the services check first: a concurrent duplicate (double click,
    two tabs) got there in between. Nothing of this request was written: 409, not a server error."""
    log.warning("integrity error on %s %s: %s", request.method, request.url.path, str(exc).splitlines()[0][:300])
    detail = "Cette action vient déjà d’être enregistrée (double envoi ou autre onglet). Rechargez la page pour voir l’état actuel."
    if is_api(request):
        return problem(409, "Conflit", detail, instance=request.url.path)
    return _error_page(request, 409, detail)


def handle_server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Unexpected errors: logged with their traceback, shown as a plain 500 without internals."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    detail = "Une erreur inattendue s’est produite. L’équipe technique a été prévenue ; réessayez plus tard."
    if is_api(request):
        return problem(500, "Erreur du serveur", detail, instance=request.url.path)
    try:
        return _error_page(request, 500, detail)
    except Exception:
        log.exception("error page failed")
        return Response(content=detail, status_code=500, media_type=MediaType.TEXT)


class SecurityHeaders:
    """A `before_send` hook: the security headers every response needs (CSP, framing, sniffing, referrer, HSTS).

    As a hook it sees every answer, the framework's own included (404 for an unknown path, 405, a CSRF
    refusal), not only those of matched routes. Two more, by kind of request:
    - a response to a signed-in visitor is `Cache-Control: no-store` unless its handler chose (pages and data
      about a person must not stay in the browser's cache or a shared proxy);
    - a JSON API response is `Content-Disposition: attachment` (a browser opening an API URL never renders it).
    """

    def __init__(self, *, hsts: bool) -> None:
        self.headers: list[tuple[bytes, bytes]] = [
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if hsts:
            self.headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))

    async def __call__(self, message: Message, scope: Scope) -> None:
        if scope["type"] != ScopeType.HTTP or message["type"] != "http.response.start":
            return
        headers = list(message.get("headers", []))
        present = {name.lower() for name, _ in headers}
        headers.extend(h for h in self.headers if h[0] not in present)
        if b"cache-control" not in present and _signed_in(scope):
            headers.append((b"cache-control", b"no-store"))
        if scope["path"].startswith("/api/v1/") and b"content-disposition" not in present:
            headers.append((b"content-disposition", b'attachment; filename="api.json"'))
        message["headers"] = headers


def _signed_in(scope: Scope) -> bool:
    """Whether the request carries a session cookie (valid or not: the answer may be about a person)."""
    marker = SESSION_COOKIE.encode() + b"="  # also found inside the production name, `__Host-hub_session=`
    return any(name == b"cookie" and marker in value for name, value in scope["headers"])


def form_dict(data: Mapping[str, Any], *, lists: tuple[str, ...] = (), flags: tuple[str, ...] = ()) -> dict[str, Any]:
    """A submitted HTML form as plain values: repeated fields as lists, checkboxes as booleans."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "_csrf_token":
            continue
        if key in lists:
            values[key] = [v for v in (value if isinstance(value, list) else [value]) if v != ""]
        elif isinstance(value, list):
            values[key] = value[-1]
        else:
            values[key] = value
    for key in lists:
        values.setdefault(key, [])
    for key in flags:
        values[key] = values.get(key) in ("on", "1", "true", "oui", True)
    return values


def limit_threads(threads: int) -> None:
    """At most `threads` synchronous handlers of this worker at once (anyio's default limiter, which `in_thread`
    uses): the rest wait in order, instead of all sharing Python's one running thread in 5 ms turns, which made
    every request slower under load and starved the event loop that answers cached lists."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads


def in_thread(fn: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """Run a synchronous handler in a worker thread (the database calls block).

    Litestar's own `sync_to_thread=True` wraps a handler again each time its route is rebuilt,
    which happens when a second method is added to the same path (seen with Litestar 2.25:
    the GET handler then returned an un-awaited coroutine); an async wrapper avoids that.
    """

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))

    return wrapper
