"""The loader's own helpers (the loading itself is exercised by every database test's seeded fixture)."""

from __future__ import annotations

import pytest

from seed.load import clip


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("court", 200, "court"),
        ("une thérapie pour prévenir l’insuffisance cardiaque", 40, "une thérapie pour prévenir…"),
        ("x" * 50, 10, "x" * 9 + "…"),
    ],
)
def test_clip_cuts_at_a_word_boundary_within_the_limit(text: str, limit: int, expected: str) -> None:
    clipped = clip(text, limit)
    assert clipped == expected
    assert len(clipped) <= limit
