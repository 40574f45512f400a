"""A database holding the seed multiplied by a factor, for benchmarks "with the seed data multiplied by 10".

Usage from a benchmark::

    from bench.scale import build_scaled_database, scaled_database

    # An existing (empty or seeded) database, given by URL: migrated, seeded, then cloned in place.
    report = build_scaled_database("sqlite:///var/hub-x10.sqlite3", factor=10)
    print(report.actors, report.projects)          # 19,380 actors and 13,620 projects for the seed x 10

    # Or a throw-away database, dropped afterwards (SQLite file in a temporary folder, or a fresh
    # PostgreSQL database created from an admin URL):
    with scaled_database(factor=10, postgres_admin_url=None) as url:
        os.environ["HUB_DATABASE_URL"] = url       # then create_app(Settings()) and measure

Command line::

    .venv/bin/python -m bench.scale --url sqlite:///var/hub-x10.sqlite3 --factor 10
    .venv/bin/python -m bench.scale --url postgresql+psycopg://postgres@127.0.0.1:5432/hub_x10 --factor 10

What it does: migrates the database to head (`hub.migrate.upgrade`), loads the seed if missing
(`seed.load.load_all`), then adds `factor - 1` clones of every seeded actor and project in bulk
inserts (one transaction). Copy k of a record has the id `id + k * stride`, the slug `<slug>-x<k>`,
the source reference `<ref>#x<k>`, the name or title suffixed with " (copie k)", and fresh,
distinct SIREN/SIRET/FINESS/RNA/RNSR/ROR identifiers of the same shape when the original had one.
Clones keep the original's territory, sectors, phases, needs, kind and flags, so they are spread
over territories and sectors exactly like the seed; links (actor sectors and phases, project
sectors, needs and partners, carrier, successor) are cloned within the same copy. PostgreSQL
sequences are moved past the new ids. Accounts, memberships and the search index are not cloned
(run `hub search reindex` if a benchmark needs search). Running it again on a database already
scaled by the same factor changes nothing; another factor is refused.
About 10 s for the seed x 10 on SQLite.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text
from sqlalchemy.engine import make_url

from hub.db import Database, make_engine
from hub.directory.models import Actor, ActorPhaseLink, ActorSector
from hub.migrate import upgrade
from hub.projects.models import Project, ProjectNeedLink, ProjectPartner, ProjectSector
from seed.load import load_all

_BATCH = 2000
_MARK = "#x"  # in source_ref: "<ref>#x<k>" marks copy k


@dataclass(frozen=True, slots=True)
class ScaleReport:
    """What the scaled database holds, and how long building it took."""

    factor: int
    actors: int
    projects: int
    seconds: float


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _luhn_digit(digits: str) -> str:
    """The check digit that makes `digits + check` pass the Luhn test (SIREN, SIRET)."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def _identifiers(serial: int, original: dict[str, Any]) -> dict[str, Any]:
    """Distinct identifiers of the same shape for clone number `serial` (only those the original has)."""
    out: dict[str, Any] = {}
    siren = "9" + f"{serial:07d}"
    siren += _luhn_digit(siren)
    if original.get("siren"):
        out["siren"] = siren
    if original.get("siret"):
        base = (out.get("siren") or siren) + "0001"
        out["siret"] = base + _luhn_digit(base)
    if original.get("finess"):
        out["finess"] = "99" + f"{serial:07d}"
    if original.get("rna"):
        out["rna"] = "W9" + f"{serial:08d}"
    if original.get("rnsr"):
        out["rnsr"] = "299" + f"{serial:06d}X"
    if original.get("ror"):
        out["ror"] = "0z" + f"{serial:07d}"
    return out


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[:limit]


def _insert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _BATCH):
        connection.execute(insert(table), list(rows[start : start + _BATCH]))


def _rows(connection: Connection, table: Table, *, where: Any = None) -> list[dict[str, Any]]:
    statement = select(table)
    if where is not None:
        statement = statement.where(where)
    return [dict(row) for row in connection.execute(statement).mappings()]


def _clone(connection: Connection, factor: int) -> None:
    actor_t, project_t = _table(Actor), _table(Project)
    actors = _rows(connection, actor_t)
    projects = _rows(connection, project_t)
    actor_stride = (max((a["id"] for a in actors), default=0) // 1000 + 1) * 1000
    project_stride = (max((p["id"] for p in projects), default=0) // 1000 + 1) * 1000
    actor_links = {m: _rows(connection, _table(m)) for m in (ActorSector, ActorPhaseLink)}
    project_links = {m: _rows(connection, _table(m)) for m in (ProjectSector, ProjectNeedLink, ProjectPartner)}

    serial = 0
    for k in range(1, factor):
        suffix = f" (copie {k})"
        new_actors = []
        for a in actors:
            serial += 1
            clone = dict(a)
            clone |= {
                "id": a["id"] + k * actor_stride,
                "slug": _clip(a["slug"], 110) + f"-x{k}",
                "name": _clip(a["name"], 200 - len(suffix)) + suffix,
                "source_ref": _clip(a["source_ref"] or f"id{a['id']}", 56) + f"{_MARK}{k}",
                "is_claimed": False,
            }
            for column in ("siren", "siret", "finess", "rna", "rnsr", "ror"):
                clone[column] = None
            clone |= _identifiers(serial, a)
            new_actors.append(clone)
        _insert(connection, actor_t, new_actors)
        for model, links in actor_links.items():
            _insert(
                connection, _table(model), [link | {"actor_id": link["actor_id"] + k * actor_stride} for link in links]
            )

        new_projects = []
        for p in projects:
            clone = dict(p)
            clone |= {
                "id": p["id"] + k * project_stride,
                "slug": _clip(p["slug"], 110) + f"-x{k}",
                "title": _clip(p["title"], 200 - len(suffix)) + suffix,
                "source_ref": _clip(p["source_ref"] or f"id{p['id']}", 56) + f"{_MARK}{k}",
                "carrier_id": p["carrier_id"] + k * actor_stride if p["carrier_id"] else None,
                # Successors point inside the same copy; inserted without it first, set below.
                "successor_id": None,
                "created_by_id": None,
            }
            new_projects.append(clone)
        _insert(connection, project_t, new_projects)
        for p in projects:
            if p["successor_id"]:
                connection.execute(
                    project_t.update()
                    .where(project_t.c.id == p["id"] + k * project_stride)
                    .values(successor_id=p["successor_id"] + k * project_stride)
                )
        for project_model, links in project_links.items():
            rows = []
            for link in links:
                row = link | {"project_id": link["project_id"] + k * project_stride}
                if "actor_id" in row:
                    row["actor_id"] = link["actor_id"] + k * actor_stride
                rows.append(row)
            _insert(connection, _table(project_model), rows)

    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT setval(pg_get_serial_sequence('actor', 'id'), (SELECT max(id) FROM actor))"))
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence('project', 'id'), (SELECT max(id) FROM project))")
        )


def _copies(connection: Connection) -> int:
    """How many copies the database holds (1 = the seed alone), from the highest clone mark."""
    refs = connection.execute(
        select(_table(Actor).c.source_ref).where(_table(Actor).c.source_ref.like(f"%{_MARK}%"))
    ).scalars()
    highest = max((int(ref.rsplit(_MARK, 1)[1]) for ref in refs if ref.rsplit(_MARK, 1)[1].isdigit()), default=0)
    return highest + 1


def build_scaled_database(url: str, factor: int = 10) -> ScaleReport:
    """Migrate the database at `url`, load the seed if missing, and clone it to `factor` times its size."""
    if factor < 1:
        raise ValueError("factor must be at least 1")
    started = time.perf_counter()
    engine = make_engine(url)
    try:
        upgrade(engine)
        with Database(engine).transaction() as session:
            load_all(session)
        with engine.begin() as connection:
            copies = _copies(connection)
            if copies not in (1, factor):
                raise ValueError(f"this database is already scaled by {copies}, not {factor}")
            if copies == 1 and factor > 1:
                _clone(connection, factor)
        with engine.connect() as connection:
            actors = connection.execute(select(func.count()).select_from(_table(Actor))).scalar_one()
            projects = connection.execute(select(func.count()).select_from(_table(Project))).scalar_one()
    finally:
        engine.dispose()
    return ScaleReport(factor, int(actors), int(projects), time.perf_counter() - started)


@contextmanager
def scaled_database(factor: int = 10, postgres_admin_url: str | None = None) -> Iterator[str]:
    """A throw-away scaled database: yields its URL, drops it afterwards."""
    if not postgres_admin_url:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'hub-scaled.sqlite3'}"
            build_scaled_database(url, factor)
            yield url
        return
    name = f"hub_scaled_{uuid.uuid4().hex[:8]}"
    admin = make_engine(postgres_admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        build_scaled_database(url, factor)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description="Build the seed x N database.")
    parser.add_argument(
        "--url", default=os.environ.get("HUB_DATABASE_URL", ""), help="database URL (created if SQLite)"
    )
    parser.add_argument("--factor", type=int, default=10)
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("--url is required (or HUB_DATABASE_URL)")
    report = build_scaled_database(args.url, args.factor)
    print(
        f"Seed x {report.factor}: {report.actors} actors, {report.projects} projects in {report.seconds:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
