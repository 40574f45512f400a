"""The pure parts of the bank: hash chain audit, oldest-first allocation, stake units."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.ledger.balance import NotEnoughHours, allocate_oldest_first, stake_units, within_cap
from hub.ledger.chain import GENESIS_HASH, AccountState, Auditor, EntryRecord, TransferState, entry_hash


def chain(legs: list[tuple[int, str, str, int]]) -> list[EntryRecord]:
    """Entries (transfer, account, phase, delta), each hash-chained to the previous entry of its account."""
    entries: list[EntryRecord] = []
    heads: dict[str, tuple[int, str]] = {}
    for number, (transfer, account, phase, delta) in enumerate(legs, start=1):
        seq, previous = heads.get(account, (0, GENESIS_HASH))
        digest = entry_hash(
            account=account,
            seq=seq + 1,
            transfer_id=transfer,
            phase=phase,
            delta=delta,
            created_at="2026-11-28T12:00:00+00:00",
            prev_hash=previous,
        )
        entries.append(
            EntryRecord(number, transfer, account, seq + 1, phase, delta, "2026-11-28T12:00:00+00:00", previous, digest)
        )
        heads[account] = (seq + 1, digest)
    return entries


def states(entries: list[EntryRecord], balances: dict[str, tuple[bool, int, int]]) -> list[AccountState]:
    """Stored accounts (is_source, balance, reserved) whose chain heads are the last entries of each account."""
    heads = {entry.account: (entry.seq, entry.hash) for entry in entries}
    return [
        AccountState(code, source, balance, reserved, *heads.get(code, (0, GENESIS_HASH)))
        for code, (source, balance, reserved) in balances.items()
    ]


LEGS = [
    (1, "pro:a", "post", -60),
    (1, "pool:1", "post", 60),
    (2, "pool:1", "pending", -30),
    (2, "project:1", "pending", 30),
]
BALANCES = {"pro:a": (True, -60, 0), "pool:1": (False, 60, 30), "project:1": (False, 0, 0)}
ACCOUNTS = states(chain(LEGS), BALANCES)
TRANSFERS = [TransferState(1, "posted", 60, "pro:a", "pool:1"), TransferState(2, "pending", 30, "pool:1", "project:1")]


def audit(entries: list[EntryRecord], accounts: list[AccountState] = ACCOUNTS) -> str | None:
    """Run the auditor over entries and the stored state."""
    auditor = Auditor(sources=frozenset({"pro:a"}))
    for entry in entries:
        if auditor.feed(entry) is not None:
            return auditor.problem
    return auditor.finish(accounts, TRANSFERS)


def test_a_sound_journal_passes() -> None:
    assert audit(chain(LEGS)) is None


def test_an_edited_amount_is_named() -> None:
    entries = chain(LEGS)
    entries[2] = dataclasses.replace(entries[2], delta=-31)
    assert audit(entries) == "écriture n° 3 : empreinte invalide : l’écriture a été modifiée"


def test_a_rehashed_edit_breaks_the_next_link() -> None:
    more = [(3, "pool:1", "post", -5), (3, "project:1", "post", 5)]
    edited = chain([*LEGS[:2], (2, "pool:1", "pending", -31), LEGS[3], *more])
    original = chain([*LEGS, *more])
    entries = [*edited[:4], *original[4:]]  # entry 3 rewritten with a valid hash; entry 5 still points to the old one
    assert audit(entries) == "écriture n° 5 : chaînage rompu : l’empreinte précédente ne correspond pas"


def test_a_deleted_entry_is_named() -> None:
    entries = chain([*LEGS, (3, "pool:1", "post", -10), (3, "project:1", "post", 10)])
    # Entry 3 is the first of pool:1's chain after entry 2: deleting it breaks the account's numbering at entry 5.
    assert audit([*entries[:2], entries[3], *entries[4:]]) == (
        "écriture n° 5 : numérotation rompue sur le compte pool:1 (attendu 2)"
    )


def test_a_deleted_last_entry_no_longer_matches_the_account_head() -> None:
    entries = chain(LEGS)
    entries = chain([*LEGS, (3, "pool:1", "post", -5), (3, "project:1", "post", 5)])
    stored = states(entries, {"pro:a": (True, -60, 0), "pool:1": (False, 55, 30), "project:1": (False, 5, 0)})
    auditor = Auditor(sources=frozenset({"pro:a"}))
    for entry in entries[:-2]:  # the last transfer's two entries are gone, and with them the heads they made
        assert auditor.feed(entry) is None
    transfers = [*TRANSFERS, TransferState(3, "posted", 5, "pool:1", "project:1")]
    problem = auditor.finish(stored, transfers)
    assert problem == "virement 3 : statut posted enregistré, missing d’après le journal"
    auditor = Auditor(sources=frozenset({"pro:a"}))
    for entry in entries[:-2]:
        auditor.feed(entry)
    assert auditor.finish(stored, TRANSFERS) == (
        "compte pool:1 : tête de chaîne incohérente, n° 3 enregistré, n° 2 recalculé"
    )


def test_entries_of_different_accounts_chain_independently() -> None:
    entries = chain(LEGS)
    assert [(e.account, e.seq) for e in entries] == [("pro:a", 1), ("pool:1", 1), ("pool:1", 2), ("project:1", 1)]
    assert entries[2].prev_hash == entries[1].hash
    assert entries[3].prev_hash == GENESIS_HASH


def test_a_transfer_that_does_not_sum_to_zero_is_named() -> None:
    problem = audit(chain([(1, "pro:a", "post", -60), (1, "pool:1", "post", 61)]))
    assert problem is not None
    assert "n’est pas nulle" in problem


def test_a_stored_balance_that_drifted_is_named() -> None:
    drifted = [ACCOUNTS[0], dataclasses.replace(ACCOUNTS[1], balance=61), ACCOUNTS[2]]
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
