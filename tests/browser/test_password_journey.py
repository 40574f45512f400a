"""In a real browser: the "Afficher" box of every password field, the strength meter and the password change, audited
with axe-core."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.audit import Audit, audited_journey

if TYPE_CHECKING:
    from conftest import HubServer

pytestmark = pytest.mark.browser

PASSWORD = "une phrase de passe assez longue"
NEW_PASSWORD = " puis une autre, avec des espaces autour "


def _shows_and_hides(page: Page, field_id: str, typed: str) -> None:
    """Tick "Afficher" as a user does (by its label): the typed text shows, then hides again, unchanged."""
    field = page.locator(f"#{field_id}")
    field.fill(typed)
    expect(field).to_have_attribute("type", "password")
    page.locator(f'label[for="{field_id}-afficher"]').click()
    expect(field).to_have_attribute("type", "text")
    expect(field).to_have_value(typed)
    page.locator(f'label[for="{field_id}-afficher"]').click()
    expect(field).to_have_attribute("type", "password")
    expect(field).to_have_value(typed)


def test_passwords_can_be_shown_and_changed(chromium_browser: Browser, hub_server: HubServer) -> None:
    """ASVS 8.3.3 (the privacy notice), 2.1.12 (show the masked password), 2.1.8 (the strength meter), 2.1.5 and 2.1.6
    (change it), 3.3.4 (the sessions page)."""
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit)


def _journey(page: Page, audit: Audit) -> None:
    # Before creating an account, the person reads what the hub does with personal data (linked from the form).
    page.goto("/inscription")
    page.get_by_role("main").get_by_role("link", name="Données personnelles").click()
    expect(page).to_have_url(re.compile(r"/donnees-personnelles$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Données personnelles")
    expect(page.get_by_role("table")).to_contain_text("Votre profil public")
    audit.check(page, "privacy notice")
    page.goto("/inscription")
    page.get_by_label(re.compile(r"^Nom affiché")).fill("Sacha Afficheur")
    page.get_by_label(re.compile(r"^Adresse e-mail")).fill("sacha.afficheur@exemple.fr")
    # While the password is typed, the meter says how hard it is to guess, in the fields' live region.
    strength = page.locator("#password-solidite")
    expect(strength).to_be_hidden()
    page.get_by_label(re.compile(r"^Mot de passe")).fill("azertyuiop12")
    expect(strength).to_contain_text("Solidité du mot de passe : Faible. Ce mot de passe est trop facile à deviner.")
    expect(strength).to_have_class(re.compile(r"fr-message--error"))
    expect(page.locator("#password-jauge")).to_have_attribute("value", "1")
    audit.check(page, "sign-up form, a weak password typed")
    page.get_by_label(re.compile(r"^Mot de passe")).fill("SachaAfficheur2026")  # the person's own name
    expect(strength).to_contain_text("trop facile à deviner")
    _shows_and_hides(page, "password", PASSWORD)
    expect(strength).to_have_text("Solidité du mot de passe : Très bon.")
    expect(strength).to_have_class(re.compile(r"fr-message--valid"))
    _shows_and_hides(page, "password_confirm", PASSWORD)
    audit.check(page, "sign-up form, filled")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(re.compile(r"/compte$"))

    page.get_by_role("link", name="Changer mon mot de passe").click()
    expect(page).to_have_url(re.compile(r"/compte/mot-de-passe$"))
    audit.check(page, "password change form")
    page.get_by_label(re.compile(r"^Mot de passe actuel")).fill("ce n’est pas le bon")
    page.get_by_label(re.compile(r"^Nouveau mot de passe")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile(r"^Confirmez le nouveau mot de passe")).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Changer mon mot de passe").click()
    expect(page.locator("#current_password-erreur")).to_have_text("Le mot de passe actuel n’est pas le bon.")
    expect(page.get_by_label(re.compile(r"^Mot de passe actuel"))).to_have_attribute(
        "aria-describedby", "current_password-erreur"
    )
    audit.check(page, "password change form, refused", status=422)
    _shows_and_hides(page, "current_password", PASSWORD)
    page.get_by_label(re.compile(r"^Nouveau mot de passe")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile(r"^Confirmez le nouveau mot de passe")).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Changer mon mot de passe").click()
    expect(page).to_have_url(re.compile(r"/compte/sessions\?info=mot-de-passe$"))
    expect(page.get_by_role("status")).to_contain_text("Votre mot de passe est modifié.")
    audit.check(page, "sessions")

    page.get_by_role("button", name="Se déconnecter").click()
    page.goto("/connexion")
    _shows_and_hides(page, "password", NEW_PASSWORD)
    audit.check(page, "sign-in form, filled")
    page.get_by_label(re.compile(r"^Adresse e-mail")).fill("sacha.afficheur@exemple.fr")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
