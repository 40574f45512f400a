"""Field feedback in a real browser: a decision-maker becomes the voice of the CNSA, a nurse raises an obstacle to
it (first with an empty description, refused next to the field), a patient supports it, the decision-maker answers
in public and the status shows « Répondu »; the CNSA's digest counts it. Every page is audited (axe-core WCAG 2.1
AA, CSP, weight).

The journey addresses the CNSA, which no other journey uses, so that its counts are its own on the shared server.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.audit import Audit, audited_journey
from tests.browser.test_needs_journey import DEMO, demo_passwords, sign_in_as

if TYPE_CHECKING:
    from conftest import HubServer

pytestmark = pytest.mark.browser

INSTITUTION = "Caisse nationale de solidarité pour l'autonomie"
INSTITUTION_URL = "/annuaire/caisse-nationale-de-solidarite-pour-l-autonomie"
TITLE = "Les aides techniques connectées ne sont pas financées à domicile"
DESCRIPTION = (
    "Les capteurs de chute que nous installons chez les personnes âgées ne sont pris en charge par aucune aide : "
    "les familles renoncent au bout de trois mois."
)
ANSWER = "La CNSA ouvre en mars un appel à projets sur les aides techniques connectées ; vos retours y sont intégrés."


def test_a_professional_raises_a_blocker_that_the_institution_answers(
    chromium_browser: Browser, hub_server: HubServer
) -> None:
    passwords = demo_passwords(hub_server)
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit, passwords)


def _decision_maker_speaks_for_the_cnsa(page: Page, audit: Audit, passwords: dict[str, str]) -> None:
    """The demo decision-maker asks to represent the CNSA, an administrator agrees, she names it in her profile."""
    decider, admin = f"decideur@{DEMO}", f"administration@{DEMO}"
    sign_in_as(page, decider, passwords[decider])
    page.goto(INSTITUTION_URL)
    audit.check(page, "institution page")
    page.get_by_label(re.compile(r"^Votre fonction et votre lien")).fill("Chargée de mission à la CNSA (fictive).")
    page.get_by_role("button", name="Demander à représenter cet acteur").click()
    sign_in_as(page, admin, passwords[admin])
    page.goto("/administration/demandes")
    claim = page.locator("section", has=page.get_by_role("heading", name=INSTITUTION))
    claim.get_by_role("button", name="Accepter").click()
    expect(page.locator("section", has=page.get_by_role("heading", name=INSTITUTION))).to_have_count(0)
    sign_in_as(page, decider, passwords[decider])
    page.goto("/compte/profil")
    page.get_by_label(re.compile(r"^Structure")).select_option(label=INSTITUTION)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_url(re.compile(r"/compte$"))


def _journey(page: Page, audit: Audit, passwords: dict[str, str]) -> None:
    _decision_maker_speaks_for_the_cnsa(page, audit, passwords)
    nurse, patient, decider = f"soignant@{DEMO}", f"patient@{DEMO}", f"decideur@{DEMO}"

    # A nurse raises an obstacle: an empty description is refused next to the field, the rest is kept.
    sign_in_as(page, nurse, passwords[nurse])
    page.goto("/remontees")
    audit.check(page, "feedback list")
    page.get_by_role("link", name="Faire remonter un obstacle").first.click()
    expect(page).to_have_url(re.compile(r"/remontees/nouvelle$"))
    audit.check(page, "feedback form")
    page.get_by_label(re.compile(r"^Organisme concerné")).select_option(label=INSTITUTION)
    page.get_by_label(re.compile(r"^Nature de l’obstacle")).select_option(label="Financement")
    page.get_by_label(re.compile(r"^Titre")).fill(TITLE)
    page.get_by_label(re.compile(r"^Vous parlez en tant que")).select_option(label="Professionnel de santé")
    page.get_by_label(re.compile(r"^Département concerné")).select_option(value="33")
    page.get_by_role("button", name="Envoyer la remontée").click()
    body = page.get_by_label(re.compile(r"^Description"))
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#body-erreur")).to_contain_text("obligatoire")
    expect(page.get_by_label(re.compile(r"^Titre"))).to_have_value(TITLE)
    expect(page).to_have_title(re.compile(r"^Erreur"))
    audit.check(page, "feedback form with an error", status=422)
    body.fill(DESCRIPTION)
    page.get_by_role("button", name="Envoyer la remontée").click()
    expect(page).to_have_url(re.compile(r"/remontees/\d+\?fait=creee$"))
    item_url = page.url.split("?")[0]
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#statut")).to_have_text("Reçu")
    audit.check(page, "feedback item (received)")

    # A patient representative supports it, once.
    sign_in_as(page, patient, passwords[patient])
    page.goto("/remontees")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Moi aussi, je rencontre cet obstacle").click()
    expect(page.locator("#soutiens")).to_have_text("1 personne soutient cette remontée")
    expect(page.get_by_role("button", name="Moi aussi, je rencontre cet obstacle")).to_have_count(0)
    audit.check(page, "feedback item (supported)")

    # The CNSA's decision-maker answers in public: the status becomes « Répondu ».
    sign_in_as(page, decider, passwords[decider])
    page.goto(item_url)
    expect(page.locator("#pas-de-reponse")).to_be_visible()
    audit.check(page, "feedback item (decision-maker view)")
    page.get_by_label(re.compile(r"^Votre réponse publique")).fill(ANSWER)
    page.get_by_role("button", name="Publier la réponse").click()
    expect(page.locator("#statut")).to_have_text("Répondu")
    expect(page.get_by_role("heading", name=re.compile(f"^Réponse de {re.escape(INSTITUTION)}"))).to_be_visible()
    expect(page.get_by_text(ANSWER)).to_be_visible()
    history = page.get_by_role("table", name="Étapes du traitement de la remontée")
    expect(history.locator("tbody tr")).to_have_count(2)
    audit.check(page, "feedback item (answered)")

    # Anyone reads the CNSA's digest: one funding item, answered.
    sign_in_as(page, nurse, passwords[nurse])
    page.goto("/remontees/organismes")
    audit.check(page, "institutions")
    page.get_by_role("link", name=INSTITUTION).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Remontées adressées à {INSTITUTION}")
    by_category = page.get_by_role("table", name="Remontées par nature d’obstacle")
    expect(by_category.get_by_role("row", name=re.compile(r"^Financement"))).to_contain_text("1")
    by_status = page.get_by_role("table", name="Remontées par statut de traitement")
    expect(by_status.get_by_role("row", name=re.compile(r"^Répondu"))).to_contain_text("1")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    audit.check(page, "institution digest")
