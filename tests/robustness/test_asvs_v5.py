"""ASVS 4.0.3 chapter V5 (validation, sanitization, encoding): hostile text is data, never markup or headers."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from hub.db import Database
from hub.exchanges.mail import Mail, deliver
from hub.settings import Settings
from tests.factories import make_account, sign_in

HOSTILE = "<script>alert('ô')</script><img src=x onerror=alert(1)> O'Hara \"ねこ\" {{ 7*7 }}{% raw %}"


def test_stored_text_is_escaped_in_every_page_that_shows_it(client: TestClient[Litestar], database: Database) -> None:
    # ASVS 5.3.1 (HTML context encoding, Unicode and apostrophes kept), 5.3.3 (stored XSS), 5.2.5 (no template
    # injection: template syntax in a name is shown as typed), including the search page's highlighted titles
    from hub.indexing.services import drain

    with database.session() as session:
        make_account(session, "xss@example.fr")
        session.commit()
    sign_in(client, "xss@example.fr")
    client.get("/connexion")
    created = client.post(
        "/api/v1/actors",
        json={"name": "Lab " + HOSTILE, "kind": "company", "departement": "40", "sectors": ["cardio"]},
        headers={"x-csrftoken": client.cookies.get("hub_csrf") or ""},
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Lab " + HOSTILE  # stored as typed: encoding happens at output
    drain(database, client.app.state.search_engine)
    detail = client.get(created.json()["url"])
    assert detail.status_code == 200
    listing = client.get("/annuaire?departement=40&per_page=100")
    search = client.get("/recherche?q=Hara")
    assert search.status_code == 200 and "ねこ" in search.text  # the search page shows the hostile actor
    for html in (detail.text, listing.text, search.text):
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html or "&lt;<mark>script" in html
    assert "ねこ" in detail.text  # Unicode survives the encoding (ASVS 5.3.2)
    assert "{{ 7*7 }}{% raw %}" in detail.text


@pytest.mark.parametrize("path", ["/recherche?q={}", "/annuaire?q={}", "/connexion?suite=/{}"])
def test_reflected_text_is_escaped(client: TestClient[Litestar], path: str) -> None:  # ASVS 5.3.3 (reflected XSS)
    payload = '"><script>alert(1)</script>'
    response = client.get(path.format(payload))
    assert response.status_code < 500
    assert "<script>alert(1)" not in response.text
    assert '"><script>' not in response.text


def test_a_header_injection_in_an_e_mail_adds_no_header(tmp_path: Path) -> None:  # ASVS 5.2.3
    settings = Settings(var_dir=tmp_path, secret_key="k" * 40)
    mail = Mail(
        to="personne@example.fr",
        subject="Nouvelle demande\r\nBcc: victime@example.fr\r\nX-Injected: oui",
        body="Bonjour.\r\n.\r\nRCPT TO:<victime@example.fr>",
    )
    try:
        deliver(settings, [mail])
    except ValueError:
        return  # the e-mail library refused the header: nothing was written or sent
    written = list(settings.mail_outbox_dir.glob("*.eml"))
    assert len(written) == 1
    message = BytesParser(policy=policy.default).parsebytes(written[0].read_bytes())
    assert message["Bcc"] is None
    assert message["X-Injected"] is None
    assert [str(v) for v in message.get_all("To", [])] == ["personne@example.fr"]
