"""Observability: request ids in every log line, JSON logs in production, /health, /ready and /metrics."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
import time
import uuid
from collections import defaultdict
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy import text

from hub.web import in_thread

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
READY_MAX_LAG_SECONDS = 300.0
QUIET_SECONDS = 0.05  # a worker with no request for this long is idle (see Metrics.is_busy)


class RequestIdFilter(logging.Filter):
    """Adds the current request id to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line (production logs for a log collector)."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(level: str, *, json_logs: bool) -> None:
    """Plain lines locally, JSON in production; both carry the request id."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter()
        if json_logs
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_hub_handler", False):
            root.removeHandler(existing)
    handler._hub_handler = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)


class Metrics:
    """Request counters and latency histograms of this process, in the Prometheus text format."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started_at = time.time()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * (len(LATENCY_BUCKETS) + 1))
        self.latency_sum: dict[tuple[str, str], float] = defaultdict(float)
        # requests being worked out now, until their answer starts (a live feed's endless answer stops counting
        # once started), and when the last one started or ended; changed on the event loop only
        self.in_flight = 0
        self.last_activity = time.monotonic()

    def request_started(self) -> None:
        """A request arrived (see `is_busy`)."""
        self.in_flight += 1
        self.last_activity = time.monotonic()

    def request_answered(self) -> None:
        """The request's answer started."""
        self.in_flight -= 1
        self.last_activity = time.monotonic()

    def is_busy(self, quiet_seconds: float = QUIET_SECONDS) -> bool:
        """Whether the worker is answering requests: a request is being worked out, or one came or went within
        `quiet_seconds`. Background work that competes for the CPU (and for Python's GIL, which makes every thread
        of the process wait) runs only when this is False, so that it takes idle time only."""
        return self.in_flight > 0 or time.monotonic() - self.last_activity < quiet_seconds

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request."""
        with self._lock:
            self.requests[(method, route, str(status))] += 1
            counts = self.buckets[(method, route)]
            for index, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    counts[index] += 1
            counts[-1] += 1
            self.latency_sum[(method, route)] += seconds

    def render(self, extra: dict[str, float]) -> str:
        """The metrics page."""
        lines = [
            "# HELP process_start_time_seconds Start time of this process since the Unix epoch.",
            "# TYPE process_start_time_seconds gauge",
            f"process_start_time_seconds {self.started_at:.6f}",
            "# HELP hub_http_requests_total HTTP requests by method, route and status.",
            "# TYPE hub_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), count in sorted(self.requests.items()):
                lines.append(f'hub_http_requests_total{{method="{method}",route="{route}",status="{status}"}} {count}')
            lines += ["# HELP hub_http_request_seconds Request latency.", "# TYPE hub_http_request_seconds histogram"]
            for (method, route), counts in sorted(self.buckets.items()):
                labels = f'method="{method}",route="{route}"'
                for bound, count in zip(LATENCY_BUCKETS, counts, strict=False):
                    lines.append(f'hub_http_request_seconds_bucket{{{labels},le="{bound}"}} {count}')
                lines.append(f'hub_http_request_seconds_bucket{{{labels},le="+Inf"}} {counts[-1]}')
                lines.append(f"hub_http_request_seconds_sum{{{labels}}} {self.latency_sum[(method, route)]:.6f}")
                lines.append(f"hub_http_request_seconds_count{{{labels}}} {counts[-1]}")
        for name, value in sorted(extra.items()):
            lines += [f"# TYPE {name} gauge", f"{name} {value}"]
        return "\n".join(lines) + "\n"


access_log = logging.getLogger("hub.access")


class RequestContextMiddleware:
    """Gives each request an id (kept from X-Request-ID when sane), echoes it, records metrics and logs one line per
    request to `hub.access` (method, path, status, duration; JSON in production, with the request id)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        working = True
        self.metrics.request_started()

        async def send_with_id(message: Message) -> None:
            nonlocal status, working
            if message["type"] == "http.response.start":
                if working:
                    working = False
                    self.metrics.request_answered()
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if working:
                self.metrics.request_answered()
            elapsed = time.perf_counter() - started
            path, method = str(scope.get("path", "")), str(scope.get("method", ""))
            route = scope.get("path_template") or ("static" if path.startswith("/static/") else "other")
            self.metrics.observe(method, str(route), status, elapsed)
            if access_log.isEnabledFor(logging.INFO):
                # The path without its query string (search words, filters), and no client address: the security
                # log has the addresses of the events that need one (docs/gdpr-register.md, "Logs").
                access_log.info("%s %s %d %.1f ms", method, path, status, elapsed * 1000)
            request_id_var.reset(token)


@get("/health", name="ops.health", sync_to_thread=False, include_in_schema=False)
def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@get("/ready", name="ops.ready", include_in_schema=False)
@in_thread
def ready(state: State) -> Response[dict[str, Any]]:
    """Readiness: database reachable, search engine answering, search outbox not lagging too far."""
    from hub.indexing.services import outbox_status

    checks: dict[str, Any] = {}
    ok = True
    try:
        with state.database.session() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        ok, checks["database"] = False, f"unavailable: {type(exc).__name__}"
    try:
        engine_status = state.search_engine.status()
        checks["search"] = (
            "ok" if engine_status.available and not engine_status.degraded else "degraded (embedded fallback)"
        )
        ok = ok and engine_status.available
    except Exception as exc:
        ok, checks["search"] = False, f"unavailable: {type(exc).__name__}"
    try:
        outbox = outbox_status(state.database)
        checks["search_outbox"] = {
            "pending": outbox.pending,
            "lag_seconds": round(outbox.lag_seconds, 1),
            "failing": outbox.failing,
        }
        ok = ok and outbox.lag_seconds <= READY_MAX_LAG_SECONDS
    except Exception as exc:
        ok, checks["search_outbox"] = False, f"unavailable: {type(exc).__name__}"
    return Response({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)


@get("/metrics", name="ops.metrics", include_in_schema=False, media_type="text/plain; version=0.0.4")
@in_thread
def metrics(state: State, request: Request[Any, Any, Any]) -> str:
    """Prometheus metrics of this process (requests, latencies, errors, search outbox lag)."""
    from hub.indexing.services import outbox_status

    extra: dict[str, float] = {}
    try:
        outbox = outbox_status(state.database)
        extra = {
            "hub_search_outbox_pending": outbox.pending,
            "hub_search_outbox_lag_seconds": round(outbox.lag_seconds, 3),
            "hub_search_outbox_failing": outbox.failing,
        }
    except Exception:
        extra = {"hub_search_outbox_pending": -1}
    extra["hub_http_requests_in_progress"] = state.metrics.in_flight
    extra["hub_suggestions_prepared"] = state.suggestion_graphs.prepared
    return str(state.metrics.render(extra))


ROUTES = [health, ready, metrics]
