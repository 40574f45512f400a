"""Group commit: concurrent callers of one process hand their requests to a queue; one leader commits a batch.

The caller at the head of the queue leads: it takes the requests waiting behind it (at most `max_batch`, its own
first), runs them with `run` (one transaction, one commit) and only then answers every caller of the batch; it then
hands the lead to the first caller still waiting. A lone caller leads at once and never waits for a batch to fill;
a caller that finds a batch running waits for that batch and then for its own, no longer (the queue is FIFO and a
batch takes everybody waiting up to `max_batch`). Nobody is answered before the commit that holds their request.

Leaders are the callers' own threads (no background thread to start or stop). One committer per database and
purpose in each process (`committer_for`); a forked child starts with none.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Outcome = tuple[bool, Any]  # (True, result) or (False, the exception to raise in the caller)
MAX_BATCH = 64


@dataclass(eq=False, slots=True)
class _Ticket(Generic[T]):
    item: T
    event: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome | None = None


class GroupCommitter(Generic[T]):
    """A FIFO of waiting requests; the head of the queue runs the next batch for everybody in it."""

    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: deque[_Ticket[T]] = deque()
        self.batches = 0  # counters for tests and benchmarks
        self.requests = 0

    @property
    def waiting(self) -> int:
        """How many requests are queued or running now."""
        with self._lock:
            return len(self._queue)

    def submit(self, item: T, run: Callable[[Sequence[T]], Sequence[Outcome]]) -> Any:
        """Queue `item`; return its result or raise its exception once the batch holding it has been committed.

        `run` gets the batch's items in queue order and returns one outcome per item, in the same order.
        """
        ticket: _Ticket[T] = _Ticket(item)
        with self._lock:
            self._queue.append(ticket)
            leads = len(self._queue) == 1
        if not leads:
            ticket.event.wait()  # set when a leader answered us, or when we reach the head of the queue
        if ticket.outcome is None:
            self._lead(run)
        assert ticket.outcome is not None
        ok, value = ticket.outcome
        if ok:
            return value
        raise value

    def _lead(self, run: Callable[[Sequence[T]], Sequence[Outcome]]) -> None:
        with self._lock:
            batch = list(itertools.islice(self._queue, self.max_batch))
        outcomes: Sequence[Outcome]
        try:
            outcomes = run([ticket.item for ticket in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError("group commit: one outcome per request expected")
        except BaseException as exc:  # answer every caller of the batch whatever happened
            outcomes = [(False, exc)] * len(batch)
        with self._lock:
            for _ in batch:
                self._queue.popleft()
            successor = self._queue[0] if self._queue else None
            self.batches += 1
            self.requests += len(batch)
        for ticket, outcome in zip(batch, outcomes, strict=True):
            ticket.outcome = outcome
            ticket.event.set()
        if successor is not None:
            successor.event.set()  # it has no outcome yet: it leads the next batch


_COMMITTERS: dict[Hashable, GroupCommitter[Any]] = {}
_COMMITTERS_LOCK = threading.Lock()


def committer_for(key: Hashable, max_batch: int = MAX_BATCH) -> GroupCommitter[Any]:
    """This process's committer for `key` (a database and a purpose), created at first use."""
    with _COMMITTERS_LOCK:
        found = _COMMITTERS.get(key)
        if found is None:
            found = _COMMITTERS[key] = GroupCommitter(max_batch)
        return found


def _forget_after_fork() -> None:
    # A forked child must not inherit queues (or locks) that belong to the parent's threads.
    global _COMMITTERS_LOCK
    _COMMITTERS.clear()
    _COMMITTERS_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
