"""The one way to write the ledger: a write transaction, ordered locks, hash-chained entries, idempotency keys."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from hub.db import Database, utcnow
from hub.ledger.chain import entry_hash
from hub.ledger.models import (
    AccountKind,
    EntryPhase,
    LedgerAccount,
    LedgerChainHead,
    LedgerEntry,
    LedgerRequest,
    LedgerTransfer,
    TransferStatus,
    Unit,
)
from hub.ledger.rules import Refusal, Rule

Action = Callable[[Session], dict[str, Any]]
MAX_ATTEMPTS = 20
# SQLite has one writer at a time; queueing this process's writers on a mutex spares them the busy handler's
# sleeps (tail latency of seconds under load). Other processes still wait on BEGIN IMMEDIATE.
_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_REGISTRY_LOCK = threading.Lock()


@contextmanager
def _sqlite_writer(database: Database) -> Iterator[None]:
    if database.dialect_name != "sqlite" or isinstance(database.bind, Connection):
        yield
        return
    with _REGISTRY_LOCK:
        lock = _SQLITE_WRITERS.setdefault(str(database.bind.url), threading.Lock())
    with lock:
        yield


def begin_write(session: Session) -> None:
    """Take SQLite's write lock now (BEGIN IMMEDIATE), so no read-then-write upgrade can fail mid-transaction."""
    connection = session.connection()
    if connection.dialect.name != "sqlite" or isinstance(session.bind, Connection):
        return  # PostgreSQL locks rows below; a test connection is one transaction already
    # hub.db makes SQLAlchemy emit a deferred BEGIN; swap it for an immediate one before any statement.
    connection.exec_driver_sql("ROLLBACK")
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def ensure_account(session: Session, code: str, kind: AccountKind, unit: Unit, *, is_source: bool = False) -> int:
    """The id of the account `code`, created if missing (safe when two requests create it at once)."""
    found = session.exec(select(LedgerAccount.id).where(col(LedgerAccount.code) == code)).first()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            account = LedgerAccount(code=code, kind=kind, unit=unit, is_source=is_source)
            session.add(account)
    except IntegrityError:
        return int(session.exec(select(LedgerAccount.id).where(col(LedgerAccount.code) == code)).one() or 0)
    assert account.id is not None
    return account.id


def lock(session: Session, account_ids: Sequence[int]) -> tuple[LedgerChainHead, dict[int, LedgerAccount]]:
    """Lock the chain head, then the accounts by ascending id (one fixed order: no deadlock), fresh from the database."""
    head = session.exec(
        select(LedgerChainHead)
        .where(col(LedgerChainHead.id) == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    statement = select(LedgerAccount).where(col(LedgerAccount.id).in_(sorted(set(account_ids))))
    rows = session.exec(
        statement.order_by(col(LedgerAccount.id)).with_for_update().execution_options(populate_existing=True)
    ).all()
    return head, {account.id: account for account in rows if account.id is not None}


def journal(
    session: Session,
    head: LedgerChainHead,
    accounts: dict[int, LedgerAccount],
    transfer: LedgerTransfer,
    phase: EntryPhase,
) -> None:
    """Write one phase of a transfer (two zero-sum legs) and apply it to the locked balances, refusing overdrafts."""
    assert transfer.id is not None
    debit, credit = accounts[transfer.debit_account_id], accounts[transfer.credit_account_id]
    amount = transfer.amount
    if phase is EntryPhase.PENDING:
        if not debit.is_source and debit.balance - debit.reserved < amount:
            raise Refusal(Rule.INSUFFICIENT_BALANCE)
        debit.reserved += amount
        legs = ((debit, -amount), (credit, amount))
    elif phase is EntryPhase.VOID:
        debit.reserved -= amount
        legs = ((debit, amount), (credit, -amount))
    else:
        if transfer.status == TransferStatus.PENDING:
            debit.reserved -= amount
        elif not debit.is_source and debit.balance - debit.reserved < amount:
            raise Refusal(Rule.INSUFFICIENT_BALANCE)
        debit.balance -= amount
        credit.balance += amount
        legs = ((debit, -amount), (credit, amount))
    now = utcnow()
    for account, delta in legs:
        entry_id = head.last_entry_id + 1
        created_at = now.isoformat()
        digest = entry_hash(
            entry_id=entry_id,
            transfer_id=transfer.id,
            account=account.code,
            phase=phase.value,
            delta=delta,
            created_at=created_at,
            prev_hash=head.last_hash,
        )
        session.add(
            LedgerEntry(
                id=entry_id,
                transfer_id=transfer.id,
                account_id=account.id or 0,
                phase=phase,
                delta=delta,
                created_at=now,
                prev_hash=head.last_hash,
                hash=digest,
            )
        )
        head.last_entry_id, head.last_hash = entry_id, digest
    session.add(head)
    for account in (debit, credit):
        session.add(account)


def payload_digest(operation: str, payload: dict[str, Any]) -> str:
    """What a key promises: the SHA-256 of the operation and its canonical payload."""
    body = json.dumps({"operation": operation, "payload": payload}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def run_once(database: Database, key: str, operation: str, payload: dict[str, Any], action: Action) -> dict[str, Any]:
    """Run `action` at most once per key: a retry gets the first outcome (a refusal too); another payload is refused."""
    if not isinstance(key, str) or not key.strip() or len(key) > 100:
        raise Refusal(Rule.KEY_MISSING)
    digest = payload_digest(operation, payload)
    for attempt in range(MAX_ATTEMPTS):
        try:
            with _sqlite_writer(database):
                return _attempt(database, key, operation, digest, action)
        except (IntegrityError, OperationalError) as exc:
            # Same key inserted concurrently, a deadlock or a busy database: the transaction rolled back whole.
            if attempt == MAX_ATTEMPTS - 1 or not _retryable(exc):
                raise
            time.sleep(0.002 * (attempt + 1))
    raise AssertionError("unreachable")


def _retryable(exc: Exception) -> bool:
    text = str(exc).lower()
    if isinstance(exc, IntegrityError):
        return "ledger_request" in text or "pk_ledger_request" in text or "uq_ledger_account_code" in text
    return "locked" in text or "busy" in text or "deadlock" in text or "serializ" in text


def _attempt(database: Database, key: str, operation: str, digest: str, action: Action) -> dict[str, Any]:
    refusal: Refusal | None = None
    result: dict[str, Any] = {}
    with database.transaction() as session:
        begin_write(session)
        existing = session.get(LedgerRequest, key)
        if existing is not None:
            return _replay(existing, digest)
        request = LedgerRequest(key=key, operation=operation, payload_hash=digest)
        session.add(request)
        session.flush()  # PostgreSQL: a concurrent request with this key now waits for us, then replays
        try:
            with session.begin_nested():
                result = action(session)
            request.outcome = {"result": result}
        except Refusal as exc:
            refusal = exc
            request.outcome = {"rule": exc.rule.value}
        session.add(request)
    if refusal is not None:
        raise refusal
    return result


def _replay(request: LedgerRequest, digest: str) -> dict[str, Any]:
    if request.payload_hash != digest:
        raise Refusal(Rule.KEY_REUSED)
    outcome = request.outcome or {}
    if "rule" in outcome:
        raise Refusal(Rule(outcome["rule"]))
    result: dict[str, Any] = outcome["result"]
    return result
