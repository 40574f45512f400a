"""The business services' way to write the ledger: `run_once(key, ...)` runs an action (deposits, approvals, uses,
stakes: `hub.ledger.services`) at most once per idempotency key, in an ORM session that checks its own rules and then
journals through `lock` and `journal` (`hub.ledger.book`).

Concurrent callers of one process share transactions (group commit, `hub.ledger.committer`): a batch gives each call
a savepoint; on any error it rolls back whole and its calls run one by one.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from hub.db import Database
from hub.ledger.book import (
    MAX_ATTEMPTS,
    Action,
    begin_write,
    check_key,
    committer_of,
    outcome_of,
    payload_digest,
    replay,
    retryable,
    sqlite_writer,
)
from hub.ledger.committer import GroupCommitter, Outcome
from hub.ledger.models import LedgerRequest
from hub.ledger.rules import Refusal

_LOG = logging.getLogger(__name__)


def service_committer(database: Database) -> GroupCommitter[ServiceCall] | None:
    """This process's committer of business-service calls (`run_once`) for the database (None on a test connection)."""
    return committer_of(database, "ledger-services")


def run_once(database: Database, key: str, operation: str, payload: dict[str, Any], action: Action) -> dict[str, Any]:
    """Run `action` at most once per key: a retry gets the first outcome (a refusal too); another payload is refused.

    Concurrent callers of one process share transactions (group commit, see `run_service_batch`).
    """
    call = service_call(key, operation, payload, action)
    committer = service_committer(database)
    if committer is None:
        return _run_once_alone(database, call)
    result: dict[str, Any] = committer.submit(call, functools.partial(run_service_batch, database))
    return result


@dataclass(slots=True)
class ServiceCall:
    """One call of a business service: its key, what the key promises, the action to run in the transaction."""

    key: str
    operation: str
    digest: str
    action: Action


def service_call(key: str, operation: str, payload: dict[str, Any], action: Action) -> ServiceCall:
    """The call `run_once` runs (refuses at once a missing key)."""
    check_key(key)
    return ServiceCall(key, operation, payload_digest(operation, payload), action)


def _run_once_alone(database: Database, call: ServiceCall) -> dict[str, Any]:
    for attempt in range(MAX_ATTEMPTS):
        try:
            with sqlite_writer(database):
                return _attempt(database, call.key, call.operation, call.digest, call.action)
        except (IntegrityError, OperationalError) as exc:
            # Same key inserted concurrently, a deadlock or a busy database: the transaction rolled back whole.
            if attempt == MAX_ATTEMPTS - 1 or not retryable(exc):
                raise
            time.sleep(0.002 * (attempt + 1))
    raise AssertionError("unreachable")


def run_service_batch(database: Database, calls: Sequence[ServiceCall]) -> list[Outcome]:
    """Run the business services' calls of a batch in ONE transaction, each in a savepoint of its own.

    A refusal rolls its call back to the savepoint and is stored under the key like any outcome; a repeated key
    gets the first outcome. Each call reads the database afresh (the session's objects are expired first), as it
    would in a transaction of its own. On any error (a concurrent twin of a key, a deadlock, a bad request) the
    batch rolls back whole and its calls run one by one, each with its own retries.
    """
    if len(calls) == 1:
        return [outcome_of(functools.partial(_run_once_alone, database, calls[0]))]
    try:
        with sqlite_writer(database):
            return _services_batch_attempt(database, calls)
    except Exception:
        _LOG.info("ledger batch of %d requests failed; running them one by one", len(calls), exc_info=True)
    return [outcome_of(functools.partial(_run_once_alone, database, call)) for call in calls]


def _services_batch_attempt(database: Database, calls: Sequence[ServiceCall]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    firsts: dict[str, tuple[str, dict[str, Any] | None]] = {}  # key -> (payload hash, outcome) stored or made
    with database.transaction() as session:
        begin_write(session)
        for call in calls:
            session.expire_all()
            first = firsts.get(call.key)
            if first is None:
                existing = session.get(LedgerRequest, call.key)
                if existing is not None:
                    first = firsts[call.key] = (existing.payload_hash, existing.outcome)
            if first is not None:
                outcomes.append(outcome_of(functools.partial(replay, first[0], _copy(first[1]), call.digest)))
                continue
            request = LedgerRequest(key=call.key, operation=call.operation, payload_hash=call.digest)
            session.add(request)
            session.flush()
            outcome: Outcome
            try:
                with session.begin_nested():
                    result = call.action(session)
                request.outcome, outcome = {"result": result}, (True, result)
            except Refusal as exc:
                request.outcome, outcome = {"rule": exc.rule.value}, (False, exc)
            session.add(request)
            session.flush()  # before the next call expires the session's objects
            firsts[call.key] = (call.digest, _copy(request.outcome))
            outcomes.append(outcome)
    return outcomes


def _copy(outcome: dict[str, Any] | None) -> dict[str, Any] | None:
    """An outcome as a replay reads it back (JSON), not shared between callers."""
    loaded: dict[str, Any] | None = json.loads(json.dumps(outcome))
    return loaded


def _attempt(database: Database, key: str, operation: str, digest: str, action: Action) -> dict[str, Any]:
    refusal: Refusal | None = None
    result: dict[str, Any] = {}
    with database.transaction() as session:
        begin_write(session)
        existing = session.get(LedgerRequest, key)
        if existing is not None:
            return replay(existing.payload_hash, existing.outcome, digest)
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
