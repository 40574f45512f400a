"""New passwords too easy to guess are refused (ASVS 2.1.7), and the forms' meter says why (ASVS 2.1.8)."""

from __future__ import annotations

import ast
import inspect
import logging

import pytest
import zxcvbn.feedback
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, func, select

from hub.accounts.models import Account
from hub.accounts.passwords import FRENCH, MIN_SCORE, estimate, person_words
from hub.db import Database
from tests.factories import PASSWORD, csrf_from, make_account, sign_in

# From zxcvbn's list of passwords found in breaches, and long enough to pass the 12-character rule.
BREACHED = ("123456789012", "azertyuiop12", "iloveyou1234", "passwordpassword")
PASSPHRASE = "la marée monte vite à Granville"


def _zxcvbn_messages() -> set[str]:
    """Every message zxcvbn's feedback module can give (the string arguments of its `_()` calls)."""
    tree = ast.parse(inspect.getsource(zxcvbn.feedback))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and isinstance(node.args[0], ast.Constant)
    }


def test_every_zxcvbn_message_has_a_french_translation() -> None:
    messages = _zxcvbn_messages()
    assert len(messages) >= 25
    assert messages - FRENCH.keys() == set()


def test_breached_passwords_the_persons_words_and_the_services_words_score_below_the_minimum() -> None:
    for password in BREACHED:
        assert estimate(password).score < MIN_SCORE, password
    words = person_words("marie.dupont@chu-rennes.fr", "Marie Dupont")
    assert {"marie.dupont@chu-rennes.fr", "marie.dupont", "marie", "dupont"} <= set(words)
    assert estimate("mariedupont2026", words).score < MIN_SCORE
    assert estimate("mariedupont2026").score >= MIN_SCORE  # the same password, for someone else
    assert estimate("labesante2026").score < MIN_SCORE
    assert estimate(PASSPHRASE, words).score >= MIN_SCORE


def _signup(client: TestClient[Litestar], password: str, email: str = "marie.dupont@example.fr") -> str:
    form = client.get("/inscription")
    response = client.post(
        "/inscription",
        data={
            "display_name": "Marie Dupont",
            "email": email,
            "password": password,
            "password_confirm": password,
            "role": "member",
            "_csrf_token": csrf_from(form.text),
        },
        follow_redirects=False,
    )
    return f"{response.status_code} {response.text}"


def _accounts(database: Database) -> int:
    with database.session() as session:
        return session.exec(select(func.count()).select_from(Account)).one()


def test_sign_up_refuses_a_breached_password_with_a_field_message_and_creates_nothing(
    client: TestClient[Litestar], database: Database
) -> None:
    before = _accounts(database)
    for password in (*BREACHED, "MarieDupont2026"):
        answer = _signup(client, password)
        assert answer.startswith("422 "), password
        assert 'id="password-erreur"' in answer
        assert "Ce mot de passe est trop facile à deviner." in answer
        assert password not in answer  # never sent back
    assert _accounts(database) == before
    assert _signup(client, PASSPHRASE).startswith("303 ")
    with database.session() as session:
        assert session.exec(select(Account).where(col(Account.email) == "marie.dupont@example.fr")).one()


def test_a_password_change_refuses_the_persons_own_words_and_keeps_the_old_password(
    client: TestClient[Litestar], database: Database
) -> None:
    with database.session() as session:
        make_account(session, "jeanne.martin@example.fr")
        session.commit()
    sign_in(client, "jeanne.martin@example.fr")
    form = client.get("/compte/mot-de-passe")
    response = client.post(
        "/compte/mot-de-passe",
        data={
            "current_password": PASSWORD,
            "new_password": "jeanne.martin1",
            "new_password_confirm": "jeanne.martin1",
            "_csrf_token": csrf_from(form.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert 'id="new_password-erreur"' in response.text
    assert "trop facile à deviner" in response.text
    client.cookies.clear()
    sign_in(client, "jeanne.martin@example.fr")  # the old password still opens the account
    assert client.get("/compte", follow_redirects=False).status_code == 200


def _strength(client: TestClient[Litestar], body: object, csrf: bool = True) -> tuple[int, dict[str, object], str]:
    client.get("/inscription")
    headers = {"x-csrftoken": client.cookies.get("hub_csrf") or ""} if csrf else {}
    response = client.post("/api/v1/password-strength", json=body, headers=headers)
    payload = response.json() if response.headers.get("content-type", "").endswith("json") else {}
    return response.status_code, payload, response.headers.get("cache-control", "")


def test_the_meter_gives_the_forms_verdict_in_french_and_nothing_is_logged_or_stored(
    client: TestClient[Litestar], database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    before = _accounts(database)
    with caplog.at_level(logging.DEBUG):
        status, weak, cache = _strength(client, {"password": "azertyuiop12"})
        assert status == 200
        assert cache == "no-store"
        assert weak["acceptable"] is False
        assert isinstance(weak["score"], int) and weak["score"] < MIN_SCORE
        assert weak["label"] in ("Très faible", "Faible", "Moyen")
        assert str(weak["message"]).startswith("Ce mot de passe est trop facile à deviner.")
        assert weak["warning"] == "Ce mot de passe ressemble à un mot de passe très courant."

        _, short, _ = _strength(client, {"password": "court"})
        assert short["acceptable"] is False
        assert short["message"] == "Le mot de passe doit comporter au moins 12 caractères."

        _, strong, _ = _strength(client, {"password": PASSPHRASE})
        assert strong == {
            "score": 4,
            "label": "Très bon",
            "acceptable": True,
            "warning": "",
            "advice": [],
            "message": "",
        }
        # The words typed in the sign-up form count, as they do on submit.
        _, own, _ = _strength(
            client, {"password": "MarieDupont2026", "email": "marie@example.fr", "display_name": "Marie Dupont"}
        )
        assert own["acceptable"] is False
    assert _accounts(database) == before
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("azertyuiop12", PASSPHRASE, "MarieDupont2026"):
        assert secret not in logged


def test_the_meter_adds_a_signed_in_persons_own_words(client: TestClient[Litestar], database: Database) -> None:
    assert _strength(client, {"password": "paul.bernard1"})[1]["acceptable"] is True
    with database.session() as session:
        make_account(session, "paul.bernard@example.fr")
        session.commit()
    sign_in(client, "paul.bernard@example.fr")
    assert _strength(client, {"password": "paul.bernard1"})[1]["acceptable"] is False


def test_the_meter_refuses_bad_bodies_as_problems_and_requests_without_the_csrf_header(
    client: TestClient[Litestar],
) -> None:
    assert _strength(client, {"password": PASSPHRASE}, csrf=False)[0] == 403
    for body in ({}, {"password": 12}, {"password": "x" * 201}, {"password": PASSPHRASE, "role": "admin"}, []):
        status, problem, _ = _strength(client, body)
        assert status in (400, 422), body
        assert problem.get("status") == status, body
