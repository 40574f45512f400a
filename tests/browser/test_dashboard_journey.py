"""Issue 7 (part 8) in a real browser: the decision-makers' dashboard, a filter, a table, its CSV, the open data.

Every page is audited (axe-core WCAG 2.1 AA, CSP, weight) like the other journeys.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.audit import Audit, audited_journey

if TYPE_CHECKING:
    from conftest import HubServer

pytestmark = pytest.mark.browser


def test_a_decision_maker_filters_the_dashboard_and_takes_the_figures_away(
    chromium_browser: Browser, hub_server: HubServer
) -> None:
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit)


def _journey(page: Page, audit: Audit) -> None:
    page.goto("/tableau-de-bord")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord du réseau")
    expect(page.get_by_role("img", name="Projets et acteurs par région")).to_be_visible()
    audit.check(page, "dashboard")

    # Filter on a région and a phase, as a user does with the form.
    page.get_by_label("Région", exact=True).select_option(label="Nouvelle-Aquitaine")
    page.get_by_label("Phase du projet", exact=True).select_option(label="Conception")
    page.get_by_role("button", name="Afficher les chiffres").click()
    expect(page).to_have_url(re.compile(r"/tableau-de-bord\?.*region=75.*phase=conception"))
    expect(page.get_by_role("status")).to_contain_text("Nouvelle-Aquitaine")
    audit.check(page, "dashboard filtered")

    # The chart's table: départements of the région, with their figures.
    table = page.locator("#tableau-territoires")
    expect(table.locator("caption")).to_have_text("Projets et acteurs par département (tableau)")
    expect(table.get_by_role("rowheader", name="Gironde")).to_be_visible()
    shown = [
        [cell.replace("\u202f", "") for cell in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tr").all()
    ]

    # Its CSV holds exactly the table's figures, filters included, under a dated file name.
    link = page.locator("#territoires").get_by_role("link", name=re.compile("Télécharger ces chiffres"))
    href = link.get_attribute("href") or ""
    assert href.startswith("/tableau-de-bord/territoires.csv?") and "region=75" in href
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    assert re.search(
        r'filename="tableau-de-bord-territoires-75-conception-\d{4}-\d{2}-\d{2}\.csv"',
        response.headers["content-disposition"],
    )
    assert list(csv.reader(io.StringIO(response.text()))) == shown

    # A filter value that does not exist is a clear refusal.
    page.goto("/tableau-de-bord?region=99")
    expect(page.get_by_role("heading", level=1)).to_have_text("Requête invalide")
    audit.check(page, "dashboard refusal", status=400)

    # The open data: the page, its dictionary, and a GeoJSON file that parses.
    page.goto("/donnees")
    page.get_by_role("link", name="données ouvertes", exact=True).click()
    expect(page).to_have_url(re.compile(r"/donnees-ouvertes$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Données ouvertes")
    audit.check(page, "open data")
    geojson = page.request.get("/donnees-ouvertes/projets.geojson")
    assert geojson.headers["content-type"].startswith("application/geo+json")
    collection = json.loads(geojson.body())
    assert collection["type"] == "FeatureCollection" and collection["features"]
    page.get_by_role("link", name="dictionnaire des données").first.click()
    expect(page).to_have_url(re.compile(r"/donnees-ouvertes/dictionnaire$"))
    expect(page.get_by_role("table").first.locator("caption")).to_contain_text("acteurs")
    audit.check(page, "data dictionary")
