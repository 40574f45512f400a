"""Referents in a real browser: an administrator names a referent (first with a refused term), a start-up adds a
project in that referent's territory and sector, and the project appears in the referent's queue, where it is
closed with an outcome; the public page lists who covers what and the white zones. Every page is audited
(axe-core WCAG 2.1 AA, CSP, weight).

The journey uses its own person, territory (Rhône) and sector (ophtalmologie) so that it does not change where
the other journeys' items go on the shared server.
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

REFERENT = "noe.referent@exemple.fr"
PASSWORD = "une phrase de passe assez longue"
TITLE = "Dépistage de la rétinopathie diabétique en pharmacie"


def _tick(page: Page, group: str, label: str) -> None:
    box = page.get_by_role("group", name=re.compile(f"^{group}")).get_by_label(label, exact=True)
    page.locator(f'label[for="{box.get_attribute("id")}"]').click()
    expect(box).to_be_checked()


def test_admin_names_a_referent_whose_queue_receives_a_new_project(
    chromium_browser: Browser, hub_server: HubServer
) -> None:
    passwords = demo_passwords(hub_server)
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit, passwords)


def _sign_up_future_referent(page: Page) -> None:
    page.goto("/inscription")
    page.get_by_label(re.compile(r"^Nom affiché")).fill("Noé Ophtalmo")
    page.get_by_label(re.compile(r"^Adresse e-mail")).fill(REFERENT)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^Confirmez le mot de passe")).fill(PASSWORD)
    page.get_by_label("Vous êtes").select_option(label="Professionnel de santé")
    box = page.get_by_label(re.compile(r"^Afficher mon profil"))
    page.locator(f'label[for="{box.get_attribute("id")}"]').click()
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(re.compile(r"/compte$"))


def _journey(page: Page, audit: Audit, passwords: dict[str, str]) -> None:
    _sign_up_future_referent(page)

    # The administrator names Noé titulaire for ophthalmology in the Rhône: first with a term ending before it
    # starts, refused next to the field with the other values kept.
    admin = f"administration@{DEMO}"
    sign_in_as(page, admin, passwords[admin])
    page.goto("/administration/referents")
    expect(page.get_by_role("heading", level=1)).to_have_text("Référents sectoriels")
    audit.check(page, "referents administration")
    page.get_by_role("link", name="Nommer un référent").click()
    expect(page).to_have_url(re.compile(r"/administration/referents/nouveau$"))
    audit.check(page, "referent form")
    page.get_by_label(re.compile(r"^Adresse e-mail du compte")).fill(REFERENT)
    page.get_by_label(re.compile(r"^Territoire")).select_option(value="dep-69")
    _tick(page, "Secteurs couverts", "Ophtalmologie")
    page.get_by_label(re.compile(r"^Rôle")).select_option(value="titulaire")
    page.get_by_label(re.compile(r"^Début du mandat")).fill("2026-01-01")
    page.get_by_label(re.compile(r"^Fin du mandat")).fill("2025-12-31")
    page.get_by_role("button", name="Nommer").click()
    end_field = page.get_by_label(re.compile(r"^Fin du mandat"))
    expect(page.locator("#ends_on-erreur")).to_have_text("La fin du mandat ne peut pas précéder son début.")
    expect(end_field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(re.compile(r"^Adresse e-mail du compte"))).to_have_value(REFERENT)
    audit.check(page, "referent form with an error", status=422)
    end_field.fill("")
    page.get_by_role("button", name="Nommer").click()
    expect(page).to_have_url(re.compile(r"/administration/referents\?fait=nomme$"))
    expect(page.get_by_role("status")).to_contain_text("Le référent est nommé")
    expect(page.locator("table").first).to_contain_text("Noé Ophtalmo")
    audit.check(page, "referents administration after naming")

    # The public page lists the seat with the name Noé made public; Rhône is no longer white for ophthalmology.
    page.goto("/referents?departement=69&niveau=departement&region=84&sector=ophtalmologie")
    expect(page.locator("table").first).to_contain_text("Noé Ophtalmo")
    expect(page.locator("table").nth(1)).not_to_contain_text("Rhône")
    audit.check(page, "public referents page")

    # A start-up adds a project in the Rhône about ophthalmology.
    startup = f"startup@{DEMO}"
    sign_in_as(page, startup, passwords[startup])
    page.goto("/projets/nouveau")
    page.get_by_label(re.compile(r"^Titre du projet")).fill(TITLE)
    page.get_by_label(re.compile(r"^Résumé")).fill(
        "Les pharmaciens photographient le fond d’œil des patients diabétiques ; un ophtalmologiste lit les images."
    )
    _tick(page, "Secteurs", "Ophtalmologie")
    page.get_by_label("Phase du projet").select_option(index=1)
    page.get_by_label("Département").select_option(value="69")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_url(re.compile(r"/projets/depistage-de-la-retinopathie"))

    # It is in Noé's queue, new today; he closes it with an outcome.
    sign_in_as(page, REFERENT, PASSWORD)
    page.goto("/referent/file")
    item = page.get_by_role("row", name=re.compile(TITLE))
    expect(item).to_contain_text("Nouveau projet à accueillir")
    expect(item).to_contain_text("Arrivé aujourd’hui")
    expect(item).to_contain_text("Référent titulaire")
    audit.check(page, "referent queue")
    item.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.go_back()
    page.get_by_role("row", name=re.compile(TITLE)).get_by_label(re.compile("^Suite donnée")).select_option("Traité")
    page.get_by_role("button", name=re.compile(f"^Marquer comme traité : {TITLE}")).click()
    expect(page.get_by_role("status")).to_contain_text("L’élément est marqué comme traité.")
    expect(page.get_by_role("row", name=re.compile(TITLE))).to_have_count(0)
    audit.check(page, "referent queue after closing")
    page.goto("/referent/file?statut=traites")
    expect(page.get_by_role("row", name=re.compile(TITLE))).to_contain_text("Traité")

    page.goto("/referent/tableau-de-bord")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon tableau de bord de référent")
    expect(page.locator("main")).to_contain_text("Rhône — Ophtalmologie")
    audit.check(page, "referent dashboard")
