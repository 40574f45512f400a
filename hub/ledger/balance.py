"""Pure arithmetic of the bank: oldest-first consumption of deposits, stake units, the deposit cap."""

from __future__ import annotations

from collections.abc import Sequence


class NotEnoughHours(ValueError):
    """The pool's remaining deposits do not cover the use."""


def allocate_oldest_first(remaining: Sequence[tuple[int, int]], minutes: int) -> list[tuple[int, int]]:
    """Which deposits a use of `minutes` consumes: (deposit id, remaining) taken by ascending id, oldest first."""
    allocation: list[tuple[int, int]] = []
    left = minutes
    for deposit_id, available in sorted(remaining):
        if left == 0:
            break
        if available <= 0:
            continue
        taken = min(available, left)
        allocation.append((deposit_id, taken))
        left -= taken
    if left:
        raise NotEnoughHours(f"{left} minutes missing")
    return allocation


def stake_units(minutes: int, units_per_hour: int) -> int:
    """Stake units earned for `minutes` used, rounded down (the rule is published per project)."""
    return minutes * units_per_hour // 60


def within_cap(already_minutes: int, new_minutes: int, cap_minutes: int) -> bool:
    """Whether a new deposit keeps a person within the convention's cap for the period."""
    return already_minutes + new_minutes <= cap_minutes
