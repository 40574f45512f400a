"""ASVS 4.0.3 chapter V3 (session management) and the session parts of V8 and V13."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
from litestar import Litestar
from litestar.testing import TestClient

from hub.app import create_app
from hub.db import Database
from hub.settings import Mode, Settings
from tests.factories import PASSWORD, csrf_from, make_account, sign_in


def _signed_in(client: TestClient[Litestar], database: Database, email: str) -> str:
    with database.session() as session:
        make_account(session, email)
        session.commit()
    sign_in(client, email)
    token = client.cookies.get("hub_session")
    assert token
    return token


def test_session_tokens_are_256_random_bits(client: TestClient[Litestar], database: Database) -> None:
    # ASVS 3.2.2 (at least 64 bits of entropy), 3.2.4 (from the `secrets` CSPRNG)
    first = _signed_in(client, database, "jeton@example.fr")
    sign_in(client, "jeton@example.fr")
    second = client.cookies.get("hub_session")
    assert second and second != first
    for token in (first, second):
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) >= 32


def test_the_session_token_never_appears_in_a_url_or_a_page(client: TestClient[Litestar], database: Database) -> None:
    # ASVS 3.1.1 and 13.1.3: the token travels in the cookie only, never in a URL, a redirect or a page body
    token = _signed_in(client, database, "url@example.fr")
    seen = []
    for path in ("/", "/compte", "/compte/profil", "/compte/mes-donnees", "/annuaire", "/projets", "/api/v1/actors"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code in (200, 303), path
        seen.append(response)
    page = client.get("/compte").text
    seen.append(client.post("/deconnexion", data={"_csrf_token": csrf_from(page)}, follow_redirects=False))
    for response in seen:
        assert token not in response.text, response.url
        assert token not in response.headers.get("location", ""), response.url
        assert token not in str(response.url)


def test_the_session_cookie_is_host_wide_and_removed_at_logout(
    client: TestClient[Litestar], database: Database
) -> None:
    # ASVS 3.4.5 (explicit path, no Domain attribute: the cookie stays on the hub's own host name)
    # ASVS 8.2.3 (the browser is told to drop the session cookie at sign-out)
    with database.session() as session:
        make_account(session, "chemin@example.fr")
        session.commit()
    form = client.get("/connexion").text
    response = client.post(
        "/connexion",
        data={"email": "chemin@example.fr", "password": "un mot de passe solide", "_csrf_token": csrf_from(form)},
        follow_redirects=False,
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("hub_session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert "path=/" in cookie.lower().replace(" ", "")
    assert "domain" not in attributes
    page = client.get("/compte").text
    logout = client.post("/deconnexion", data={"_csrf_token": csrf_from(page)}, follow_redirects=False)
    removal = next(c for c in logout.headers.get_list("set-cookie") if c.startswith("hub_session="))
    assert "max-age=0" in removal.lower().replace(" ", "") or "expires=thu, 01 jan 1970" in removal.lower()
    assert client.cookies.get("hub_session") in (None, "", '""')


def _set_cookie(response: httpx.Response, name: str) -> str:
    return next(c for c in response.headers.get_list("set-cookie") if c.startswith(name + "="))


def _attributes(cookie: str) -> dict[str, str]:
    parts = (part.strip().partition("=") for part in cookie.split(";")[1:])
    return {key.lower(): value for key, _, value in parts}


def test_cookies_carry_the_host_prefix_in_production(database: Database, tmp_path: Path) -> None:
    # ASVS 3.4.4: `__Host-` names, hence Secure, Path=/ and no Domain, and the plain name is not honoured
    settings = Settings(
        mode=Mode.PRODUCTION,
        var_dir=tmp_path,
        secret_key="test-secret-key-" + "p" * 32,
        database_url=f"sqlite:///{tmp_path}/unused.db",
    )
    with database.session() as session:
        make_account(session, "prefixe@example.fr")
        session.commit()
    app = create_app(settings, database=database, background_indexing=False)
    with TestClient(app=app, base_url="https://testserver.local") as client:
        form = client.get("/connexion")
        response = client.post(
            "/connexion",
            data={"email": "prefixe@example.fr", "password": PASSWORD, "_csrf_token": csrf_from(form.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        for cookie in (_set_cookie(form, "__Host-hub_csrf"), _set_cookie(response, "__Host-hub_session")):
            attributes = _attributes(cookie)
            assert "secure" in attributes
            assert attributes["path"] == "/"
            assert "domain" not in attributes
        names = {c.split("=")[0] for r in (form, response) for c in r.headers.get_list("set-cookie")}
        assert not names & {"hub_session", "hub_csrf"}
        page = client.get("/compte", follow_redirects=False)
        assert page.status_code == 200
        logout = client.post("/deconnexion", data={"_csrf_token": csrf_from(page.text)}, follow_redirects=False)
        assert logout.status_code == 303
        removal = _attributes(_set_cookie(logout, "__Host-hub_session"))
        assert removal["max-age"] == "0"
        assert "secure" in removal
    # a cookie under the plain name (which a sub-domain could plant) is not a session in production
    with database.session() as session:
        make_account(session, "prefixe2@example.fr")
        session.commit()
    with TestClient(app=app, base_url="https://testserver.local") as other:
        sign_in_form = other.get("/connexion")
        other.post(
            "/connexion",
            data={"email": "prefixe2@example.fr", "password": PASSWORD, "_csrf_token": csrf_from(sign_in_form.text)},
            follow_redirects=False,
        )
        token = other.cookies["__Host-hub_session"]
    with TestClient(app=app, base_url="https://testserver.local") as planted:
        planted.cookies.set("hub_session", token)
        refused = planted.get("/compte", follow_redirects=False)
        assert refused.status_code == 303
        assert refused.headers["location"].startswith("/connexion")


def test_cookies_keep_their_plain_names_in_local_mode(client: TestClient[Litestar], database: Database) -> None:
    # ASVS 3.4.4: on http:// (local mode) browsers refuse `__Host-` cookies, which must be Secure
    with database.session() as session:
        make_account(session, "local@example.fr")
        session.commit()
    form = client.get("/connexion")
    response = client.post(
        "/connexion",
        data={"email": "local@example.fr", "password": PASSWORD, "_csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    for cookie in (_set_cookie(form, "hub_csrf"), _set_cookie(response, "hub_session")):
        assert "secure" not in _attributes(cookie)
    names = {c.split("=")[0] for r in (form, response) for c in r.headers.get_list("set-cookie")}
    assert not any(name.startswith("__Host-") for name in names)
    assert client.get("/compte", follow_redirects=False).status_code == 200
