"""After `HUB_SECRET_KEY` changes, a browser holding a CSRF cookie signed with the old key gets a new one with the next
page, and its forms work again (docs/deployment.md, "Keys and secrets")."""

from __future__ import annotations

from litestar import Litestar
from litestar.middleware.csrf import generate_csrf_token
from litestar.testing import TestClient

from hub.db import Database
from tests.factories import PASSWORD, csrf_from, make_account

OLD_KEY = "une-ancienne-clef-secrete-remplacee-depuis-par-une-autre"
HOST = "testserver.local"  # the test client's host: cookies set here are the ones the server's answers replace


def _sign_in(client: TestClient[Litestar], csrf: str) -> int:
    return client.post(
        "/connexion",
        data={"email": "rotation@example.fr", "password": PASSWORD, "_csrf_token": csrf},
        follow_redirects=False,
    ).status_code


def test_a_cookie_signed_with_an_old_key_is_replaced_by_the_next_page(
    client: TestClient[Litestar], database: Database
) -> None:
    with database.session() as session:
        make_account(session, "rotation@example.fr")
        session.commit()
    stale = generate_csrf_token(OLD_KEY)
    client.cookies.set("hub_csrf", stale, domain=HOST)
    # A write with the stale token is still refused...
    assert _sign_in(client, stale) == 403
    # ...but the next page sets a new cookie, signed with the running key, and its form works.
    page = client.get("/connexion")
    assert page.status_code == 200
    renewed = page.cookies.get("hub_csrf")
    assert renewed and renewed != stale
    assert client.cookies.get("hub_csrf") == renewed
    assert _sign_in(client, csrf_from(page.text)) == 303


def test_a_valid_cookie_is_kept_and_other_cookies_pass_untouched(client: TestClient[Litestar]) -> None:
    first = client.get("/connexion")
    cookie = first.cookies.get("hub_csrf")
    assert cookie
    client.cookies.set("autre", "valeur", domain=HOST)
    again = client.get("/connexion")
    assert "hub_csrf" not in again.cookies  # not replaced
    assert csrf_from(again.text) == cookie
