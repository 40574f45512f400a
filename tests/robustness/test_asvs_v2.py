"""ASVS 4.0.3 chapter V2 (authentication): password rules, password forms and the stored hashes."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Account
from hub.db import Database
from tests.factories import PASSWORD, csrf_from, make_account, sign_in

# 64 characters, with spaces, accents, an emoji and kanji: every printable character is allowed.
LONG_UNICODE_PASSWORD = "ma phrase de passe très longue 🔑 avec des kanji 日本語 et des espaces !!"
assert len(LONG_UNICODE_PASSWORD) >= 64


def _sign_up(client: TestClient[Litestar], email: str, password: str) -> int:
    form = client.get("/inscription").text
    response = client.post(
        "/inscription",
        data={
            "display_name": "Léa Dupont",
            "email": email,
            "password": password,
            "password_confirm": password,
            "role": "member",
            "_csrf_token": csrf_from(form),
        },
        follow_redirects=False,
    )
    return response.status_code


def _login_status(client: TestClient[Litestar], email: str, password: str) -> int:
    form = client.get("/connexion").text
    response = client.post(
        "/connexion",
        data={"email": email, "password": password, "_csrf_token": csrf_from(form)},
        follow_redirects=False,
    )
    return response.status_code


def test_long_unicode_passwords_are_accepted_and_never_truncated(client: TestClient[Litestar]) -> None:
    # ASVS 2.1.2 (64 characters permitted), 2.1.3 (no truncation), 2.1.4 (Unicode, emoji), 2.1.9 (no composition rule)
    assert _sign_up(client, "longue@example.fr", LONG_UNICODE_PASSWORD) == 303
    client.cookies.clear()
    # Only the last character differs: a truncating check would let this in.
    assert _login_status(client, "longue@example.fr", LONG_UNICODE_PASSWORD[:-1] + "?") == 422
    assert _login_status(client, "longue@example.fr", LONG_UNICODE_PASSWORD[:-1]) == 422
    assert _login_status(client, "longue@example.fr", LONG_UNICODE_PASSWORD) == 303
    client.cookies.clear()
    # Twelve lower-case letters and nothing else: no upper case, digit or symbol is required.
    assert _sign_up(client, "simple@example.fr", "abcdefghijkl") == 303


def test_password_fields_let_password_managers_and_paste_work(client: TestClient[Litestar]) -> None:  # ASVS 2.1.11
    login = client.get("/connexion").text
    signup = client.get("/inscription").text
    for html in (login, signup):
        assert "onpaste" not in html.lower()
        assert not re.search(r'type="password"[^>]*autocomplete="off"', html)
    assert re.search(r'type="password"[^>]*autocomplete="current-password"', login)
    assert len(re.findall(r'type="password"[^>]*autocomplete="new-password"', signup)) == 2


def test_each_password_hash_has_its_own_salt(database: Database) -> None:  # ASVS 2.4.2
    with database.session() as session:
        make_account(session, "sel1@example.fr")
        make_account(session, "sel2@example.fr")  # same password (the factories' PASSWORD)
        hashes = session.exec(
            select(Account.password_hash).where(col(Account.email).in_(["sel1@example.fr", "sel2@example.fr"]))
        ).all()
    salts = [h.split("$")[4] for h in hashes]
    assert len(set(hashes)) == 2
    assert len(set(salts)) == 2
    for salt in salts:
        # base64 without padding: 4 characters per 3 bytes; at least 32 bits (ASVS), argon2-cffi uses 128
        assert len(salt) * 6 // 8 >= 16


def test_argon2id_parameters_are_at_least_the_asvs_minimum(database: Database) -> None:  # ASVS 2.4.5
    with database.session() as session:
        make_account(session, "params@example.fr")
        stored = session.exec(select(Account.password_hash).where(col(Account.email) == "params@example.fr")).one()
    match = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", stored)
    assert match, stored
    memory_kib, iterations, parallelism = (int(g) for g in match.groups())
    assert memory_kib >= 15 * 1024
    assert iterations >= 2
    assert parallelism >= 1


def test_a_weaker_hash_is_upgraded_at_the_next_sign_in(client: TestClient[Litestar], database: Database) -> None:
    # ASVS 6.2.4: the hash parameters can be raised at any time; old hashes follow at the next sign-in.
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with database.session() as session:
        account = make_account(session, "ancien@example.fr")
        account.password_hash = weak
        session.add(account)
        session.commit()
    sign_in(client, "ancien@example.fr")
    with database.session() as session:
        stored = session.exec(select(Account.password_hash).where(col(Account.email) == "ancien@example.fr")).one()
    assert stored != weak
    assert not PasswordHasher().check_needs_rehash(stored)


def test_passwords_longer_than_128_characters_are_refused_next_to_the_field(client: TestClient[Litestar]) -> None:
    # ASVS 2.1.2: at least 64 characters permitted, and no more than 128
    assert _sign_up(client, "cent-vingt-huit@example.fr", "a" * 128) == 303
    client.cookies.clear()
    form = client.get("/inscription").text
    response = client.post(
        "/inscription",
        data={
            "display_name": "Léa Dupont",
            "email": "trop-long@example.fr",
            "password": "a" * 129,
            "password_confirm": "a" * 129,
            "role": "member",
            "_csrf_token": csrf_from(form),
        },
    )
    assert response.status_code == 422
    assert "Le mot de passe doit comporter au plus 128 caractères." in response.text


def test_a_corrupt_password_hash_refuses_the_sign_in_without_an_error(
    client: TestClient[Litestar], database: Database
) -> None:  # ASVS 6.2.1: the hashing module fails closed, with the usual answer and no server error
    corrupt = {
        "abime@example.fr": "$argon2id$v=19$m=65536,t=3,p=4$tronque",
        "tiret@example.fr": "-",
        "accent@example.fr": "$argon2id$v=19$m=65536,t=3,p=4$sélé$hâché",  # not ASCII: was a 500
    }
    with database.session() as session:
        for email, stored in corrupt.items():
            account = make_account(session, email)
            account.password_hash = stored
            session.add(account)
        session.commit()
    for email in corrupt:
        form = client.get("/connexion").text
        response = client.post(
            "/connexion",
            data={"email": email, "password": PASSWORD, "_csrf_token": csrf_from(form)},
            follow_redirects=False,
        )
        assert response.status_code == 422
        assert "Adresse e-mail ou mot de passe incorrect." in response.text
        assert client.cookies.get("hub_session") is None
