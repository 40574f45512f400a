"""The assessment grid's arithmetic: weighted, exact, bounded by the scores."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.contests.grid import criterion_means, display, submission_score, weighted_score

WEIGHTS = {"viability": 2, "medical_interest": 3, "involvement": 1}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"viability": 5, "medical_interest": 5, "involvement": 5}, Fraction(5)),
        ({"viability": 0, "medical_interest": 0, "involvement": 0}, Fraction(0)),
        ({"viability": 4, "medical_interest": 2, "involvement": 5}, Fraction(8 + 6 + 5, 6)),
    ],
)
def test_weighted_score(values: dict[str, int], expected: Fraction) -> None:
    assert weighted_score(WEIGHTS, values) == expected


def test_a_zero_weight_does_not_count_and_a_grid_needs_one_positive_weight() -> None:
    assert weighted_score({"a": 1, "b": 0}, {"a": 4, "b": 0}) == 4
    with pytest.raises(ValueError, match="positive weight"):
        weighted_score({"a": 0}, {"a": 3})


def test_submission_score_is_the_jurors_mean_and_none_before_anybody_scored() -> None:
    assert submission_score(WEIGHTS, []) is None
    high = {"viability": 5, "medical_interest": 5, "involvement": 5}
    low = {"viability": 1, "medical_interest": 1, "involvement": 1}
    assert submission_score(WEIGHTS, [high, low]) == 3
    assert criterion_means([high, low], ["viability"]) == {"viability": Fraction(3)}
    assert display(Fraction(19, 6)) == "3,2" and display(None) == "—" and display(Fraction(5)) == "5,0"


@given(
    weights=st.fixed_dictionaries({c: st.integers(0, 10) for c in WEIGHTS}).filter(lambda w: any(w.values())),
    scores=st.lists(st.fixed_dictionaries({c: st.integers(0, 5) for c in WEIGHTS}), min_size=1, max_size=8),
)
def test_the_score_stays_between_the_lowest_and_highest_mark(
    weights: dict[str, int], scores: list[dict[str, int]]
) -> None:
    result = submission_score(weights, scores)
    assert result is not None
    counted = [v for s in scores for c, v in s.items() if weights[c] > 0]
    assert min(counted) <= result <= max(counted)
