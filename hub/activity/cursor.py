"""Where a poller of the event table stands: the highest id seen, and the lower ids it may still see appear.

Ids are given out when rows are inserted, but transactions commit in their own order: on PostgreSQL an event
with id 41 may become visible after 42 was read. A cursor that only moved forward would skip it, so the ids
missing below the highest seen are kept as gaps and asked for again until they appear or `patience` passes
(a rolled-back insert leaves a gap for ever). Pure: plain data in and out, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_GAPS = 1000


@dataclass
class Cursor:
    """The highest id seen and the gaps below it (id -> the time after which it is given up)."""

    last_id: int
    patience_seconds: float = 10.0
    gaps: dict[int, float] = field(default_factory=dict)

    def advance(self, found: Iterable[int], now: float) -> list[int]:
        """Take the ids a poll found (ids above `last_id` and gap ids); return those not seen before, ascending."""
        fresh = []
        for event_id in sorted(set(found)):
            if event_id > self.last_id:
                self.gaps.update(dict.fromkeys(range(self.last_id + 1, event_id), now + self.patience_seconds))
                self.last_id = event_id
                fresh.append(event_id)
            elif self.gaps.pop(event_id, None) is not None:
                fresh.append(event_id)
        for event_id, deadline in list(self.gaps.items()):
            if deadline < now:
                del self.gaps[event_id]
        if len(self.gaps) > MAX_GAPS:  # a burst of rollbacks: keep the newest gaps only
            for event_id in sorted(self.gaps)[: len(self.gaps) - MAX_GAPS]:
                del self.gaps[event_id]
        return sorted(fresh)
