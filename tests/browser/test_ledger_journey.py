"""Issue 6 in a real browser: a nurse offers hours, her employer's approver accepts, a colleague uses them for a
project, the project lead accepts, and the public register shows it; every page audited (axe-core, CSP, weight)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from hub.db import Database, make_engine
from hub.projects.models import Project
from tests.browser.audit import Audit, audited_journey
from tests.factories import PASSWORD
from tests.ledger.conftest import Bank
from tests.ledger.pages import ADMIN, APPROVER, DEPOSITOR, DRAWER, LEAD, bank_with_logins

if TYPE_CHECKING:
    from conftest import HubServer

pytestmark = pytest.mark.browser


def _bank(server: HubServer) -> tuple[Bank, str]:
    """The people, convention and project of the journey, written into the served hub's database."""
    engine = make_engine(f"sqlite:///{server.log_path.parent / 'hub.sqlite3'}")
    try:
        database = Database(engine)
        bank = bank_with_logins(database)
        with database.session() as session:
            slug = session.exec(select(Project.slug).where(col(Project.id) == bank.project_id)).one()
        return bank, slug
    finally:
        engine.dispose()


def test_deposit_approval_use_and_public_register(chromium_browser: Browser, hub_server: HubServer) -> None:
    """The bank's main journey as its four people click through it."""
    bank, slug = _bank(hub_server)
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit, bank, slug)


def _sign_in(page: Page, email: str) -> None:
    page.goto("/connexion")
    page.get_by_label(re.compile(r"^Adresse e-mail")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=re.compile("connecter", re.IGNORECASE)).click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()


def _journey(page: Page, audit: Audit, bank: Bank, slug: str) -> None:
    page.goto("/banque-d-heures")
    audit.check(page, "bank home")

    # The nurse offers an hour and a half; a fractional amount is refused next to the field first.
    _sign_in(page, DEPOSITOR)
    page.goto("/banque-d-heures/verser")
    audit.check(page, "deposit form")
    page.get_by_label(re.compile(r"^Convention de votre employeur")).select_option(str(bank.convention_id))
    page.get_by_label(re.compile(r"^Durée, en minutes")).fill("12,5")
    page.get_by_role("button", name="Proposer ces heures").click()
    expect(page.locator("#minutes-erreur")).to_have_text("La durée doit être un nombre entier de minutes.")
    audit.check(page, "deposit form refused", status=422)
    page.get_by_label(re.compile(r"^Durée, en minutes")).fill("90")
    page.get_by_role("button", name="Proposer ces heures").click()
    expect(page).to_have_url(re.compile(r"/banque-d-heures/releve\?fait=versement$"))
    expect(page.locator("#mes-versements")).to_contain_text("En attente de validation")
    audit.check(page, "statement")
    page.goto("/banque-d-heures/declaration")
    audit.check(page, "declaration form")
    _sign_out(page)

    # Her employer's approver accepts.
    _sign_in(page, APPROVER)
    page.goto("/banque-d-heures/validations")
    expect(page.get_by_role("heading", name=re.compile("Soignant0 propose 1 h 30"))).to_be_visible()
    audit.check(page, "approver inbox")
    page.get_by_role("button", name="Accepter").click()
    expect(page.get_by_text("La demande est acceptée")).to_be_visible()
    _sign_out(page)

    # A colleague uses an hour for the project.
    _sign_in(page, DRAWER)
    page.goto("/banque-d-heures/utiliser")
    audit.check(page, "use form")
    page.get_by_label(re.compile(r"^Réserve d’heures")).select_option(str(bank.convention_id))
    page.get_by_label(re.compile(r"^Projet")).select_option(str(bank.project_id))
    page.get_by_label(re.compile(r"^Durée, en minutes")).fill("60")
    page.get_by_role("button", name="Demander ces heures").click()
    expect(page).to_have_url(re.compile(r"fait=utilisation$"))
    _sign_out(page)

    # The project lead accepts.
    _sign_in(page, LEAD)
    page.goto("/banque-d-heures/validations")
    audit.check(page, "lead inbox")
    page.get_by_role("button", name="Accepter").click()
    expect(page.get_by_text("La demande est acceptée")).to_be_visible()
    _sign_out(page)

    # The public register shows the hour used, the depositor's pseudonym, the stake and the approver.
    page.goto(f"/banque-d-heures/projets/{slug}")
    audit.check(page, "project register")
    expect(page.locator("#chiffres")).to_contain_text("1 h")
    uses = page.locator("#utilisations tbody tr")
    expect(uses).to_have_count(1)
    expect(uses.first).to_contain_text("Validé")
    expect(uses.first).to_contain_text("Pseudonyme")
    expect(page.locator("#interessements tbody tr").first).to_contain_text("100,0 %")
    page.goto(f"/banque-d-heures/conventions/{bank.convention_id}")
    audit.check(page, "convention register")
    expect(page.locator("#versements tbody tr").first).to_contain_text("Validé")

    # The administrator's pages.
    _sign_in(page, ADMIN)
    page.goto("/administration/banque-d-heures")
    audit.check(page, "bank administration")
    page.goto("/administration/banque-d-heures/conventions/nouvelle")
    audit.check(page, "new convention form")
    page.goto(f"/administration/banque-d-heures/conventions/{bank.convention_id}")
    audit.check(page, "convention administration")
    page.goto("/administration/personnes/effacement")
    audit.check(page, "erasure form")
    # Reading the convention's approvers and depositors was audited: the journal names the page, not the addresses.
    page.goto("/administration/consultations")
    audit.check(page, "access journal")
    first = page.locator("#consultations tbody tr").first
    expect(first).to_contain_text("Valideurs et déposants d’une convention")
    expect(first).to_contain_text(f"convention n° {bank.convention_id}")
    expect(page.locator("#consultations")).not_to_contain_text("@")
