"""A contest in a real browser: the lab sets it up, a start-up registers and submits its project, a jury member
scores it, the lab gives its follow-up and publishes the results; every page is audited (axe-core, CSP, weight)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

from hub.contests.services import today
from tests.browser.audit import Audit, audited_journey
from tests.browser.test_needs_journey import DEMO, demo_passwords, sign_in_as

if TYPE_CHECKING:
    from conftest import HubServer

pytestmark = pytest.mark.browser

CONTEST = "Concours « Télésuivi des plaies chroniques »"
PROJECT = "Podomètre connecté pour la rééducation après une prothèse de hanche"


def test_register_submit_score_and_publish_a_contest(chromium_browser: Browser, hub_server: HubServer) -> None:
    """Part 2 end to end, audited page by page."""
    passwords = demo_passwords(hub_server)
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit, passwords)


def _tick(page: Page, group: str, label: str) -> None:
    box = page.get_by_role("group", name=group).get_by_label(label, exact=True)
    page.locator(f'label[for="{box.get_attribute("id")}"]').click()
    expect(box).to_be_checked()


def _journey(page: Page, audit: Audit, passwords: dict[str, str]) -> None:
    admin, startup, juror = f"administration@{DEMO}", f"startup@{DEMO}", f"decideur@{DEMO}"
    on = today()

    # The lab sets the contest up, stating its calendar, grid and resources upfront.
    sign_in_as(page, admin, passwords[admin])
    page.goto("/ateliers-et-concours")
    audit.check(page, "events list (admin)")
    page.get_by_role("link", name="Organiser un atelier ou un concours").click()
    audit.check(page, "event form")
    page.get_by_label(re.compile(r"^Type")).select_option(value="contest")
    page.get_by_label(re.compile(r"^Titre")).fill(CONTEST)
    page.get_by_label(re.compile(r"^Présentation")).fill(
        "Des solutions pour suivre à distance les plaies chroniques, co-construites avec les infirmières libérales."
    )
    page.get_by_label(re.compile(r"^Lieu")).fill("Bordeaux")
    page.get_by_label(re.compile(r"^Premier jour")).fill(str(on + timedelta(days=30)))
    page.get_by_label(re.compile(r"^Dernier jour")).fill(str(on + timedelta(days=30)))
    page.get_by_label(re.compile(r"^Clôture des inscriptions")).fill(str(on + timedelta(days=10)))
    page.get_by_label(re.compile(r"^Date limite de dépôt")).fill(str(on + timedelta(days=20)))
    page.get_by_label(re.compile(r"^Nombre de places")).fill("20")
    page.get_by_label(re.compile(r"^Intérêt médical")).fill("3")
    _tick(page, "Moyens attribuables aux projets retenus", "Financement")
    _tick(page, "Moyens attribuables aux projets retenus", "Suivi par un référent")
    page.get_by_label("Précisions : Financement").fill("10 000 €")
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Gérer « {CONTEST} »")
    audit.check(page, "event management")
    page.get_by_label(re.compile(r"^Adresse e-mail du compte")).fill(juror)
    page.get_by_role("button", name="Nommer au jury").click()
    expect(page.locator("#jures")).to_contain_text("Hélène Décideuse")
    event_url = page.get_by_role("link", name="Page publique").get_attribute("href")
    assert event_url

    # A start-up registers, adds its project and submits it.
    sign_in_as(page, startup, passwords[startup])
    page.goto(event_url)
    expect(page.get_by_role("table", name=re.compile("Grille d’évaluation"))).to_be_visible()
    audit.check(page, "event page (visitor)")
    page.get_by_role("button", name="M’inscrire").click()
    expect(page.locator("#places")).to_have_text("1 inscrit sur 20 places")
    page.goto("/projets/nouveau")
    page.get_by_label(re.compile(r"^Titre du projet")).fill(PROJECT)
    page.get_by_label(re.compile(r"^Résumé")).fill(
        "Un capteur compte les pas du patient opéré ; le kinésithérapeute adapte les exercices à distance."
    )
    page.get_by_label("Phase du projet").select_option(index=1)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROJECT)
    page.goto(event_url)
    page.get_by_label(re.compile(r"^Projet")).select_option(label=PROJECT)
    page.get_by_role("button", name="Présenter ce projet").click()
    expect(page.locator("#candidatures")).to_have_text("Candidatures (1)")
    audit.check(page, "event page (candidate)")

    # The jury member scores it against the grid.
    sign_in_as(page, juror, passwords[juror])
    page.goto(event_url)
    page.get_by_role("link", name=f"Évaluer {PROJECT}").click()
    audit.check(page, "score form")
    page.get_by_label(re.compile(r"^Viabilité")).select_option(value="4")
    page.get_by_label(re.compile(r"^Intérêt médical")).select_option(value="5")
    page.get_by_label(re.compile(r"^Implication des patients")).select_option(value="3")
    page.get_by_role("button", name="Enregistrer mon évaluation").click()
    expect(page.locator("#jury")).to_be_visible()
    expect(page.get_by_text("Évaluée")).to_be_visible()
    audit.check(page, "event page (jury)")

    # The lab gives the follow-up with its reason and the resources, then publishes.
    sign_in_as(page, admin, passwords[admin])
    page.goto(event_url)
    page.get_by_role("link", name=re.compile("Gérer cet événement")).click()
    page.get_by_role("button", name="Publier les résultats").click()
    expect(page.locator("#publication-erreur")).to_contain_text("n’ont pas encore de suite")
    audit.check(page, "publication refused", status=409)
    section = page.locator("section", has=page.get_by_role("heading", name=PROJECT))
    section.get_by_label("Suite donnée").select_option(value="retained_supported")
    section.get_by_label(re.compile(r"^Raison")).fill("Très attendu des infirmières ; un site pilote est prêt.")
    box = section.get_by_label("Financement", exact=True)
    page.locator(f'label[for="{box.get_attribute("id")}"]').click()
    section.get_by_role("button", name=re.compile("Enregistrer la suite")).click()
    expect(page.locator("section", has=page.get_by_role("heading", name=PROJECT))).to_contain_text(
        "Retenu et accompagné"
    )
    page.get_by_role("button", name="Publier les résultats").click()
    results = page.get_by_role("table", name="Suite donnée à chaque candidature")
    expect(results).to_contain_text("Retenu et accompagné")
    expect(results).to_contain_text("Très attendu des infirmières")
    expect(results).to_contain_text("Financement")
    expect(results).to_contain_text("4,4")  # weights 1, 3, 1: (4 + 5×3 + 3) / 5
    audit.check(page, "results published")
