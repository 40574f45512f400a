"""What every response carries, the framework's own answers included (ASVS 8.2.1, 13.1.5, 13.2.5, 14.4.1-14.4.7).

These were gaps of the checklist review of 28 November 2026 (docs/security-checklist.md), closed the same day: the
security headers are a `before_send` hook (hub/web.py, `SecurityHeaders`), so 404, 405 and CSRF refusals get
them too; pages for a signed-in person are `no-store`; the JSON API refuses bodies declared as anything but JSON
(hub/app.py, `check_request`) and its responses are attachments.
"""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from hub.db import Database
from tests.factories import make_account, sign_in


@pytest.mark.parametrize(("method", "path"), [("GET", "/page-inexistante"), ("TRACE", "/"), ("POST", "/inscription")])
def test_framework_answers_carry_the_security_headers_too(client: TestClient[Litestar], method: str, path: str) -> None:
    response = client.request(method, path, follow_redirects=False)
    assert response.status_code in (403, 404, 405)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_of_a_signed_in_person_are_not_stored_by_the_browser(
    client: TestClient[Litestar], database: Database
) -> None:
    with database.session() as session:
        make_account(session, "cache@example.fr")
        session.commit()
    sign_in(client, "cache@example.fr")
    for path in ("/compte", "/compte/profil", "/compte/mes-donnees"):
        assert "no-store" in client.get(path).headers.get("cache-control", ""), path


def test_api_writes_with_another_content_type_are_a_415(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        make_account(session, "type@example.fr")
        session.commit()
    sign_in(client, "type@example.fr")
    body = b'{"name": "Lab au mauvais type", "kind": "company", "departement": "40", "sectors": ["cardio"]}'
    response = client.post(
        "/api/v1/actors",
        content=body,
        headers={"content-type": "text/plain", "x-csrftoken": client.cookies.get("hub_csrf") or ""},
    )
    assert response.status_code == 415


def test_api_responses_are_attachments(client: TestClient[Litestar]) -> None:
    response = client.get("/api/v1/actors")
    assert response.headers["content-disposition"].startswith("attachment")


def test_the_redirect_to_sign_in_is_labelled_as_text(client: TestClient[Litestar]) -> None:  # ASVS 14.4.1
    response = client.get("/compte", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/connexion?")
    assert response.headers["content-type"].startswith("text/plain")


def test_pages_for_anonymous_visitors_may_be_cached(client: TestClient[Litestar]) -> None:  # ASVS 8.2.1
    # the counterpart of the signed-in case: no-store is not blanket (public pages stay cacheable)
    assert "no-store" not in client.get("/annuaire").headers.get("cache-control", "")
