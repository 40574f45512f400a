"""Issue 8 part 4 in a real browser: a support structure records a dossier (after a refused mistake), the rate is
refused with its reason below the minimum, and a structure with enough dossiers shows its rate; pages audited."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from hub.accounts.models import Role
from hub.accounts.services import viewer_for
from hub.advisers.models import Authority, Outcome
from hub.advisers.services import record_dossier
from hub.advisers.shapes import DossierInput
from tests.browser.audit import Audit, audited_journey
from tests.browser.test_research_journey import prepare, sign_in
from tests.factories import make_account, make_actor

if TYPE_CHECKING:
    from conftest import HubServer

pytestmark = pytest.mark.browser
FILED = date(2026, 2, 2)


def _cast(session: Session) -> None:
    member = viewer_for(session, make_account(session, "incubateur.nav@example.fr"))
    make_actor(session, member, name="Incubateur Navigateur", kind="incubator", departement="33")
    admin = viewer_for(session, make_account(session, "admin.conseil.nav@example.fr", roles=(Role.ADMIN,)))
    seasoned = make_actor(session, admin, name="Accélérateur Navigateur", kind="public_support", departement="69")
    outcomes = [Outcome.REJECTED_FORMAL] * 2 + [Outcome.ACCEPTED] * 6 + [Outcome.REJECTED_MERITS] * 2
    for outcome in outcomes:
        data = DossierInput(
            authority=Authority.HAS, outcome=outcome, filed_on=FILED, decided_on=FILED + timedelta(days=41)
        )
        record_dossier(session, admin, seasoned, data)


def test_advisers_transparency_journey(chromium_browser: Browser, hub_server: HubServer) -> None:
    prepare(hub_server, _cast)
    with audited_journey(chromium_browser, hub_server) as (audit, page):
        _journey(page, audit)


def _journey(page: Page, audit: Audit) -> None:
    sign_in(page, "incubateur.nav@example.fr")
    page.goto("/conseillers")
    audit.check(page, "advisers")
    expect(page.get_by_role("row", name=re.compile("Accélérateur Navigateur"))).to_contain_text(
        "20 % (2 sur 10 dossiers décidés)"
    )
    page.get_by_role("link", name="Incubateur Navigateur").click()
    expect(page.locator("#taux")).to_contain_text("Pas de taux publié : 0 dossier décidé, il en faut 10")
    audit.check(page, "adviser page")
    page.get_by_role("link", name="Enregistrer un dossier").click()
    audit.check(page, "dossier form")
    page.get_by_label(re.compile(r"^Autorité")).select_option(value="ansm")
    page.get_by_label(re.compile(r"^Déposé le")).fill("2026-03-01")
    page.get_by_label(re.compile(r"^Issue")).select_option(value="rejected_formal")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#decided_on-erreur")).to_have_text("Indiquez la date de la décision.")
    expect(page).to_have_title(re.compile(r"^Erreur"))
    audit.check(page, "dossier form with an error", status=422)
    page.get_by_label(re.compile(r"^Date de la décision")).fill("2026-04-10")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("Le dossier est enregistré")
    expect(page.locator("#taux")).to_contain_text("1 dossier décidé")
    audit.check(page, "adviser page with a dossier")
    slug = page.url.split("?")[0].rsplit("/", 1)[1]

    # Asking for the rate anyway: a clear refusal with the reason.
    page.goto(f"/conseillers/{slug}/taux-de-rejet")
    expect(
        page.get_by_text(re.compile(r"Aucun taux n’est publié pour Incubateur Navigateur : 1 dossier décidé"))
    ).to_be_visible()
    audit.check(page, "rate refused", status=422)

    # A structure with ten decided dossiers: its rate and its counts by authority.
    page.goto("/conseillers")
    page.get_by_role("link", name="Accélérateur Navigateur").click()
    page.get_by_role("link", name="Le détail du taux").click()
    expect(page.locator("#taux")).to_contain_text(
        "20 % des dossiers décidés ont été rejetés pour un motif administratif ou de forme : 2 sur 10."
    )
    audit.check(page, "rate page")
