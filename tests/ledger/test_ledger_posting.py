"""The ledger core (`post_transfers`, `decide_link`) on both databases: idempotency, two phases, links, no overdraft."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from hub.db import Database
from hub.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransfer, Unit
from hub.ledger.posting import Leg, decide_link, open_account, post_transfers
from hub.ledger.rules import Refusal, Rule
from hub.ledger.verification import verify_ledger


@pytest.fixture
def accounts(database: Database) -> Database:
    """A source account, two holding accounts (a: 100 minutes, b: empty) and a stake account."""
    open_account(database, "pro:src", AccountKind.PROFESSIONAL, Unit.MINUTE, is_source=True)
    open_account(database, "pool:a", AccountKind.POOL, Unit.MINUTE)
    open_account(database, "pool:b", AccountKind.POOL, Unit.MINUTE)
    open_account(database, "stake:x", AccountKind.STAKE, Unit.STAKE_UNIT)
    post_transfers(database, "fund", [Leg("pro:src", "pool:a", 100)])
    return database


def balance(database: Database, code: str) -> tuple[int, int]:
    """(balance, reserved) of an account."""
    with database.session() as session:
        account = session.exec(select(LedgerAccount).where(col(LedgerAccount.code) == code)).one()
        return account.balance, account.reserved


def entries(database: Database) -> int:
    """How many journal entries exist."""
    with database.session() as session:
        return int(session.exec(select(func.count()).select_from(LedgerEntry)).one())


def refused(call: object) -> Rule:
    """The rule a call was refused under."""
    assert callable(call)
    with pytest.raises(Refusal) as caught:
        call()
    return caught.value.rule


def test_a_retry_returns_the_first_outcome_and_acts_once(accounts: Database) -> None:
    first = post_transfers(accounts, "k1", [Leg("pool:a", "pool:b", 30)])
    before = entries(accounts)
    assert post_transfers(accounts, "k1", [Leg("pool:a", "pool:b", 30)]) == first
    assert entries(accounts) == before
    assert balance(accounts, "pool:a") == (70, 0)
    assert balance(accounts, "pool:b") == (30, 0)
    assert refused(lambda: post_transfers(accounts, "k1", [Leg("pool:a", "pool:b", 31)])) is Rule.KEY_REUSED
    assert verify_ledger(accounts) is None


def test_a_refusal_is_replayed_even_once_it_would_pass(accounts: Database) -> None:
    assert refused(lambda: post_transfers(accounts, "k2", [Leg("pool:b", "pool:a", 10)])) is Rule.INSUFFICIENT_BALANCE
    post_transfers(accounts, "k3", [Leg("pool:a", "pool:b", 50)])
    assert refused(lambda: post_transfers(accounts, "k2", [Leg("pool:b", "pool:a", 10)])) is Rule.INSUFFICIENT_BALANCE
    assert balance(accounts, "pool:b") == (50, 0)


def test_bad_amounts_and_accounts_are_refused_and_nothing_is_written(accounts: Database) -> None:
    before = entries(accounts)
    assert refused(lambda: post_transfers(accounts, "z", [Leg("pool:a", "pool:b", 0)])) is Rule.AMOUNT_NOT_POSITIVE
    assert refused(lambda: post_transfers(accounts, "n", [Leg("pool:a", "pool:b", -5)])) is Rule.AMOUNT_NOT_POSITIVE
    fraction = Leg("pool:a", "pool:b", 1.5)  # type: ignore[arg-type]
    assert refused(lambda: post_transfers(accounts, "f", [fraction])) is Rule.AMOUNT_NOT_WHOLE
    assert refused(lambda: post_transfers(accounts, "u", [Leg("pool:a", "nope", 5)])) is Rule.NOT_FOUND
    assert refused(lambda: post_transfers(accounts, "s", [Leg("pool:a", "pool:a", 5)])) is Rule.ACCOUNTS_MISMATCH
    assert refused(lambda: post_transfers(accounts, "m", [Leg("pool:a", "stake:x", 5)])) is Rule.ACCOUNTS_MISMATCH
    assert refused(lambda: post_transfers(accounts, "", [Leg("pool:a", "pool:b", 5)])) is Rule.KEY_MISSING
    assert entries(accounts) == before


def test_pending_reserves_then_posts_or_voids_once(accounts: Database) -> None:
    pending = post_transfers(accounts, "p1", [Leg("pool:a", "pool:b", 40)], pending=True)
    assert pending["status"] == "pending"
    assert balance(accounts, "pool:a") == (100, 40)
    # The reservation counts: only 60 minutes are still available.
    assert refused(lambda: post_transfers(accounts, "p2", [Leg("pool:a", "pool:b", 61)])) is Rule.INSUFFICIENT_BALANCE
    assert decide_link(accounts, "d1", pending["link_id"], post=True)["status"] == "posted"
    assert balance(accounts, "pool:a") == (60, 0)
    assert balance(accounts, "pool:b") == (40, 0)
    assert refused(lambda: decide_link(accounts, "d2", pending["link_id"], post=False)) is Rule.ALREADY_DECIDED
    voided = post_transfers(accounts, "p3", [Leg("pool:a", "pool:b", 60)], pending=True)
    decide_link(accounts, "d3", voided["link_id"], post=False)
    assert balance(accounts, "pool:a") == (60, 0)
    assert verify_ledger(accounts) is None


def test_linked_transfers_succeed_or_fail_together(accounts: Database) -> None:
    before = entries(accounts)
    legs = [Leg("pool:a", "pool:b", 80), Leg("pool:b", "pool:a", 90)]  # the second would overdraw pool:b (80 < 90)
    assert refused(lambda: post_transfers(accounts, "l1", legs)) is Rule.INSUFFICIENT_BALANCE
    assert entries(accounts) == before
    assert balance(accounts, "pool:a") == (100, 0)
    done = post_transfers(accounts, "l2", [Leg("pool:a", "pool:b", 80), Leg("pool:b", "pool:a", 30)])
    assert len(done["transfer_ids"]) == 2
    with accounts.session() as session:
        links = session.exec(select(LedgerTransfer.link_id).where(col(LedgerTransfer.id).in_(done["transfer_ids"])))
        assert set(links.all()) == {done["link_id"]}
    assert balance(accounts, "pool:a") == (50, 0)
    assert verify_ledger(accounts) is None


def test_the_schema_refuses_a_negative_balance(accounts: Database) -> None:
    with pytest.raises(IntegrityError), accounts.transaction() as session:
        session.exec(text("UPDATE ledger_account SET balance = -1 WHERE code = 'pool:b'"))  # type: ignore[call-overload]


def test_each_account_carries_its_own_chain(accounts: Database) -> None:
    post_transfers(accounts, "c1", [Leg("pool:a", "pool:b", 10)])
    with accounts.session() as session:
        rows = session.exec(select(LedgerAccount).where(col(LedgerAccount.code).in_(["pool:a", "pool:b"]))).all()
        seqs = {a.code: a.seq for a in rows}
        assert seqs == {"pool:a": 2, "pool:b": 1}
        last = session.exec(
            select(LedgerEntry)
            .where(col(LedgerEntry.account_seq) == 2)
            .join(LedgerAccount)
            .where(col(LedgerAccount.code) == "pool:a")
        ).one()
        assert next(a.head_hash for a in rows if a.code == "pool:a") == last.hash
    with pytest.raises(IntegrityError), accounts.transaction() as session:  # no two entries at one place of a chain
        session.exec(  # type: ignore[call-overload]
            text(
                "INSERT INTO ledger_entry (transfer_id, account_id, account_seq, phase, delta, created_at, prev_hash, hash)"
                " SELECT transfer_id, account_id, account_seq, phase, delta, created_at, prev_hash, 'x' FROM ledger_entry"
                " WHERE id = :i"
            ),
            params={"i": last.id},
        )
    with accounts.transaction() as session:  # an edited amount is named by verify
        session.exec(text("UPDATE ledger_entry SET delta = delta + 1 WHERE id = :i"), params={"i": last.id})  # type: ignore[call-overload]
    problem = verify_ledger(accounts)
    assert problem is not None
    assert problem.startswith(f"écriture n° {last.id} : ")
