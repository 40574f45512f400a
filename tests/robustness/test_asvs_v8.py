"""ASVS 4.0.3 chapter V8 (data protection): what the browser keeps, what the URLs carry, what the server purges."""

from __future__ import annotations

import re
from datetime import timedelta

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import LoginAttempt, UserSession
from hub.accounts.services import SESSION_IDLE_TIMEOUT, THROTTLE_WINDOW, open_session
from hub.db import Database, utcnow
from tests.factories import PASSWORD, csrf_from, make_account, sign_in


def test_cookies_hold_no_personal_data(client: TestClient[Litestar], database: Database) -> None:  # ASVS 8.2.2
    with database.session() as session:
        make_account(session, "biscuit@example.fr")
        session.commit()
    sign_in(client, "biscuit@example.fr")
    client.get("/compte")
    cookies = dict(client.cookies.items())
    assert set(cookies) <= {"hub_session", "hub_csrf", "hub_flash"}
    for value in cookies.values():
        for personal in ("biscuit", "example.fr", "Biscuit", PASSWORD):
            assert personal not in value


def test_credentials_travel_in_the_body_never_in_the_query_string(client: TestClient[Litestar]) -> None:
    # ASVS 8.3.1: every form with a password field is sent with POST
    for path in ("/connexion", "/inscription"):
        html = client.get(path).text
        forms = re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S)
        with_password = [form for form in forms if 'type="password"' in form]
        assert with_password, path
        for form in with_password:
            assert re.match(r'<form\b[^>]*method="post"', form), form[:200]


def test_dead_sessions_and_old_failed_sign_ins_are_deleted(client: TestClient[Litestar], database: Database) -> None:
    # ASVS 8.3.8: data kept for security only is deleted once it can no longer serve
    with database.session() as session:
        account = make_account(session, "purge@example.fr")
        stale_token = open_session(session, account)
        session.flush()
        stale = session.exec(select(UserSession)).one()
        stale_hash = stale.token_hash
        stale.last_seen_at = utcnow() - SESSION_IDLE_TIMEOUT - timedelta(minutes=1)
        session.add(stale)
        session.add(LoginAttempt(key="ip:203.0.113.9", created_at=utcnow() - THROTTLE_WINDOW - timedelta(minutes=1)))
        session.add(LoginAttempt(key="email:ancien@example.fr", created_at=utcnow() - timedelta(days=3)))
        session.commit()
    assert stale_token
    form = client.get("/connexion").text
    client.post("/connexion", data={"email": "purge@example.fr", "password": PASSWORD, "_csrf_token": csrf_from(form)})
    with database.session() as session:
        sessions = session.exec(select(UserSession)).all()
        old_attempts = session.exec(
            select(LoginAttempt).where(col(LoginAttempt.created_at) < utcnow() - THROTTLE_WINDOW)
        ).all()
    assert len(sessions) == 1 and sessions[0].token_hash != stale_hash  # only the new one
    assert old_attempts == []
