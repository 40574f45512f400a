"""Property test: random sequences of bank operations keep every ledger invariant on both databases."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, func, select

from hub.db import Database
from hub.ledger.models import LedgerAccount, LedgerEntry, LedgerTransfer
from hub.ledger.rules import Refusal
from hub.ledger.services import decide_deposit, decide_use, request_deposit, request_use, reverse_link
from hub.ledger.verification import verify_ledger
from tests.ledger.conftest import Bank

KEYS = itertools.count()
OPERATIONS = st.sampled_from(["deposit", "accept", "refuse", "use", "accept_use", "refuse_use", "reverse", "retry"])
STEPS = st.lists(st.tuples(OPERATIONS, st.integers(0, 5), st.integers(-10, 400)), min_size=1, max_size=25)


def outcome(call: Callable[[], dict[str, Any]]) -> tuple[str, Any]:
    """What a service call answered: its result, or the refused rule."""
    try:
        return ("ok", call())
    except Refusal as refusal:
        return ("refused", refusal.rule)


def entries(database: Database) -> int:
    """How many journal entries exist."""
    with database.session() as session:
        return int(session.exec(select(func.count()).select_from(LedgerEntry)).one())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_random_operations_keep_the_ledger_sound(
    database: Database, bank: Bank, steps: list[tuple[str, int, int]]
) -> None:
    deposits: list[int] = []
    links: list[str] = []
    done: list[tuple[Callable[[], dict[str, Any]], tuple[str, Any]]] = []
    for operation, pick, minutes in steps:
        key = f"prop-{next(KEYS)}"
        call: Callable[[], dict[str, Any]]
        if operation == "deposit":
            who = bank.depositors[pick % len(bank.depositors)]

            def call(key: str = key, who: int = who, minutes: int = minutes) -> dict[str, Any]:
                return request_deposit(database, key, account_id=who, convention_id=bank.convention_id, minutes=minutes)

        elif operation in ("accept", "refuse") and deposits:
            target = deposits[pick % len(deposits)]

            def call(key: str = key, target: int = target, accept: bool = operation == "accept") -> dict[str, Any]:
                return decide_deposit(database, key, approver_id=bank.approver, transfer_id=target, accept=accept)

        elif operation == "use":

            def call(key: str = key, minutes: int = minutes) -> dict[str, Any]:
                return request_use(
                    database,
                    key,
                    account_id=bank.drawer,
                    convention_id=bank.convention_id,
                    project_id=bank.project_id,
                    minutes=minutes,
                )

        elif operation in ("accept_use", "refuse_use") and links:
            link = links[pick % len(links)]

            def call(key: str = key, link: str = link, accept: bool = operation == "accept_use") -> dict[str, Any]:
                return decide_use(database, key, approver_id=bank.lead, link_id=link, accept=accept)

        elif operation == "reverse" and links:
            link = links[pick % len(links)]

            def call(key: str = key, link: str = link) -> dict[str, Any]:
                return reverse_link(database, key, admin_id=bank.admin, link_id=link)

        elif operation == "retry" and done:
            previous, first = done[pick % len(done)]
            before = entries(database)
            assert outcome(previous) == first  # the first outcome again, a refusal included
            assert entries(database) == before  # and nothing acted twice
            continue
        else:
            continue
        result = outcome(call)
        done.append((call, result))
        if result[0] == "ok":
            if operation == "deposit":
                deposits.append(result[1]["transfer_id"])
            if operation == "use":
                links.append(result[1]["link_id"])
            if operation == "deposit" and minutes > 100:
                links.append(result[1]["link_id"])
    assert verify_ledger(database) is None
    with database.session() as session:
        accounts = session.exec(select(LedgerAccount)).all()
        for unit in ("minute", "stake_unit"):
            assert sum(a.balance for a in accounts if a.unit == unit) == 0  # double entry: value is only moved
        assert all(a.is_source or a.balance - a.reserved >= 0 for a in accounts)
        derived = dict(
            session.exec(
                select(LedgerEntry.account_id, func.sum(LedgerEntry.delta))
                .where(col(LedgerEntry.phase) == "post")
                .group_by(col(LedgerEntry.account_id))
            ).all()
        )
        assert {a.id: a.balance for a in accounts if a.balance} == {k: v for k, v in derived.items() if v}
        per_link = session.exec(
            select(LedgerTransfer.link_id, func.count()).group_by(col(LedgerTransfer.link_id))
        ).all()
        assert all(count >= 1 for _, count in per_link)
