"""The dashboard through the real application: charts with their tables, CSV files equal to the tables, refusals."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from hub.dashboard.services import BUILDERS
from hub.db import Database
from tests.dashboard.html_tables import plain_number, tables_of
from tests.dashboard.scenario import FILTERS, add_records


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_every_chart_has_a_title_a_description_a_table_and_a_csv_equal_to_it(
    client: TestClient[Litestar], database: Database
) -> None:
    add_records(database)
    response = client.get(f"/tableau-de-bord?{FILTERS}")
    assert response.status_code == 200, response.text[:1000]
    html = response.text
    tables, captions = tables_of(html)
    assert "Chiffres pour : Nouvelle-Aquitaine, Cardiovasculaire, phase « Expérimentation »." in html
    for slug in BUILDERS:
        svg = re.search(rf'<svg[^>]*id="graphique-{slug}"[^>]*>.*?</svg>', html, flags=re.S)
        assert svg, slug
        assert 'role="img"' in svg.group(0)
        assert f'<title id="graphique-{slug}-titre">' in svg.group(
            0
        ) and f'<desc id="graphique-{slug}-desc">' in svg.group(0)
        table = tables[f"tableau-{slug}"]
        assert captions[f"tableau-{slug}"].endswith("(tableau)")
        link = re.search(rf'href="(/tableau-de-bord/{slug}\.csv\?[^"]+)"', html)
        assert link, slug
        exported = client.get(link.group(1).replace("&amp;", "&"))
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        rows = _csv_rows(exported.text)
        shown = [[plain_number(cell) for cell in row] for row in table]
        if len(table) == 2 and table[1][0] == "Aucune donnée pour le moment.":
            assert rows == [table[0]], slug
        else:
            assert rows == shown, slug
    # Table headers are real header cells, with their scope.
    assert html.count('<th scope="col">') > 20 and html.count('<th scope="row">') > 10


def test_the_csv_file_is_named_after_the_chart_its_filters_and_the_day(client: TestClient[Litestar]) -> None:
    response = client.get("/tableau-de-bord/phases.csv?region=75&sector=cardio")
    assert response.status_code == 200
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="tableau-de-bord-phases-75-cardio-{today}.csv"'
    )
    rows = _csv_rows(response.text)
    assert rows[0] == ["Code", "Phase", "Projets"]
    assert [row[0] for row in rows[1:]] == [
        "idea",
        "conception",
        "experimentation",
        "development",
        "market_access",
        "deployment",
    ]


def test_the_api_gives_the_same_figures_as_the_csv(client: TestClient[Litestar], database: Database) -> None:
    add_records(database)
    data = client.get(f"/api/v1/dashboard?{FILTERS}").json()
    assert data["filters"] == {"region": "75", "sector": "cardio", "phase": "experimentation"}
    assert data["key_figures"]["partner_delay_median_days"] == 10
    for figure in data["figures"]:
        rows = _csv_rows(client.get(figure["csv_url"]).text)
        assert rows[0] == [c["label"] for c in figure["columns"]]
        assert rows[1:] == [[str(v) for v in row] for row in figure["rows"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("region=99", "region"),
        ("sector=inconnu", "sector"),
        ("phase=lancement", "phase"),
        ("indicateur=x", "indicateur"),
    ],
)
def test_an_unknown_filter_is_refused_with_a_400(client: TestClient[Litestar], query: str, field: str) -> None:
    page = client.get(f"/tableau-de-bord?{query}")
    assert page.status_code == 400
    assert "text/html" in page.headers["content-type"] and f"« {field} »" in page.text and "filtre" in page.text.lower()
    exported = client.get(f"/tableau-de-bord/territoires.csv?{query}")
    assert exported.status_code == 400
    problem = client.get(f"/api/v1/dashboard?{query}")
    assert problem.status_code == 400
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in problem.json()["errors"]] == [field]


@pytest.mark.parametrize(
    "path", ["/tableau-de-bord/inconnu.csv", "/tableau-de-bord/phases.xlsx", "/tableau-de-bord/phases"]
)
def test_an_unknown_export_is_a_404(client: TestClient[Litestar], path: str) -> None:
    assert client.get(path).status_code == 404


def test_the_page_is_public_and_shows_no_personal_data(client: TestClient[Litestar], database: Database) -> None:
    add_records(database)
    html = client.get("/tableau-de-bord").text
    for secret in ("porteuse.tableau@example.fr", "referente.cardio@example.fr", "Projet tableau A"):
        assert secret not in html


def test_figures_are_kept_briefly_then_recomputed(
    client: TestClient[Litestar], app: Litestar, database: Database
) -> None:
    before = client.get("/api/v1/dashboard").json()["key_figures"]["projects"]
    add_records(database)
    # Within the cache's lifetime the page, its CSV and the API keep showing the same figures...
    assert client.get("/api/v1/dashboard").json()["key_figures"]["projects"] == before
    phases = _csv_rows(client.get("/tableau-de-bord/phases.csv").text)
    assert sum(int(row[2]) for row in phases[1:]) == before
    # ...and are computed afresh once it has expired (here: turned off).
    app.state.dashboard_cache_seconds = 0
    assert client.get("/api/v1/dashboard").json()["key_figures"]["projects"] == before + 5
