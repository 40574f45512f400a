"""The share of an adviser's decided dossiers rejected for administrative or formal reasons (pure, no I/O).

MIN_DECIDED_DOSSIERS: no rate is published below this number of decided dossiers (accepted or rejected; dossiers
still "en cours" never count). Below ten, one dossier moves the rate by more than ten points, so a rate would say
more about chance than about the adviser, and a handful of dossiers could point at identifiable clients. The same
threshold applies to each authority's line: its counts are shown, its rate only from ten decided dossiers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from hub.advisers.models import Authority, Outcome

MIN_DECIDED_DOSSIERS = 10
DECIDED = frozenset({Outcome.ACCEPTED, Outcome.REJECTED_FORMAL, Outcome.REJECTED_MERITS})


@dataclass(frozen=True)
class Tally:
    """Counts for one adviser (or one authority of an adviser) and the rate when there are enough dossiers."""

    rejected_formal: int
    decided: int
    pending: int

    @property
    def is_published(self) -> bool:
        """Whether there are enough decided dossiers to publish a rate."""
        return self.decided >= MIN_DECIDED_DOSSIERS

    @property
    def rate(self) -> Fraction | None:
        """rejected_formal / decided, or None below the minimum."""
        return Fraction(self.rejected_formal, self.decided) if self.is_published else None

    @property
    def percent(self) -> int | None:
        """The rate as a whole percentage (half rounded up), or None below the minimum."""
        rate = self.rate
        return None if rate is None else int(rate * 100 + Fraction(1, 2))

    @property
    def missing(self) -> int:
        """How many more decided dossiers a rate needs."""
        return max(0, MIN_DECIDED_DOSSIERS - self.decided)


@dataclass(frozen=True)
class Report:
    """An adviser's tally, overall and by authority (authorities with at least one dossier, in list order)."""

    overall: Tally
    by_authority: list[tuple[Authority, Tally]]


def _tally(outcomes: list[Outcome]) -> Tally:
    return Tally(
        rejected_formal=sum(1 for o in outcomes if o == Outcome.REJECTED_FORMAL),
        decided=sum(1 for o in outcomes if o in DECIDED),
        pending=sum(1 for o in outcomes if o == Outcome.PENDING),
    )


def report(dossiers: Iterable[tuple[Authority, Outcome]]) -> Report:
    """Count (authority, outcome) pairs into an adviser's report."""
    rows = [(Authority(a), Outcome(o)) for a, o in dossiers]
    by_authority = [
        (authority, _tally([o for a, o in rows if a == authority]))
        for authority in Authority
        if any(a == authority for a, _ in rows)
    ]
    return Report(overall=_tally([o for _, o in rows]), by_authority=by_authority)
