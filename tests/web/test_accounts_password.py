"""Changing one's password, and seeing and ending one's sessions, through the real application."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Account, UserSession
from hub.accounts.services import THROTTLE_MAX_FAILURES
from hub.db import Database
from hub.exchanges.models import Notification
from tests.factories import PASSWORD, csrf_from, make_account, sign_in

NEW_PASSWORD = "  une toute nouvelle phrase  "  # outer spaces are part of it (ASVS 2.1.3)


@contextmanager
def _device(client: TestClient[Litestar], token: str = "") -> Iterator[TestClient[Litestar]]:
    """Another browser: the client with an empty cookie jar (or only the session `token`), restored after."""
    saved = httpx.Cookies(client.cookies)
    client.cookies.clear()
    if token:
        client.cookies.set("hub_session", token)
    try:
        yield client
    finally:
        client.cookies = saved


def _account(database: Database, email: str) -> int:
    with database.session() as session:
        account = make_account(session, email)
        session.commit()
        assert account.id is not None
        return account.id


def _change(client: TestClient[Litestar], current: str, new: str, confirm: str | None = None) -> httpx.Response:
    form = client.get("/compte/mot-de-passe")
    assert form.status_code == 200
    return client.post(
        "/compte/mot-de-passe",
        data={
            "current_password": current,
            "new_password": new,
            "new_password_confirm": new if confirm is None else confirm,
            "_csrf_token": csrf_from(form.text),
        },
        follow_redirects=False,
    )


def _login_status(email: str, password: str, client: TestClient[Litestar]) -> int:
    with _device(client) as fresh:
        form = fresh.get("/connexion").text
        response = fresh.post(
            "/connexion",
            data={"email": email, "password": password, "_csrf_token": csrf_from(form)},
            follow_redirects=False,
        )
        return response.status_code


def _signed_in(client: TestClient[Litestar]) -> bool:
    return client.get("/compte", follow_redirects=False).status_code == 200


def _sessions_of(database: Database, account_id: int) -> list[UserSession]:
    with database.session() as session:
        return list(session.exec(select(UserSession).where(col(UserSession.account_id) == account_id)).all())


def test_a_signed_in_person_changes_their_password_and_their_other_sessions_end(
    client: TestClient[Litestar], database: Database
) -> None:
    # ASVS 2.1.5 (the password can be changed), 2.1.6 (current and new password asked), 3.3.3 (other sessions end)
    account_id = _account(database, "change@example.fr")
    sign_in(client, "change@example.fr")
    before = client.cookies.get("hub_session") or ""
    with _device(client) as phone:
        sign_in(phone, "change@example.fr")
        phone_token = phone.cookies.get("hub_session") or ""
    assert len(_sessions_of(database, account_id)) == 2
    response = _change(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/compte/sessions?info=mot-de-passe"
    with _device(client, phone_token) as phone:
        assert not _signed_in(phone)  # the other device is signed out
    after = client.cookies.get("hub_session")
    assert after and after != before  # this session got a new identifier...
    assert _signed_in(client)  # ...and the person stays signed in here
    with _device(client, before) as stale:
        assert not _signed_in(stale)  # the old identifier is dead
    assert len(_sessions_of(database, account_id)) == 1
    page = client.get(response.headers["location"]).text
    assert "Votre mot de passe est modifié. Vos autres sessions ont pris fin." in page
    assert _login_status("change@example.fr", PASSWORD, client) == 422
    assert _login_status("change@example.fr", NEW_PASSWORD.strip(), client) == 422
    assert _login_status("change@example.fr", NEW_PASSWORD, client) == 303
    with database.session() as session:  # ASVS 2.2.3: the person is told, in the hub (and by e-mail)
        texts = session.exec(select(Notification.text).where(col(Notification.account_id) == account_id)).all()
    assert any("mot de passe a été modifié" in text for text in texts)


def test_the_current_password_is_required_and_the_sign_up_rules_apply(
    client: TestClient[Litestar], database: Database
) -> None:
    # ASVS 2.1.6, 2.1.1, 2.1.2: the current password must be right; the new one follows the sign-up rules
    account_id = _account(database, "regles@example.fr")
    sign_in(client, "regles@example.fr")
    with database.session() as session:
        stored = session.exec(select(Account.password_hash).where(col(Account.id) == account_id)).one()
    cases = [
        (
            ("pas le bon mot de passe", NEW_PASSWORD, None),
            "current_password",
            "Le mot de passe actuel n’est pas le bon.",
        ),
        ((PASSWORD, "trop court", None), "new_password", "au moins 12 caractères"),
        ((PASSWORD, "a" * 129, None), "new_password", "au plus 128 caractères"),
        ((PASSWORD, NEW_PASSWORD, NEW_PASSWORD.strip()), "new_password_confirm", "ne sont pas identiques"),
        ((PASSWORD, PASSWORD, None), "new_password", "différent de l’actuel"),
        (("", NEW_PASSWORD, None), "current_password", "obligatoire"),
    ]
    for (current, new, confirm), field, message in cases:
        response = _change(client, current, new, confirm)
        assert response.status_code == 422, (field, message)
        assert f'id="{field}-erreur"' in response.text, field
        assert f'aria-describedby="{field}-erreur"' in response.text, field
        assert message in response.text, message
        assert PASSWORD not in response.text  # typed passwords are never sent back
    with database.session() as session:
        assert session.exec(select(Account.password_hash).where(col(Account.id) == account_id)).one() == stored
    assert _signed_in(client)


def test_the_password_change_needs_a_session_and_a_csrf_token(client: TestClient[Litestar], database: Database) -> None:
    response = client.get("/compte/mot-de-passe", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/connexion")
    _account(database, "jeton-csrf@example.fr")
    sign_in(client, "jeton-csrf@example.fr")
    forged = client.post(
        "/compte/mot-de-passe",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert _login_status("jeton-csrf@example.fr", PASSWORD, client) == 303


def test_guessing_the_current_password_is_throttled_and_logged_without_secrets(
    client: TestClient[Litestar], database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    # ASVS 2.2.1 on this page too: the same counters as sign-in; ASVS 7.1.1: no password in the logs
    account_id = _account(database, "devine@example.fr")
    sign_in(client, "devine@example.fr")
    guesses = [f"essai numéro {n:02d} !" for n in range(THROTTLE_MAX_FAILURES)]
    with caplog.at_level(logging.INFO, logger="hub.security"):
        for guess in guesses:
            assert _change(client, guess, NEW_PASSWORD).status_code == 422
        blocked = _change(client, PASSWORD, NEW_PASSWORD)  # even the right one, until the window passes
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.text
    assert _login_status("devine@example.fr", PASSWORD, client) == 429  # sign-in shares the counter
    security = [r.getMessage() for r in caplog.records if r.name == "hub.security"]
    assert sum("password change refused" in line for line in security) == THROTTLE_MAX_FAILURES
    assert any("password change throttled" in line and f"account {account_id}" in line for line in security)
    logged = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    for secret in (PASSWORD, NEW_PASSWORD, *guesses, "devine@example.fr"):
        assert secret not in logged


def test_a_successful_change_is_logged_without_secrets(
    client: TestClient[Litestar], database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    account_id = _account(database, "journal-mdp@example.fr")
    sign_in(client, "journal-mdp@example.fr")
    with caplog.at_level(logging.INFO, logger="hub.security"):
        assert _change(client, PASSWORD, NEW_PASSWORD).status_code == 303
    security = [r.getMessage() for r in caplog.records if r.name == "hub.security"]
    assert any(line.startswith(f"password change of account {account_id} ") for line in security)
    logged = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    for secret in (PASSWORD, NEW_PASSWORD, client.cookies.get("hub_session"), "journal-mdp@example.fr"):
        assert secret and secret not in logged


def _end_buttons(page: str) -> list[str]:
    return re.findall(r'name="session" value="([0-9a-f]+)"', page)


def test_a_person_sees_their_sessions_and_ends_one_or_all_the_others(
    client: TestClient[Litestar], database: Database
) -> None:
    # ASVS 3.3.4: the active sessions are listed (opened, last seen) and each can be ended
    account_id = _account(database, "appareils@example.fr")
    tokens = []
    for _ in range(3):
        with _device(client) as other:
            sign_in(other, "appareils@example.fr")
            tokens.append(other.cookies.get("hub_session") or "")
    sign_in(client, "appareils@example.fr")
    page = client.get("/compte/sessions")
    assert page.status_code == 200
    assert "Sessions ouvertes (4)" in page.text
    assert page.text.count("Cet appareil (session actuelle)") == 1
    refs = _end_buttons(page.text)
    assert len(refs) == 3  # no button for the current session: signing out does that
    form = csrf_from(page.text)
    ended = client.post("/compte/sessions/fin", data={"session": refs[0], "_csrf_token": form}, follow_redirects=False)
    assert ended.status_code == 303
    assert "La session a pris fin" in client.get(ended.headers["location"]).text
    alive = []
    for token in tokens:
        with _device(client, token) as other:
            alive.append(_signed_in(other))
    assert alive.count(False) == 1 and alive.count(True) == 2
    assert _signed_in(client)
    page = client.get("/compte/sessions").text
    assert len(_end_buttons(page)) == 2
    others = client.post(
        "/compte/sessions/fin-des-autres", data={"_csrf_token": csrf_from(page)}, follow_redirects=False
    )
    assert others.status_code == 303
    for token in tokens:
        with _device(client, token) as other:
            assert not _signed_in(other)
    assert _signed_in(client)
    assert len(_sessions_of(database, account_id)) == 1
    page = client.get("/compte/sessions").text
    assert "Sessions ouvertes (1)" in page and _end_buttons(page) == []


def test_nobody_can_end_someone_else_s_session(client: TestClient[Litestar], database: Database) -> None:
    # ASVS 3.3.4 with 4.2.1: a session reference of another account is unknown here
    other_id = _account(database, "autrui@example.fr")
    _account(database, "curieux@example.fr")
    with _device(client) as other:
        sign_in(other, "autrui@example.fr")
        victim_token = other.cookies.get("hub_session") or ""
    victim_ref = _sessions_of(database, other_id)[0].token_hash[:16]
    sign_in(client, "curieux@example.fr")
    page = client.get("/compte/sessions").text
    assert victim_ref not in page
    refused = client.post(
        "/compte/sessions/fin", data={"session": victim_ref, "_csrf_token": csrf_from(page)}, follow_redirects=False
    )
    assert refused.status_code == 404
    with _device(client, victim_token) as other:
        assert _signed_in(other)
    anonymous = _device(client)
    with anonymous as visitor:
        assert visitor.get("/compte/sessions", follow_redirects=False).status_code == 303
