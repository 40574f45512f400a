"""The feed page, its filters and API, and the live stream (read through the real ASGI app, bounded)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.activity.models import ActivityEvent
from hub.activity.services import FeedFilters
from hub.activity.stream import broadcaster_for, event_stream
from hub.db import Database
from tests.factories import make_actor, make_project, make_viewer


def publish(database: Database, *projects: dict[str, Any]) -> list[int]:
    """Create projects (one commit each, as separate requests would); the ids of the events they made."""
    ids = []
    with database.session() as session:
        viewer = make_viewer(session, "auteur@example.fr")
        session.commit()
        for values in projects:
            make_project(session, viewer, phase="idea", **values)
            session.commit()
            ids.append(int(session.exec(select(ActivityEvent.id).order_by(col(ActivityEvent.id).desc())).first() or 0))
    return ids


def titles(html: str) -> list[str]:
    """The titles of the events listed on the feed page, in order."""
    return [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r'<h2 class="fr-h6 fr-mb-1v">(.*?)</h2>', html)]


def test_feed_lists_events_newest_first_with_links(client: TestClient[Litestar], database: Database) -> None:
    publish(database, {"title": "Premier projet", "departement": "33"}, {"title": "Second projet"})
    response = client.get("/activite")
    assert response.status_code == 200
    assert titles(response.text) == ["Nouveau projet : Second projet", "Nouveau projet : Premier projet"]
    assert "Gironde" in response.text
    assert 'href="/projets/premier-projet"' in response.text
    assert 'src="/static/hub/activity.js"' in response.text
    assert 'aria-live="polite"' in response.text


def test_feed_filters_by_territory_and_sector(client: TestClient[Litestar], database: Database) -> None:
    publish(
        database,
        {"title": "Cardio girondin", "departement": "33", "sectors": ["cardio"]},
        {"title": "Diabète landais", "departement": "40", "sectors": ["diabete"]},
        {"title": "Cardio breton", "departement": "29", "sectors": ["cardio"]},
    )
    assert titles(client.get("/activite?departement=33").text) == ["Nouveau projet : Cardio girondin"]
    assert titles(client.get("/activite?region=75").text) == [
        "Nouveau projet : Diabète landais",
        "Nouveau projet : Cardio girondin",
    ]
    assert titles(client.get("/activite?sector=cardio").text) == [
        "Nouveau projet : Cardio breton",
        "Nouveau projet : Cardio girondin",
    ]
    assert titles(client.get("/activite?sector=cardio&region=53").text) == ["Nouveau projet : Cardio breton"]
    page = client.get("/activite?sector=audition")
    assert titles(page.text) == [] and "Rien ne s’est encore passé pour ces filtres" in page.text


def test_feed_paginates_without_javascript(client: TestClient[Litestar], database: Database) -> None:
    publish(database, *({"title": f"Projet numéro {n}"} for n in range(3)))
    first = client.get("/activite?per_page=2")
    assert titles(first.text) == ["Nouveau projet : Projet numéro 2", "Nouveau projet : Projet numéro 1"]
    assert 'href="?per_page=2&amp;page=2"' in first.text
    second = client.get("/activite?per_page=2&page=2")
    assert titles(second.text) == ["Nouveau projet : Projet numéro 0"]
    assert "data-stream" not in second.text  # only the first page grows live
    assert client.get("/activite?per_page=2&page=3").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["region=99", "departement=999", "sector=astrologie", "secteur=cardio", "page=zero", "per_page=1000"],
)
def test_unknown_filters_are_refused(client: TestClient[Litestar], query: str) -> None:
    assert client.get(f"/activite?{query}").status_code == 400
    problem = client.get(f"/api/v1/activity?{query}")
    assert problem.status_code == 400
    assert problem.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("query", "headers"),
    [("region=99", {}), ("after=abc", {}), ("page=2", {}), ("", {"Last-Event-ID": "-3"})],
)
def test_stream_refuses_unknown_filters(client: TestClient[Litestar], query: str, headers: dict[str, str]) -> None:
    assert client.get(f"/activite/flux?{query}", headers=headers).status_code == 400


def test_stream_is_only_for_event_stream_readers(client: TestClient[Litestar]) -> None:
    # a stream never ends: a page or a plain fetch waiting for the end of the response is told where to go instead
    response = client.get("/activite/flux", headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert "ouvrez /activite" in response.text


def test_api_lists_events_with_names(client: TestClient[Litestar], database: Database) -> None:
    publish(database, {"title": "Projet girondin", "departement": "33", "sectors": ["cardio"]})
    body = client.get("/api/v1/activity?sector=cardio").json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["kind"] == "project_created" and item["kind_label"] == "Nouveau projet"
    assert item["departement"] == {"code": "33", "name": "Gironde"}
    assert item["region"]["code"] == "75"
    assert item["sectors"] == [{"code": "cardio", "label": item["sectors"][0]["label"]}]


# -- the live stream, through the real ASGI application ------------------------------------------------------------


async def read_stream(
    app: Litestar,
    query: str = "",
    headers: dict[str, str] | None = None,
    *,
    want: int,
    when_open: Callable[[], None] | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], list[dict[str, str]]]:
    """Open /activite/flux, call `when_open` once the stream started, read until `want` data messages, hang up."""
    hang_up = asyncio.Event()
    requested = False
    start: dict[str, Any] = {}
    buffer = ""
    messages: list[dict[str, str]] = []

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await hang_up.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal buffer
        if message["type"] == "http.response.start":
            start.update(message)
            return
        buffer += message.get("body", b"").decode()
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            fields: dict[str, str] = {}
            for line in block.split("\n"):
                name, _, value = line.partition(": ")
                fields[name] = fields.get(name, "") + value
            if not messages and when_open is not None and "data" not in fields:
                when_open()
            messages.append(fields)
            if sum("data" in m for m in messages) >= want or not message.get("more_body", False):
                hang_up.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "server": ("testserver.local", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": "/activite/flux",
        "raw_path": b"/activite/flux",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver.local"), (b"accept", b"text/event-stream")]
        + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    await asyncio.wait_for(app(scope, receive, send), timeout)  # type: ignore[arg-type]
    response_headers = {k.decode(): v.decode() for k, v in start.get("headers", [])}
    return int(start["status"]), response_headers, messages


def data_of(messages: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The JSON of the data messages, with their SSE id."""
    return [json.loads(m["data"]) | {"sse_id": m["id"]} for m in messages if "data" in m]


def test_stream_sends_new_events_matching_its_filters(app: Litestar, database: Database) -> None:
    def create() -> None:
        publish(
            database,
            {"title": "Hors filtre landais", "departement": "40", "sectors": ["cardio"]},
            {"title": "Dans le filtre girondin", "departement": "33", "sectors": ["cardio"]},
        )

    status, headers, messages = asyncio.run(read_stream(app, "departement=33", want=1, when_open=create))
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    assert headers["cache-control"] == "no-cache"
    assert messages[0].get("retry") == "3000"  # the first message tells browsers how soon to reconnect
    received = data_of(messages)
    assert [m["title"] for m in received] == ["Nouveau projet : Dans le filtre girondin"]
    assert received[0]["sse_id"] == str(received[0]["id"])


def test_stream_resumes_after_last_event_id(app: Litestar, database: Database) -> None:
    first, second, third = publish(
        database, {"title": "Projet un"}, {"title": "Projet deux"}, {"title": "Projet trois"}
    )
    _, _, messages = asyncio.run(read_stream(app, headers={"Last-Event-ID": str(first)}, want=2))
    assert [(m["id"], m["title"]) for m in data_of(messages)] == [
        (second, "Nouveau projet : Projet deux"),
        (third, "Nouveau projet : Projet trois"),
    ]
    # the header wins over `after` (the page's starting point): a browser reconnecting knows better
    _, _, messages = asyncio.run(read_stream(app, f"after={first}", {"Last-Event-ID": str(second)}, want=1))
    assert [m["id"] for m in data_of(messages)] == [third]
    _, _, messages = asyncio.run(read_stream(app, f"after={second}", want=1))
    assert [m["id"] for m in data_of(messages)] == [third]


def test_stream_sends_keep_alive_comments(database: Database) -> None:
    async def first_messages() -> list[Any]:
        stream = event_stream(broadcaster_for(database), FeedFilters(), None, keepalive_seconds=0.05)
        try:
            return [await anext(stream), await anext(stream)]
        finally:
            await stream.aclose()

    hello, keep_alive = asyncio.run(first_messages())
    assert hello == ": flux d’activité du lab e-santé\nretry: 3000\n\n".encode()
    assert keep_alive == b": keep-alive\n\n"  # a comment only: no empty `data:` line, which browsers would dispatch


def test_one_poll_serves_every_stream(database: Database) -> None:
    """However many browsers listen, the process reads the table once per tick (no query per client)."""

    async def scenario() -> tuple[int, list[int]]:
        broadcaster = broadcaster_for(database)
        streams = [event_stream(broadcaster, FeedFilters(), None, keepalive_seconds=30) for _ in range(20)]
        for stream in streams:
            await anext(stream)  # subscribed
        polls_before = broadcaster.polls
        await asyncio.sleep(0)
        make_actor_in(database)
        received = [await asyncio.wait_for(anext(stream), 5) for stream in streams]
        polls = broadcaster.polls - polls_before
        for stream in streams:
            await stream.aclose()
        return polls, [int(m.split(b"\n")[0].removeprefix(b"id: ")) for m in received]

    polls, ids = asyncio.run(scenario())
    assert len(set(ids)) == 1 and len(ids) == 20
    assert polls <= 3  # a tick or two while the event was committed, not twenty


def make_actor_in(database: Database) -> None:
    """Commit a new actor (an event) from the event loop's thread (the test connection is not shared with threads)."""
    with database.session() as session:
        make_actor(session, make_viewer(session, "vivant@example.fr"), name="Acteur en direct")
        session.commit()


def test_an_open_stream_does_not_count_as_a_request_being_worked_out(app: Litestar, database: Database) -> None:
    # otherwise one open feed would keep the worker "busy" for ever, and its idle-time work would never run
    seen: list[int] = []

    def create() -> None:
        seen.append(app.state.metrics.in_flight)
        publish(database, {"title": "Projet pendant le flux"})

    asyncio.run(read_stream(app, want=1, when_open=create))
    assert seen == [0]
    assert app.state.metrics.in_flight == 0
