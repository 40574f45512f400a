"""The bank's pages on both databases: deposit, approvals, use, statement, refusals shown with their rule and
nothing written, double submissions acting once, declarations, the public-name choice."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.db import Database, utcnow
from hub.ledger.models import ConventionApprover, DeclarationOfInterests, LedgerTransfer
from hub.ledger.verification import verify_ledger
from tests.factories import csrf_from, sign_in
from tests.ledger.conftest import Bank
from tests.ledger.pages import (
    APPROVER,
    DEPOSITOR,
    DRAWER,
    LEAD,
    UNDECLARED,
    bank_with_logins,
    counts,
    field_error,
    form_fields,
    post_form,
    refused_rule,
    switch_to,
    table_rows,
    transfer_ids,
)

BANK = "/banque-d-heures"


@pytest.fixture
def bank(database: Database) -> Bank:
    """The bank, everyone able to sign in."""
    return bank_with_logins(database)


def deposit(client: TestClient[Litestar], bank: Bank, minutes: str, **extra: str) -> tuple[int, str, str]:
    """Submit the deposit form as the signed-in person."""
    fields = {"convention_id": str(bank.convention_id), "minutes": minutes, **extra}
    return post_form(client, f"{BANK}/verser", f"{BANK}/verser", **fields)


def decide(client: TestClient[Litestar], action: str, decision: str, key: str | None = None) -> tuple[int, str, str]:
    """Accept or refuse from the inbox (a fresh key unless one is given, as a second tab would have)."""
    page = client.get(f"{BANK}/validations")
    fields = {"_csrf_token": csrf_from(page.text), "cle": key or secrets.token_urlsafe(), "decision": decision}
    response = client.post(action, data=fields, follow_redirects=False)
    return response.status_code, response.headers.get("location", ""), response.text


def test_deposit_approval_use_and_lead_approval_through_pages(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    sign_in(client, DEPOSITOR)
    form = client.get(f"{BANK}/verser")
    assert "Votre déclaration publique d’intérêts est à jour" in form.text
    status, location, _ = deposit(client, bank, "90")
    assert (status, location) == (303, f"{BANK}/releve?fait=versement")
    statement = client.get(location).text
    assert table_rows(statement, "mes-versements")[0][2:4] == [
        "1 h 30",
        "En attente de validation (à valider avant le " + (utcnow() + timedelta(days=30)).strftime("%d/%m/%Y") + ")",
    ]

    switch_to(client, APPROVER)
    inbox = client.get(f"{BANK}/validations").text
    assert "Soignant0 propose 1 h 30" in inbox
    [deposit_id] = transfer_ids(database, "deposit")
    status, location, _ = decide(client, f"{BANK}/validations/versements/{deposit_id}", "accepter")
    assert (status, location) == (303, f"{BANK}/validations?fait=accepte")
    assert "Aucun versement en attente" in client.get(location).text

    switch_to(client, DRAWER)
    fields = {"convention_id": str(bank.convention_id), "project_id": str(bank.project_id), "minutes": "60"}
    status, location, _ = post_form(client, f"{BANK}/utiliser", f"{BANK}/utiliser", **fields)
    assert (status, location) == (303, f"{BANK}/releve?fait=utilisation")

    switch_to(client, LEAD)
    inbox = client.get(f"{BANK}/validations").text
    assert "Contributeur demande 1 h pour" in inbox
    with database.session() as session:
        link = session.exec(select(LedgerTransfer.link_id).where(col(LedgerTransfer.kind) == "use")).one()
    status, _, _ = decide(client, f"{BANK}/validations/utilisations/{link}", "accepter")
    assert status == 303

    switch_to(client, DEPOSITOR)
    statement = client.get(f"{BANK}/releve").text
    assert table_rows(statement, "mes-versements")[0][3] == "Validé"
    assert table_rows(statement, "mes-versements")[0][5] == "1 h"  # hours used from this deposit
    assert table_rows(statement, "mes-interessements")[0][1:] == ["1", "100,0 %"]
    assert verify_ledger(database) is None


def test_a_double_submitted_deposit_and_decision_act_once(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    sign_in(client, DEPOSITOR)
    page = client.get(f"{BANK}/verser")
    fields = form_fields(page.text) | {"convention_id": str(bank.convention_id), "minutes": "45"}
    first = client.post(f"{BANK}/verser", data=fields, follow_redirects=False)
    second = client.post(f"{BANK}/verser", data=fields, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert len(transfer_ids(database, "deposit")) == 1

    switch_to(client, APPROVER)
    [deposit_id] = transfer_ids(database, "deposit")
    page = client.get(f"{BANK}/validations")
    key = form_fields(page.text)["cle"]
    decide(client, f"{BANK}/validations/versements/{deposit_id}", "accepter", key)
    before = counts(database)
    status, location, _ = decide(client, f"{BANK}/validations/versements/{deposit_id}", "accepter", key)
    assert (status, location) == (303, f"{BANK}/validations?fait=accepte")  # the first outcome, replayed
    assert counts(database) == before


@pytest.mark.parametrize(
    ("minutes", "rule", "message"),
    [
        ("0", "amount_not_positive", "La durée doit être supérieure à zéro."),
        ("-30", "amount_not_positive", "La durée doit être supérieure à zéro."),
        ("12.5", "amount_not_whole", "La durée doit être un nombre entier de minutes."),
        ("12,5", "amount_not_whole", "La durée doit être un nombre entier de minutes."),
        ("une heure", "amount_not_whole", "La durée doit être un nombre entier de minutes."),
        ("6001", "cap_exceeded", "Ce versement dépasse le plafond prévu par la convention pour la période."),
        ("999999999999999", "cap_exceeded", "Ce versement dépasse le plafond prévu par la convention pour la période."),
    ],
)
def test_bad_amounts_show_the_rule_next_to_the_field_and_write_nothing(
    client: TestClient[Litestar], database: Database, bank: Bank, minutes: str, rule: str, message: str
) -> None:
    sign_in(client, DEPOSITOR)
    before = counts(database)
    status, _, body = deposit(client, bank, minutes)
    assert status == 422
    assert field_error(body, "minutes") == message
    assert refused_rule(body) == rule
    assert 'aria-invalid="true" aria-describedby="minutes-erreur"' in body
    assert f'value="{minutes}"' in body  # the typed value is kept
    assert counts(database) == before


def test_missing_fields_are_asked_for(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    sign_in(client, DEPOSITOR)
    before = counts(database)
    status, _, body = post_form(client, f"{BANK}/verser", f"{BANK}/verser", convention_id="", minutes=" ")
    assert status == 422
    assert field_error(body, "minutes") == "Indiquez une durée en minutes."
    assert field_error(body, "convention_id") == "Choisissez la convention de votre employeur."
    assert counts(database) == before


def test_someone_outside_the_employer_is_refused_on_the_convention_field(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    sign_in(client, DRAWER)
    status, _, body = deposit(client, bank, "60")
    assert status == 422
    assert refused_rule(body) == "not_eligible"
    assert "Seuls les salariés de l’employeur" in field_error(body, "convention_id")
    assert counts(database) == (0, 0)


def test_without_a_declaration_the_form_explains_and_links_to_it(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    sign_in(client, UNDECLARED)
    form = client.get(f"{BANK}/verser").text
    assert "Une déclaration d’intérêts est nécessaire" in form
    assert 'href="/banque-d-heures/declaration"' in form
    status, _, body = deposit(client, bank, "60")
    assert status == 422
    assert refused_rule(body) == "no_declaration"
    assert "Déclaration d’intérêts à jour" in body  # the rule's name
    assert counts(database) == (0, 0)


def test_a_use_larger_than_the_pool_is_refused(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    sign_in(client, DRAWER)
    fields = {"convention_id": str(bank.convention_id), "project_id": str(bank.project_id), "minutes": "30"}
    status, _, body = post_form(client, f"{BANK}/utiliser", f"{BANK}/utiliser", **fields)
    assert status == 422
    assert refused_rule(body) == "pool_insufficient"
    assert field_error(body, "minutes") == "La réserve de la convention ne contient pas assez d’heures disponibles."
    assert counts(database) == (0, 0)


def test_approving_ones_own_deposit_is_refused_with_the_rule(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    with database.transaction() as session:
        session.add(ConventionApprover(convention_id=bank.convention_id, account_id=bank.depositors[0]))
    sign_in(client, DEPOSITOR)
    deposit(client, bank, "60")
    [deposit_id] = transfer_ids(database, "deposit")
    inbox = client.get(f"{BANK}/validations").text
    assert "C’est votre propre demande" in inbox
    before = counts(database)
    status, _, body = decide(client, f"{BANK}/validations/versements/{deposit_id}", "accepter")
    assert status == 422
    assert refused_rule(body) == "self_approval"
    assert "Pas de validation de sa propre demande" in body
    assert counts(database) == before


def test_approving_twice_is_refused_with_the_rule(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    sign_in(client, DEPOSITOR)
    deposit(client, bank, "60")
    [deposit_id] = transfer_ids(database, "deposit")
    switch_to(client, APPROVER)
    decide(client, f"{BANK}/validations/versements/{deposit_id}", "accepter")
    before = counts(database)
    status, _, body = decide(client, f"{BANK}/validations/versements/{deposit_id}", "refuser")  # a second tab
    assert status == 409
    assert refused_rule(body) == "already_decided"
    assert "Une seule décision par demande" in body
    assert counts(database) == before


def test_a_conflict_of_interest_is_shown_with_the_rules_name(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    with database.transaction() as session:
        session.add(ConventionApprover(convention_id=bank.convention_id, account_id=bank.lead))
    sign_in(client, DEPOSITOR)
    deposit(client, bank, "60", project_id=str(bank.project_id))
    [deposit_id] = transfer_ids(database, "deposit")
    switch_to(client, LEAD)
    before = counts(database)
    status, _, body = decide(client, f"{BANK}/validations/versements/{deposit_id}", "accepter")
    assert status == 422
    assert refused_rule(body) == "conflict_lead"
    assert "Demande refusée — règle « Conflit d’intérêts : pilotage du projet »" in body
    assert counts(database) == before


def test_a_refusal_voids_the_deposit(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    sign_in(client, DEPOSITOR)
    deposit(client, bank, "60")
    [deposit_id] = transfer_ids(database, "deposit")
    switch_to(client, APPROVER)
    status, location, _ = decide(client, f"{BANK}/validations/versements/{deposit_id}", "refuser")
    assert (status, location) == (303, f"{BANK}/validations?fait=refuse")
    with database.session() as session:
        assert session.get(LedgerTransfer, deposit_id).status == "voided"  # type: ignore[union-attr]
    register = client.get(f"/banque-d-heures/conventions/{bank.convention_id}").text
    assert table_rows(register, "versements")[0][4] == "Refusé ou expiré"


def test_only_designated_people_decide(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    sign_in(client, DEPOSITOR)
    deposit(client, bank, "60")
    [deposit_id] = transfer_ids(database, "deposit")
    switch_to(client, DRAWER)
    assert "Aucun versement en attente de votre validation" in client.get(f"{BANK}/validations").text
    status, _, body = decide(client, f"{BANK}/validations/versements/{deposit_id}", "accepter")
    assert status == 403
    assert refused_rule(body) == "not_approver"


def test_declaration_of_interests(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    sign_in(client, UNDECLARED)
    until = (utcnow() + timedelta(days=200)).date().isoformat()
    status, _, body = post_form(
        client, f"{BANK}/declaration", f"{BANK}/declaration", text="court", valid_until="2001-01-01"
    )
    assert status == 422
    assert "10 caractères au moins" in field_error(body, "text")
    status, _, body = post_form(
        client, f"{BANK}/declaration", f"{BANK}/declaration", text="Aucun lien d’intérêts.", valid_until="2001-01-01"
    )
    assert status == 422
    assert field_error(body, "valid_until") == "Choisissez une date à venir."
    page = client.get(f"{BANK}/declaration")
    fields = form_fields(page.text) | {"text": "Salariée du CHU ; aucun autre lien.", "valid_until": until}
    first = client.post(f"{BANK}/declaration", data=fields, follow_redirects=False)
    again = client.post(f"{BANK}/declaration", data=fields, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    with database.session() as session:
        texts = session.exec(
            select(DeclarationOfInterests.text).where(col(DeclarationOfInterests.text).startswith("Salariée"))
        ).all()
    assert len(texts) == 1
    assert "Salariée du CHU ; aucun autre lien." in client.get(f"{BANK}/declarations").text
    status, location, _ = deposit(client, bank, "30")  # now allowed
    assert status == 303, location


def test_the_register_shows_a_name_only_when_its_holder_chooses(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    sign_in(client, DEPOSITOR)
    deposit(client, bank, "60")
    register = client.get(f"/banque-d-heures/conventions/{bank.convention_id}").text
    assert table_rows(register, "versements")[0][1].startswith("Pseudonyme ")
    assert "Soignant0" not in register.split('id="contenu"')[1]
    page = client.get(f"{BANK}/releve")
    response = client.post(
        f"{BANK}/releve/affichage",
        data={"_csrf_token": csrf_from(page.text), "affichage": "nom"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    register = client.get(f"/banque-d-heures/conventions/{bank.convention_id}").text
    assert table_rows(register, "versements")[0][1] == "Soignant0"


def test_the_lead_publishes_the_stake_rule_once(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    with database.transaction() as session:
        from hub.projects.models import Project

        project = session.get(Project, bank.project_id)
        assert project is not None
        slug = project.slug
        from hub.ledger.models import StakeRule

        rule = session.get(StakeRule, bank.project_id)
        session.delete(rule)
    sign_in(client, DRAWER)
    assert "Publier la règle" not in client.get(f"{BANK}/projets/{slug}").text
    page = client.get(f"{BANK}/declaration")
    response = client.post(
        f"{BANK}/projets/{slug}/regle",
        data=form_fields(page.text) | {"units_per_hour": "2"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    switch_to(client, LEAD)
    status, _, body = post_form(client, f"{BANK}/projets/{slug}", f"{BANK}/projets/{slug}/regle", units_per_hour="0")
    assert status == 422
    assert field_error(body, "units_per_hour") == "La valeur doit être supérieure ou égale à 1."
    status, location, _ = post_form(
        client, f"{BANK}/projets/{slug}", f"{BANK}/projets/{slug}/regle", units_per_hour="2"
    )
    assert (status, location) == (303, f"{BANK}/projets/{slug}?fait=regle")
    page = client.get(location).text
    assert "2 unités par heure utilisée" in page
    assert "Publier la règle" not in page
