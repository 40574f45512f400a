"""Group commit of the ledger core on both databases: a batch is one transaction, yet each request keeps its own
outcome (refusals recorded, keys answered once), a failing batch falls back to one by one, concurrent callers share
commits; and the committer's queue itself (no database)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from hub.db import Database, make_engine
from hub.ledger.book import ensure_account
from hub.ledger.committer import GroupCommitter, Outcome
from hub.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerRequest, Unit
from hub.ledger.once import run_service_batch, service_call, service_committer
from hub.ledger.posting import (
    Leg,
    core_committer,
    decision_request,
    open_account,
    post_transfers,
    run_batch,
    transfer_request,
)
from hub.ledger.rules import Refusal, Rule
from hub.ledger.services import request_deposit
from hub.ledger.verification import verify_ledger
from tests.ledger.test_ledger_concurrency import setup_bank
from tests.ledger.test_ledger_posting import balance, entries


def open_bank(database: Database) -> None:
    """A source, two holding accounts (a: 100 minutes, b: empty) and a stake account."""
    open_account(database, "pro:src", AccountKind.PROFESSIONAL, Unit.MINUTE, is_source=True)
    open_account(database, "pool:a", AccountKind.POOL, Unit.MINUTE)
    open_account(database, "pool:b", AccountKind.POOL, Unit.MINUTE)
    open_account(database, "stake:x", AccountKind.STAKE, Unit.STAKE_UNIT)
    post_transfers(database, "fund", [Leg("pro:src", "pool:a", 100)])


@pytest.fixture
def accounts(database: Database) -> Database:
    """The bank on the rolled-back test connection."""
    open_bank(database)
    return database


def stored(database: Database, key: str) -> dict[str, Any] | None:
    """The outcome stored under a key (None when the key is not stored)."""
    with database.session() as session:
        request = session.get(LedgerRequest, key)
        return None if request is None else request.outcome


def rule_of(outcome: Outcome) -> Rule:
    """The rule a batch outcome was refused under."""
    ok, value = outcome
    assert not ok
    assert isinstance(value, Refusal), value
    return value.rule


def result_of(outcome: Outcome) -> dict[str, Any]:
    """The result of a batch outcome that succeeded."""
    ok, value = outcome
    assert ok, value
    assert isinstance(value, dict)
    return value


def test_a_refused_request_is_recorded_and_the_others_of_its_batch_post(accounts: Database) -> None:
    before = entries(accounts)
    outcomes = run_batch(
        accounts,
        [
            transfer_request("b1", [Leg("pool:a", "pool:b", 30)]),
            transfer_request("b2", [Leg("pool:b", "pool:a", 40)]),  # b holds 30 at this point of the batch
            transfer_request("b3", [Leg("pool:a", "pool:b", 20)]),
            transfer_request("b4", [Leg("pool:a", "pool:b", 10), Leg("pool:b", "pool:a", 999)]),  # linked: none
            transfer_request("b5", [Leg("pool:a", "pool:b", 0)]),
            transfer_request("b6", [Leg("pool:a", "nope", 1)]),
        ],
    )
    assert result_of(outcomes[0])["status"] == "posted"
    assert rule_of(outcomes[1]) is Rule.INSUFFICIENT_BALANCE
    assert result_of(outcomes[2])["status"] == "posted"
    assert rule_of(outcomes[3]) is Rule.INSUFFICIENT_BALANCE
    assert rule_of(outcomes[4]) is Rule.AMOUNT_NOT_POSITIVE
    assert rule_of(outcomes[5]) is Rule.NOT_FOUND
    assert entries(accounts) == before + 4  # two legs each for b1 and b3, nothing for the refused ones
    assert balance(accounts, "pool:a") == (50, 0)
    assert balance(accounts, "pool:b") == (50, 0)
    assert stored(accounts, "b2") == {"rule": "insufficient_balance"}
    assert stored(accounts, "b4") == {"rule": "insufficient_balance"}
    assert stored(accounts, "b1") == {"result": result_of(outcomes[0])}
    # b now holds 50: a fresh request would pass, the retry of b2 still gets its first outcome.
    with pytest.raises(Refusal) as caught:
        post_transfers(accounts, "b2", [Leg("pool:b", "pool:a", 40)])
    assert caught.value.rule is Rule.INSUFFICIENT_BALANCE
    assert verify_ledger(accounts) is None


def test_a_key_twice_in_one_batch_acts_once(accounts: Database) -> None:
    before = entries(accounts)
    outcomes = run_batch(
        accounts,
        [
            transfer_request("k", [Leg("pool:a", "pool:b", 30)]),
            transfer_request("k", [Leg("pool:a", "pool:b", 30)]),
            transfer_request("k", [Leg("pool:a", "pool:b", 31)]),
            transfer_request("r", [Leg("pool:b", "pool:a", 500)]),
            transfer_request("r", [Leg("pool:b", "pool:a", 500)]),
        ],
    )
    assert result_of(outcomes[1]) == result_of(outcomes[0])
    assert rule_of(outcomes[2]) is Rule.KEY_REUSED
    assert rule_of(outcomes[3]) is rule_of(outcomes[4]) is Rule.INSUFFICIENT_BALANCE
    assert entries(accounts) == before + 2
    assert balance(accounts, "pool:a") == (70, 0)


def test_a_retry_in_a_later_batch_gets_the_first_outcome(accounts: Database) -> None:
    first = run_batch(
        accounts,
        [transfer_request("x", [Leg("pool:a", "pool:b", 60)]), transfer_request("y", [Leg("pool:b", "pool:a", 70)])],
    )
    assert rule_of(first[1]) is Rule.INSUFFICIENT_BALANCE
    before = entries(accounts)
    again = run_batch(
        accounts,
        [
            transfer_request("z", [Leg("pool:a", "pool:b", 40)]),  # b would now cover y's 70
            transfer_request("y", [Leg("pool:b", "pool:a", 70)]),
            transfer_request("x", [Leg("pool:a", "pool:b", 60)]),
            transfer_request("x", [Leg("pool:a", "pool:b", 61)]),
        ],
    )
    assert result_of(again[0])["status"] == "posted"
    assert rule_of(again[1]) is Rule.INSUFFICIENT_BALANCE
    assert result_of(again[2]) == result_of(first[0])
    assert rule_of(again[3]) is Rule.KEY_REUSED
    assert entries(accounts) == before + 2  # z only
    assert balance(accounts, "pool:b") == (100, 0)
    assert verify_ledger(accounts) is None


def test_a_failing_batch_falls_back_to_one_by_one(accounts: Database) -> None:
    before = entries(accounts)
    # From a source account no balance check applies, but the amount does not fit the BIGINT column: the batch's
    # write fails (as this request alone does); the other requests must not fail with it.
    outcomes = run_batch(
        accounts,
        [
            transfer_request("ok1", [Leg("pool:a", "pool:b", 10)]),
            transfer_request("bad", [Leg("pro:src", "pool:b", 2**70)]),
            transfer_request("ok2", [Leg("pool:a", "pool:b", 15)]),
        ],
    )
    assert result_of(outcomes[0])["status"] == "posted"
    assert result_of(outcomes[2])["status"] == "posted"
    ok, error = outcomes[1]
    assert not ok
    assert not isinstance(error, Refusal)
    assert stored(accounts, "bad") is None  # an error is not an outcome: a retry may act
    assert entries(accounts) == before + 4
    assert balance(accounts, "pool:a") == (75, 0)
    assert balance(accounts, "pool:b") == (25, 0)
    assert verify_ledger(accounts) is None


def test_decisions_in_one_batch_are_taken_once(accounts: Database) -> None:
    pending = post_transfers(accounts, "p", [Leg("pool:a", "pool:b", 40)], pending=True)
    outcomes = run_batch(
        accounts,
        [
            decision_request("d1", pending["link_id"], post=True),
            decision_request("d2", pending["link_id"], post=False),
            decision_request("d3", "no-such-link", post=True),
            transfer_request("t", [Leg("pool:b", "pool:a", 40)]),  # b received the 40 earlier in this batch
        ],
    )
    assert result_of(outcomes[0])["status"] == "posted"
    assert rule_of(outcomes[1]) is Rule.ALREADY_DECIDED
    assert rule_of(outcomes[2]) is Rule.NOT_FOUND
    assert result_of(outcomes[3])["status"] == "posted"
    assert balance(accounts, "pool:a") == (100, 0)
    assert balance(accounts, "pool:b") == (0, 0)
    assert verify_ledger(accounts) is None


# --- Concurrent callers on a database of their own -------------------------------------------------------------


CALLERS = 12
REQUESTS_PER_CALLER = 30


def caller(url: str, seed: int, start: threading.Barrier, log: list[tuple[str, Any]], lock: threading.Lock) -> None:
    """A client thread with its own engine: small transfers between a and b, some overdrafts, some retries."""
    engine = make_engine(url)
    database = Database(engine)
    rng = random.Random(seed)
    sent: list[tuple[str, Leg]] = []
    start.wait()
    try:
        for number in range(REQUESTS_PER_CALLER):
            if sent and rng.random() < 0.1:
                key, leg = rng.choice(sent)
            else:
                debit, credit = ("pool:a", "pool:b") if rng.random() < 0.5 else ("pool:b", "pool:a")
                key, leg = f"c{seed}-{number}", Leg(debit, credit, rng.randint(1, 30))
                sent.append((key, leg))
            try:
                result: Any = post_transfers(database, key, [leg])
            except Refusal as refusal:
                result = refusal.rule.value
            except Exception as exc:  # reported to the test, which fails on it
                result = f"error: {exc!r}"
            with lock:
                log.append((key, result))
    finally:
        engine.dispose()


def test_concurrent_callers_share_commits_and_each_gets_its_own_outcome(url: str) -> None:
    engine = make_engine(url)
    try:
        database = Database(engine)
        open_bank(database)
        committer = core_committer(database)
        assert committer is not None
        batches, requests = committer.batches, committer.requests
        post_transfers(database, "alone", [Leg("pool:a", "pool:b", 1)])  # a lone caller leads its own batch
        assert (committer.batches - batches, committer.requests - requests) == (1, 1)
        log: list[tuple[str, Any]] = []
        lock = threading.Lock()
        start = threading.Barrier(CALLERS)
        threads = [threading.Thread(target=caller, args=(url, seed, start, log, lock)) for seed in range(CALLERS)]
        batches, requests = committer.batches, committer.requests
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(log) == CALLERS * REQUESTS_PER_CALLER
        assert committer.requests - requests == len(log)
        assert committer.batches - batches < len(log)  # some requests shared a transaction
        assert [result for _, result in log if isinstance(result, str) and result.startswith("error")] == []
        by_key: dict[str, list[Any]] = {}
        for key, result in log:
            by_key.setdefault(key, []).append(result)
        assert all(all(r == results[0] for r in results) for results in by_key.values())
        assert any(isinstance(results[0], str) for results in by_key.values())  # some overdrafts were refused
        with database.session() as session:
            outcomes = dict(session.exec(select(LedgerRequest.key, LedgerRequest.outcome)).all())
        for key, results in by_key.items():  # what each caller was told is what the ledger keeps for its key
            outcome = outcomes[key] or {}
            assert outcome.get("result", outcome.get("rule")) == results[0], key
        assert sum(balance(database, code)[0] for code in ("pool:a", "pool:b")) == 100
        assert verify_ledger(database) is None
    finally:
        engine.dispose()


# --- The committer's queue --------------------------------------------------------------------------------------


def wait_until(condition: Any, seconds: float = 10.0) -> None:
    """Poll `condition` until it holds (fails the test after `seconds`)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_lone_caller_runs_at_once_and_later_callers_share_the_next_batch() -> None:
    committer: GroupCommitter[int] = GroupCommitter(max_batch=3)
    batches: list[list[int]] = []
    started, release = threading.Event(), threading.Event()

    def run(items: Sequence[int]) -> list[Outcome]:
        batches.append(list(items))
        if len(batches) == 1:
            started.set()
            release.wait(10)
        return [(True, item * 10) for item in items]

    results: dict[int, Any] = {}

    def call(item: int) -> None:
        results[item] = committer.submit(item, run)

    first = threading.Thread(target=call, args=(0,))
    first.start()
    assert started.wait(10)  # the lone caller did not wait for anybody
    others = [threading.Thread(target=call, args=(item,)) for item in range(1, 5)]
    for thread in others:
        thread.start()
    wait_until(lambda: committer.waiting == 5)
    assert results == {}  # nobody is answered before the batch holding them is done
    release.set()
    for thread in (first, *others):
        thread.join()
    assert results == {item: item * 10 for item in range(5)}
    assert [len(batch) for batch in batches] == [1, 3, 1]  # bounded by max_batch, in arrival order
    assert sorted(item for batch in batches for item in batch) == list(range(5))


def test_an_error_of_the_batch_reaches_every_caller_of_it() -> None:
    committer: GroupCommitter[int] = GroupCommitter()
    started, release = threading.Event(), threading.Event()
    calls = 0

    def run(items: Sequence[int]) -> list[Outcome]:
        nonlocal calls
        calls += 1
        if calls == 1:
            started.set()
            release.wait(10)
            return [(True, "first")]
        raise RuntimeError("the batch failed")

    results: dict[int, Any] = {}

    def call(item: int) -> None:
        try:
            results[item] = committer.submit(item, run)
        except RuntimeError as exc:
            results[item] = str(exc)

    threads = [threading.Thread(target=call, args=(0,))]
    threads[0].start()
    assert started.wait(10)
    threads += [threading.Thread(target=call, args=(item,)) for item in (1, 2)]
    for thread in threads[1:]:
        thread.start()
    wait_until(lambda: committer.waiting == 3)
    release.set()
    for thread in threads:
        thread.join()
    assert results == {0: "first", 1: "the batch failed", 2: "the batch failed"}
    assert committer.waiting == 0


# --- The business services' batches -----------------------------------------------------------------------------


def make_pool(code: str, *, refuse: bool = False) -> Any:
    """An action that opens an account (and then refuses, when asked: its account must not stay)."""

    def action(session: Session) -> dict[str, Any]:
        account_id = ensure_account(session, code, AccountKind.POOL, Unit.MINUTE)
        if refuse:
            raise Refusal(Rule.CAP_EXCEEDED)
        return {"account": account_id}

    return action


def has_account(database: Database, code: str) -> bool:
    """Whether the account exists."""
    with database.session() as session:
        return session.exec(select(LedgerAccount.id).where(col(LedgerAccount.code) == code)).first() is not None


def test_a_service_batch_rolls_a_refused_call_back_to_its_savepoint(database: Database) -> None:
    def sees_first(session: Session) -> dict[str, Any]:
        found = session.exec(select(LedgerAccount.id).where(col(LedgerAccount.code) == "pool:s1")).first()
        return {"seen": found is not None}

    outcomes = run_service_batch(
        database,
        [
            service_call("s1", "open", {"code": "pool:s1"}, make_pool("pool:s1")),
            service_call("s2", "open", {"code": "pool:s2"}, make_pool("pool:s2", refuse=True)),
            service_call("s1", "open", {"code": "pool:s1"}, make_pool("pool:s1")),
            service_call("s1", "open", {"code": "other"}, make_pool("other")),
            service_call("s3", "look", {}, sees_first),
        ],
    )
    first = result_of(outcomes[0])
    assert rule_of(outcomes[1]) is Rule.CAP_EXCEEDED
    assert result_of(outcomes[2]) == first
    assert rule_of(outcomes[3]) is Rule.KEY_REUSED
    assert result_of(outcomes[4]) == {"seen": True}  # a later call sees what an earlier one wrote
    assert has_account(database, "pool:s1")
    assert not has_account(database, "pool:s2")  # rolled back to its savepoint
    assert not has_account(database, "other")
    assert stored(database, "s2") == {"rule": "cap_exceeded"}
    again = run_service_batch(
        database,
        [
            service_call("s2", "open", {"code": "pool:s2"}, make_pool("pool:s2")),  # would pass now: replayed
            service_call("s1", "open", {"code": "pool:s1"}, make_pool("pool:s1")),
        ],
    )
    assert rule_of(again[0]) is Rule.CAP_EXCEEDED
    assert result_of(again[1]) == first
    assert not has_account(database, "pool:s2")


def test_a_failing_service_batch_falls_back_to_one_by_one(database: Database) -> None:
    def broken(session: Session) -> dict[str, Any]:
        ensure_account(session, "pool:broken", AccountKind.POOL, Unit.MINUTE)
        raise ValueError("a bug in one request")

    outcomes = run_service_batch(
        database,
        [
            service_call("f1", "open", {"code": "pool:f1"}, make_pool("pool:f1")),
            service_call("f2", "open", {"code": "pool:broken"}, broken),
            service_call("f3", "open", {"code": "pool:f3"}, make_pool("pool:f3")),
        ],
    )
    assert result_of(outcomes[0])["account"] > 0
    assert result_of(outcomes[2])["account"] > 0
    ok, error = outcomes[1]
    assert not ok
    assert isinstance(error, ValueError)
    assert has_account(database, "pool:f1")
    assert has_account(database, "pool:f3")
    assert not has_account(database, "pool:broken")
    assert stored(database, "f2") is None


def depositor(
    url: str,
    bank: dict[str, Any],
    seed: int,
    start: threading.Barrier,
    log: list[tuple[str, Any]],
    lock: threading.Lock,
) -> None:
    """A client thread with its own engine requesting deposits; some are zero minutes, some are retries."""
    engine = make_engine(url)
    database = Database(engine)
    rng = random.Random(seed)
    sent: list[tuple[str, int, int]] = []
    start.wait()
    try:
        for number in range(8):
            if sent and rng.random() < 0.15:
                key, who, minutes = rng.choice(sent)
            else:
                key, who, minutes = f"d{seed}-{number}", rng.choice(bank["depositors"]), rng.choice([0, 30, 60])
                sent.append((key, who, minutes))
            try:
                result: Any = request_deposit(
                    database, key, account_id=who, convention_id=bank["convention"], minutes=minutes
                )
            except Refusal as refusal:
                result = refusal.rule.value
            except Exception as exc:  # reported to the test, which fails on it
                result = f"error: {exc!r}"
            with lock:
                log.append((key, result))
    finally:
        engine.dispose()


def test_concurrent_service_calls_share_commits_and_each_gets_its_own_outcome(url: str) -> None:
    engine = make_engine(url)
    try:
        database = Database(engine)
        bank = setup_bank(engine)
        committer = service_committer(database)
        assert committer is not None
        batches, requests = committer.batches, committer.requests
        log: list[tuple[str, Any]] = []
        lock = threading.Lock()
        start = threading.Barrier(CALLERS)
        threads = [
            threading.Thread(target=depositor, args=(url, bank, seed, start, log, lock)) for seed in range(CALLERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert committer.requests - requests == len(log) == CALLERS * 8
        assert committer.batches - batches < len(log)  # some calls shared a transaction
        assert [result for _, result in log if isinstance(result, str) and result.startswith("error")] == []
        by_key: dict[str, list[Any]] = {}
        for key, result in log:
            by_key.setdefault(key, []).append(result)
        assert all(all(r == results[0] for r in results) for results in by_key.values())
        assert any(results[0] == "amount_not_positive" for results in by_key.values())
        with database.session() as session:
            outcomes = dict(session.exec(select(LedgerRequest.key, LedgerRequest.outcome)).all())
        for key, results in by_key.items():
            outcome = outcomes[key] or {}
            assert outcome.get("result", outcome.get("rule")) == results[0], key
        pending = sum(1 for results in by_key.values() if isinstance(results[0], dict))
        with database.session() as session:
            assert session.exec(select(func.count()).select_from(LedgerEntry)).one() == 2 * pending
        assert verify_ledger(database) is None
    finally:
        engine.dispose()
