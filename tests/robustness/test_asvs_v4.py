"""ASVS 4.0.3 chapter V4 (access control) and V12.5 (file download): no directory listing, no stray files."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import TestClient


@pytest.mark.parametrize(
    "path",
    [
        "/static/hub/",
        "/static/hub",
        "/static/dsfr/",
        "/static/",
        "/.git/config",
        "/.git/HEAD",
        "/static/hub/.git/config",
        "/static/hub/.DS_Store",
        "/static/hub/Thumbs.db",
        "/static/hub/../web.py",
        "/static/hub/%2e%2e/web.py",
        "/static/hub/..%2fsettings.py",
        "/static/hub/hub.css.bak",
        "/static/hub/hub.css~",
        "/.env",
        "/pyproject.toml",
        "/var/secret_key",
    ],
)
def test_no_directory_listing_and_no_file_outside_the_static_folders(client: TestClient[Litestar], path: str) -> None:
    # ASVS 4.3.2 (no directory browsing, no metadata files) and 12.5.1 (only the static files are served)
    response = client.get(path, follow_redirects=False)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert "import " not in response.text
    assert "<title>Index of" not in response.text


def test_the_static_files_themselves_are_served(client: TestClient[Litestar]) -> None:
    # The positive side of the test above: the same router does serve the files that exist.
    response = client.get("/static/hub/hub.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
