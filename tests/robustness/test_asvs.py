"""ASVS level 2 requirements not covered elsewhere: hash format, Secure cookies, no secrets in logs, bare 500s."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Account
from hub.app import create_app
from hub.db import Database
from hub.settings import Mode, Settings
from hub.web import handle_server_error, make_environment
from tests.factories import PASSWORD, make_account, sign_in

SECRET_KEY = "test-secret-key-" + "s" * 32


def test_passwords_are_stored_as_argon2id_hashes(database: Database) -> None:  # ASVS 2.4.1
    with database.session() as session:
        make_account(session, "hash@example.fr")
        stored = session.exec(select(Account.password_hash).where(col(Account.email) == "hash@example.fr")).one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_cookies_are_secure_in_production(database: Database, tmp_path: Path) -> None:  # ASVS 3.4.1
    settings = Settings(
        mode=Mode.PRODUCTION, var_dir=tmp_path, secret_key=SECRET_KEY, database_url=f"sqlite:///{tmp_path}/unused.db"
    )
    with database.session() as session:
        make_account(session, "prod@example.fr")
        session.commit()
    app = create_app(settings, database=database, background_indexing=False)
    with TestClient(app=app, base_url="https://testserver.local") as client:
        page = client.get("/connexion")
        assert "secure" in page.headers["set-cookie"].lower()  # the CSRF cookie
        response = client.post(
            "/connexion",
            data={"email": "prod@example.fr", "password": PASSWORD, "_csrf_token": client.cookies["__Host-hub_csrf"]},
            headers={"x-csrftoken": client.cookies["__Host-hub_csrf"]},
            follow_redirects=False,
        )
        assert response.status_code == 303
        session_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("__Host-hub_session="))
        assert "Secure" in session_cookie
        assert "HttpOnly" in session_cookie
        hsts = response.headers["strict-transport-security"]  # ASVS 14.4.5
        assert "includesubdomains" in hsts.lower()
        assert int(hsts.split("max-age=")[1].split(";")[0]) >= 15724800
        assert "includesubdomains" in page.headers["strict-transport-security"].lower()  # on every response


def test_passwords_tokens_and_keys_never_reach_the_logs(
    client: TestClient[Litestar], database: Database, caplog: pytest.LogCaptureFixture
) -> None:  # ASVS 7.1.1
    with database.session() as session:
        make_account(session, "journal@example.fr")
        session.commit()
    with caplog.at_level(logging.DEBUG):
        sign_in(client, "journal@example.fr")
        client.get("/compte")
        client.post("/connexion", data={"email": "journal@example.fr", "password": "mauvais-" + PASSWORD})
        client.post("/deconnexion", data={"_csrf_token": client.cookies.get("hub_csrf") or ""})
    logged = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    assert logged  # the requests were logged
    session_token = client.cookies.get("hub_session") or ""
    for secret in (PASSWORD, "mauvais-" + PASSWORD, client.cookies.get("hub_csrf"), session_token, SECRET_KEY):
        if secret:
            assert secret not in logged


def test_an_unexpected_error_shows_no_internals() -> None:  # ASVS 7.4.1
    @get("/api/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("internal detail: table secret_stuff at /srv/hub/app.py line 42")

    @get("/boom", sync_to_thread=False)
    def boom_page() -> None:
        raise RuntimeError("internal detail: table secret_stuff at /srv/hub/app.py line 42")

    app = Litestar(
        [boom, boom_page],
        exception_handlers={Exception: handle_server_error},
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(make_environment())),
    )
    with TestClient(app=app, raise_server_exceptions=False) as client:
        api = client.get("/api/boom")
        page = client.get("/boom")
    assert api.status_code == 500
    assert api.headers["content-type"].startswith("application/problem+json")
    assert page.status_code == 500
    for response in (api, page):
        assert "secret_stuff" not in response.text
        assert "Traceback" not in response.text
        assert "réessayez plus tard" in response.text


def test_a_concurrent_duplicate_is_a_409_not_a_server_error() -> None:
    from sqlalchemy.exc import IntegrityError

    from hub.web import handle_integrity_error

    def duplicate() -> None:
        raise IntegrityError("INSERT INTO need_support ...", {}, Exception("UNIQUE constraint failed"))

    @get("/api/double", sync_to_thread=False)
    def double_api() -> None:
        duplicate()

    @get("/double", sync_to_thread=False)
    def double_page() -> None:
        duplicate()

    app = Litestar(
        [double_api, double_page],
        exception_handlers={IntegrityError: handle_integrity_error},
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(make_environment())),
    )
    with TestClient(app=app, raise_server_exceptions=False) as client:
        api = client.get("/api/double")
        page = client.get("/double")
    assert api.status_code == 409
    assert api.json()["status"] == 409
    assert page.status_code == 409
    assert "enregistrée (double envoi ou autre onglet)" in page.text
    assert "UNIQUE" not in page.text
