"""Issue 7 (network view and live activity) in a real browser: the feed grows live, a network view reads well.

The feed page is opened; meanwhile a new actor is committed to the served hub's database (as another person's
request would), and the browser must show it at the top of the list and announce it politely, through the
Server-Sent Events stream, without reloading. Then a project's network view is opened from its page. Every page
is audited (axe-core WCAG 2.1 AA, CSP, weight).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

import hub.activity.recording  # noqa: F401  (the listeners that turn the new actor into an event)
from hub.db import Database, make_engine, utcnow
from hub.directory.models import Actor, ActorKind
from tests.browser.audit import Audit, audited_journey

if TYPE_CHECKING:
    from conftest import HubServer

pytestmark = pytest.mark.browser

NEW_ACTOR = "Centre d’e-santé de Libourne"


def test_feed_grows_live_and_network_view(chromium_browser: Browser, hub_server: HubServer) -> None:
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit, hub_server)


def _publish_actor(server: HubServer) -> None:
    """Commit a new actor to the served hub's database, from another process, as a request there would."""
    engine = make_engine(f"sqlite:///{server.log_path.parent / 'hub.sqlite3'}")
    try:
        with Database(engine).session() as session:
            session.add(
                Actor(
                    slug="centre-e-sante-libourne",
                    name=NEW_ACTOR,
                    kind=ActorKind.HEALTH_ESTABLISHMENT,
                    departement_id="dep-33",
                    region_id="reg-75",
                    created_at=utcnow(),
                    updated_at=utcnow(),
                )
            )
            session.commit()
    finally:
        engine.dispose()


def _journey(page: Page, audit: Audit, server: HubServer) -> None:
    page.goto("/activite?region=75")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activité du réseau")
    audit.check(page, "activity feed")
    # the stream is open once the page's script has run; then something happens elsewhere in the network
    page.wait_for_function("() => document.readyState === 'complete'")
    page.wait_for_timeout(500)
    _publish_actor(server)
    newest = page.locator("#activite-liste > li").first
    expect(newest).to_contain_text(f"{NEW_ACTOR} rejoint l’annuaire", timeout=10_000)
    expect(newest).to_contain_text("Nouvel acteur")
    expect(newest).to_contain_text("Gironde")
    expect(page.locator("#activite-annonces")).to_contain_text(NEW_ACTOR)
    expect(page.locator("#activite-annonces")).to_have_attribute("aria-live", "polite")
    audit.check(page, "activity feed after a live event")

    # the feed without JavaScript's help: filters are a plain form; an unknown value is refused clearly
    page.get_by_label("Secteur").select_option(value="cardio")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"sector=cardio"))
    audit.check(page, "activity feed filtered")

    # a project's network view, from its page
    page.goto("/projets?sector=oncologie")
    page.locator(".hub-card h2 a").first.click()
    page.get_by_role("link", name=re.compile("Voir le réseau du projet")).click()
    expect(page).to_have_url(re.compile(r"/reseau$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Réseau de")
    expect(page.get_by_role("img", name=re.compile("^Réseau de"))).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Nature du lien")
    audit.check(page, "project network view")
