"""The public pages on the seeded database: rendered, in French, with working filters and clear 4xx."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from litestar import Litestar
from litestar.testing import TestClient


class _Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.lang = ""
        self.h1 = 0
        self.links: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang") or ""
        if tag == "title" and not self.title:
            self._in_title = True
        if tag == "h1":
            self.h1 += 1
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def parse(html: str) -> _Parsed:
    parsed = _Parsed()
    parsed.feed(html)
    return parsed


PUBLIC_PAGES = [
    "/",
    "/annuaire",
    "/projets",
    "/connexion",
    "/inscription",
    "/accessibilite",
    "/donnees-personnelles",
    "/donnees",
    "/territoires/reg-75",
    "/territoires/dep-33",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_renders_in_french_with_title_and_one_h1(client: TestClient[Litestar], path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    page = parse(response.text)
    assert page.lang == "fr"
    assert page.title.strip().endswith("— lab e-santé")
    assert page.h1 == 1
    assert len(response.content) < 100_000, f"{path} weighs {len(response.content)} bytes"


def test_home_shows_key_figures_and_a_map_of_the_18_regions(client: TestClient[Litestar]) -> None:
    html = client.get("/").text
    assert html.count('href="/territoires/reg-') >= 2 * 18  # one link in the map, one in the table
    assert "<svg" in html
    assert "Chiffres clés" in html


def test_directory_filters_narrow_the_list(client: TestClient[Litestar]) -> None:
    everything = client.get("/api/v1/actors").json()["total"]
    establishments = client.get("/api/v1/actors?kind=health_establishment").json()
    assert 0 < establishments["total"] < everything
    assert {item["kind"] for item in establishments["items"]} == {"health_establishment"}
    html = client.get("/annuaire?kind=health_establishment&region=84").text
    assert "acteurs trouvés" in html
    in_region = client.get("/api/v1/actors?kind=health_establishment&region=84&per_page=100").json()
    assert in_region["items"] and all(item["region"] == "84" for item in in_region["items"])


def test_directory_pagination_walks_through_every_actor(client: TestClient[Litestar]) -> None:
    first = client.get("/api/v1/actors?per_page=100&kind=research_unit").json()
    seen = {item["id"] for item in first["items"]}
    for number in range(2, first["pages"] + 1):
        seen |= {
            item["id"]
            for item in client.get(f"/api/v1/actors?per_page=100&kind=research_unit&page={number}").json()["items"]
        }
    assert len(seen) == first["total"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/annuaire?kind=n-existe-pas", 400),
        ("/annuaire?page=0", 400),
        ("/annuaire?page=abc", 400),
        ("/annuaire?page=99999", 404),
        ("/annuaire?filtre_inconnu=1", 400),
        ("/annuaire?q=" + "x" * 500, 400),
        ("/projets?phase=lune", 400),
        ("/projets?region=99", 400),
        ("/annuaire/n-existe-pas", 404),
        ("/projets/n-existe-pas", 404),
        ("/territoires/reg-99", 404),
        ("/page-inexistante", 404),
    ],
)
def test_bad_parameters_get_a_clear_french_4xx_page(client: TestClient[Litestar], path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert "text/html" in response.headers["content-type"]
    assert parse(response.text).h1 == 1
    assert "Traceback" not in response.text


def test_security_headers_are_set_on_every_page(client: TestClient[Litestar]) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_dsfr_assets_are_served(client: TestClient[Litestar]) -> None:
    response = client.get("/static/dsfr/dsfr.min.css")
    assert response.status_code == 200
    assert ".fr-header" in response.text
