"""Server-side sessions end after 30 idle minutes or twelve hours in all, and a logged-out token is dead."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from hub.accounts.models import UserSession
from hub.accounts.services import (
    SESSION_ABSOLUTE_TIMEOUT,
    SESSION_IDLE_TIMEOUT,
    close_session,
    open_session,
    resolve_session,
)
from hub.db import Database
from tests.factories import make_account


def _only_session(session: object) -> UserSession:
    rows = session.exec(select(UserSession)).all()  # type: ignore[attr-defined]
    assert len(rows) == 1
    return rows[0]  # type: ignore[no-any-return]


def test_an_idle_session_expires(database: Database) -> None:
    with database.session() as session:
        token = open_session(session, make_account(session, "idle@example.fr"))
        session.flush()
        assert resolve_session(session, token) is not None
        stored = _only_session(session)
        stored.last_seen_at = stored.last_seen_at - SESSION_IDLE_TIMEOUT - timedelta(seconds=1)
        session.add(stored)
        session.flush()
        assert resolve_session(session, token) is None


def test_thirty_idle_minutes_end_a_session_and_twenty_nine_do_not(database: Database) -> None:  # ASVS 3.3.2
    with database.session() as session:
        token = open_session(session, make_account(session, "pause@example.fr"))
        session.flush()
        stored = _only_session(session)
        seen = stored.last_seen_at
        stored.last_seen_at = seen - timedelta(minutes=29)
        session.add(stored)
        session.flush()
        assert resolve_session(session, token) is not None
        stored = _only_session(session)
        stored.last_seen_at = seen - timedelta(minutes=30, seconds=1)
        session.add(stored)
        session.flush()
        assert resolve_session(session, token) is None


def test_a_session_ends_after_its_absolute_lifetime_even_when_active(database: Database) -> None:
    with database.session() as session:
        token = open_session(session, make_account(session, "busy@example.fr"))
        session.flush()
        stored = _only_session(session)
        stored.expires_at = (
            stored.created_at + SESSION_ABSOLUTE_TIMEOUT - SESSION_ABSOLUTE_TIMEOUT - timedelta(seconds=1)
        )
        session.add(stored)
        session.flush()
        assert resolve_session(session, token) is None


def test_a_closed_session_token_no_longer_works(database: Database) -> None:
    with database.session() as session:
        token = open_session(session, make_account(session, "bye@example.fr"))
        session.flush()
        close_session(session, token)
        session.flush()
        assert resolve_session(session, token) is None
        assert resolve_session(session, "x" * 500) is None
