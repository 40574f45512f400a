"""Issue 8 part 3 in a real browser: a researcher records a result and changes her mind, a company says it is
interested, the institution pairs, the researcher takes the result back; every page audited (axe, CSP, weight)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from hub.accounts.services import viewer_for
from hub.db import Database, make_engine
from tests.browser.audit import Audit, audited_journey
from tests.factories import PASSWORD, make_account, make_actor

if TYPE_CHECKING:
    from conftest import HubServer

pytestmark = pytest.mark.browser


def prepare(server: HubServer, build: Callable[[Session], None]) -> None:
    """Write set-up data straight into the served hub's database (the hub has no admin UI for it)."""
    engine = make_engine(f"sqlite:///{server.log_path.parent / 'hub.sqlite3'}")
    try:
        with Database(engine).transaction() as session:
            build(session)
    finally:
        engine.dispose()


def sign_in(page: Page, email: str) -> None:
    """Sign out (cookies cleared) and sign in through the login form."""
    page.context.clear_cookies()
    page.goto("/connexion")
    page.get_by_label(re.compile(r"^Adresse e-mail")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.locator('form[action="/connexion"] button[type="submit"]').click()
    expect(page).not_to_have_url(re.compile(r"/connexion"))


def _cast(session: Session) -> None:
    make_account(session, "chercheuse.nav@example.fr")
    officer = viewer_for(session, make_account(session, "valo.nav@example.fr"))
    make_actor(session, officer, name="Unité Navigateur de cardiologie", kind="research_unit", departement="33")
    make_actor(session, officer, name="Université Navigateur", kind="university", departement="33")
    boss = viewer_for(session, make_account(session, "entreprise.nav@example.fr"))
    make_actor(session, boss, name="Navigateur Santé SAS", kind="company", departement="33")


def test_research_valorisation_journey(chromium_browser: Browser, hub_server: HubServer) -> None:
    prepare(hub_server, _cast)
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit)


def _journey(page: Page, audit: Audit) -> None:
    sign_in(page, "chercheuse.nav@example.fr")
    page.goto("/valorisation")
    audit.check(page, "research results")
    page.get_by_role("link", name="Déclarer un résultat de recherche").click()
    audit.check(page, "result form")
    page.get_by_label(re.compile(r"^Titre du résultat")).fill("Détection précoce de l’insuffisance cardiaque")
    page.get_by_label(re.compile(r"^Unité de recherche")).fill("Un laboratoire qui n’existe pas")
    page.get_by_label(re.compile(r"^Référence de la subvention")).fill("ANR-22-CE45-0007")
    page.get_by_label(re.compile(r"^Titulaire de la propriété intellectuelle")).fill("Université Navigateur")
    page.get_by_label(re.compile(r"^Ce que vous souhaitez faire")).select_option(value="institution")
    page.get_by_role("button", name="Enregistrer").click()
    unit = page.get_by_label(re.compile(r"^Unité de recherche"))
    expect(unit).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#research_unit-erreur")).to_contain_text("Aucun acteur de l’annuaire")
    expect(page).to_have_title(re.compile(r"^Erreur"))
    audit.check(page, "result form with an error", status=422)
    unit.fill("Unité Navigateur de cardiologie")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Détection précoce de l’insuffisance cardiaque")
    expect(page.locator("#intention")).to_contain_text("Laisser l’établissement valoriser")
    result_url = page.url.split("?")[0]
    audit.check(page, "result page")
    # She changes her mind.
    page.get_by_label("Nouvelle intention").select_option(value="carry")
    page.get_by_label(re.compile(r"^Un mot d’explication")).fill("Je crée ma start-up.")
    page.get_by_role("button", name="Enregistrer mon choix").click()
    expect(page.locator("#intention")).to_have_text("Porter soi-même le projet")
    expect(page.locator("#historique tbody tr")).to_have_count(2)
    audit.check(page, "result page after an intent change")

    # A company says it is interested, whatever the intent.
    sign_in(page, "entreprise.nav@example.fr")
    page.goto(result_url)
    page.get_by_label(re.compile(r"^Message pour le chercheur")).fill("Nous aimerions en parler.")
    page.get_by_role("button", name="Je suis intéressé").click()
    expect(page.get_by_role("status")).to_contain_text("L’intérêt de votre entreprise est enregistré")
    audit.check(page, "result page after interest")

    # The institution pairs it with the company.
    sign_in(page, "valo.nav@example.fr")
    page.goto(result_url)
    page.get_by_role("button", name="Apparier avec Navigateur Santé SAS").click()
    expect(page.get_by_role("status")).to_contain_text("L’appariement est enregistré")
    audit.check(page, "result page after pairing")

    # The researcher takes the result back.
    sign_in(page, "chercheuse.nav@example.fr")
    page.goto(result_url)
    page.get_by_label(re.compile(r"^Motif")).fill("Je reprends mon résultat.")
    page.get_by_role("button", name="Reprendre mon résultat").click()
    history = page.locator("#historique tbody tr")
    expect(history).to_have_count(4)
    expect(history.last).to_contain_text("Fin de l’appariement")
    expect(history.last).to_contain_text("Je reprends mon résultat.")
    audit.check(page, "result page after taking it back")
