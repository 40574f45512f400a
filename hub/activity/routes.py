"""Pages and API of the activity feed: the list with its filters, the live stream (SSE) and the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Stream, Template

import hub.activity.recording  # noqa: F401  (registers the listeners that write the feed, for every session)
from hub.activity import services
from hub.activity.models import ACTIVITY_KIND_LABELS
from hub.activity.stream import broadcaster_for, event_stream
from hub.listing import parse_page
from hub.web import CurrentViewer, DbSession, in_thread, page

PARIS = ZoneInfo("Europe/Paris")
MONTHS = (
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
)


def when(value: datetime) -> str:
    """A moment as people in France read it: "28 novembre 2026 à 16 h 05" (Paris time)."""
    local = value.astimezone(PARIS)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} à {local.hour} h {local.minute:02d}"


def _options(vocabulary: services.Vocabulary) -> dict[str, Any]:
    regions = sorted(
        ((t.removeprefix("reg-"), n) for t, n in vocabulary.territory_names.items() if t.startswith("reg-")),
        key=lambda option: option[1],
    )
    departements = sorted(
        (t.removeprefix("dep-"), f"{t.removeprefix('dep-')} — {n}")
        for t, n in vocabulary.territory_names.items()
        if t.startswith("dep-")
    )
    sectors = sorted(vocabulary.sector_labels.items(), key=lambda option: option[1])
    return {"regions_options": regions, "departements_options": departements, "sectors_options": sectors}


@get("/activite", name="activity.feed")
@in_thread
def feed(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """What happens in the network, newest first, filtered by territory and sector; new events appear live."""
    params = dict(request.query_params)
    vocabulary = services.load_vocabulary(db_session)
    filters = services.parse_filters(vocabulary, params, services.KNOWN_FEED_PARAMS)
    page_number, per_page = parse_page(params)
    result = services.list_events(db_session, filters, page=page_number, per_page=per_page)
    stream_params = filters.as_params()
    if page_number == 1:
        stream_params["after"] = str(result.items[0].id if result.items else services.latest_event_id(db_session))
    return page(
        request,
        "activity/feed.html",
        viewer,
        result=result,
        params=params,
        filters=filters,
        names=vocabulary.territory_names,
        sector_labels=vocabulary.sector_labels,
        stream_query=stream_params,
        kind_labels={str(k): v for k, v in ACTIVITY_KIND_LABELS.items()},
        when=when,
        **_options(vocabulary),
    )


@get("/activite/flux", name="activity.stream")
async def stream(request: Request[Any, Any, Any], state: State) -> Stream:
    """Server-Sent Events: new events as they happen (filters as on /activite; `Last-Event-ID` or `after` resume).
    Only for clients that accept text/event-stream (406 otherwise: the response never ends)."""
    params = dict(request.query_params)
    broadcaster = broadcaster_for(state.database)
    filters = services.parse_filters(await broadcaster.vocabulary(), params, services.KNOWN_STREAM_PARAMS)
    resume = services.parse_event_id(request.headers.get("last-event-id"), "Last-Event-ID")
    if resume is None:
        resume = services.parse_event_id(params.get("after"), "after")
    services.check_accepts_event_stream(request.headers.get("accept", ""))
    return Stream(
        event_stream(broadcaster, filters, resume),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@get("/api/v1/activity", name="api.activity.list")
@in_thread
def api_feed(request: Request[Any, Any, Any], db_session: DbSession) -> dict[str, Any]:
    """Events of the network, newest first. Filters: region, departement (INSEE codes), sector; page, per_page."""
    params = dict(request.query_params)
    vocabulary = services.load_vocabulary(db_session)
    filters = services.parse_filters(vocabulary, params, services.KNOWN_FEED_PARAMS)
    page_number, per_page = parse_page(params)
    result = services.list_events(db_session, filters, page=page_number, per_page=per_page)
    return {
        "items": [services.item_json(item, vocabulary) for item in result.items],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
    }


ROUTES: list[Any] = [feed, stream, api_feed]
