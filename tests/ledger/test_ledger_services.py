"""The bank's services on both databases: the full journey, bad input, conflicts of interest, idempotency."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select

from hub.db import Database, utcnow
from hub.directory.models import Actor
from hub.ledger.models import LedgerEntry, LedgerTransfer
from hub.ledger.rules import Refusal, Rule
from hub.ledger.services import (
    balance_of,
    decide_deposit,
    decide_use,
    expire_deposits,
    request_deposit,
    request_use,
    reverse_link,
)
from hub.ledger.verification import verify_ledger
from tests.ledger.conftest import Bank, employ


def entry_count(database: Database) -> int:
    """How many journal entries exist."""
    with database.session() as session:
        return int(session.exec(select(func.count()).select_from(LedgerEntry)).one())


def deposit(database: Database, bank: Bank, key: str, minutes: Any, who: int | None = None, **extra: Any) -> int:
    """Request and accept a deposit; returns its transfer id."""
    result = request_deposit(
        database, key, account_id=who or bank.depositors[0], convention_id=bank.convention_id, minutes=minutes, **extra
    )
    decide_deposit(database, key + "-ok", approver_id=bank.approver, transfer_id=result["transfer_id"], accept=True)
    return int(result["transfer_id"])


def test_journey_deposits_use_and_stakes(database: Database, bank: Bank) -> None:
    first = deposit(database, bank, "d1", 90, bank.depositors[0])
    deposit(database, bank, "d2", 120, bank.depositors[1])
    with database.session() as session:
        assert balance_of(session, f"pool:{bank.convention_id}") == (210, 0)
    use = request_use(
        database,
        "u1",
        account_id=bank.drawer,
        convention_id=bank.convention_id,
        project_id=bank.project_id,
        minutes=150,
    )
    with database.session() as session:
        assert balance_of(session, f"pool:{bank.convention_id}") == (210, 150)
        consumed = session.exec(
            select(LedgerTransfer.source_deposit_id, LedgerTransfer.amount)
            .where(col(LedgerTransfer.link_id) == use["link_id"], col(LedgerTransfer.kind) == "use")
            .order_by(col(LedgerTransfer.id))
        ).all()
    assert [amount for _, amount in consumed] == [90, 60]  # oldest deposit first, then the next
    assert consumed[0][0] == first
    decide_use(database, "u1-ok", approver_id=bank.lead, link_id=use["link_id"], accept=True)
    with database.session() as session:
        assert balance_of(session, f"pool:{bank.convention_id}") == (60, 0)
        assert balance_of(session, f"project:{bank.project_id}") == (150, 0)
        stakes = session.exec(
            select(LedgerTransfer.amount).where(col(LedgerTransfer.kind) == "stake").order_by(col(LedgerTransfer.id))
        ).all()
    assert sorted(stakes) == [1, 1]  # 90 min -> 1 unit, 60 min -> 1 unit at one unit per hour
    assert verify_ledger(database) is None


def test_refused_deposit_is_voided_and_releases_nothing(database: Database, bank: Bank) -> None:
    result = request_deposit(
        database, "r1", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=60
    )
    decide_deposit(database, "r1-no", approver_id=bank.approver, transfer_id=result["transfer_id"], accept=False)
    with database.session() as session:
        assert balance_of(session, f"pool:{bank.convention_id}") == (0, 0)
        assert session.get(LedgerTransfer, result["transfer_id"]).status == "voided"  # type: ignore[union-attr]
    assert verify_ledger(database) is None


def test_expired_deposit_is_voided(database: Database, bank: Bank) -> None:
    result = request_deposit(
        database, "e1", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=60
    )
    assert expire_deposits(database, utcnow() + timedelta(days=31)) == 1
    with pytest.raises(Refusal) as refused:
        decide_deposit(database, "e1-ok", approver_id=bank.approver, transfer_id=result["transfer_id"], accept=True)
    assert refused.value.rule is Rule.ALREADY_DECIDED
    assert verify_ledger(database) is None


@pytest.mark.parametrize(
    ("minutes", "rule"),
    [
        (0, Rule.AMOUNT_NOT_POSITIVE),
        (-30, Rule.AMOUNT_NOT_POSITIVE),
        (12.5, Rule.AMOUNT_NOT_WHOLE),
        ("60", Rule.AMOUNT_NOT_WHOLE),
        (True, Rule.AMOUNT_NOT_WHOLE),
        (6001, Rule.CAP_EXCEEDED),
        (10**15, Rule.CAP_EXCEEDED),
    ],
)
def test_bad_amounts_are_refused_without_entries(database: Database, bank: Bank, minutes: Any, rule: Rule) -> None:
    before = entry_count(database)
    with pytest.raises(Refusal) as refused:
        request_deposit(
            database, "bad", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=minutes
        )
    assert refused.value.rule is rule
    assert refused.value.message
    assert entry_count(database) == before


def test_cap_counts_earlier_deposits_of_the_period(database: Database, bank: Bank) -> None:
    deposit(database, bank, "c1", 5000)
    with pytest.raises(Refusal) as refused:
        request_deposit(database, "c2", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=1001)
    assert refused.value.rule is Rule.CAP_EXCEEDED
    request_deposit(database, "c3", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=1000)


def test_use_larger_than_pool_is_refused(database: Database, bank: Bank) -> None:
    deposit(database, bank, "p1", 60)
    before = entry_count(database)
    with pytest.raises(Refusal) as refused:
        request_use(
            database,
            "p2",
            account_id=bank.drawer,
            convention_id=bank.convention_id,
            project_id=bank.project_id,
            minutes=61,
        )
    assert refused.value.rule is Rule.POOL_INSUFFICIENT
    assert entry_count(database) == before


def test_approving_ones_own_deposit_is_refused(database: Database, bank: Bank) -> None:
    with database.transaction() as session:
        from hub.ledger.models import ConventionApprover

        session.add(ConventionApprover(convention_id=bank.convention_id, account_id=bank.depositors[0]))
    result = request_deposit(
        database, "s1", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=60
    )
    with pytest.raises(Refusal) as refused:
        decide_deposit(database, "s2", approver_id=bank.depositors[0], transfer_id=result["transfer_id"], accept=True)
    assert refused.value.rule is Rule.SELF_APPROVAL


def test_approving_twice_is_refused(database: Database, bank: Bank) -> None:
    transfer_id = deposit(database, bank, "t1", 60)
    before = entry_count(database)
    with pytest.raises(Refusal) as refused:
        decide_deposit(database, "t1-again", approver_id=bank.approver, transfer_id=transfer_id, accept=True)
    assert refused.value.rule is Rule.ALREADY_DECIDED
    assert entry_count(database) == before


def test_only_the_conventions_approver_decides(database: Database, bank: Bank) -> None:
    result = request_deposit(
        database, "n1", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=60
    )
    with pytest.raises(Refusal) as refused:
        decide_deposit(database, "n2", approver_id=bank.depositors[1], transfer_id=result["transfer_id"], accept=True)
    assert refused.value.rule is Rule.NOT_APPROVER
    assert refused.value.status_code == 403


def test_only_the_employers_staff_deposit(database: Database, bank: Bank) -> None:
    with pytest.raises(Refusal) as refused:
        request_deposit(database, "x1", account_id=bank.drawer, convention_id=bank.convention_id, minutes=60)
    assert refused.value.rule is Rule.NOT_ELIGIBLE


# One test per conflict-of-interest rule.


def test_rule_depositing_needs_a_declaration(database: Database, bank: Bank) -> None:
    with pytest.raises(Refusal) as refused:
        request_deposit(database, "k1", account_id=bank.undeclared, convention_id=bank.convention_id, minutes=60)
    assert refused.value.rule is Rule.NO_DECLARATION


def test_rule_drawing_needs_a_declaration(database: Database, bank: Bank) -> None:
    deposit(database, bank, "k2", 60)
    with pytest.raises(Refusal) as refused:
        request_use(
            database,
            "k3",
            account_id=bank.undeclared,
            convention_id=bank.convention_id,
            project_id=bank.project_id,
            minutes=30,
        )
    assert refused.value.rule is Rule.NO_DECLARATION


def test_rule_approving_needs_a_current_declaration(database: Database, bank: Bank) -> None:
    with database.transaction() as session:
        from hub.ledger.models import ConventionApprover

        session.add(ConventionApprover(convention_id=bank.convention_id, account_id=bank.undeclared))
    result = request_deposit(
        database, "k4", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=60
    )
    with pytest.raises(Refusal) as refused:
        decide_deposit(database, "k5", approver_id=bank.undeclared, transfer_id=result["transfer_id"], accept=True)
    assert refused.value.rule is Rule.NO_DECLARATION


def test_rule_approver_holding_a_stake(database: Database, bank: Bank) -> None:
    # The approver deposits in the pool (as an employee), the project uses it: they now hold a stake.
    with database.transaction() as session:
        from hub.ledger.models import ConventionApprover

        session.add(ConventionApprover(convention_id=bank.convention_id, account_id=bank.depositors[1]))
    result = request_deposit(database, "h1", account_id=bank.approver, convention_id=bank.convention_id, minutes=60)
    decide_deposit(database, "h2", approver_id=bank.depositors[1], transfer_id=result["transfer_id"], accept=True)
    use = request_use(
        database, "h3", account_id=bank.drawer, convention_id=bank.convention_id, project_id=bank.project_id, minutes=60
    )
    decide_use(database, "h4", approver_id=bank.lead, link_id=use["link_id"], accept=True)
    earmarked = request_deposit(
        database,
        "h5",
        account_id=bank.depositors[0],
        convention_id=bank.convention_id,
        minutes=60,
        project_id=bank.project_id,
    )
    with pytest.raises(Refusal) as refused:
        decide_deposit(database, "h6", approver_id=bank.approver, transfer_id=earmarked["transfer_id"], accept=True)
    assert refused.value.rule is Rule.CONFLICT_STAKE


def test_rule_approver_leading_the_project(database: Database, bank: Bank) -> None:
    with database.transaction() as session:
        from hub.ledger.models import ConventionApprover

        session.add(ConventionApprover(convention_id=bank.convention_id, account_id=bank.lead))
    earmarked = request_deposit(
        database,
        "l1",
        account_id=bank.depositors[0],
        convention_id=bank.convention_id,
        minutes=60,
        project_id=bank.project_id,
    )
    with pytest.raises(Refusal) as refused:
        decide_deposit(database, "l2", approver_id=bank.lead, transfer_id=earmarked["transfer_id"], accept=True)
    assert refused.value.rule is Rule.CONFLICT_LEAD


def test_rule_approver_employed_by_the_carrier(database: Database, bank: Bank) -> None:
    deposit(database, bank, "m1", 60)
    with database.transaction() as session:
        employ(session, bank.lead, bank.carrier_id)
        assert session.get(Actor, bank.carrier_id) is not None
    use = request_use(
        database, "m2", account_id=bank.drawer, convention_id=bank.convention_id, project_id=bank.project_id, minutes=60
    )
    before = entry_count(database)
    with pytest.raises(Refusal) as refused:
        decide_use(database, "m3", approver_id=bank.lead, link_id=use["link_id"], accept=True)
    assert refused.value.rule is Rule.CONFLICT_EMPLOYER
    assert entry_count(database) == before
    # An administrator without ties to the project may approve instead.
    decide_use(database, "m4", approver_id=bank.admin, link_id=use["link_id"], accept=True)
    assert verify_ledger(database) is None


def test_retry_returns_the_first_outcome_and_acts_once(database: Database, bank: Bank) -> None:
    first = request_deposit(database, "i1", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=60)
    before = entry_count(database)
    again = request_deposit(database, "i1", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=60)
    assert again == first
    assert entry_count(database) == before


def test_retry_of_a_refusal_is_the_same_refusal(database: Database, bank: Bank) -> None:
    for _ in range(2):
        with pytest.raises(Refusal) as refused:
            request_deposit(database, "i2", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=0)
        assert refused.value.rule is Rule.AMOUNT_NOT_POSITIVE


def test_key_reused_with_another_payload_is_refused(database: Database, bank: Bank) -> None:
    request_deposit(database, "i3", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=60)
    before = entry_count(database)
    with pytest.raises(Refusal) as refused:
        request_deposit(database, "i3", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=61)
    assert refused.value.rule is Rule.KEY_REUSED
    assert entry_count(database) == before


def test_missing_key_is_refused(database: Database, bank: Bank) -> None:
    with pytest.raises(Refusal) as refused:
        request_deposit(database, " ", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=60)
    assert refused.value.rule is Rule.KEY_MISSING


def test_reversal_restores_balances_and_verifies(database: Database, bank: Bank) -> None:
    deposit(database, bank, "v1", 120)
    use = request_use(
        database,
        "v2",
        account_id=bank.drawer,
        convention_id=bank.convention_id,
        project_id=bank.project_id,
        minutes=120,
    )
    decide_use(database, "v3", approver_id=bank.lead, link_id=use["link_id"], accept=True)
    reverse_link(database, "v4", admin_id=bank.admin, link_id=use["link_id"])
    with database.session() as session:
        assert balance_of(session, f"pool:{bank.convention_id}") == (120, 0)
        assert balance_of(session, f"project:{bank.project_id}") == (0, 0)
    with pytest.raises(Refusal) as refused:
        reverse_link(database, "v5", admin_id=bank.admin, link_id=use["link_id"])
    assert refused.value.rule is Rule.ALREADY_REVERSED
    assert verify_ledger(database) is None


def test_tampering_is_detected_and_named(database: Database, bank: Bank) -> None:
    deposit(database, bank, "z1", 60)
    deposit(database, bank, "z2", 30)
    assert verify_ledger(database) is None
    with database.transaction() as session:
        entry = session.exec(select(LedgerEntry).order_by(col(LedgerEntry.id)).offset(4)).first()
        assert entry is not None
        entry.delta += 1
        session.add(entry)
        broken = entry.id
    problem = verify_ledger(database)
    assert problem is not None
    assert f"n° {broken}" in problem
