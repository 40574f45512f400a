"""Needs from the field in a real browser: a nurse raises a need, a patient says "moi aussi", the referent in
charge qualifies it; every page is audited (axe-core WCAG 2.1 AA, CSP, weight)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, select

from hub.accounts.models import Account
from hub.db import Database, make_engine, utcnow
from hub.referents.models import ReferentAssignment, ReferentRole
from tests.browser.audit import Audit, audited_journey

if TYPE_CHECKING:
    from conftest import HubServer

pytestmark = pytest.mark.browser

DEMO = "demo.lab-esante.invalid"
TITLE = "Partager la photo d’une plaie avec le médecin traitant"


def demo_passwords(server: HubServer) -> dict[str, str]:
    """The demo accounts' passwords that `hub setup` wrote into the server's var/ folder."""
    lines = (Path(server.log_path).parent / "demo-accounts.txt").read_text().splitlines()
    return dict(line.split(" ", 1) for line in lines if line.strip())


def sign_in_as(page: Page, email: str, password: str) -> None:
    """Sign out if needed, then sign in through the login form."""
    page.goto("/connexion")
    logout = page.get_by_role("button", name="Se déconnecter")
    if logout.count():
        logout.click()
        page.goto("/connexion")
    page.get_by_label(re.compile(r"^Adresse e-mail")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def give_assignment(server: HubServer, email: str) -> None:
    """Make the demo referent the titulaire for dermatology in Nouvelle-Aquitaine (the referents' own pages are
    another domain's; the journey only needs the assignment to exist)."""
    engine = make_engine(f"sqlite:///{Path(server.log_path).parent / 'hub.sqlite3'}")
    try:
        with Database(engine).transaction() as session:
            account = session.exec(select(Account).where(col(Account.email) == email)).one()
            assert account.id is not None
            session.add(
                ReferentAssignment(
                    account_id=account.id,
                    territory_id="reg-75",
                    sectors=["dermatologie"],
                    role=ReferentRole.TITULAIRE,
                    starts_on=utcnow().date() - timedelta(days=1),
                )
            )
    finally:
        engine.dispose()


def _tick(page: Page, group: str, label: str) -> None:
    box = page.get_by_role("group", name=group).get_by_label(label, exact=True)
    page.locator(f'label[for="{box.get_attribute("id")}"]').click()
    expect(box).to_be_checked()


def test_raise_support_and_qualify_a_need(chromium_browser: Browser, hub_server: HubServer) -> None:
    """Raise, support ("moi aussi", once), qualify: the journey of part 1, audited page by page."""
    passwords = demo_passwords(hub_server)
    give_assignment(hub_server, f"referent@{DEMO}")
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit, passwords)


def _journey(page: Page, audit: Audit, passwords: dict[str, str]) -> None:
    nurse = f"soignant@{DEMO}"
    sign_in_as(page, nurse, passwords[nurse])
    page.goto("/besoins")
    audit.check(page, "needs list")
    page.get_by_role("link", name="Faire remonter un besoin").click()
    expect(page).to_have_url(re.compile(r"/besoins/nouveau$"))
    audit.check(page, "need form")

    # First without a sector nor who is concerned: refused next to the fields, the text kept.
    page.get_by_label(re.compile(r"^Le besoin en une phrase")).fill(TITLE)
    description = "Les infirmières libérales envoient les photos de plaies par SMS : rien n’est tracé ni sécurisé."
    page.get_by_label(re.compile(r"^Décrivez la situation")).fill(description)
    page.get_by_role("button", name="Publier le besoin").click()
    expect(page.get_by_role("group", name=re.compile("^Secteurs"))).to_contain_text("Choisissez au moins un secteur")
    expect(page.get_by_label(re.compile(r"^Le besoin en une phrase"))).to_have_value(TITLE)
    audit.check(page, "need form with errors", status=422)

    _tick(page, "Qui est concerné ?", "Patients")
    _tick(page, "Qui est concerné ?", "Professionnels de santé")
    _tick(page, "Secteurs Au moins un.", "Dermatologie et plaies")
    page.get_by_label(re.compile(r"^Territoire")).select_option(value="dep-33")
    page.get_by_role("button", name="Publier le besoin").click()
    expect(page).to_have_url(re.compile(r"/besoins/\d+\?fait=besoin$"))
    need_url = page.url.split("?")[0]
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#statut")).to_have_text("En attente de qualification")
    audit.check(page, "need page (author)")

    # A patient representative says "moi aussi", once; the button then offers to withdraw it.
    patient = f"patient@{DEMO}"
    sign_in_as(page, patient, passwords[patient])
    page.goto(need_url)
    page.get_by_role("button", name="Moi aussi").click()
    expect(page.locator("#nombre-soutiens")).to_have_text("1 personne dit « moi aussi ».")
    expect(page.get_by_role("button", name="Retirer mon « moi aussi »")).to_be_visible()
    page.get_by_label("Votre commentaire").fill("Même problème en EHPAD <b>chaque semaine</b>.")
    page.get_by_role("button", name="Commenter").click()
    expect(page.locator(".hub-comment")).to_have_text("Même problème en EHPAD <b>chaque semaine</b>.")
    audit.check(page, "need page (supporter)")

    # The referent in charge of dermatology in Nouvelle-Aquitaine qualifies it.
    referent = f"referent@{DEMO}"
    sign_in_as(page, referent, passwords[referent])
    page.goto(need_url)
    expect(page.get_by_role("heading", name="Qualifier ce besoin")).to_be_visible()
    audit.check(page, "need page (referent)")
    page.get_by_label(re.compile(r"^Qualification")).select_option(value="taken_up")
    page.get_by_label(re.compile(r"^Motif ou précisions")).fill("Le CHU de Bordeaux lance un appel à projets.")
    page.get_by_role("button", name="Enregistrer la qualification").click()
    expect(page.locator("#statut")).to_have_text("Pris en charge")
    expect(page.locator("#motif")).to_have_text("Le CHU de Bordeaux lance un appel à projets.")
    audit.check(page, "need page (qualified)")

    page.goto("/besoins?status=taken_up&territory=reg-75")
    expect(page.get_by_role("link", name=TITLE)).to_have_count(1)
    audit.check(page, "needs list filtered")
