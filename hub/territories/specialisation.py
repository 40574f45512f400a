"""Pôles de compétences: the location quotient of each région × sector, from plain counts (no I/O).

The specialisation index of a région r in a sector s compares the région's share of the sector
with its share of everything::

    quotient(r, s) = (n(r, s) / n(s)) / (n(r) / n)

where n(r, s) counts the projects and actors of sector s located in r, n(s) the same over all
régions, n(r) all projects and actors of r, and n everything located in a région. An actor or a
project working in two sectors counts once in each sector and once in n(r). 1 means "as much as
its size predicts", 2 "twice as much". Small counts make the ratio meaningless (one project in a
small région can give 5), so a pair is published only when n(r, s) >= MIN_SPECIALISATION_COUNT.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MIN_SPECIALISATION_COUNT = 10
"""A région × sector pair is shown only when the région holds at least this many projects and actors
of the sector (together): below it, one record more or less swings the quotient too much to mean anything."""

STRONG_QUOTIENT = 1.2
"""From this quotient up a région is said to be strong in the sector (20 % more than its size predicts)."""


@dataclass(frozen=True, slots=True)
class Specialisation:
    """The location quotient of one région in one sector, with the four counts it comes from."""

    region_id: str
    sector_code: str
    count: int  # n(r, s): projects and actors of the sector in the région
    sector_total: int  # n(s): projects and actors of the sector in every région
    region_total: int  # n(r): all projects and actors of the région
    total: int  # n: all projects and actors located in a région
    quotient: float

    @property
    def is_strong(self) -> bool:
        """Whether the région is clearly specialised in the sector."""
        return self.quotient >= STRONG_QUOTIENT


def location_quotients(
    pair_counts: Mapping[tuple[str, str], int],
    region_totals: Mapping[str, int],
    *,
    minimum: int = MIN_SPECIALISATION_COUNT,
) -> list[Specialisation]:
    """The quotient of every (région, sector) pair counted at least `minimum` times, highest first.

    `pair_counts` maps (region_id, sector_code) to n(r, s); `region_totals` maps region_id to n(r).
    """
    total = sum(region_totals.values())
    sector_totals: dict[str, int] = {}
    for (_, sector), count in pair_counts.items():
        sector_totals[sector] = sector_totals.get(sector, 0) + count
    out = []
    for (region, sector), count in pair_counts.items():
        region_total = region_totals.get(region, 0)
        if count < minimum or region_total == 0 or total == 0:
            continue
        quotient = (count * total) / (sector_totals[sector] * region_total)
        out.append(Specialisation(region, sector, count, sector_totals[sector], region_total, total, quotient))
    return sorted(out, key=lambda s: (-s.quotient, s.region_id, s.sector_code))
