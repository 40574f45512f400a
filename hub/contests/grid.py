"""The assessment grid's arithmetic (pure): weighted scores of a submission, exact, without floats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction


def weighted_score(weights: Mapping[str, int], values: Mapping[str, int]) -> Fraction:
    """One jury member's score: the weighted mean of the criteria's scores (criteria of weight 0 do not count)."""
    total_weight = sum(w for w in weights.values() if w > 0)
    if total_weight == 0:
        raise ValueError("a grid needs one positive weight")
    return Fraction(sum(w * values.get(c, 0) for c, w in weights.items() if w > 0), total_weight)


def submission_score(weights: Mapping[str, int], scores: Sequence[Mapping[str, int]]) -> Fraction | None:
    """The mean of the jury members' weighted scores (None before anybody scored)."""
    if not scores:
        return None
    return sum((weighted_score(weights, s) for s in scores), Fraction(0)) / len(scores)


def criterion_means(scores: Sequence[Mapping[str, int]], criteria: Sequence[str]) -> dict[str, Fraction]:
    """The jury's mean score on each criterion (empty before anybody scored)."""
    if not scores:
        return {}
    return {c: Fraction(sum(s.get(c, 0) for s in scores), len(scores)) for c in criteria}


def display(value: Fraction | None) -> str:
    """A score with one decimal and a French comma ('—' when there is none)."""
    if value is None:
        return "—"
    tenths = round(value * 10)
    return f"{tenths // 10},{tenths % 10}"
