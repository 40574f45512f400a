"""Concurrent clients on a dedicated database per backend: the ledger stays sound; a naive writer is caught."""

from __future__ import annotations

import contextlib
import json
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, func, select

from hub.accounts.models import Account, AccountRole, Person, Role
from hub.db import Database, make_engine, utcnow
from hub.directory.models import Actor, ActorKind, ActorMembership, MembershipStatus
from hub.ledger.chain import entry_hash
from hub.ledger.models import (
    AccountKind,
    EntryPhase,
    LedgerAccount,
    LedgerEntry,
    LedgerRequest,
    LedgerTransfer,
    TransferKind,
    TransferStatus,
    Unit,
)
from hub.ledger.posting import Leg, open_account, post_transfers
from hub.ledger.rules import Refusal
from hub.ledger.services import (
    create_convention,
    decide_deposit,
    decide_use,
    declare_interests,
    publish_stake_rule,
    request_deposit,
    request_use,
)
from hub.ledger.verification import verify_ledger
from hub.projects.models import Project

CLIENTS = 16
OPERATIONS_PER_CLIENT = 60
DUPLICATE_SHARE = 0.05


def person(session: Session, email: str, *, roles: tuple[Role, ...] = ()) -> int:
    """An account with a profile and a current declaration of interests."""
    account = Account(email=email, password_hash="!")
    session.add(account)
    session.flush()
    assert account.id is not None
    session.add(Person(account_id=account.id, display_name=email))
    for role in roles:
        session.add(AccountRole(account_id=account.id, role=role))
    session.flush()
    declare_interests(session, account.id, "Aucun lien.", utcnow().replace(year=utcnow().year + 1))
    return account.id


def setup_bank(engine: Engine) -> dict[str, Any]:
    """Employer, approver, 5 depositors, a drawer, a lead and a project with a stake rule."""
    with Database(engine).transaction() as session:
        employer = Actor(slug="chu", name="CHU", kind=ActorKind.HEALTH_ESTABLISHMENT)
        session.add(employer)
        session.flush()
        assert employer.id is not None
        approver = person(session, "approver@example.fr")
        depositors = [person(session, f"d{i}@example.fr") for i in range(5)]
        for account_id in (approver, *depositors):
            session.add(ActorMembership(actor_id=employer.id, account_id=account_id, status=MembershipStatus.APPROVED))
        lead = person(session, "lead@example.fr")
        drawer = person(session, "drawer@example.fr")
        project = Project(slug="projet", title="Projet", created_by_id=lead)
        session.add(project)
        session.flush()
        assert project.id is not None
        convention = create_convention(
            session, title="C", employer_id=employer.id, cap_minutes_per_period=10**6, approver_ids=[approver]
        )
        publish_stake_rule(session, project.id, 2)
        return {
            "convention": convention.id,
            "project": project.id,
            "approver": approver,
            "depositors": depositors,
            "lead": lead,
            "drawer": drawer,
        }


def client(url: str, bank: dict[str, Any], seed: int, log: list[tuple[str, Any]], lock: threading.Lock) -> None:
    """One client with its own engine: random deposits, approvals, uses; some submissions are duplicates."""
    engine = make_engine(url)
    database = Database(engine)
    rng = random.Random(seed)
    pending: list[int] = []
    links: list[str] = []
    sent: list[tuple[str, Any]] = []
    try:
        for number in range(OPERATIONS_PER_CLIENT):
            if sent and rng.random() < DUPLICATE_SHARE:
                key, call = rng.choice(sent)
            else:
                key = f"c{seed}-{number}"
                call = _pick(rng, database, bank, key, pending, links)
                sent.append((key, call))
            try:
                result: Any = call()
            except Refusal as refusal:
                result = refusal.rule
            except Exception as exc:  # reported to the test, which fails on it
                result = f"error: {exc!r}"
            with lock:
                log.append((key, result))
            if isinstance(result, dict) and result.get("status") == "pending":
                if "transfer_id" in result:
                    pending.append(result["transfer_id"])
                else:
                    links.append(result["link_id"])
    finally:
        engine.dispose()


def _pick(
    rng: random.Random, database: Database, bank: dict[str, Any], key: str, pending: list[int], links: list[str]
) -> Any:
    choice = rng.random()
    if choice < 0.4 or not (pending or links):
        who, minutes = rng.choice(bank["depositors"]), rng.randint(1, 240)
        return lambda: request_deposit(database, key, account_id=who, convention_id=bank["convention"], minutes=minutes)
    if choice < 0.65 and pending:
        target = pending.pop(0)
        accept = rng.random() < 0.85
        return lambda: decide_deposit(database, key, approver_id=bank["approver"], transfer_id=target, accept=accept)
    if choice < 0.85 or not links:
        minutes = rng.randint(1, 300)
        return lambda: request_use(
            database,
            key,
            account_id=bank["drawer"],
            convention_id=bank["convention"],
            project_id=bank["project"],
            minutes=minutes,
        )
    link = links.pop(0)
    accept = rng.random() < 0.85
    return lambda: decide_use(database, key, approver_id=bank["lead"], link_id=link, accept=accept)


def naive_transfer(engine: Engine, amount: int) -> None:
    """The wrong way, kept as proof the checker can fail: read balances and chain heads, then write later."""
    # Two naive writers may pick the same place in an account's chain: one fails, the others still corrupt the ledger.
    with contextlib.suppress(IntegrityError, OperationalError):
        _naive_transfer(engine, amount)


def _naive_transfer(engine: Engine, amount: int) -> None:
    with Session(engine) as session:
        # From a source account (never checked for overdraft) to the pool: no CHECK stops the damage.
        pools = select(LedgerAccount).where(col(LedgerAccount.kind) == "pool").order_by(col(LedgerAccount.id))
        target = session.exec(pools).first()
        assert target is not None
        statement = select(LedgerAccount).where(col(LedgerAccount.kind) == "professional")
        source = session.exec(statement.order_by(col(LedgerAccount.id))).first()
        assert source is not None
        seen = {account.id: (account.balance, account.head_hash) for account in (source, target)}
        legs = ((source.id or 0, source.code, -amount), (target.id or 0, target.code, amount))
        session.rollback()
    time.sleep(random.random() / 50)  # the window in which other naive writers read the same values
    with Session(engine) as session:
        transfer = LedgerTransfer(
            kind=TransferKind.USE,
            status=TransferStatus.POSTED,
            debit_account_id=legs[0][0],
            credit_account_id=legs[1][0],
            amount=amount,
            unit=Unit.MINUTE,
            link_id=uuid.uuid4().hex,
            holder="naive",
        )
        session.add(transfer)
        session.flush()
        assert transfer.id is not None
        for account_id, code, delta in legs:
            # The place in the chain is read now, the previous hash and the balance were read before: a race.
            last = select(func.coalesce(func.max(LedgerEntry.account_seq), 0)).where(
                col(LedgerEntry.account_id) == account_id
            )
            seq = int(session.exec(last).one()) + 1
            now = utcnow()
            balance, previous = seen[account_id]
            digest = entry_hash(
                account=code,
                seq=seq,
                transfer_id=transfer.id,
                phase="post",
                delta=delta,
                created_at=now.isoformat(),
                prev_hash=previous,
            )
            session.add(
                LedgerEntry(
                    transfer_id=transfer.id,
                    account_id=account_id,
                    account_seq=seq,
                    phase=EntryPhase.POST,
                    delta=delta,
                    created_at=now,
                    prev_hash=previous,
                    hash=digest,
                )
            )
            session.flush()
            session.exec(  # type: ignore[call-overload]
                text("UPDATE ledger_account SET balance = :b, seq = :s, head_hash = :h WHERE id = :i"),
                params={"b": balance + delta, "s": seq, "h": digest, "i": account_id},
            )
        session.commit()


def test_concurrent_clients_keep_the_ledger_sound_and_a_naive_writer_is_caught(url: str) -> None:
    engine = make_engine(url)
    try:
        check_concurrently(engine, url)
    finally:
        engine.dispose()


def check_concurrently(engine: Engine, url: str) -> None:
    """The body of the concurrency test (the caller disposes of the engine whatever happens)."""
    bank = setup_bank(engine)
    log: list[tuple[str, Any]] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=client, args=(url, bank, seed, log, lock)) for seed in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    database = Database(engine)
    assert len(log) == CLIENTS * OPERATIONS_PER_CLIENT
    assert [result for _, result in log if isinstance(result, str) and result.startswith("error")] == []
    by_key: dict[str, list[Any]] = {}
    for key, result in log:
        by_key.setdefault(key, []).append(result)
    assert all(all(r == results[0] for r in results) for results in by_key.values())  # duplicates: one outcome
    assert len(by_key) < len(log)  # some submissions really were duplicates
    acknowledged = {
        tid
        for results in by_key.values()
        if isinstance(results[0], dict)
        for tid in results[0].get("transfer_ids", [results[0].get("transfer_id")])
    }
    with database.session() as session:
        stored = set(session.exec(select(LedgerTransfer.id)).all())
        posted = session.exec(select(func.count()).where(col(LedgerTransfer.status) == "posted")).one()
    assert acknowledged <= stored  # nothing acknowledged is missing
    assert posted > 0
    assert verify_ledger(database) is None
    killed_worker_leaves_no_trace(url, bank, database)

    naive = [threading.Thread(target=naive_transfer, args=(engine, 1)) for _ in range(2 * CLIENTS)]
    for thread in naive:
        thread.start()
    for thread in naive:
        thread.join()
    assert verify_ledger(database) is not None


WORKER = """
import sys
from hub.db import Database, make_engine
from hub.ledger.services import request_deposit
database = Database(make_engine(sys.argv[1]))
for number in range(100000):
    result = request_deposit(database, f"killed-{number}", account_id=int(sys.argv[2]), convention_id=int(sys.argv[3]),
                             minutes=1)
    print(result["transfer_id"], flush=True)
"""


def killed_worker_leaves_no_trace(url: str, bank: dict[str, Any], database: Database) -> None:
    """A worker process killed with SIGKILL mid-run: what it acknowledged is stored, the ledger still verifies."""
    root = Path(__file__).resolve().parents[2]
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, str(bank["depositors"][0]), str(bank["convention"])],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    acknowledged = [int(worker.stdout.readline()) for _ in range(20)]  # it is running and committing
    worker.send_signal(signal.SIGKILL)
    rest, _ = worker.communicate(timeout=30)
    acknowledged += [int(line) for line in rest.split()]
    assert worker.returncode == -signal.SIGKILL
    with database.session() as session:
        stored = set(session.exec(select(LedgerTransfer.id).where(col(LedgerTransfer.id).in_(acknowledged))).all())
    assert stored == set(acknowledged)
    assert verify_ledger(database) is None


CORE_CLIENTS = 32
CORE_TRANSFERS_PER_CLIENT = 1000
KILL_AFTER = 100  # acknowledged transfers of the extra worker process before it is killed with SIGKILL
FUNDING = 2000
HOT = [f"acct:hot{i}" for i in range(5)]
COLD = [f"acct:cold{i}" for i in range(40)]


def core_load(database: Database, seed: int, prefix: str, count: int) -> Iterator[tuple[str, Any]]:
    """The issue's load on the ledger core, one outcome per submission: half of the debits on 5 hot accounts,
    5 % duplicate submissions (same key, same payload); a refusal's outcome is its rule."""
    rng = random.Random(seed)
    sent: list[tuple[str, Leg]] = []
    for number in range(count):
        if sent and rng.random() < DUPLICATE_SHARE:
            key, leg = rng.choice(sent)
        else:
            debit = rng.choice(HOT) if rng.random() < 0.5 else rng.choice(COLD)
            credit = rng.choice([code for code in HOT + COLD if code != debit])
            key, leg = f"{prefix}{seed}-{number}", Leg(debit, credit, rng.randint(1, 400))
            sent.append((key, leg))
        try:
            result: Any = post_transfers(database, key, [leg])
        except Refusal as refusal:
            result = refusal.rule
        except Exception as exc:  # reported to the test, which fails on it
            result = f"error: {exc!r}"
        yield key, result


def core_client(url: str, seed: int, log: list[tuple[str, Any]], lock: threading.Lock) -> None:
    """One client thread with its own engine, logging each outcome as it is acknowledged."""
    engine = make_engine(url)
    try:
        for key, result in core_load(Database(engine), seed, "core", CORE_TRANSFERS_PER_CLIENT):
            with lock:
                log.append((key, result))
    finally:
        engine.dispose()


CORE_WORKER = """
import json, sys
from hub.db import Database, make_engine
from tests.ledger.test_ledger_concurrency import core_load
database = Database(make_engine(sys.argv[1]))
for key, result in core_load(database, 1000, "worker", 10**6):
    print(json.dumps([key, result]), flush=True)
"""


def check_core_ledger(database: Database, log: list[tuple[str, Any]], in_flight: int) -> None:
    """What the issue asks after the run: one outcome per key, every acknowledged transfer stored as acknowledged,
    nothing else stored (but the killed worker's `in_flight` submissions), money conserved, `verify` passes."""
    assert [result for _, result in log if isinstance(result, str) and result.startswith("error")] == []
    by_key: dict[str, list[Any]] = {}
    for key, result in log:
        by_key.setdefault(key, []).append(result)
    assert all(all(r == results[0] for r in results) for results in by_key.values())  # duplicates: one outcome
    assert len(by_key) < len(log)  # some submissions really were duplicates
    assert any(isinstance(results[0], str) for results in by_key.values())  # some overdrafts were refused
    acknowledged = {
        tid for results in by_key.values() if isinstance(results[0], dict) for tid in results[0]["transfer_ids"]
    }
    with database.session() as session:
        stored = set(session.exec(select(LedgerTransfer.id).where(col(LedgerTransfer.holder) == "")).all())
        balances = session.exec(select(LedgerAccount.balance).where(col(LedgerAccount.is_source).is_(False))).all()
        outcomes = dict(session.exec(select(LedgerRequest.key, LedgerRequest.outcome)).all())
    assert acknowledged <= stored  # nothing acknowledged is missing
    assert len(acknowledged) + len(HOT + COLD) <= len(stored) <= len(acknowledged) + len(HOT + COLD) + in_flight
    for key, results in by_key.items():  # what was acknowledged is what the ledger keeps for that key
        outcome = outcomes[key] or {}
        assert outcome.get("result", outcome.get("rule")) == results[0], key
    assert sum(balances) == FUNDING * len(HOT + COLD)
    assert min(balances) >= 0
    assert verify_ledger(database) is None


@pytest.mark.slow  # 32 x 1,000 transfers: about 85-95 s per database on 2 shared cores under load
def test_32_core_clients_on_hot_accounts_and_a_killed_worker_keep_every_chain_sound(url: str) -> None:
    engine = make_engine(url)
    worker: subprocess.Popen[str] | None = None
    try:
        database = Database(engine)
        open_account(database, "pro:source", AccountKind.PROFESSIONAL, Unit.MINUTE, is_source=True)
        for code in HOT + COLD:
            open_account(database, code, AccountKind.POOL, Unit.MINUTE)
        # Small balances, so that some transfers are refused for lack of funds: the overdraft check is exercised.
        post_transfers(database, "funding", [Leg("pro:source", code, FUNDING) for code in HOT + COLD])
        log: list[tuple[str, Any]] = []
        lock = threading.Lock()
        threads = [threading.Thread(target=core_client, args=(url, seed, log, lock)) for seed in range(CORE_CLIENTS)]
        root = Path(__file__).resolve().parents[2]
        worker = subprocess.Popen([sys.executable, "-c", CORE_WORKER, url], cwd=root, stdout=subprocess.PIPE, text=True)
        for thread in threads:
            thread.start()
        assert worker.stdout is not None
        lines = [worker.stdout.readline() for _ in range(KILL_AFTER)]
        killed_while_clients_ran = any(thread.is_alive() for thread in threads)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        # read the rest through the same buffered reader: readline() may already hold lines beyond the ones it
        # returned (communicate() would read the pipe beneath it and lose them)
        with worker.stdout:
            rest = worker.stdout.read()
        assert worker.returncode == -signal.SIGKILL
        for thread in threads:
            thread.join()
        assert killed_while_clients_ran
        worker_log = [(key, result) for key, result in map(json.loads, lines + rest.splitlines())]
        assert len(log) == CORE_CLIENTS * CORE_TRANSFERS_PER_CLIENT
        assert len(worker_log) >= KILL_AFTER
        check_core_ledger(database, log + worker_log, in_flight=1)

        naive = [threading.Thread(target=naive_transfer, args=(engine, 1)) for _ in range(CORE_CLIENTS)]
        for thread in naive:
            thread.start()
        for thread in naive:
            thread.join()
        with pytest.raises(AssertionError):  # the same checker catches the naive writers
            check_core_ledger(database, log + worker_log, in_flight=1 + CORE_CLIENTS)
        assert verify_ledger(database) is not None
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        engine.dispose()
