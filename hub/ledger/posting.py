"""The ledger core: transfers by account code, for callers that only move value (`post_transfers`, `decide_link`).

Each request is checked, locks its accounts (one statement, ascending id order) and writes its transfers, entries and
idempotency key through the driver's own cursor (fixed SQL strings, a handful of statements per transaction).

Group commit (`hub.ledger.committer`): concurrent callers of one process share transactions. The caller at the head
of the queue runs the requests waiting behind it in one transaction and answers each of them only once it has
committed; a lone caller runs alone at once. A core batch (`run_batch`) locks all its accounts in one statement, acts
in memory (a refused request has written nothing) and writes everything in one statement on PostgreSQL. On an error
a batch rolls back whole and its requests run one by one. The business services write through `hub.ledger.once`.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy.engine import Connection

from hub.db import Database, utcnow
from hub.ledger.book import (
    MAX_ATTEMPTS,
    AccountRow,
    Book,
    check_key,
    committer_of,
    ensure_account,
    outcome_of,
    payload_digest,
    replay,
    retryable,
    sqlite_writer,
)
from hub.ledger.committer import GroupCommitter, Outcome
from hub.ledger.models import AccountKind, EntryPhase, TransferKind, TransferStatus, Unit
from hub.ledger.rules import Refusal, Rule

_LOG = logging.getLogger(__name__)


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


def _lock_accounts(raw: _Raw, book: Book, codes: Iterable[str] = (), ids: Iterable[int] = ()) -> None:
    """Lock the accounts named by code or by id in one statement, in ascending id order (FOR UPDATE on PostgreSQL)."""
    if raw.postgresql:  # one SQL text whatever the count: the driver prepares it
        params = {"codes": sorted(set(codes)), "ids": sorted(set(ids))}
        if params["codes"] or params["ids"]:
            book.load_rows(raw.all(_SQL_LOCK_PG, params))
        return
    params = {}
    clauses = []
    for column, values in (("code", sorted(set(codes))), ("id", sorted(set(ids)))):
        if values:
            names = [f"{column[0]}{i}" for i in range(len(values))]
            params.update(zip(names, values, strict=True))
            clauses.append(f"{column} IN ({', '.join(':' + name for name in names)})")
    if not clauses:
        return
    book.load_rows(raw.all(_SQL_ACCOUNTS + " OR ".join(clauses) + " ORDER BY id", params))


_SQL_LOCK_PG = (
    _SQL_ACCOUNTS + "code = ANY(CAST(:codes AS VARCHAR[])) OR id = ANY(CAST(:ids AS INTEGER[])) ORDER BY id FOR UPDATE"
)


NewTransfer = Callable[[dict[str, Any]], int]


@dataclass(slots=True)
class CoreRequest:
    """One request to the ledger core (`transfer_request`, `decision_request`): its key, what the key promises, the
    accounts it needs, what it does.

    `targets` refuses what needs no lock and names the accounts to lock (codes, ids); `act` works on the locked
    accounts, creates its transfers through `new_transfer` (which returns the new id) and refuses before its first
    write (a batch checks this), so a refusal leaves nothing to undo.
    """

    key: str
    operation: str
    digest: str
    new_transfers: int  # at most how many transfers `act` creates
    targets: Callable[[_Raw], tuple[list[str], list[int]]]
    act: Callable[[_Raw, Book, NewTransfer], dict[str, Any]]


def post_transfers(database: Database, key: str, legs: Sequence[Leg], *, pending: bool = False) -> dict[str, Any]:
    """Post (or reserve, when `pending`) linked transfers that succeed or fail together, at most once per key.

    A retry with the same key returns the first outcome, a refusal included; the same key with another payload is
    refused. Returns {"link_id", "transfer_ids", "status"}. Concurrent callers of one process share transactions
    (group commit, see `run_batch`); each is answered once the transaction holding its transfer has committed.
    """
    return _submit(database, transfer_request(key, legs, pending=pending))


def decide_link(database: Database, key: str, link_id: str, *, post: bool, decided_by: str = "") -> dict[str, Any]:
    """Post (or void) every pending transfer of a link together, at most once per key."""
    return _submit(database, decision_request(key, link_id, post=post, decided_by=decided_by))


def transfer_request(key: str, legs: Sequence[Leg], *, pending: bool = False) -> CoreRequest:
    """The request `post_transfers` runs (refuses at once an empty posting or a missing key)."""
    if not legs:
        raise Refusal(Rule.NOT_FOUND)
    check_key(key)
    payload: dict[str, Any] = {
        "legs": [[leg.debit, leg.credit, leg.amount, leg.kind.value, leg.holder] for leg in legs],
        "pending": pending,
    }

    def targets(raw: _Raw) -> tuple[list[str], list[int]]:
        for leg in legs:
            if type(leg.amount) is not int:
                raise Refusal(Rule.AMOUNT_NOT_WHOLE)
            if leg.amount <= 0:
                raise Refusal(Rule.AMOUNT_NOT_POSITIVE)
        return [code for leg in legs for code in (leg.debit, leg.credit)], []

    def act(raw: _Raw, book: Book, new_transfer: NewTransfer) -> dict[str, Any]:
        found = {row.code: row for row in book.accounts.values()}
        for leg in legs:
            if leg.debit not in found or leg.credit not in found:
                raise Refusal(Rule.NOT_FOUND)
            if leg.debit == leg.credit or found[leg.debit].unit != found[leg.credit].unit:
                raise Refusal(Rule.ACCOUNTS_MISMATCH)
        available = {
            found[code].id: found[code].balance - found[code].reserved
            for leg in legs
            for code in (leg.debit, leg.credit)
        }
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
            transfer_id = new_transfer(row)
            book.apply(transfer_id, debit.id, credit.id, leg.amount, phase, was_pending=False)
            ids.append(transfer_id)
        return {"link_id": link_id, "transfer_ids": ids, "status": status.value}

    return CoreRequest(key, "transfer", payload_digest("transfer", payload), len(legs), targets, act)


def decision_request(key: str, link_id: str, *, post: bool, decided_by: str = "") -> CoreRequest:
    """The request `decide_link` runs."""
    check_key(key)
    payload = {"link": link_id, "post": post, "by": decided_by}

    def targets(raw: _Raw) -> tuple[list[str], list[int]]:
        linked = raw.all(_SQL_LINKED, {"link": link_id})
        if not linked:
            raise Refusal(Rule.NOT_FOUND)
        return [], [a for t in linked for a in (t[2], t[3])]

    def act(raw: _Raw, book: Book, new_transfer: NewTransfer) -> dict[str, Any]:
        # Read the statuses again under the locks: a concurrent decision on the same link has committed by now.
        linked = raw.all(_SQL_LINKED, {"link": link_id})
        if any(t[1] != TransferStatus.PENDING.value for t in linked):
            raise Refusal(Rule.ALREADY_DECIDED)
        phase, status = (EntryPhase.POST, TransferStatus.POSTED) if post else (EntryPhase.VOID, TransferStatus.VOIDED)
        for transfer_id, _, debit, credit, amount in linked:
            book.apply(transfer_id, debit, credit, amount, phase, was_pending=True)
        raw.run(_SQL_DECIDE, {"status": status.value, "by": decided_by, "at": raw.stamp(utcnow()), "link": link_id})
        return {"link_id": link_id, "transfer_ids": [t[0] for t in linked], "status": status.value}

    return CoreRequest(key, "decide", payload_digest("decide", payload), 0, targets, act)


def open_account(database: Database, code: str, kind: AccountKind, unit: Unit, *, is_source: bool = False) -> int:
    """The id of the account `code`, created if missing."""
    with database.transaction() as session:
        return ensure_account(session, code, kind, unit, is_source=is_source)


class _Duplicate(Exception):
    """The key was stored meanwhile by another transaction: roll ours back and replay its outcome."""


def _run_core(database: Database, call: CoreRequest) -> dict[str, Any]:
    """One request in a transaction of its own (a lone caller, or a batch's fallback), retried on a deadlock."""
    errors = database.bind.dialect.dbapi
    assert errors is not None
    for attempt in range(MAX_ATTEMPTS):
        try:
            with sqlite_writer(database):
                return _core_attempt(database, call)
        except _Duplicate:  # our work was rolled back; answer with the first outcome
            with _raw_transaction(database, write=False) as raw:
                stored = raw.one(_SQL_REQUEST, {"key": call.key})
            return replay(stored[0], raw.loads(stored[1]), call.digest)
        except errors.OperationalError as exc:  # a deadlock or a busy database: the transaction rolled back whole
            if attempt == MAX_ATTEMPTS - 1 or not retryable(exc):
                raise
            time.sleep(0.002 * (attempt + 1))
    raise AssertionError("unreachable")


def _core_attempt(database: Database, call: CoreRequest) -> dict[str, Any]:
    """One write transaction: act, then store the key with its outcome last (a stored key rolls everything back).

    Storing the key last (INSERT ... ON CONFLICT DO NOTHING) saves a statement per request; a concurrent twin of the
    same key waits on the key's index entry, finds it taken and rolls back its own work whole, then replays.
    """
    refusal: Refusal | None = None
    with _raw_transaction(database) as raw:
        book = Book(cast(Connection, None))
        try:  # every action refuses before its first write, so a refusal needs no savepoint
            codes, ids = call.targets(raw)
            _lock_accounts(raw, book, codes, ids)
            result = call.act(raw, book, lambda row: int(raw.one(_SQL_TRANSFER, row)[0]))
            outcome: dict[str, Any] = {"result": result}
        except Refusal as exc:
            refusal, result, outcome = exc, {}, {"rule": exc.rule.value}
            book.pending_entries = []
        values = {
            "key": call.key,
            "operation": call.operation,
            "payload_hash": call.digest,
            "outcome": raw.dump(outcome),
            "created_at": raw.stamp(utcnow()),
        }
        if not _finish(raw, book, values):
            raise _Duplicate
    if refusal is not None:
        raise refusal
    return result


# --- Group commit ------------------------------------------------------------------------------------------------


def core_committer(database: Database) -> GroupCommitter[CoreRequest] | None:
    """This process's committer of ledger-core requests for the database (None on a test connection)."""
    return committer_of(database, "ledger-core")


def _submit(database: Database, request: CoreRequest) -> dict[str, Any]:
    """Hand the request to the committer for the database (a test connection, one transaction, runs it at once)."""
    committer = core_committer(database)
    if committer is None:
        return _run_core(database, request)
    result: dict[str, Any] = committer.submit(request, functools.partial(run_batch, database))
    return result


def run_batch(database: Database, calls: Sequence[CoreRequest]) -> list[Outcome]:
    """Run a batch of calls in ONE transaction (one commit); answer each caller only after it committed.

    A lone call takes the single-request path unchanged. The batch stores every key it acts on (refusals
    included), answers the keys stored earlier and the repeated keys of the batch from the first outcome, and
    locks every account of the batch in one statement in ascending id order (one fixed order across batches and
    processes: no deadlock). If another process stored one of the keys meanwhile, the batch rolls back whole and
    runs again (it then replays that key). On any other error the batch rolls back whole and its calls run one by
    one, each in its own transaction with its own retries, so that one bad request cannot fail the others.
    """
    if len(calls) == 1:
        return [outcome_of(functools.partial(_run_core, database, calls[0]))]
    for _ in range(3):
        try:
            with sqlite_writer(database):
                return _core_batch_attempt(database, calls)
        except _Duplicate:
            continue
        except Exception:
            _LOG.info("ledger batch of %d requests failed; running them one by one", len(calls), exc_info=True)
            break
    return [outcome_of(functools.partial(_run_core, database, call)) for call in calls]


def _core_batch_attempt(database: Database, calls: Sequence[CoreRequest]) -> list[Outcome]:
    acted: dict[str, int] = {}  # key -> the call of the batch that acts for it
    outcomes: dict[int, Outcome] = {}
    with _raw_transaction(database) as raw:
        wanted: dict[int, tuple[list[str], list[int]] | Refusal] = {}
        for index, call in enumerate(calls):
            if call.key not in acted:
                acted[call.key] = index
                try:
                    wanted[index] = call.targets(raw)
                except Refusal as exc:
                    wanted[index] = exc
        codes = [code for target in wanted.values() if not isinstance(target, Refusal) for code in target[0]]
        ids = [i for target in wanted.values() if not isinstance(target, Refusal) for i in target[1]]
        most = sum(calls[index].new_transfers for index, target in wanted.items() if not isinstance(target, Refusal))
        book = Book(cast(Connection, None))
        stored, free = _open_batch(raw, book, list(acted), codes, ids, most)
        todo: list[int] = []
        for key in [key for key in acted if key in stored]:
            del acted[key]  # answered from the stored outcome
        for index in acted.values():
            target = wanted[index]
            if isinstance(target, Refusal):
                outcomes[index] = (False, target)
            else:
                todo.append(index)
        transfers: list[dict[str, Any]] = []
        new_transfer = _transfer_maker(raw, transfers, free)
        for index in todo:
            written = (len(book.pending_entries), len(transfers))
            try:
                outcomes[index] = (True, calls[index].act(raw, book, new_transfer))
            except Refusal as exc:
                if (len(book.pending_entries), len(transfers)) != written:
                    raise RuntimeError("a ledger action refused after writing") from exc
                outcomes[index] = (False, exc)
        now = raw.stamp(utcnow())
        requests = [
            {
                "key": key,
                "operation": calls[index].operation,
                "payload_hash": calls[index].digest,
                "outcome": raw.dump(_stored_outcome(outcomes[index])),
                "created_at": now,
            }
            for key, index in acted.items()
        ]
        if requests and not _finish_batch(raw, book, transfers, requests):
            raise _Duplicate
    answers: list[Outcome] = []
    for index, call in enumerate(calls):
        first = acted.get(call.key)
        if first == index:
            answers.append(outcomes[index])
        elif first is not None:  # the same key twice in one batch: the second is a retry of the first
            outcome = json.loads(raw.dump(_stored_outcome(outcomes[first])))
            answers.append(outcome_of(functools.partial(replay, calls[first].digest, outcome, call.digest)))
        else:
            payload_hash, outcome = stored[call.key]
            answers.append(outcome_of(functools.partial(replay, payload_hash, outcome, call.digest)))
    return answers


def _open_batch(
    raw: _Raw, book: Book, keys: list[str], codes: list[str], ids: list[int], most: int
) -> tuple[dict[str, tuple[str, dict[str, Any] | None]], list[int] | None]:
    """The keys of the batch stored already; lock the batch's accounts (ascending id) into the book; on PostgreSQL,
    draw `most` transfer ids too, all in one statement (one round trip)."""
    if not raw.postgresql:
        stored = _stored_requests(raw, keys)
        _lock_accounts(raw, book, codes, ids)
        return stored, None
    params = {"codes": sorted(set(codes)), "ids": sorted(set(ids)), "keys": sorted(set(keys)), "n": most}
    stored = {}
    free = []
    accounts = []
    for row in raw.all(_SQL_OPEN_BATCH_PG, params):
        if row[0] == "a":
            accounts.append(row[1:])
        elif row[0] == "r":
            stored[row[2]] = (row[3], raw.loads(row[8]))
        else:
            free.append(int(row[1]))
    book.load_rows(accounts)
    return stored, free


# The rows locked first (FOR UPDATE after ORDER BY id: in ascending id order), then the stored keys, then fresh
# transfer ids; a tag in the first column says which is which.
_SQL_OPEN_BATCH_PG = (
    "WITH locked AS (SELECT id, code, unit, is_source, balance, reserved, seq, head_hash FROM ledger_account"
    " WHERE code = ANY(CAST(:codes AS VARCHAR[])) OR id = ANY(CAST(:ids AS INTEGER[])) ORDER BY id FOR UPDATE)"
    " SELECT 'a', CAST(id AS BIGINT), code, unit, is_source, balance, reserved, seq, CAST(head_hash AS TEXT)"
    " FROM locked"
    " UNION ALL SELECT 'r', NULL, key, payload_hash, NULL, NULL, NULL, NULL, CAST(outcome AS TEXT)"
    " FROM ledger_request WHERE key = ANY(CAST(:keys AS VARCHAR[]))"
    " UNION ALL SELECT 'i', nextval(pg_get_serial_sequence('ledger_transfer', 'id')), NULL, NULL, NULL, NULL, NULL,"
    " NULL, NULL FROM generate_series(1, :n)"
)


def _stored_outcome(outcome: Outcome) -> dict[str, Any]:
    ok, value = outcome
    if ok:
        return {"result": value}
    assert isinstance(value, Refusal)
    return {"rule": value.rule.value}


def _stored_requests(raw: _Raw, keys: Sequence[str]) -> dict[str, tuple[str, dict[str, Any] | None]]:
    """The stored (payload hash, outcome) of those keys that are stored already (SQLite)."""
    names = {f"k{i}": key for i, key in enumerate(sorted(set(keys)))}
    rows = raw.all(_SQL_REQUESTS + "IN (" + ", ".join(":" + name for name in names) + ")", names)
    return {row[0]: (row[1], raw.loads(row[2])) for row in rows}


def _transfer_maker(raw: _Raw, transfers: list[dict[str, Any]], free: list[int] | None) -> NewTransfer:
    """How a batch creates transfer rows: at once on SQLite; on PostgreSQL with the ids drawn, written at the end."""
    if free is None:
        return lambda row: int(raw.one(_SQL_TRANSFER, row)[0])
    free.reverse()

    def new_transfer(row: dict[str, Any]) -> int:
        transfer_id = free.pop()
        transfers.append({**row, "id": transfer_id})
        return transfer_id

    return new_transfer


def _prepare_journal(raw: _Raw, book: Book) -> list[AccountRow]:
    """Stamp the book's new entries for the driver; on SQLite also write them and their accounts' new state.

    Returns the accounts the book changed (PostgreSQL writes them with the rest in one statement).
    """
    for entry in book.pending_entries:
        entry["created_at"] = raw.stamp(entry["created_at"])
    changed = [a for a in book.accounts.values() if a.touched]
    if not raw.postgresql and book.pending_entries:
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
    return changed


def _finish_batch(raw: _Raw, book: Book, transfers: list[dict[str, Any]], requests: list[dict[str, Any]]) -> bool:
    """Write the batch's transfers (PostgreSQL), entries and accounts and store its keys; False when a key was taken.

    On PostgreSQL this is one statement whatever the batch's size (arrays unnested into each table).
    """
    changed = _prepare_journal(raw, book)
    if not raw.postgresql:
        raw.many(_SQL_STORE_REQUESTS, requests)
        return int(raw.cursor.rowcount) == len(requests)
    params: dict[str, Any] = {}
    for name, column in _BATCH_TRANSFER_COLUMNS:
        params[name] = [row[column] for row in transfers]
    for column in _ENTRY_COLUMNS:
        params[f"e_{column}"] = [entry[column] for entry in book.pending_entries]
    params |= {
        "a_id": [a.id for a in changed],
        "a_balance": [a.balance for a in changed],
        "a_reserved": [a.reserved for a in changed],
        "a_seq": [a.seq for a in changed],
        "a_head": [a.head_hash for a in changed],
    }
    for column in ("key", "operation", "payload_hash", "outcome", "created_at"):
        params[f"r_{column}"] = [request[column] for request in requests]
    return len(raw.all(_SQL_BATCH_PG, params)) == len(requests)


_SQL_REQUESTS = "SELECT key, payload_hash, outcome FROM ledger_request WHERE key "
_SQL_STORE_REQUESTS = _SQL_STORE_REQUEST.split(" RETURNING ")[0]
_BATCH_TRANSFER_COLUMNS = (
    ("t_id", "id"),
    ("t_kind", "kind"),
    ("t_status", "status"),
    ("t_debit", "debit_account_id"),
    ("t_credit", "credit_account_id"),
    ("t_amount", "amount"),
    ("t_unit", "unit"),
    ("t_link", "link_id"),
    ("t_holder", "holder"),
    ("t_by", "decided_by"),
    ("t_created", "created_at"),
    ("t_decided", "decided_at"),
)
_SQL_BATCH_PG = (
    "WITH new_transfers AS (INSERT INTO ledger_transfer (id, kind, status, debit_account_id, credit_account_id,"
    " amount, unit, link_id, holder, decided_by, created_at, decided_at)"
    " SELECT * FROM unnest(CAST(:t_id AS INTEGER[]), CAST(:t_kind AS VARCHAR[]), CAST(:t_status AS VARCHAR[]),"
    " CAST(:t_debit AS INTEGER[]), CAST(:t_credit AS INTEGER[]), CAST(:t_amount AS BIGINT[]),"
    " CAST(:t_unit AS VARCHAR[]), CAST(:t_link AS VARCHAR[]), CAST(:t_holder AS VARCHAR[]), CAST(:t_by AS VARCHAR[]),"
    " CAST(:t_created AS TIMESTAMPTZ[]), CAST(:t_decided AS TIMESTAMPTZ[]))),"
    " new_entries AS (INSERT INTO ledger_entry (transfer_id, account_id, account_seq, phase, delta, created_at,"
    " prev_hash, hash) SELECT e.transfer_id, e.account_id, e.account_seq, e.phase, e.delta, e.created_at,"
    " e.prev_hash, e.hash FROM unnest(CAST(:e_transfer_id AS INTEGER[]), CAST(:e_account_id AS INTEGER[]),"
    " CAST(:e_account_seq AS BIGINT[]), CAST(:e_phase AS VARCHAR[]), CAST(:e_delta AS BIGINT[]),"
    " CAST(:e_created_at AS TIMESTAMPTZ[]), CAST(:e_prev_hash AS VARCHAR[]), CAST(:e_hash AS VARCHAR[]))"
    " WITH ORDINALITY AS e(transfer_id, account_id, account_seq, phase, delta, created_at, prev_hash, hash, n)"
    " ORDER BY e.n),"  # entry ids in chain order
    " moved AS (UPDATE ledger_account AS a SET balance = v.balance, reserved = v.reserved, seq = v.seq,"
    " head_hash = v.head_hash FROM unnest(CAST(:a_id AS INTEGER[]), CAST(:a_balance AS BIGINT[]),"
    " CAST(:a_reserved AS BIGINT[]), CAST(:a_seq AS BIGINT[]), CAST(:a_head AS VARCHAR[]))"
    " AS v(id, balance, reserved, seq, head_hash) WHERE a.id = v.id)"
    " INSERT INTO ledger_request (key, operation, payload_hash, outcome, created_at)"
    " SELECT r.key, r.operation, r.payload_hash, CAST(r.outcome AS JSON), r.created_at"
    " FROM unnest(CAST(:r_key AS VARCHAR[]), CAST(:r_operation AS VARCHAR[]), CAST(:r_payload_hash AS VARCHAR[]),"
    " CAST(:r_outcome AS TEXT[]), CAST(:r_created_at AS TIMESTAMPTZ[]))"
    " AS r(key, operation, payload_hash, outcome, created_at) ON CONFLICT DO NOTHING RETURNING key"
)


def _finish(raw: _Raw, book: Book, request: dict[str, Any]) -> bool:
    """Write the book's entries and accounts and store the key; False when the key was stored meanwhile.

    On PostgreSQL this is one statement (data-modifying CTEs), so a transfer costs five round trips in all: the
    pool's ping, the ordered row locks, the transfer row, this statement and the commit.
    """
    changed = _prepare_journal(raw, book)
    if not raw.postgresql:
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
