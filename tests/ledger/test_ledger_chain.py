"""The pure parts of the bank: hash chain audit, oldest-first allocation, stake units."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.ledger.balance import NotEnoughHours, allocate_oldest_first, stake_units, within_cap
from hub.ledger.chain import GENESIS_HASH, AccountState, Auditor, EntryRecord, TransferState, entry_hash


def chain(legs: list[tuple[int, str, str, int]]) -> list[EntryRecord]:
    """Entries (transfer, account, phase, delta) hash-chained from the genesis."""
    entries, previous = [], GENESIS_HASH
    for number, (transfer, account, phase, delta) in enumerate(legs, start=1):
        digest = entry_hash(
            entry_id=number,
            transfer_id=transfer,
            account=account,
            phase=phase,
            delta=delta,
            created_at="2026-11-28T12:00:00+00:00",
            prev_hash=previous,
        )
        entries.append(
            EntryRecord(number, transfer, account, phase, delta, "2026-11-28T12:00:00+00:00", previous, digest)
        )
        previous = digest
    return entries


LEGS = [
    (1, "pro:a", "post", -60),
    (1, "pool:1", "post", 60),
    (2, "pool:1", "pending", -30),
    (2, "project:1", "pending", 30),
]
ACCOUNTS = [
    AccountState("pro:a", True, -60, 0),
    AccountState("pool:1", False, 60, 30),
    AccountState("project:1", False, 0, 0),
]
TRANSFERS = [TransferState(1, "posted", 60, "pro:a", "pool:1"), TransferState(2, "pending", 30, "pool:1", "project:1")]


def audit(entries: list[EntryRecord], accounts: list[AccountState] = ACCOUNTS) -> str | None:
    """Run the auditor over entries and the stored state."""
    auditor = Auditor(sources=frozenset({"pro:a"}))
    for entry in entries:
        if auditor.feed(entry) is not None:
            return auditor.problem
    return auditor.finish(accounts, TRANSFERS, entries[-1].id, entries[-1].hash)


def test_a_sound_journal_passes() -> None:
    assert audit(chain(LEGS)) is None


def test_an_edited_amount_is_named() -> None:
    entries = chain(LEGS)
    entries[2] = dataclasses.replace(entries[2], delta=-31)
    assert audit(entries) == "écriture n° 3 : empreinte invalide : l’écriture a été modifiée"


def test_a_rehashed_edit_breaks_the_next_link() -> None:
    edited = chain([*LEGS[:2], (2, "pool:1", "pending", -31), LEGS[3]])
    original = chain(LEGS)
    entries = [*edited[:3], original[3]]
    problem = audit(entries)
    assert problem is not None
    assert problem.startswith("écriture n° 4")


def test_a_deleted_entry_is_named() -> None:
    entries = chain(LEGS)
    assert audit([entries[0], *entries[2:]]) == "écriture n° 3 : numérotation rompue (attendu 2)"


def test_a_transfer_that_does_not_sum_to_zero_is_named() -> None:
    problem = audit(chain([(1, "pro:a", "post", -60), (1, "pool:1", "post", 61)]))
    assert problem is not None
    assert "n’est pas nulle" in problem


def test_a_stored_balance_that_drifted_is_named() -> None:
    drifted = [ACCOUNTS[0], AccountState("pool:1", False, 61, 30), ACCOUNTS[2]]
    assert audit(chain(LEGS), drifted) == "compte pool:1 : solde 61 enregistré, 60 d’après le journal"


def test_allocation_takes_the_oldest_deposits_first() -> None:
    assert allocate_oldest_first([(7, 30), (3, 60), (9, 100)], 100) == [(3, 60), (7, 30), (9, 10)]
    with pytest.raises(NotEnoughHours):
        allocate_oldest_first([(1, 10)], 11)


@given(st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=20), st.integers(1, 5000))
def test_allocation_takes_exactly_what_is_asked(remaining: list[int], minutes: int) -> None:
    deposits = list(enumerate(remaining))
    if minutes > sum(remaining):
        with pytest.raises(NotEnoughHours):
            allocate_oldest_first(deposits, minutes)
        return
    allocation = allocate_oldest_first(deposits, minutes)
    assert sum(taken for _, taken in allocation) == minutes
    assert all(0 < taken <= remaining[deposit] for deposit, taken in allocation)
    # Every deposit before the last one used is used up: oldest first, no skipping.
    last = allocation[-1][0]
    assert all(dict(allocation).get(i, 0) == remaining[i] for i in range(last) if remaining[i] > 0)


def test_stake_units_and_cap() -> None:
    assert stake_units(90, 1) == 1
    assert stake_units(120, 3) == 6
    assert stake_units(59, 1) == 0
    assert within_cap(5000, 1000, 6000)
    assert not within_cap(5000, 1001, 6000)
