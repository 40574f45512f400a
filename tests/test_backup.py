"""Backups: a round trip through `backup` and `restore` gives back every table, row for row."""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from hub.backup import BackupError, backup, libpq_connection, restore, table_checksums
from hub.db import make_engine


def test_backup_then_restore_gives_back_every_table(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    before = table_checksums(engine)
    assert before["actor"][0] >= 1000
    if engine.dialect.name != "sqlite":
        # A password in the URL goes to pg_dump / pg_restore in a password file (this server trusts local
        # connections, so the password is not checked; that the URL with its password file works is).
        url = engine.url.set(password="pas-dans-la-ligne-de-commande").render_as_string(hide_password=False)
    previous = os.umask(0o022)
    try:
        archive = backup(url, tmp_path / "hub.backup")
    finally:
        os.umask(previous)
    assert archive.stat().st_size > 0
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # readable by its owner only, whatever the umask
    if engine.dialect.name == "sqlite":
        target_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        restore(target_url, archive)
        restored = make_engine(target_url)
    else:
        name = f"hub_restore_{uuid.uuid4().hex[:10]}"
        admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        target_url = engine.url.set(database=name).render_as_string(hide_password=False)
        restore(target_url, archive)
        restored = make_engine(target_url)
    try:
        assert table_checksums(restored) == before
    finally:
        restored.dispose()
        if engine.dialect.name != "sqlite":
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def test_pg_dump_and_pg_restore_get_the_password_in_a_private_file_not_in_their_arguments() -> None:
    with libpq_connection("postgresql+psycopg://hub:s3:cr%40t@db.example.fr:5433/hub?sslmode=verify-full") as conninfo:
        url = make_url(conninfo)
        assert url.password is None and "s3" not in conninfo
        assert (url.drivername, url.host, url.port, url.database) == ("postgresql", "db.example.fr", 5433, "hub")
        passfile = Path(str(url.query["passfile"]))
        assert url.query["sslmode"] == "verify-full"
        assert passfile.read_text() == "*:*:*:*:s3\\:cr@t\n"  # libpq's format, ':' escaped
        assert stat.S_IMODE(passfile.stat().st_mode) == 0o600  # libpq ignores a file others can read
    assert not passfile.exists()
    with libpq_connection("postgresql+psycopg://hub@db.example.fr/hub") as conninfo:
        assert conninfo == "postgresql://hub@db.example.fr/hub"


def test_restoring_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="no backup file"):
        restore(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "absent.backup")
