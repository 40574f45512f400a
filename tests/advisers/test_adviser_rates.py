"""The pure rate computation: table tests and the invariants that must hold for any set of dossiers."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.advisers.models import Authority, Outcome
from hub.advisers.rates import MIN_DECIDED_DOSSIERS, report

A, F, M, P = Outcome.ACCEPTED, Outcome.REJECTED_FORMAL, Outcome.REJECTED_MERITS, Outcome.PENDING


@pytest.mark.parametrize(
    ("outcomes", "decided", "rejected", "percent"),
    [
        ([], 0, 0, None),
        ([F] * 9, 9, 9, None),  # nine decided: below the minimum, no rate
        ([F] * 9 + [P] * 30, 9, 9, None),  # pending dossiers never make up the number
        ([F] * 3 + [A] * 5 + [M] * 2, 10, 3, 30),
        ([F] * 3 + [A] * 5 + [M] * 2 + [P] * 4, 10, 3, 30),  # ...nor change the rate
        ([A] * 10, 10, 0, 0),
        ([F] * 10, 10, 10, 100),
        ([F] + [A] * 10, 11, 1, 9),  # 9.09 %
        ([F] * 2 + [A] * 9, 11, 2, 18),  # 18.18 %
        ([F] + [A] * 7, 8, 1, None),
    ],
)
def test_rate_table(outcomes: list[Outcome], decided: int, rejected: int, percent: int | None) -> None:
    tally = report((Authority.HAS, o) for o in outcomes).overall
    assert (tally.decided, tally.rejected_formal, tally.percent) == (decided, rejected, percent)
    assert tally.is_published == (decided >= MIN_DECIDED_DOSSIERS)


def test_minimum_is_ten_and_half_rounds_up() -> None:
    assert MIN_DECIDED_DOSSIERS == 10
    tally = report([(Authority.CNIL, F)] * 1 + [(Authority.CNIL, A)] * 199).overall  # 0.5 %
    assert tally.percent == 1


def test_by_authority_lines_follow_the_fixed_list_and_only_list_authorities_used() -> None:
    found = report([(Authority.CNIL, F), (Authority.HAS, A), (Authority.HAS, P)])
    assert [a for a, _ in found.by_authority] == [Authority.HAS, Authority.CNIL]
    assert found.by_authority[0][1].pending == 1 and found.by_authority[1][1].rejected_formal == 1


dossiers = st.lists(st.tuples(st.sampled_from(list(Authority)), st.sampled_from(list(Outcome))), max_size=80)


@given(dossiers)
def test_invariants(rows: list[tuple[Authority, Outcome]]) -> None:
    found = report(rows)
    overall = found.overall
    assert overall.decided + overall.pending == len(rows)
    assert 0 <= overall.rejected_formal <= overall.decided
    assert sum(t.decided for _, t in found.by_authority) == overall.decided
    assert sum(t.rejected_formal for _, t in found.by_authority) == overall.rejected_formal
    if overall.decided < MIN_DECIDED_DOSSIERS:
        assert overall.rate is None and overall.percent is None and overall.missing > 0
    else:
        assert overall.rate == Fraction(overall.rejected_formal, overall.decided)
        assert overall.percent is not None and 0 <= overall.percent <= 100
    for _, tally in found.by_authority:
        assert (tally.rate is None) == (tally.decided < MIN_DECIDED_DOSSIERS)
    # Order does not matter.
    assert report(list(reversed(rows))) == found
