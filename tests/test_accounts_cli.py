"""`hub accounts grant|revoke`: the roles no page gives (the first administrator, decision-makers), on both databases."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from hub.accounts.models import Account, AccountRole, Role
from hub.changelog.models import ChangeLogEntry
from hub.cli import main
from hub.db import Database
from hub.migrate import upgrade
from tests.factories import make_account


def _roles(database: Database, email: str) -> list[str]:
    with database.session() as session:
        account = session.exec(select(Account).where(col(Account.email) == email)).one()
        return sorted(session.exec(select(AccountRole.role).where(col(AccountRole.account_id) == account.id)).all())


def _changes(database: Database) -> list[tuple[str, dict[str, list[list[str]]], str]]:
    with database.session() as session:
        entries = session.exec(
            select(ChangeLogEntry).where(col(ChangeLogEntry.object_type) == "account").order_by(col(ChangeLogEntry.id))
        ).all()
        return [(e.action, e.changes, e.note) for e in entries]


def test_the_first_administrator_is_granted_from_the_command_line_and_the_last_one_is_never_revoked(
    empty_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    upgrade(empty_engine)
    database = Database(empty_engine)
    with database.session() as session:
        make_account(session, "premiere@example.fr")
        make_account(session, "second@example.fr")
        session.commit()
    monkeypatch.setenv("HUB_DATABASE_URL", empty_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))

    assert main(["accounts", "grant", "personne@example.fr", "admin"]) == 2
    assert "No account with the e-mail address personne@example.fr" in capsys.readouterr().out

    with caplog.at_level(logging.INFO, logger="hub.security"):
        assert main(["accounts", "grant", " Premiere@Example.fr ", "admin"]) == 0
    assert _roles(database, "premiere@example.fr") == ["admin", "member"]
    assert "granted to account" in capsys.readouterr().out
    assert any("role admin granted to account" in r.getMessage() for r in caplog.records)
    assert main(["accounts", "grant", "premiere@example.fr", "admin"]) == 0  # already held: nothing recorded
    assert "nothing done" in capsys.readouterr().out

    assert main(["accounts", "revoke", "premiere@example.fr", "admin"]) == 1
    assert "last administrator" in capsys.readouterr().out
    assert _roles(database, "premiere@example.fr") == ["admin", "member"]

    assert main(["accounts", "grant", "second@example.fr", "decision_maker"]) == 0
    assert main(["accounts", "grant", "second@example.fr", "admin"]) == 0
    assert main(["accounts", "revoke", "premiere@example.fr", "admin"]) == 0
    assert _roles(database, "premiere@example.fr") == ["member"]
    assert _roles(database, "second@example.fr") == ["admin", "decision_maker", "member"]

    assert _changes(database) == [
        ("role_granted", {"roles": [["member"], ["admin", "member"]]}, "hub accounts grant (command line)"),
        ("role_granted", {"roles": [["member"], ["decision_maker", "member"]]}, "hub accounts grant (command line)"),
        (
            "role_granted",
            {"roles": [["decision_maker", "member"], ["admin", "decision_maker", "member"]]},
            "hub accounts grant (command line)",
        ),
        ("role_revoked", {"roles": [["admin", "member"], ["member"]]}, "hub accounts revoke (command line)"),
    ]


def test_only_the_roles_no_page_gives_are_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    for role in ("referent", "member", "superuser"):
        with pytest.raises(SystemExit) as exit_info:
            main(["accounts", "grant", "x@example.fr", role])
        assert exit_info.value.code == 2
        assert "invalid choice" in capsys.readouterr().err
    assert {str(Role.ADMIN), str(Role.DECISION_MAKER)} == {"admin", "decision_maker"}
