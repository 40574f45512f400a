"""Reports in a real browser: a member reports a project listing as a duplicate (first without an explanation,
refused next to the field), an administrator decides it with a reason, and the member sees the outcome in « Mes
signalements »; the decision is in the moderation log. Every page is audited (axe-core WCAG 2.1 AA, CSP, weight).
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

DETAILS = "Ce projet apparaît deux fois dans le catalogue, sous deux titres presque identiques."
DECISION = "Les deux fiches ont été fusionnées : merci pour votre signalement."


def test_a_member_reports_a_listing_and_sees_the_moderator_s_decision(
    chromium_browser: Browser, hub_server: HubServer
) -> None:
    passwords = demo_passwords(hub_server)
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit, passwords)


def _journey(page: Page, audit: Audit, passwords: dict[str, str]) -> None:
    member, admin = f"startup@{DEMO}", f"administration@{DEMO}"
    sign_in_as(page, member, passwords[member])

    # The member opens a project of the catalogue and reports it.
    page.goto("/projets")
    first = page.locator(".hub-cards h2 a").first
    title = first.inner_text()
    first.click()
    audit.check(page, "project page")
    page.get_by_role("link", name=re.compile(r"^Signaler un problème")).click()
    expect(page).to_have_url(re.compile(r"/signalements/nouveau\?cible=project:\d+$"))
    expect(page.locator("#cible")).to_contain_text(title)
    audit.check(page, "report form")
    page.get_by_label(re.compile(r"^Motif")).select_option(label="Doublon")
    page.get_by_role("button", name="Envoyer le signalement").click()
    details = page.get_by_label(re.compile(r"^Expliquez le problème"))
    expect(details).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#details-erreur")).to_contain_text("obligatoire")
    expect(page).to_have_title(re.compile(r"^Erreur"))
    audit.check(page, "report form with an error", status=422)
    details.fill(DETAILS)
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page).to_have_url(re.compile(r"/compte/signalements\?fait=signale$"))
    mine = page.get_by_role("table", name="Les contenus que vous avez signalés et la suite donnée")
    row = mine.get_by_role("row", name=re.compile(re.escape(title[:40])))
    expect(row).to_contain_text("En attente d’examen")
    audit.check(page, "my reports (open)")

    # An administrator finds it in the queue and upholds it with a reason.
    sign_in_as(page, admin, passwords[admin])
    page.goto("/moderation/signalements")
    audit.check(page, "moderation queue")
    queue = page.get_by_role("table", name="Signalements en attente")
    queue.get_by_role("row", name=re.compile(re.escape(title[:40]))).get_by_role("link").first.click()
    expect(page.locator("#explication")).to_have_text(DETAILS)
    audit.check(page, "report detail (moderator)")
    page.get_by_label(re.compile(r"^Explication de la décision")).fill(DECISION)
    page.get_by_role("button", name="Retenir le signalement").click()
    expect(page.locator("#issue")).to_contain_text("Retenu")
    audit.check(page, "report detail (decided)")
    page.goto("/administration/moderation")
    log = page.get_by_role("table", name=re.compile(r"^Décisions de modération"))
    expect(log.get_by_role("row", name=re.compile(re.escape(DECISION)))).to_contain_text("Signalement retenu")
    audit.check(page, "moderation log")

    # The member sees the outcome and the moderator's explanation.
    sign_in_as(page, member, passwords[member])
    page.goto("/compte/signalements")
    row = page.get_by_role("table", name=re.compile(r"^Les contenus que vous avez signalés")).get_by_role(
        "row", name=re.compile(re.escape(title[:40]))
    )
    expect(row).to_contain_text("Retenu")
    expect(row).to_contain_text(DECISION)
    audit.check(page, "my reports (decided)")
