"""The live feed: one poller per process and database reads new events by id and fans them out to open streams.

Nothing lives only in memory: the event table is the source of truth, so every worker process (and every
reconnecting browser, with `Last-Event-ID`) sees the same events. Each process runs one query per tick whatever
the number of connected browsers; each stream only filters what the poller found.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import anyio.to_thread
from sqlalchemy.engine import Connection

from hub.activity.cursor import Cursor
from hub.activity.services import (
    FeedFilters,
    FeedItem,
    Vocabulary,
    events_after,
    item_data,
    latest_event_id,
    load_vocabulary,
)
from hub.db import Database

log = logging.getLogger("hub.activity")
T = TypeVar("T")

POLL_SECONDS = 0.25
KEEPALIVE_SECONDS = 15.0
RETRY_MILLISECONDS = 3000
BACKLOG_LIMIT = 200
BATCH_LIMIT = 500
QUEUE_SIZE = 1000
VOCABULARY_SECONDS = 300.0


@dataclass(eq=False)
class Subscriber:
    """One open stream: its filters, where it joined the poller, and the events waiting to be sent."""

    filters: FeedFilters
    start_id: int
    queue: asyncio.Queue[tuple[int, str] | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))


class Broadcaster:
    """The poller of one database in one process (and one event loop), and the streams it feeds."""

    def __init__(self, database: Database, *, poll_seconds: float = POLL_SECONDS) -> None:
        """Nothing runs before the first stream subscribes."""
        self.database = database
        self.poll_seconds = poll_seconds
        self.loop = asyncio.get_running_loop()
        self.subscribers: set[Subscriber] = set()
        self.cursor: Cursor | None = None
        self.polls = 0
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._vocabulary: Vocabulary | None = None
        self._vocabulary_at = 0.0

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """Run database work off the event loop; on a single shared connection (tests) run it in place,
        since one connection must never be used from two threads at once."""
        call = functools.partial(self._in_session, work, *args)
        if isinstance(self.database.bind, Connection):
            return call()
        return await anyio.to_thread.run_sync(call)

    def _in_session(self, work: Callable[..., T], *args: object) -> T:
        with self.database.session() as session:
            return work(session, *args)

    async def vocabulary(self) -> Vocabulary:
        """Territory names and sector labels, re-read every few minutes."""
        if self._vocabulary is None or time.monotonic() - self._vocabulary_at > VOCABULARY_SECONDS:
            self._vocabulary = await self.run(load_vocabulary)
            self._vocabulary_at = time.monotonic()
        return self._vocabulary

    async def subscribe(self, filters: FeedFilters) -> Subscriber:
        """Register a stream; events committed after this call reach its queue."""
        async with self._lock:
            if self.cursor is None or self._task is None or self._task.done():
                self.cursor = Cursor(last_id=await self.run(latest_event_id))
                self._task = asyncio.create_task(self._poll_forever(), name="activity-poller")
            subscriber = Subscriber(filters=filters, start_id=self.cursor.last_id)
            self.subscribers.add(subscriber)
            return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Forget a closed stream; the poller stops with the last one."""
        self.subscribers.discard(subscriber)

    async def backlog(self, filters: FeedFilters, after_id: int, up_to: int) -> list[FeedItem]:
        """Events a reconnecting browser missed: above its last id, up to where it joined the poller."""
        return await self.run(
            functools.partial(events_after, after_id=after_id, limit=BACKLOG_LIMIT, up_to=up_to, filters=filters)
        )

    async def _poll_forever(self) -> None:
        while self.subscribers:
            try:
                await self.poll_once()
            except Exception:
                log.exception("activity poll failed; retrying")
            await asyncio.sleep(self.poll_seconds)
        self.cursor = None

    async def poll_once(self) -> None:
        """One tick: read what is new (one query), then hand each event to the streams that want it."""
        cursor = self.cursor
        assert cursor is not None
        items = await self.run(
            functools.partial(events_after, after_id=cursor.last_id, also=tuple(cursor.gaps), limit=BATCH_LIMIT)
        )
        self.polls += 1
        fresh = set(cursor.advance((item.id for item in items), time.monotonic()))
        items = [item for item in items if item.id in fresh]
        if not items:
            return
        vocabulary = await self.vocabulary()
        for item in items:
            data = item_data(item, vocabulary)
            for subscriber in list(self.subscribers):
                if item.matches(subscriber.filters):
                    try:
                        subscriber.queue.put_nowait((item.id, data))
                    except asyncio.QueueFull:
                        # a stalled reader is cut off; its browser reconnects with Last-Event-ID and catches up
                        self.subscribers.discard(subscriber)
                        subscriber.queue.get_nowait()
                        subscriber.queue.put_nowait(None)


_BROADCASTERS: weakref.WeakKeyDictionary[Database, Broadcaster] = weakref.WeakKeyDictionary()


def broadcaster_for(database: Database) -> Broadcaster:
    """The broadcaster of this database in the running event loop (created on first use)."""
    found = _BROADCASTERS.get(database)
    if found is None or found.loop is not asyncio.get_running_loop():
        found = _BROADCASTERS[database] = Broadcaster(database)
    return found


def message(event_id: int, data: str) -> bytes:
    """One SSE message: the event's id (the browser's Last-Event-ID on reconnection) and its JSON (one line)."""
    return f"id: {event_id}\ndata: {data}\n\n".encode()


def comment(text: str, *, retry_milliseconds: int | None = None) -> bytes:
    """An SSE comment, which browsers ignore (a keep-alive), optionally with the reconnection delay.

    Written by hand: Litestar's ServerSentEventMessage adds an empty `data:` line, which browsers dispatch
    as an empty message."""
    retry = f"retry: {retry_milliseconds}\n" if retry_milliseconds is not None else ""
    return f": {text}\n{retry}\n".encode()


async def event_stream(
    broadcaster: Broadcaster,
    filters: FeedFilters,
    last_event_id: int | None,
    *,
    keepalive_seconds: float = KEEPALIVE_SECONDS,
) -> AsyncIterator[bytes]:
    """The messages of one stream: a retry hint, what was missed since `last_event_id`, then live events,
    with a keep-alive comment whenever nothing was sent for `keepalive_seconds`."""
    subscriber = await broadcaster.subscribe(filters)
    try:
        yield comment("flux d’activité du lab e-santé", retry_milliseconds=RETRY_MILLISECONDS)
        if last_event_id is not None and last_event_id < subscriber.start_id:
            missed = await broadcaster.backlog(filters, last_event_id, subscriber.start_id)
            vocabulary = await broadcaster.vocabulary() if missed else None
            for item in missed:
                assert vocabulary is not None
                yield message(item.id, item_data(item, vocabulary))
        while True:
            try:
                queued = await asyncio.wait_for(subscriber.queue.get(), keepalive_seconds)
            except TimeoutError:
                yield comment("keep-alive")
                continue
            if queued is None:
                return
            event_id, data = queued
            if last_event_id is not None and event_id <= last_event_id:
                continue  # the browser has it already (a late commit seen below its Last-Event-ID)
            yield message(event_id, data)
    finally:
        broadcaster.unsubscribe(subscriber)
