"""Database backups: SQLite's online backup API, pg_dump / pg_restore for PostgreSQL; and a table-by-table checksum."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, MetaData, select
from sqlalchemy.engine import make_url

import hub.models


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


@contextmanager
def libpq_connection(url: str) -> Iterator[str]:
    """What `pg_dump` and `pg_restore` are given for `url`: a libpq URL without the password (a command's arguments
    are visible to every user of the host); the password, if any, goes in a private password file named by the URL's
    `passfile` parameter, deleted when the command is over."""
    parsed = make_url(url).set(drivername="postgresql")
    if parsed.password is None:
        yield parsed.render_as_string(hide_password=False)
        return
    escaped = str(parsed.password).replace("\\", "\\\\").replace(":", "\\:")
    with tempfile.TemporaryDirectory(prefix="hub-pgpass-") as folder:  # mode 700
        passfile = Path(folder) / "pgpass"
        passfile.touch(mode=0o600)
        passfile.write_text(f"*:*:*:*:{escaped}\n", encoding="utf-8")
        without = parsed._replace(password=None)  # URL.set() leaves a None unchanged
        yield without.update_query_dict({"passfile": str(passfile)}).render_as_string(hide_password=False)


def _private(target: Path) -> None:
    """Create `target` (or make it) readable by its owner only, before anything is written to it: a backup holds
    personal data and password hashes (docs/gdpr-register.md, "Protection levels")."""
    target.touch(mode=0o600, exist_ok=True)
    target.chmod(0o600)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def backup(url: str, target: Path) -> Path:
    """Write a consistent copy of the database at `url` to `target` while the hub keeps running."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _private(target)
    if url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(url))
        try:
            destination = sqlite3.connect(target)
            with destination:
                source.backup(
                    destination
                )  # SQLite's online backup: a consistent snapshot, writers are not blocked for long
            destination.close()
        finally:
            source.close()
        return target
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian package postgresql-client)")
    with libpq_connection(url) as conninfo:
        result = subprocess.run(  # noqa: S603 - fixed arguments built here; the URL comes from the settings
            [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", conninfo],
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    return target


def restore(url: str, source: Path) -> None:
    """Replace the database at `url` with the backup in `source` (the hub must be stopped)."""
    if not source.exists():
        raise BackupError(f"no backup file at {source}")
    if url.startswith("sqlite"):
        destination = _sqlite_path(url)
        backup_db = sqlite3.connect(source)
        try:
            target = sqlite3.connect(destination)
            with target:
                backup_db.backup(target)
            target.close()
        finally:
            backup_db.close()
        return
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise BackupError("pg_restore is not installed (Debian package postgresql-client)")
    with libpq_connection(url) as conninfo:
        result = subprocess.run(  # noqa: S603 - fixed arguments built here; the URL comes from the settings
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                f"--dbname={conninfo}",
                str(source),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")


def table_checksums(engine: Engine) -> dict[str, tuple[int, str]]:
    """Per table of the hub: (row count, SHA-256 of its rows in primary-key order) — to compare two databases."""
    metadata: MetaData = hub.models.metadata
    result: dict[str, tuple[int, str]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            digest = hashlib.sha256()
            count = 0
            order = list(table.primary_key.columns) or list(table.columns)
            for row in connection.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(_normalise(v) for v in row)).encode())
                count += 1
            result[table.name] = (count, digest.hexdigest())
    return result


def _normalise(value: object) -> object:
    # Timestamps read back from SQLite and PostgreSQL differ in type details, not in the instant.
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
