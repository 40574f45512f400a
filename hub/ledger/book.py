"""The ledger's book-keeping, shared by both ways to write it (`hub.ledger.posting`, the core by account code, and
`hub.ledger.once`, the business services): locked account rows and their hash-chained entries (`Book`), SQLite's
writer queue, idempotency keys' digests and replays, retries, and this process's group committers.

No global row is locked: writers of disjoint accounts run in parallel on PostgreSQL; writers of one account queue
on its row lock (taken in ascending id order, so no deadlock). On SQLite every write transaction is BEGIN IMMEDIATE.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from hub.db import Database, utcnow
from hub.ledger.chain import entry_hash
from hub.ledger.committer import GroupCommitter, Outcome, committer_for
from hub.ledger.models import (
    AccountKind,
    EntryPhase,
    LedgerAccount,
    LedgerEntry,
    LedgerRequest,
    LedgerTransfer,
    TransferStatus,
    Unit,
)
from hub.ledger.rules import Refusal, Rule

Action = Callable[[Session], dict[str, Any]]
MAX_ATTEMPTS = 20
ACCOUNTS = cast(Table, LedgerAccount.__table__)  # type: ignore[attr-defined]
ENTRIES = cast(Table, LedgerEntry.__table__)  # type: ignore[attr-defined]
TRANSFERS = cast(Table, LedgerTransfer.__table__)  # type: ignore[attr-defined]
REQUESTS = cast(Table, LedgerRequest.__table__)  # type: ignore[attr-defined]


# SQLite has one writer at a time; queueing this process's writers on a mutex spares them the busy handler's
# sleeps (tail latency of seconds under load). Other processes still wait on BEGIN IMMEDIATE.
_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_REGISTRY_LOCK = threading.Lock()

_LOCK_ACCOUNTS = (
    select(
        ACCOUNTS.c.id,
        ACCOUNTS.c.code,
        ACCOUNTS.c.unit,
        ACCOUNTS.c.is_source,
        ACCOUNTS.c.balance,
        ACCOUNTS.c.reserved,
        ACCOUNTS.c.seq,
        ACCOUNTS.c.head_hash,
    )
    .order_by(ACCOUNTS.c.id)
    .with_for_update()
)
_UPDATE_ACCOUNT = (
    update(ACCOUNTS)
    .where(ACCOUNTS.c.id == bindparam("account_id"))
    .values(
        balance=bindparam("new_balance"),
        reserved=bindparam("new_reserved"),
        seq=bindparam("new_seq"),
        head_hash=bindparam("new_head"),
    )
)


@dataclass(slots=True)
class AccountRow:
    """A locked account row, changed in memory and written back by `Book.write`."""

    id: int
    code: str
    unit: str
    is_source: bool
    balance: int
    reserved: int
    seq: int
    head_hash: str
    touched: bool = False


@dataclass
class Book:
    """The accounts one write transaction has locked and the journal entries it has yet to write."""

    connection: Connection
    accounts: dict[int, AccountRow] = field(default_factory=dict)
    pending_entries: list[dict[str, Any]] = field(default_factory=list)

    def lock(self, account_ids: Iterable[int]) -> None:
        """Lock the accounts not locked yet, by ascending id (one fixed order: no deadlock), fresh from the database."""
        wanted = sorted(set(account_ids) - self.accounts.keys())
        if wanted:
            self._load(self.connection.execute(_LOCK_ACCOUNTS.where(ACCOUNTS.c.id.in_(wanted))))

    def _load(self, rows: Iterable[Any]) -> None:
        for row in rows:
            self.accounts[row.id] = AccountRow(*row)

    def load_rows(self, rows: Iterable[Any]) -> None:
        """Rows of `_SQL_ACCOUNTS` as the driver returns them (SQLite's booleans are integers)."""
        for row in rows:
            self.accounts[row[0]] = AccountRow(row[0], row[1], row[2], bool(row[3]), *row[4:])

    def apply(
        self, transfer_id: int, debit_id: int, credit_id: int, amount: int, phase: EntryPhase, *, was_pending: bool
    ) -> None:
        """Journal one phase of a transfer (two zero-sum legs) on the locked balances, refusing overdrafts."""
        debit, credit = self.accounts[debit_id], self.accounts[credit_id]
        if phase is EntryPhase.PENDING:
            if not debit.is_source and debit.balance - debit.reserved < amount:
                raise Refusal(Rule.INSUFFICIENT_BALANCE)
            debit.reserved += amount
            legs = ((debit, -amount), (credit, amount))
        elif phase is EntryPhase.VOID:
            debit.reserved -= amount
            legs = ((debit, amount), (credit, -amount))
        else:
            if was_pending:
                debit.reserved -= amount
            elif not debit.is_source and debit.balance - debit.reserved < amount:
                raise Refusal(Rule.INSUFFICIENT_BALANCE)
            debit.balance -= amount
            credit.balance += amount
            legs = ((debit, -amount), (credit, amount))
        now = utcnow()
        stamp = now.isoformat()
        for account, delta in legs:
            account.seq += 1
            digest = entry_hash(
                account=account.code,
                seq=account.seq,
                transfer_id=transfer_id,
                phase=phase.value,
                delta=delta,
                created_at=stamp,
                prev_hash=account.head_hash,
            )
            self.pending_entries.append(
                {
                    "transfer_id": transfer_id,
                    "account_id": account.id,
                    "account_seq": account.seq,
                    "phase": phase.value,
                    "delta": delta,
                    "created_at": now,
                    "prev_hash": account.head_hash,
                    "hash": digest,
                }
            )
            account.head_hash, account.touched = digest, True

    def write(self) -> None:
        """Write the buffered entries and the changed account rows (two statements)."""
        if not self.pending_entries:
            return
        self.connection.execute(insert(ENTRIES), self.pending_entries)
        self.pending_entries = []
        changed = [
            {
                "account_id": a.id,
                "new_balance": a.balance,
                "new_reserved": a.reserved,
                "new_seq": a.seq,
                "new_head": a.head_hash,
            }
            for a in self.accounts.values()
            if a.touched
        ]
        self.connection.execute(_UPDATE_ACCOUNT, changed)
        for account in self.accounts.values():
            account.touched = False


@contextmanager
def sqlite_writer(database: Database) -> Iterator[None]:
    """Queue this process's SQLite writers of one database file on a mutex (no-op on PostgreSQL)."""
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
    found = session.exec(orm_select(LedgerAccount.id).where(col(LedgerAccount.code) == code)).first()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            account = LedgerAccount(code=code, kind=kind, unit=unit, is_source=is_source)
            session.add(account)
    except IntegrityError:
        return int(session.exec(orm_select(LedgerAccount.id).where(col(LedgerAccount.code) == code)).one() or 0)
    assert account.id is not None
    return account.id


def lock(session: Session, account_ids: Sequence[int]) -> Book:
    """Lock the accounts by ascending id in the session's transaction; returns the book to journal on them."""
    book = Book(session.connection())
    book.lock(account_ids)
    return book


def journal(book: Book, transfer: LedgerTransfer, phase: EntryPhase) -> None:
    """Write one phase of a transfer (two zero-sum legs) and apply it to the locked balances, refusing overdrafts."""
    assert transfer.id is not None
    book.lock([transfer.debit_account_id, transfer.credit_account_id])
    book.apply(
        transfer.id,
        transfer.debit_account_id,
        transfer.credit_account_id,
        transfer.amount,
        phase,
        was_pending=transfer.status == TransferStatus.PENDING,
    )
    book.write()


def payload_digest(operation: str, payload: dict[str, Any]) -> str:
    """What a key promises: the SHA-256 of the operation and its canonical payload."""
    body = json.dumps({"operation": operation, "payload": payload}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def check_key(key: object) -> None:
    """Refuse a missing, blank or over-long idempotency key."""
    if not isinstance(key, str) or not key.strip() or len(key) > 100:
        raise Refusal(Rule.KEY_MISSING)


def retryable(exc: Exception) -> bool:
    """Whether a failed write transaction (rolled back whole) may simply run again: a concurrent twin of a key or of
    an account, a deadlock, a busy database, a serialisation failure."""
    text = str(exc).lower()
    if isinstance(exc, IntegrityError):
        return "ledger_request" in text or "pk_ledger_request" in text or "uq_ledger_account_code" in text
    return "locked" in text or "busy" in text or "deadlock" in text or "serializ" in text


def replay(payload_hash: str, outcome: dict[str, Any] | None, digest: str) -> dict[str, Any]:
    """The first outcome stored under a key, for a retry with the same payload (a refusal is raised again)."""
    if payload_hash != digest:
        raise Refusal(Rule.KEY_REUSED)
    outcome = outcome or {}
    if "rule" in outcome:
        raise Refusal(Rule(outcome["rule"]))
    result: dict[str, Any] = outcome["result"]
    return result


def committer_of(database: Database, purpose: str) -> GroupCommitter[Any] | None:
    """The committer of this process for `purpose` on the database; None on a test connection (one transaction)."""
    bind = database.bind
    if isinstance(bind, Connection):
        return None
    url = bind.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        place: Any = id(bind)  # an in-memory database belongs to its engine alone
    else:
        place = url.render_as_string(hide_password=False)  # every engine of this process on that database
    return committer_for((purpose, place))


def outcome_of(run: Callable[[], dict[str, Any]]) -> Outcome:
    """`run()`'s result or exception, for the caller it belongs to in a batch."""
    try:
        return True, run()
    except Exception as exc:  # each caller gets its own refusal or error
        return False, exc
