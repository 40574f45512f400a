"""ASVS 4.0.3 chapter V14 (configuration), with the HTTP parts of V10, V12 and V13.

Headers are checked on every kind of response the hub's handlers give: an HTML page, a JSON list, a problem
details error, an HTML error page, a static file. Answers the framework gives before any handler runs (an
unknown path, a refused method, a form refused for its CSRF token) do not carry the security headers yet:
docs/security-checklist.md, 14.4.3 to 14.4.7.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from hub.settings import REPO_ROOT

HANDLED_RESPONSES = [
    ("GET", "/"),
    ("GET", "/annuaire"),
    ("GET", "/api/v1/actors"),
    ("GET", "/api/v1/actors?page=0"),
    ("GET", "/annuaire/n-existe-pas"),
    ("GET", "/static/hub/hub.css"),
    ("GET", "/health"),
]
# Answered by the framework before any handler: an unknown path, a refused method, a missing CSRF token.
FRAMEWORK_RESPONSES = [
    ("GET", "/page-inexistante"),
    ("GET", "/api/v1/inconnu"),
    ("TRACE", "/"),
    ("POST", "/inscription"),
]
KINDS_OF_RESPONSE = HANDLED_RESPONSES + FRAMEWORK_RESPONSES


def _csp(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize(("method", "path"), HANDLED_RESPONSES)
def test_security_headers_are_on_every_kind_of_response(client: TestClient[Litestar], method: str, path: str) -> None:
    # ASVS 14.4.3 (CSP), 14.4.4 (nosniff), 14.4.6 (Referrer-Policy), 14.4.7 (framing), 10.2.2 (no sensor access)
    response = client.request(method, path, follow_redirects=False)
    headers = response.headers
    csp = _csp(headers["content-security-policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    )
    permissions = headers["permissions-policy"]
    for feature in ("camera", "microphone", "geolocation"):
        assert f"{feature}=()" in permissions


@pytest.mark.parametrize(("method", "path"), KINDS_OF_RESPONSE)
def test_every_response_names_its_content_type_and_charset(
    client: TestClient[Litestar], method: str, path: str
) -> None:  # ASVS 14.4.1
    response = client.request(method, path, follow_redirects=False)
    content_type = response.headers["content-type"].lower()
    if content_type.startswith("text/"):
        assert "charset=utf-8" in content_type
    if "html" in content_type:
        assert response.text.lstrip().lower().startswith("<!doctype html")
    if "json" in content_type:
        response.json()


def test_no_version_of_any_component_is_disclosed(client: TestClient[Litestar]) -> None:  # ASVS 14.3.3
    for method, path in KINDS_OF_RESPONSE:
        response = client.request(method, path, follow_redirects=False)
        for name in ("server", "x-powered-by", "x-aspnet-version", "via"):
            value = response.headers.get(name, "")
            assert not re.search(r"\d+\.\d+", value), (path, name, value)
        assert "Traceback" not in response.text
        assert "litestar" not in response.text.lower() or path.startswith("/static")


def test_no_cross_origin_access_is_granted(client: TestClient[Litestar]) -> None:  # ASVS 14.5.3
    for origin in ("https://evil.example", "null"):
        for method, path in (("GET", "/api/v1/actors"), ("OPTIONS", "/api/v1/actors")):
            headers = {"origin": origin, "access-control-request-method": "POST"}
            response = client.request(method, path, headers=headers)
            assert "access-control-allow-origin" not in response.headers
            assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT", "PROPFIND", "DELETE"])
def test_methods_the_hub_does_not_use_are_refused(client: TestClient[Litestar], method: str) -> None:  # ASVS 14.5.1
    for path in ("/", "/annuaire", "/api/v1/actors"):
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code in (404, 405), (method, path, response.status_code)


def test_request_bodies_over_one_megabyte_are_refused(client: TestClient[Litestar]) -> None:  # ASVS 12.1.1
    client.get("/connexion")
    token = client.cookies.get("hub_csrf") or ""
    big = b"x" * (1_048_576 + 1)
    api = client.post("/api/v1/actors", content=big, headers={"content-type": "application/json", "x-csrftoken": token})
    form = client.post(
        "/connexion", content=big, headers={"content-type": "application/x-www-form-urlencoded", "x-csrftoken": token}
    )
    assert api.status_code == 413
    assert form.status_code == 413


def test_the_pages_load_no_script_or_style_from_another_origin() -> None:
    # ASVS 10.3.2, 12.3.6, 14.2.3: every script and style sheet comes from the hub itself (no CDN, so no SRI needed)
    external = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*(?:src|href)=["'](?:https?:)?//""", re.I)
    offenders = [
        f"{path.relative_to(REPO_ROOT)}: {match.group(0)}"
        for path in sorted(Path(REPO_ROOT / "templates").rglob("*.html"))
        for match in external.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
