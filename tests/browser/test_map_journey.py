"""Issue 7's map in a real browser: choose an indicator and a filter, click a région, reach the list behind a number.

Every page on the way is audited (axe-core WCAG 2.1 AA, CSP, weight), including the 400 page of an
unknown indicator.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.audit import Audit, audited_journey

if TYPE_CHECKING:
    from conftest import HubServer

pytestmark = pytest.mark.browser


def test_choose_indicator_and_filter_drill_down_and_reach_a_list(
    chromium_browser: Browser, hub_server: HubServer
) -> None:
    """A decision-maker maps oncology actors, opens Nouvelle-Aquitaine, then the Gironde list."""
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit)


def _figure_in_table(page: Page, name: str) -> int:
    row = page.locator("#carte-tableau tbody tr").filter(has=page.get_by_role("rowheader", name=re.compile(name)))
    return int(row.locator("td").first.inner_text().replace("\u202f", "").replace(" ", ""))


def _journey(page: Page, audit: Audit) -> None:
    page.goto("/carte")
    expect(page.get_by_role("heading", level=1)).to_have_text("Carte du réseau")
    audit.check(page, "map of France")

    page.get_by_label("Ce que la carte compte").select_option(label="Nombre d’acteurs")
    page.get_by_label("Secteur").select_option(label="Cancérologie")
    page.get_by_role("button", name="Afficher la carte").click()
    expect(page).to_have_url(re.compile(r"indicateur=actors.*sector=oncologie"))
    expect(page.locator("#titre-carte")).to_contain_text("Nombre d’acteurs par région (secteur : Cancérologie)")
    audit.check(page, "map of oncology actors")
    regional = _figure_in_table(page, "Nouvelle-Aquitaine")

    # Click the région on the SVG map itself.
    page.locator('svg.carte a[aria-label^="Nouvelle-Aquitaine :"]').click()
    expect(page).to_have_url(re.compile(r"region=75"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Carte du réseau en Nouvelle-Aquitaine")
    audit.check(page, "drill-down into Nouvelle-Aquitaine")
    gironde = _figure_in_table(page, "Gironde")
    assert gironde <= regional

    # The list behind the number: the directory with the same filters.
    page.get_by_role("link", name=re.compile(r"Voir la liste\s*:\s*Gironde")).click()
    expect(page).to_have_url(re.compile(r"/annuaire\?departement=33&sector=oncologie"))
    audit.check(page, "directory behind the Gironde figure")

    # An indicator that does not exist: a clear refusal, itself accessible.
    page.goto("/carte?indicateur=meteo")
    expect(page.get_by_text(re.compile("Indicateur inconnu"))).to_be_visible()
    audit.check(page, "unknown indicator", status=400)
