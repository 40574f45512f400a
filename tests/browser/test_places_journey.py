"""Issue 8 part 6 in a real browser: the agent of a France Services adds the place, schedules a session, registers
a visitor without an account (consent required); a member registers then cancels, freeing the seat; pages audited."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from hub.db import utcnow
from tests.browser.audit import Audit, audited_journey
from tests.browser.test_research_journey import prepare, sign_in
from tests.factories import make_account

if TYPE_CHECKING:
    from conftest import HubServer

pytestmark = pytest.mark.browser


def _cast(session: Session) -> None:
    make_account(session, "agent.nav@example.fr")
    make_account(session, "habitant.nav@example.fr")


def test_places_and_meetings_journey(chromium_browser: Browser, hub_server: HubServer) -> None:
    prepare(hub_server, _cast)
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit)


def _journey(page: Page, audit: Audit) -> None:
    sign_in(page, "agent.nav@example.fr")
    page.goto("/lieux")
    audit.check(page, "places")
    page.get_by_role("link", name="Ajouter un lieu").click()
    audit.check(page, "place form")
    page.get_by_label(re.compile(r"^Nom du lieu")).fill("France Services de Pauillac")
    page.get_by_label(re.compile(r"^Type de lieu")).select_option(label="Maison France Services")
    page.get_by_label(re.compile(r"^Adresse")).fill("2 quai Léon Périer")
    page.get_by_label(re.compile(r"^Code postal")).fill("3325")
    page.get_by_label(re.compile(r"^Commune")).fill("Pauillac")
    page.get_by_label(re.compile(r"^Département")).select_option(value="33")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#postcode-erreur")).to_have_text("Le code postal comporte 5 chiffres.")
    audit.check(page, "place form with an error", status=422)
    page.get_by_label(re.compile(r"^Code postal")).fill("33250")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("France Services de Pauillac")
    audit.check(page, "place page")

    page.get_by_role("link", name="Organiser une rencontre ici").click()
    audit.check(page, "meeting form")
    when = (utcnow() + timedelta(days=14)).astimezone(ZoneInfo("Europe/Paris")).replace(hour=14, minute=30)
    page.get_by_label(re.compile(r"^Titre")).fill("Le numérique en santé, parlons-en avec l’ARS")
    page.get_by_label(re.compile(r"^Date et heure de début")).fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(re.compile(r"^Nombre de places")).fill("2")
    page.get_by_role("button", name="Publier la rencontre").click()
    expect(page.locator("#places")).to_have_text("2 libres sur 2")
    expect(page.get_by_text("à 14 h 30")).to_be_visible()
    meeting_url = page.url.split("?")[0]
    audit.check(page, "meeting page (staff)")

    # A visitor without an account: consent must be ticked.
    page.get_by_label(re.compile(r"^Nom et prénom")).fill("Marcel Dupuy")
    page.get_by_label(re.compile(r"^Téléphone ou adresse e-mail")).fill("05 56 59 00 00")
    page.get_by_role("button", name="Inscrire", exact=True).click()
    expect(page.locator("#resume-erreurs")).to_contain_text("Cochez la case pour confirmer")
    audit.check(page, "guest registration with an error", status=422)
    page.locator('label[for="consent"]').click()
    page.get_by_role("button", name="Inscrire", exact=True).click()
    expect(page.locator("#places")).to_have_text("1 libre sur 2")
    expect(page.get_by_role("row", name=re.compile("Marcel Dupuy"))).to_contain_text("05 56 59 00 00")
    audit.check(page, "meeting page with a guest")

    # A member registers, then cancels: the seat is free again.
    sign_in(page, "habitant.nav@example.fr")
    page.goto("/rencontres")
    audit.check(page, "meetings")
    page.get_by_role("link", name="Le numérique en santé, parlons-en avec l’ARS").click()
    expect(page.get_by_text("Marcel Dupuy")).to_have_count(0)
    page.get_by_role("button", name="M’inscrire").click()
    expect(page.get_by_text("Vous êtes inscrit (place n° 2).")).to_be_visible()
    expect(page.locator("#places")).to_have_text("0 libre sur 2")
    audit.check(page, "meeting page once registered")
    page.get_by_role("button", name="Annuler mon inscription").click()
    expect(page.get_by_role("status")).to_contain_text("la place est libérée")
    expect(page.locator("#places")).to_have_text("1 libre sur 2")
    assert page.url.split("?")[0] == meeting_url
    audit.check(page, "meeting page after cancelling")
