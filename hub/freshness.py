"""Catalogue version and the per-process cache of public list responses keyed by it.

Every write to a table listed in `CATALOGUE_TABLES` bumps one counter row, `data_version`
('catalogue'), in the same transaction, through database triggers (migration c81d5e0f2a47), so
writes from any worker process, the CLI, a bulk import or plain SQL all count. A response cached
under version v is only served while the committed version is still v:

- the version is read before the data, so an entry computed from data older than a commit is
  stored under a version that this commit has already made obsolete;
- on PostgreSQL the bump is a deferred constraint trigger, run once per transaction at commit,
  after every other lock the transaction takes: the counter row is held for an instant and
  cannot take part in a lock-order deadlock; on SQLite writers are serialised anyway.

Entries also expire after `max_age_seconds` (a safety net, not the freshness mechanism), and the
cache holds at most `max_entries` responses per process (least recently used dropped first).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import psycopg
from litestar import Request, Response
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec
from litestar.serialization import encode_json
from sqlalchemy import BigInteger, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Field, Session, SQLModel

from hub.db import Database
from hub.web import FLASH_COOKIE, page, provide_viewer, session_token

CATALOGUE = "catalogue"
VERSION_QUERY = "SELECT value FROM data_version WHERE scope = 'catalogue'"
# Tables whose rows the public actor and project lists show or filter on.
CATALOGUE_TABLES = (
    "actor",
    "actor_sector",
    "actor_phase",
    "project",
    "project_sector",
    "project_need",
    "project_partner",
    "sector",
    "territory",
)


class DataVersion(SQLModel, table=True):
    """A counter bumped by database triggers on every committed write to a group of tables."""

    __tablename__ = "data_version"

    scope: str = Field(primary_key=True, max_length=40)
    value: int = Field(default=0, sa_type=BigInteger)


def catalogue_version(session: Session) -> int:
    """The committed catalogue version (one indexed read; call it before reading the data)."""
    row = session.connection().exec_driver_sql(VERSION_QUERY).first()
    return int(row[0]) if row is not None else -1


def lock_catalogue(session: Session) -> None:
    """Take the catalogue counter row now, before locking catalogue rows (SELECT ... FOR UPDATE) to write them.

    PostgreSQL: a writer takes the counter row at its first catalogue write; one that locked a project first
    could wait for the counter while its holder waits for that project. Taking the counter first keeps one
    lock order. SQLite serialises writers anyway: nothing to do.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("UPDATE data_version SET value = value + 1 WHERE scope = 'catalogue'")


@dataclass(frozen=True, slots=True)
class CachedBody:
    """A serialised response body with its entity tag."""

    body: bytes
    etag: str


class VersionedCache:
    """Responses keyed by (version, key); an entry under another version is never returned."""

    def __init__(self, *, max_entries: int = 256, max_age_seconds: float = 300.0) -> None:
        self.max_entries = max_entries
        self.max_age_seconds = max_age_seconds
        self._entries: OrderedDict[tuple[int, str], tuple[float, CachedBody]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, version: int, key: str) -> CachedBody | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get((version, key))
            if entry is None or now - entry[0] > self.max_age_seconds:
                self.misses += 1
                return None
            self._entries.move_to_end((version, key))
            self.hits += 1
            return entry[1]

    def put(self, version: int, key: str, body: bytes) -> CachedBody:
        cached = CachedBody(body=body, etag=f'"c{version}-{hashlib.blake2b(body, digest_size=8).hexdigest()}"')
        with self._lock:
            stale = [k for k in self._entries if k[0] < version]
            for k in stale:
                del self._entries[k]
            self._entries[(version, key)] = (time.monotonic(), cached)
            self._entries.move_to_end((version, key))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return cached

    def __len__(self) -> int:
        return len(self._entries)


LIST_RESPONSES = {
    200: ResponseSpec(
        data_container=dict[str, Any], description="Une page de la liste (items, total, page, per_page, pages)."
    ),
    304: ResponseSpec(
        data_container=None, description="Rien n’a changé depuis la version indiquée dans If-None-Match."
    ),
}


def cache_key(name: str, params: Mapping[str, str]) -> str:
    """A canonical key for one list request: its name and its query parameters in sorted order."""
    return name + "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))


class CatalogueClock:
    """Reads the committed catalogue version from the event loop: no worker thread, no ORM session.

    SQLite (a file): one plain sqlite3 connection per worker, read in WAL mode (readers never wait for
    writers). PostgreSQL: one psycopg asynchronous connection per worker in autocommit. A database that
    does not answer raises SQLAlchemy's OperationalError, which the hub turns into a 503 with Retry-After;
    the connection is opened again on the next request. A database bound to one connection (the tests'
    rolled-back transaction) is read through a session in a worker thread, so that uncommitted test
    writes are seen.
    """

    QUERY = VERSION_QUERY

    def __init__(self, database: Database, *, timeout_seconds: float = 5.0) -> None:
        self.database = database
        self.timeout_seconds = timeout_seconds
        self._sqlite: sqlite3.Connection | None = None
        self._postgres: Any = None
        bind = database.bind
        self._mode = "session"
        if isinstance(bind, Engine):
            if bind.dialect.name == "postgresql":
                self._mode = "postgresql"
                self._conninfo = bind.url.set(drivername="postgresql").render_as_string(hide_password=False)
            elif bind.dialect.name == "sqlite" and bind.url.database not in (None, "", ":memory:"):
                self._mode = "sqlite"
                self._path = str(bind.url.database)

    async def version(self) -> int:
        """The committed catalogue version, -1 when the counter row is missing."""
        try:
            if self._mode == "sqlite":
                return self._sqlite_version()
            if self._mode == "postgresql":
                return await asyncio.wait_for(self._postgres_version(), self.timeout_seconds)
        except (sqlite3.Error, OSError, TimeoutError, psycopg.Error) as exc:
            await self.close()
            raise OperationalError(self.QUERY, None, exc) from exc
        return await anyio.to_thread.run_sync(self._session_version)

    def _sqlite_version(self) -> int:
        if self._sqlite is None:
            self._sqlite = sqlite3.connect(self._path, timeout=self.timeout_seconds, check_same_thread=False)
        row = self._sqlite.execute(self.QUERY).fetchone()
        return int(row[0]) if row is not None else -1

    async def _postgres_version(self) -> int:
        if self._postgres is None:
            self._postgres = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        cursor = await self._postgres.execute(self.QUERY)
        row = await cursor.fetchone()
        return int(row[0]) if row is not None else -1

    def _session_version(self) -> int:
        with self.database.session() as session:
            return catalogue_version(session)

    async def close(self) -> None:
        """Close the connection (it is opened again when needed)."""
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._postgres is not None:
            postgres, self._postgres = self._postgres, None
            with contextlib.suppress(psycopg.Error, OSError):
                await postgres.close()


async def cached_list(
    request: Request[Any, Any, Any],
    name: str,
    params: Mapping[str, str],
    compute: Callable[[Session, Mapping[str, str]], Any],
) -> Response[Any]:
    """The JSON list `compute(session, params)`, kept per worker while the catalogue has not changed.

    The version is read first, then, on a miss, the data in a worker thread: an entry can only be stored
    under a version at least as old as its data. Answers 304 when the client holds this version (ETag).
    """
    state = request.app.state
    version = await state.catalogue_clock.version()
    key = cache_key(name, params)
    cache: VersionedCache = state.list_cache
    cached = cache.get(version, key)
    if cached is None:
        database: Database = state.database

        def run() -> bytes:
            with database.session() as session:
                return encode_json(compute(session, params))

        cached = cache.put(version, key, await anyio.to_thread.run_sync(run))
    return _respond(request, cached, MediaType.JSON)


async def cached_page(
    request: Request[Any, Any, Any],
    template: str,
    name: str,
    params: Mapping[str, str],
    context: Callable[[Session, Mapping[str, str]], dict[str, Any]],
) -> Response[Any]:
    """A public list page: for anonymous visitors, the HTML kept per worker while the catalogue has not changed.

    Signed-in visitors (their name in the menu) and visitors with a message to show get a page rendered
    for them. The cached HTML is rendered without any CSRF token: a template that asks for one on this
    page fails loudly (StrictUndefined) instead of caching a token.
    """
    state = request.app.state
    database: Database = state.database
    if session_token(request) or request.cookies.get(FLASH_COOKIE):

        def personal() -> Response[Any]:
            with database.session() as session:
                viewer = provide_viewer(request, session)
                return page(request, template, viewer, **context(session, params))

        return await anyio.to_thread.run_sync(personal)
    version = await state.catalogue_clock.version()
    key = cache_key(name, params)
    cache: VersionedCache = state.list_cache
    cached = cache.get(version, key)
    if cached is None:
        engine = request.app.template_engine
        assert engine is not None, "the hub is built with a template engine"

        def render() -> bytes:
            with database.session() as session:
                values = context(session, params)
            html: str = engine.get_template(template).render(
                viewer=None, flash=None, path=request.url.path, request=request, **values
            )
            return html.encode()

        cached = cache.put(version, key, await anyio.to_thread.run_sync(render))
    return _respond(request, cached, MediaType.HTML)


def _respond(request: Request[Any, Any, Any], cached: CachedBody, media_type: MediaType) -> Response[Any]:
    """The cached body with its ETag, or 304 when the client already holds this version."""
    headers = {"ETag": cached.etag, "Cache-Control": "no-cache"}
    if cached.etag in request.headers.get("if-none-match", ""):
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=cached.body, media_type=media_type, headers=headers)
