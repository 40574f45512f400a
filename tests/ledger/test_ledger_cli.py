"""`hub ledger verify` on a real database file, and GDPR erasure that leaves the chain verifiable."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from hub.cli import main
from hub.db import Database, make_engine
from hub.ledger.models import LedgerHolder, LedgerTransfer
from hub.ledger.services import decide_deposit, request_deposit
from hub.ledger.verification import verify_ledger
from hub.migrate import upgrade
from seed.load import load_all
from tests.ledger.conftest import Bank, build_bank


def test_cli_verify_passes_then_names_the_broken_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    database = Database(engine)
    with database.transaction() as session:
        load_all(session)
        bank = build_bank(session)
    result = request_deposit(
        database, "cli-1", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=45
    )
    decide_deposit(database, "cli-2", approver_id=bank.approver, transfer_id=result["transfer_id"], accept=True)
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))
    assert main(["ledger", "verify"]) == 0
    assert "verified" in capsys.readouterr().out
    with engine.begin() as connection:
        connection.execute(text("UPDATE ledger_entry SET delta = delta + 5 WHERE id = 3"))
    assert main(["ledger", "verify"]) == 1
    assert "n° 3" in capsys.readouterr().out
    engine.dispose()


def test_erasing_a_person_leaves_the_ledger_verifiable(database: Database, bank: Bank) -> None:
    result = request_deposit(
        database, "g1", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=30
    )
    decide_deposit(database, "g2", approver_id=bank.approver, transfer_id=result["transfer_id"], accept=True)
    with database.transaction() as session:
        holder = session.exec(select(LedgerHolder).where(col(LedgerHolder.account_id) == bank.depositors[0])).one()
        pseudonym = holder.pseudonym
        holder.account_id = None  # the tombstone: the pseudonym no longer leads to anyone
        session.add(holder)
    assert verify_ledger(database) is None
    with database.session() as session:
        transfer = session.get(LedgerTransfer, result["transfer_id"])
        assert transfer is not None
        assert transfer.holder == pseudonym
