"""Issue 2 in a real browser: sign up, add an actor, add a project it carries, find it; every page audited.

Each page the journey visits is checked with axe-core against WCAG 2.1 A and AA (the RGAA's base),
must not trip the Content Security Policy, and must stay light: the HTML document under 100 KB and
the hub's own scripts (/static/hub/) under 100 KB in total.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from hub import identifiers
from tests.browser.audit import Audit, audited_journey

if TYPE_CHECKING:
    from conftest import HubServer

pytestmark = pytest.mark.browser

PASSWORD = "une phrase de passe assez longue"


def with_luhn_key(digits: str) -> str:
    """The digits followed by the Luhn check digit that SIREN and SIRET numbers carry."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return digits + str((10 - total % 10) % 10)


def test_luhn_key_is_the_one_the_hub_accepts() -> None:
    # The journey's valid and mistyped SIRETs are only as good as this key: exactly one last digit passes.
    for digits in ("99912345", "9991234560001", "7328293200007"):
        keyed = with_luhn_key(digits)
        accepted = [key for key in "0123456789" if identifiers.luhn_is_valid(digits + key)]
        assert accepted == [keyed[-1]]


def test_sign_up_add_actor_and_project_then_find_it(chromium_browser: Browser, hub_server: HubServer) -> None:
    """The issue-2 journey, as a nurse would click through it, with an audit of every page on the way."""
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit)


def _tick(page: Page, checkbox: Locator) -> None:
    """Tick a DSFR checkbox as a user does: by clicking its label (the styled box sits on the label)."""
    page.locator(f'label[for="{checkbox.get_attribute("id")}"]').click()
    expect(checkbox).to_be_checked()


def _journey(page: Page, audit: Audit) -> None:
    page.goto("/")
    audit.check(page, "home")

    # Sign up, as a user fills the form.
    page.get_by_role("link", name=re.compile("Créer un compte|Inscription", re.IGNORECASE)).first.click()
    expect(page).to_have_url(re.compile(r"/inscription$"))
    audit.check(page, "sign-up form")
    page.get_by_label(re.compile(r"^Nom affiché")).fill("Camille Navigateur")
    page.get_by_label(re.compile(r"^Adresse e-mail")).fill("camille.navigateur@exemple.fr")
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Confirmez le mot de passe")).fill(PASSWORD)
    page.get_by_label("Vous êtes").select_option(label="Professionnel de santé")
    page.get_by_label(re.compile(r"^Profession ou fonction")).fill("Infirmière coordinatrice")
    _tick(page, page.get_by_label(re.compile(r"^Afficher mon profil")))
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(re.compile(r"/compte$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit.check(page, "account")

    # Add an actor: first with a mistyped SIRET, which is refused next to the field, the rest kept.
    siret = with_luhn_key(with_luhn_key("99912345") + "0001")
    wrong_siret = siret[:-1] + str((int(siret[-1]) + 1) % 10)
    actor_name = "Plaies & Cicatrisation d’Aquitaine"
    page.get_by_role("link", name="Ajouter un acteur").first.click()
    expect(page).to_have_url(re.compile(r"/annuaire/nouveau$"))
    audit.check(page, "actor form")
    page.get_by_label(re.compile(r"^Nom\W*$")).fill(actor_name)
    page.get_by_label("Type d’acteur").select_option(label="Entreprise")
    page.get_by_label("Département").select_option(value="33")
    _tick(page, page.get_by_role("group", name="Secteurs").get_by_label("Dermatologie et plaies"))
    siret_field = page.get_by_label(re.compile(r"^SIRET"))
    siret_field.fill(wrong_siret)
    page.get_by_role("button", name="Enregistrer").click()
    siret_group = page.locator(".fr-input-group", has=siret_field)
    expect(siret_group.locator(".fr-error-text")).to_have_text(re.compile(r"^Le SIRET est invalide.*clé de contrôle"))
    expect(siret_field).to_have_attribute("aria-invalid", "true")
    expect(siret_field).to_have_attribute("aria-describedby", "siret-erreur")
    expect(page.get_by_label(re.compile(r"^Nom\W*$"))).to_have_value(actor_name)
    expect(page).to_have_title(re.compile(r"^Erreur"))
    audit.check(page, "actor form with an error", status=422)

    siret_field.fill(siret)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_url(re.compile(r"/annuaire/plaies-"))
    actor_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(actor_name)
    details = page.locator("dl")
    expect(details).to_contain_text(siret)
    expect(details).to_contain_text("Gironde")
    expect(details).to_contain_text("Dermatologie et plaies")
    expect(page.get_by_role("link", name="Modifier la fiche")).to_be_visible()
    audit.check(page, "actor page")

    # Add a project carried by that actor: the carrier list offers exactly the actors this person represents.
    title = "Suivi des plaies chroniques par photo à domicile"
    page.goto("/projets/nouveau")
    audit.check(page, "project form")
    carrier = page.get_by_label(re.compile(r"^Structure porteuse"))
    expect(carrier.locator("option")).to_have_text(["— Aucune pour l’instant —", actor_name])
    page.get_by_label(re.compile(r"^Titre du projet")).fill(title)
    page.get_by_label(re.compile(r"^Résumé")).fill(
        "Les infirmières photographient les plaies au domicile et un médecin ajuste le pansement à distance."
    )
    carrier.select_option(label=actor_name)
    _tick(page, page.get_by_role("group", name="Secteurs").get_by_label("Dermatologie et plaies"))
    page.get_by_label("Phase du projet").select_option(index=1)
    page.get_by_label("Département").select_option(value="33")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_url(re.compile(r"/projets/suivi-des-plaies"))
    project_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("dl").get_by_role("link", name=actor_name)).to_have_attribute("href", urlparse(actor_url).path)
    audit.check(page, "project page")

    # Find it again in the catalogue through the words filter, and open it (the main menu groups its links).
    page.get_by_role("button", name="Le réseau").click()
    page.get_by_role("link", name="Catalogue des projets").click()
    expect(page).to_have_url(re.compile(r"/projets$"))
    audit.check(page, "project list")
    page.get_by_label("Mots du titre ou du résumé").fill("plaies chroniques")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"/projets\?.*q=plaies"))
    result = page.get_by_role("link", name=title)
    expect(result).to_have_count(1)
    audit.check(page, "project list filtered")
    result.click()
    expect(page).to_have_url(project_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    page.get_by_role("button", name="Le réseau").click()
    page.get_by_role("link", name="Annuaire des acteurs").click()
    expect(page).to_have_url(re.compile(r"/annuaire$"))
    audit.check(page, "actor list")
