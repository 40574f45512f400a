"""Convention administration in pages and in the JSON API, reversals, expiries; members kept out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, event
from sqlmodel import col, func, select

from hub.db import Database, utcnow
from hub.directory.models import Actor
from hub.ledger.models import Convention, ConventionApprover, LedgerTransfer
from hub.ledger.services import decide_deposit, request_deposit
from hub.ledger.verification import verify_ledger
from tests.factories import csrf_from, sign_in
from tests.ledger.conftest import Bank
from tests.ledger.pages import (
    ADMIN,
    APPROVER,
    DEPOSITOR,
    DRAWER,
    bank_with_logins,
    counts,
    field_error,
    form_fields,
    post_form,
    refused_rule,
    switch_to,
    table_rows,
)

NEW = "/administration/banque-d-heures/conventions/nouvelle"


@pytest.fixture
def bank(database: Database) -> Bank:
    """The bank, everyone able to sign in."""
    return bank_with_logins(database)


def employer_slug(database: Database, bank: Bank) -> str:
    """The employer's address in the directory."""
    with database.session() as session:
        actor = session.get(Actor, bank.employer_id)
        assert actor is not None
        return actor.slug


def convention_count(database: Database) -> int:
    """How many conventions exist."""
    with database.session() as session:
        return int(session.exec(select(func.count()).select_from(Convention)).one())


def test_an_administrator_creates_a_convention_once_even_if_sent_twice(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    sign_in(client, ADMIN)
    before = convention_count(database)
    page = client.get(NEW)
    assert page.status_code == 200
    fields = form_fields(page.text) | {
        "title": "Convention Clinique – lab",
        "employer_slug": employer_slug(database, bank),
        "cap_hours": "20",
        "period_days": "180",
        "deposit_expiry_days": "15",
        "approver_emails": f"{APPROVER}\n{DRAWER}",
    }
    first = client.post(NEW, data=fields, follow_redirects=False)
    second = client.post(NEW, data=fields, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert convention_count(database) == before + 1
    detail = client.get(first.headers["location"])
    assert "La convention est enregistrée." in detail.text
    with database.session() as session:
        convention = session.exec(select(Convention).where(col(Convention.title) == "Convention Clinique – lab")).one()
        assert (convention.cap_minutes_per_period, convention.period_days, convention.deposit_expiry_days) == (
            1200,
            180,
            15,
        )
        approvers = session.exec(
            select(ConventionApprover.account_id).where(col(ConventionApprover.convention_id) == convention.id)
        ).all()
        assert sorted(approvers) == sorted([bank.approver, bank.drawer])
    listing = client.get("/administration/banque-d-heures").text
    assert "Convention Clinique – lab" in listing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"employer_slug": "nulle-part"}, "employer_slug", "Aucun acteur de l’annuaire n’a cette adresse"),
        ({"approver_emails": "inconnu@example.fr"}, "approver_emails", "Aucun compte n’a l’adresse inconnu@example.fr"),
        ({"approver_emails": ""}, "approver_emails", "Ce champ est obligatoire."),
        ({"cap_hours": "0"}, "cap_hours", "La valeur doit être supérieure ou égale à 1."),
        ({"cap_hours": "1,5"}, "cap_hours", "Saisissez un nombre entier."),
        ({"cap_hours": "99999"}, "cap_hours", "La valeur doit être inférieure ou égale à 1600."),
        ({"title": ""}, "title", "Ce champ est obligatoire."),
    ],
)
def test_convention_form_errors_are_shown_by_field_and_nothing_is_written(
    client: TestClient[Litestar], database: Database, bank: Bank, changes: dict[str, str], field: str, message: str
) -> None:
    sign_in(client, ADMIN)
    before = convention_count(database)
    fields = {
        "title": "Convention test",
        "employer_slug": employer_slug(database, bank),
        "cap_hours": "20",
        "period_days": "365",
        "deposit_expiry_days": "30",
        "approver_emails": APPROVER,
    } | changes
    status, _, body = post_form(client, NEW, NEW, **fields)
    assert status == 422
    assert field_error(body, field).startswith(message), field_error(body, field)
    assert convention_count(database) == before


def test_an_administrator_changes_the_cap_and_the_approvers(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    sign_in(client, ADMIN)
    url = f"/administration/banque-d-heures/conventions/{bank.convention_id}"
    page = client.get(url)
    assert page.status_code == 200
    assert APPROVER in page.text
    response = client.post(
        url,
        data={
            "_csrf_token": csrf_from(page.text),
            "cap_hours": "1",
            "period_days": "30",
            "deposit_expiry_days": "7",
            "approver_emails": DRAWER,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    with database.session() as session:
        convention = session.get(Convention, bank.convention_id)
        assert convention is not None and convention.cap_minutes_per_period == 60
        approvers = session.exec(
            select(ConventionApprover.account_id).where(col(ConventionApprover.convention_id) == bank.convention_id)
        ).all()
        assert list(approvers) == [bank.drawer]
    # The new cap is enforced on the deposit form.
    switch_to(client, DEPOSITOR)
    fields = {"convention_id": str(bank.convention_id), "minutes": "61"}
    status, _, body = post_form(client, "/banque-d-heures/verser", "/banque-d-heures/verser", **fields)
    assert status == 422 and refused_rule(body) == "cap_exceeded"


def test_members_are_kept_out_of_administration(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    sign_in(client, DEPOSITOR)
    for path in (
        "/administration/banque-d-heures",
        NEW,
        f"/administration/banque-d-heures/conventions/{bank.convention_id}",
        "/administration/personnes/effacement",
    ):
        assert client.get(path).status_code == 403, path
    page = client.get("/banque-d-heures/verser")
    response = client.post(
        NEW, data=form_fields(page.text) | {"title": "Pirate", "approver_emails": APPROVER}, follow_redirects=False
    )
    assert response.status_code == 403
    assert convention_count(database) == 1


def test_an_administrator_reverses_an_operation_once(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    result = request_deposit(
        database, "a1", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=60
    )
    decide_deposit(database, "a2", approver_id=bank.approver, transfer_id=result["transfer_id"], accept=True)
    with database.session() as session:
        link = session.exec(select(LedgerTransfer.link_id).where(col(LedgerTransfer.kind) == "deposit")).one()
    sign_in(client, ADMIN)
    url = f"/administration/banque-d-heures/conventions/{bank.convention_id}"
    page = client.get(url).text
    assert table_rows(page, "operations")[0][:3] == ["Versement", table_rows(page, "operations")[0][1], "1 h"]
    action = f"{url}/contre-passations/{link}"
    token = csrf_from(page)
    done = client.post(action, data={"_csrf_token": token, "cle": "rev-1"}, follow_redirects=False)
    assert done.status_code == 303
    before = counts(database)
    again = client.post(action, data={"_csrf_token": token, "cle": "rev-2"}, follow_redirects=False)
    assert again.status_code == 422
    assert refused_rule(again.text) == "already_reversed"
    assert counts(database) == before
    register = client.get(f"/banque-d-heures/conventions/{bank.convention_id}").text
    assert table_rows(register, "versements")[0][4] == "Annulé par contre-passation"
    assert 'data-minutes="0"' in register
    assert verify_ledger(database) is None


def test_the_expiry_button_voids_overdue_deposits(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    result = request_deposit(
        database, "x1", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=60
    )
    with database.transaction() as session:
        transfer = session.get(LedgerTransfer, result["transfer_id"])
        assert transfer is not None
        transfer.expires_at = utcnow() - timedelta(days=1)
        session.add(transfer)
    sign_in(client, ADMIN)
    page = client.get("/administration/banque-d-heures")
    response = client.post(
        "/administration/banque-d-heures/expirations",
        data={"_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with database.session() as session:
        assert session.get(LedgerTransfer, result["transfer_id"]).status == "voided"  # type: ignore[union-attr]
    assert verify_ledger(database) is None


# -- JSON API ------------------------------------------------------------------------------------------------------


def _headers(client: TestClient[Litestar], key: str | None = None) -> dict[str, str]:
    client.get("/connexion")
    headers = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    if key:
        headers["idempotency-key"] = key
    return headers


def test_api_convention_administration(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    body = {
        "title": "Convention API",
        "employer_slug": employer_slug(database, bank),
        "cap_hours": 10,
        "approver_emails": [APPROVER],
    }
    sign_in(client, DEPOSITOR)
    forbidden = client.post("/api/v1/ledger/conventions", json=body, headers=_headers(client))
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"].startswith("application/problem+json")

    switch_to(client, ADMIN)
    created = client.post("/api/v1/ledger/conventions", json=body, headers=_headers(client, "conv-1"))
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["cap_minutes_per_period"] == 600 and data["approvers"] == ["Validatrice"]
    retried = client.post("/api/v1/ledger/conventions", json=body, headers=_headers(client, "conv-1"))
    assert retried.json()["id"] == data["id"]
    assert convention_count(database) == 2
    other = client.post("/api/v1/ledger/conventions", json=body | {"cap_hours": 11}, headers=_headers(client, "conv-1"))
    assert other.status_code == 409

    invalid = client.post(
        "/api/v1/ledger/conventions", json=body | {"cap_hours": 0, "employer_slug": ""}, headers=_headers(client)
    )
    assert invalid.status_code == 422
    problem = invalid.json()
    assert invalid.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in problem["errors"]} == {"cap_hours", "employer_slug"}
    assert convention_count(database) == 2

    listed = client.get("/api/v1/ledger/conventions").json()
    assert [c["id"] for c in listed][:1] == [data["id"]]

    url = f"/api/v1/ledger/conventions/{data['id']}/approvers"
    updated = client.put(url, json={"approver_emails": [DRAWER, APPROVER]}, headers=_headers(client))
    assert updated.status_code == 200, updated.text
    assert sorted(updated.json()["approvers"]) == ["Contributeur", "Validatrice"]
    unknown = client.put(url, json={"approver_emails": ["personne@example.fr"]}, headers=_headers(client))
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "approver_emails"
    missing = client.put(
        "/api/v1/ledger/conventions/999999/approvers", json={"approver_emails": [DRAWER]}, headers=_headers(client)
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_a_convention_may_name_who_deposits(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    sign_in(client, ADMIN)
    url = f"/administration/banque-d-heures/conventions/{bank.convention_id}"
    page = client.get(url)
    fields = {
        "_csrf_token": csrf_from(page.text),
        "cap_hours": "100",
        "period_days": "365",
        "deposit_expiry_days": "30",
        "approver_emails": APPROVER,
        "depositor_emails": "soignant1@chu.example.fr",
    }
    unknown = client.post(url, data=fields | {"depositor_emails": "qui@example.fr"}, follow_redirects=False)
    assert unknown.status_code == 422
    assert field_error(unknown.text, "depositor_emails").startswith("Aucun compte n’a l’adresse qui@example.fr")
    assert client.post(url, data=fields, follow_redirects=False).status_code == 303
    assert "1 personne désignée" in client.get(f"/banque-d-heures/conventions/{bank.convention_id}").text

    switch_to(client, DEPOSITOR)  # employed by the employer, but not named
    deposit = {"convention_id": str(bank.convention_id), "minutes": "30"}
    status, _, body = post_form(client, "/banque-d-heures/verser", "/banque-d-heures/verser", **deposit)
    assert status == 422
    assert refused_rule(body) == "not_listed"
    assert "Personnes désignées par la convention" in body
    assert counts(database) == (0, 0)
    switch_to(client, "soignant1@chu.example.fr")
    status, _, _ = post_form(client, "/banque-d-heures/verser", "/banque-d-heures/verser", **deposit)
    assert status == 303


def test_the_list_of_conventions_costs_the_same_queries_whatever_its_length(
    client: TestClient[Litestar], database: Database, engine: Engine, bank: Bank
) -> None:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    def queries_for(path: str) -> int:
        client.get(path)  # warm-up
        seen.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    one = queries_for("/banque-d-heures")
    with database.transaction() as session:
        for n in range(5):
            session.add(Convention(title=f"Convention {n}", employer_id=bank.employer_id, cap_minutes_per_period=60))
    assert queries_for("/banque-d-heures") == one
