"""The one way to write the ledger: a write transaction, ordered row locks, per-account hash chains, idempotency keys.

Two entry points share the same book-keeping (`Book`, SQLAlchemy Core, a handful of statements per transaction):
- `post_transfers` / `decide_link`: the ledger core, by account code, for callers that only move value;
- `run_once` + `lock` + `journal`: the business services (deposits, uses, stakes), which check their own rules in an
  ORM session first and then journal through the same `Book`.

No global row is locked: writers of disjoint accounts run in parallel on PostgreSQL; writers of one account queue
on its row lock (taken in ascending id order, so no deadlock). On SQLite every write transaction is BEGIN IMMEDIATE.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from hub.db import Database, utcnow
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


# --- The ledger core -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leg:
    """One transfer of a (possibly linked) posting: `amount` from the account `debit` to the account `credit`."""

    debit: str
    credit: str
    amount: int
    kind: TransferKind = TransferKind.USE
    holder: str = ""


class _Raw:
    """The driver's own cursor, for the core path: fixed SQL strings, no statement building per request.

    SQL is written with :name parameters (sqlite3's named style) and rewritten once to %(name)s for psycopg.
    """

    def __init__(self, dbapi_connection: Any, dialect: str) -> None:
        self.cursor = dbapi_connection.cursor()
        self.postgresql = dialect == "postgresql"

    def run(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        return self.cursor.execute(_driver_sql(sql, self.postgresql), params or {})

    def one(self, sql: str, params: dict[str, Any]) -> Any:
        self.run(sql, params)
        return self.cursor.fetchone()

    def all(self, sql: str, params: dict[str, Any]) -> list[Any]:
        self.run(sql, params)
        return list(self.cursor.fetchall())

    def many(self, sql: str, rows: list[dict[str, Any]]) -> None:
        self.cursor.executemany(_driver_sql(sql, self.postgresql), rows)

    def stamp(self, moment: datetime) -> Any:
        """A timestamp as hub.db.UTCDateTime stores it (SQLite: naive UTC text, as SQLAlchemy writes it)."""
        return moment if self.postgresql else moment.strftime("%Y-%m-%d %H:%M:%S.%f")

    def dump(self, value: dict[str, Any]) -> str:
        """JSON text as hub.db serialises it (PostgreSQL's statement casts it to JSON)."""
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def loads(self, value: Any) -> dict[str, Any] | None:
        if value is None or isinstance(value, dict):
            return value
        loaded: dict[str, Any] = json.loads(value)
        return loaded


@functools.lru_cache(maxsize=256)
def _driver_sql(sql: str, postgresql: bool) -> str:
    return re.sub(r"(?<!:):([a-z_][a-z0-9_]*)", r"%(\1)s", sql) if postgresql else sql


_SQL_REQUEST = "SELECT payload_hash, outcome FROM ledger_request WHERE key = :key"
_SQL_STORE_REQUEST = (
    "INSERT INTO ledger_request (key, operation, payload_hash, outcome, created_at)"
    " VALUES (:key, :operation, :payload_hash, :outcome, :created_at) ON CONFLICT DO NOTHING RETURNING key"
)
_SQL_STORE_REQUEST_PG = _SQL_STORE_REQUEST.replace(":outcome", "CAST(:outcome AS JSON)")
_SQL_ACCOUNTS = "SELECT id, code, unit, is_source, balance, reserved, seq, head_hash FROM ledger_account WHERE "
_SQL_TRANSFER = (
    "INSERT INTO ledger_transfer (kind, status, debit_account_id, credit_account_id, amount, unit, link_id, holder,"
    " decided_by, created_at, decided_at) VALUES (:kind, :status, :debit_account_id, :credit_account_id, :amount,"
    " :unit, :link_id, :holder, :decided_by, :created_at, :decided_at) RETURNING id"
)
_SQL_ENTRY = (
    "INSERT INTO ledger_entry (transfer_id, account_id, account_seq, phase, delta, created_at, prev_hash, hash)"
    " VALUES (:transfer_id, :account_id, :account_seq, :phase, :delta, :created_at, :prev_hash, :hash)"
)
_SQL_ACCOUNT = (
    "UPDATE ledger_account SET balance = :new_balance, reserved = :new_reserved, seq = :new_seq,"
    " head_hash = :new_head WHERE id = :account_id"
)
_SQL_LINKED = (
    "SELECT id, status, debit_account_id, credit_account_id, amount FROM ledger_transfer WHERE link_id = :link"
    " ORDER BY id"
)
_SQL_DECIDE = (
    "UPDATE ledger_transfer SET status = :status, decided_by = :by, decided_at = :at WHERE link_id = :link"
    " AND status = 'pending'"
)


def _lock_rows(raw: _Raw, book: Book, column: str, values: Sequence[Any]) -> None:
    """Lock accounts by `column` (id or code) in ascending id order (FOR UPDATE on PostgreSQL) into the book."""
    names = {f"v{i}": value for i, value in enumerate(sorted(set(values)))}
    where = f"{column} IN ({', '.join(':' + name for name in names)}) ORDER BY id"
    rows = raw.all(_SQL_ACCOUNTS + where + (" FOR UPDATE" if raw.postgresql else ""), names)
    for row in rows:
        book.accounts[row[0]] = AccountRow(row[0], row[1], row[2], bool(row[3]), *row[4:])


def post_transfers(database: Database, key: str, legs: Sequence[Leg], *, pending: bool = False) -> dict[str, Any]:
    """Post (or reserve, when `pending`) linked transfers that succeed or fail together, at most once per key.

    A retry with the same key returns the first outcome, a refusal included; the same key with another payload is
    refused. Returns {"link_id", "transfer_ids", "status"}. About six statements per request.
    """
    if not legs:
        raise Refusal(Rule.NOT_FOUND)
    payload: dict[str, Any] = {
        "legs": [[leg.debit, leg.credit, leg.amount, leg.kind.value, leg.holder] for leg in legs],
        "pending": pending,
    }

    def action(raw: _Raw, book: Book) -> dict[str, Any]:
        for leg in legs:
            if type(leg.amount) is not int:
                raise Refusal(Rule.AMOUNT_NOT_WHOLE)
            if leg.amount <= 0:
                raise Refusal(Rule.AMOUNT_NOT_POSITIVE)
        _lock_rows(raw, book, "code", [code for leg in legs for code in (leg.debit, leg.credit)])
        found = {row.code: row for row in book.accounts.values()}
        for leg in legs:
            if leg.debit not in found or leg.credit not in found:
                raise Refusal(Rule.NOT_FOUND)
            if leg.debit == leg.credit or found[leg.debit].unit != found[leg.credit].unit:
                raise Refusal(Rule.ACCOUNTS_MISMATCH)
        available = {row.id: row.balance - row.reserved for row in found.values()}
        for leg in legs:  # check every leg before the first write
            debit, credit = found[leg.debit], found[leg.credit]
            if not debit.is_source and available[debit.id] < leg.amount:
                raise Refusal(Rule.INSUFFICIENT_BALANCE)
            available[debit.id] -= leg.amount
            if not pending:
                available[credit.id] += leg.amount
        link_id = secrets.token_hex(16)
        status = TransferStatus.PENDING if pending else TransferStatus.POSTED
        now = raw.stamp(utcnow())
        phase = EntryPhase.PENDING if pending else EntryPhase.POST
        ids = []
        for leg in legs:
            debit, credit = found[leg.debit], found[leg.credit]
            row = {
                "kind": leg.kind.value,
                "status": status.value,
                "debit_account_id": debit.id,
                "credit_account_id": credit.id,
                "amount": leg.amount,
                "unit": debit.unit,
                "link_id": link_id,
                "holder": leg.holder,
                "decided_by": "",
                "created_at": now,
                "decided_at": None if pending else now,
            }
            transfer_id = int(raw.one(_SQL_TRANSFER, row)[0])
            book.apply(transfer_id, debit.id, credit.id, leg.amount, phase, was_pending=False)
            ids.append(transfer_id)
        return {"link_id": link_id, "transfer_ids": ids, "status": status.value}

    return _run_core(database, key, "transfer", payload, action)


def decide_link(database: Database, key: str, link_id: str, *, post: bool, decided_by: str = "") -> dict[str, Any]:
    """Post (or void) every pending transfer of a link together, at most once per key."""
    payload = {"link": link_id, "post": post, "by": decided_by}

    def action(raw: _Raw, book: Book) -> dict[str, Any]:
        linked = raw.all(_SQL_LINKED, {"link": link_id})
        if not linked:
            raise Refusal(Rule.NOT_FOUND)
        _lock_rows(raw, book, "id", [a for t in linked for a in (t[2], t[3])])
        # Read the statuses again under the locks: a concurrent decision on the same link has committed by now.
        linked = raw.all(_SQL_LINKED, {"link": link_id})
        if any(t[1] != TransferStatus.PENDING.value for t in linked):
            raise Refusal(Rule.ALREADY_DECIDED)
        phase, status = (EntryPhase.POST, TransferStatus.POSTED) if post else (EntryPhase.VOID, TransferStatus.VOIDED)
        for transfer_id, _, debit, credit, amount in linked:
            book.apply(transfer_id, debit, credit, amount, phase, was_pending=True)
        raw.run(_SQL_DECIDE, {"status": status.value, "by": decided_by, "at": raw.stamp(utcnow()), "link": link_id})
        return {"link_id": link_id, "transfer_ids": [t[0] for t in linked], "status": status.value}

    return _run_core(database, key, "decide", payload, action)


def open_account(database: Database, code: str, kind: AccountKind, unit: Unit, *, is_source: bool = False) -> int:
    """The id of the account `code`, created if missing."""
    with database.transaction() as session:
        return ensure_account(session, code, kind, unit, is_source=is_source)


class _Duplicate(Exception):
    """The key was stored meanwhile by another transaction: roll ours back and replay its outcome."""


def _run_core(
    database: Database,
    key: str,
    operation: str,
    payload: dict[str, Any],
    action: Callable[[_Raw, Book], dict[str, Any]],
) -> dict[str, Any]:
    _check_key(key)
    digest = payload_digest(operation, payload)
    errors = database.bind.dialect.dbapi
    assert errors is not None
    for attempt in range(MAX_ATTEMPTS):
        try:
            with _sqlite_writer(database):
                return _core_attempt(database, key, operation, digest, action)
        except _Duplicate:  # our work was rolled back; answer with the first outcome
            with _raw_transaction(database, write=False) as raw:
                stored = raw.one(_SQL_REQUEST, {"key": key})
            return _replay(stored[0], raw.loads(stored[1]), digest)
        except errors.OperationalError as exc:  # a deadlock or a busy database: the transaction rolled back whole
            if attempt == MAX_ATTEMPTS - 1 or not _retryable(exc):
                raise
            time.sleep(0.002 * (attempt + 1))
    raise AssertionError("unreachable")


def _core_attempt(
    database: Database, key: str, operation: str, digest: str, action: Callable[[_Raw, Book], dict[str, Any]]
) -> dict[str, Any]:
    """One write transaction: replay a stored key, else act and store the key with its outcome last.

    Storing the key last (INSERT ... ON CONFLICT DO NOTHING) saves a statement per request; a concurrent twin of the
    same key waits on the key's index entry, finds it taken and rolls back its own work whole, then replays.
    """
    refusal: Refusal | None = None
    with _raw_transaction(database) as raw:
        book = Book(cast(Connection, None))
        try:  # every action refuses before its first write, so a refusal needs no savepoint
            result = action(raw, book)
            outcome: dict[str, Any] = {"result": result}
        except Refusal as exc:
            refusal, result, outcome = exc, {}, {"rule": exc.rule.value}
            book.pending_entries = []
        values = {
            "key": key,
            "operation": operation,
            "payload_hash": digest,
            "outcome": raw.dump(outcome),
            "created_at": raw.stamp(utcnow()),
        }
        if not _finish(raw, book, values):
            raise _Duplicate
    if refusal is not None:
        raise refusal
    return result


def _finish(raw: _Raw, book: Book, request: dict[str, Any]) -> bool:
    """Write the book's entries and accounts and store the key; False when the key was stored meanwhile.

    On PostgreSQL this is one statement (data-modifying CTEs), so a transfer costs five round trips in all: the
    pool's ping, the ordered row locks, the transfer row, this statement and the commit.
    """
    for entry in book.pending_entries:
        entry["created_at"] = raw.stamp(entry["created_at"])
    changed = [a for a in book.accounts.values() if a.touched]
    if not raw.postgresql:
        if book.pending_entries:
            raw.many(_SQL_ENTRY, book.pending_entries)
            raw.many(
                _SQL_ACCOUNT,
                [
                    {
                        "account_id": a.id,
                        "new_balance": a.balance,
                        "new_reserved": a.reserved,
                        "new_seq": a.seq,
                        "new_head": a.head_hash,
                    }
                    for a in changed
                ],
            )
        return raw.one(_SQL_STORE_REQUEST, request) is not None
    if not book.pending_entries:
        return raw.one(_SQL_STORE_REQUEST_PG, request) is not None
    params = dict(request)
    entry_rows = []
    for i, entry in enumerate(book.pending_entries):
        names = [f"e{i}_{column}" for column in _ENTRY_COLUMNS]
        entry_rows.append("(" + ", ".join(":" + name for name in names) + ")")
        params.update({name: entry[column] for name, column in zip(names, _ENTRY_COLUMNS, strict=True)})
    account_rows = []
    for i, account in enumerate(changed):
        account_rows.append(
            f"(CAST(:a{i}_id AS INTEGER), CAST(:a{i}_balance AS BIGINT), CAST(:a{i}_reserved AS BIGINT),"
            f" CAST(:a{i}_seq AS BIGINT), CAST(:a{i}_head AS VARCHAR))"
        )
        params.update(
            {
                f"a{i}_id": account.id,
                f"a{i}_balance": account.balance,
                f"a{i}_reserved": account.reserved,
                f"a{i}_seq": account.seq,
                f"a{i}_head": account.head_hash,
            }
        )
    # Only placeholder names are interpolated (generated above); every value travels as a bound parameter.
    entries_sql = _SQL_ENTRY.split(" VALUES ")[0] + " VALUES " + ", ".join(entry_rows)
    accounts_sql = _SQL_MOVE.replace(":rows", ", ".join(account_rows))
    sql = "WITH new_entries AS (" + entries_sql + "), moved AS (" + accounts_sql + ") "
    return raw.one(sql + _SQL_STORE_REQUEST_PG, params) is not None


_SQL_MOVE = (
    "UPDATE ledger_account AS a SET balance = v.balance, reserved = v.reserved, seq = v.seq, head_hash = v.head_hash"
    " FROM (VALUES :rows) AS v(id, balance, reserved, seq, head_hash) WHERE a.id = v.id"
)
_ENTRY_COLUMNS = ("transfer_id", "account_id", "account_seq", "phase", "delta", "created_at", "prev_hash", "hash")


@contextmanager
def _raw_transaction(database: Database, *, write: bool = True) -> Iterator[_Raw]:
    """The driver connection in a write transaction: BEGIN IMMEDIATE on SQLite; a savepoint on a test connection."""
    bind = database.bind
    if isinstance(bind, Connection):
        raw = _Raw(bind.connection.dbapi_connection, bind.dialect.name)
        raw.run("SAVEPOINT ledger_core")
        try:
            yield raw
        except BaseException:
            raw.run("ROLLBACK TO SAVEPOINT ledger_core")
            raw.run("RELEASE SAVEPOINT ledger_core")
            raise
        raw.run("RELEASE SAVEPOINT ledger_core")
        return
    with bind.connect() as connection:
        dbapi_connection: Any = connection.connection.dbapi_connection
        raw = _Raw(dbapi_connection, bind.dialect.name)
        if not raw.postgresql:
            raw.run(
                "BEGIN IMMEDIATE" if write else "BEGIN"
            )  # hub.db leaves pysqlite in autocommit mode: we own the transaction
        try:
            yield raw
        except BaseException:
            if raw.postgresql:
                dbapi_connection.rollback()
            elif dbapi_connection.in_transaction:
                raw.run("ROLLBACK")
            raise
        if raw.postgresql:
            dbapi_connection.commit()
        else:
            raw.run("COMMIT")


# --- The business services' path ------------------------------------------------------------------------------


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


def _check_key(key: object) -> None:
    if not isinstance(key, str) or not key.strip() or len(key) > 100:
        raise Refusal(Rule.KEY_MISSING)


def run_once(database: Database, key: str, operation: str, payload: dict[str, Any], action: Action) -> dict[str, Any]:
    """Run `action` at most once per key: a retry gets the first outcome (a refusal too); another payload is refused."""
    _check_key(key)
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
            return _replay(existing.payload_hash, existing.outcome, digest)
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


def _replay(payload_hash: str, outcome: dict[str, Any] | None, digest: str) -> dict[str, Any]:
    if payload_hash != digest:
        raise Refusal(Rule.KEY_REUSED)
    outcome = outcome or {}
    if "rule" in outcome:
        raise Refusal(Rule(outcome["rule"]))
    result: dict[str, Any] = outcome["result"]
    return result
