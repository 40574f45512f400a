"""The poller's cursor: ids committed out of order are still delivered, once; given-up gaps are forgotten."""

from __future__ import annotations

import pytest

from hub.activity.cursor import Cursor


@pytest.mark.parametrize(
    ("polls", "delivered", "gaps_left"),
    [
        ([[1, 2, 3]], [[1, 2, 3]], []),
        ([[2, 3], [1]], [[2, 3], [1]], []),  # 1 committed after 2 and 3: still delivered
        ([[3], [3], [2]], [[3], [], [2]], [1]),  # a row read twice is sent once
        ([[4], [], [2, 4]], [[4], [], [2]], [1, 3]),
    ],
)
def test_cursor_delivers_each_id_once(polls: list[list[int]], delivered: list[list[int]], gaps_left: list[int]) -> None:
    cursor = Cursor(last_id=0, patience_seconds=10)
    assert [cursor.advance(found, now=1.0) for found in polls] == delivered
    assert sorted(cursor.gaps) == gaps_left


def test_a_gap_is_given_up_after_its_patience() -> None:
    cursor = Cursor(last_id=10, patience_seconds=5)
    assert cursor.advance([13], now=100.0) == [13]
    assert sorted(cursor.gaps) == [11, 12]
    assert cursor.advance([], now=104.0) == [] and sorted(cursor.gaps) == [11, 12]
    assert cursor.advance([], now=106.0) == [] and cursor.gaps == {}  # rolled back for good: no longer asked for
    assert cursor.advance([12], now=107.0) == []  # too late, and below the cursor: not sent again
    assert cursor.last_id == 13
