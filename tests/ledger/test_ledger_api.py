"""The bank's JSON API: a deposit and its approval with idempotency keys, refusals as problem details, statements."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

from hub.db import Database
from tests.factories import sign_in
from tests.ledger.conftest import build_bank


def test_deposit_approval_retry_and_statement(client: TestClient[Litestar], database: Database) -> None:
    with database.transaction() as session:
        bank = build_bank(session, password=True)
    sign_in(client, "soignant0@chu.example.fr")
    client.get("/connexion")
    headers = {"x-csrftoken": client.cookies.get("hub_csrf") or "", "idempotency-key": "api-1"}
    body = {"convention_id": bank.convention_id, "minutes": 90}
    first = client.post("/api/v1/ledger/deposits", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "pending"
    again = client.post("/api/v1/ledger/deposits", json=body, headers=headers)
    assert again.json() == first.json()
    reused = client.post("/api/v1/ledger/deposits", json=body | {"minutes": 91}, headers=headers)
    assert reused.status_code == 409
    assert reused.headers["content-type"].startswith("application/problem+json")
    assert reused.json()["rule"] == "key_reused"
    fractional = client.post(
        "/api/v1/ledger/deposits", json=body | {"minutes": 1.5}, headers=headers | {"idempotency-key": "api-2"}
    )
    assert fractional.status_code == 422
    assert fractional.json()["rule"] == "amount_not_whole"
    assert "entier" in fractional.json()["detail"]
    statement = client.get("/api/v1/ledger/statement").json()
    assert statement["pending_deposits"] == [{"transfer_id": first.json()["transfer_id"], "minutes": 90}]

    sign_in(client, "validatrice@chu.example.fr")
    client.get("/connexion")
    headers = {"x-csrftoken": client.cookies.get("hub_csrf") or "", "idempotency-key": "api-3"}
    decision = client.post(
        f"/api/v1/ledger/deposits/{first.json()['transfer_id']}/decision", json={"accept": True}, headers=headers
    )
    assert decision.status_code == 201, decision.text
    assert decision.json()["status"] == "posted"


def test_a_request_without_key_is_refused(client: TestClient[Litestar], database: Database) -> None:
    with database.transaction() as session:
        bank = build_bank(session, password=True)
    sign_in(client, "soignant0@chu.example.fr")
    client.get("/connexion")
    response = client.post(
        "/api/v1/ledger/deposits",
        json={"convention_id": bank.convention_id, "minutes": 30},
        headers={"x-csrftoken": client.cookies.get("hub_csrf") or ""},
    )
    assert response.status_code == 422
    assert response.json()["rule"] == "key_missing"
