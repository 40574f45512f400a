"""Location quotients (pôles de compétences) on a small hand-computed fixture, and the pages that show them."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from hub.territories.specialisation import MIN_SPECIALISATION_COUNT, STRONG_QUOTIENT, location_quotients

# Two régions, two sectors. n(A) = 100, n(B) = 300, n = 400.
# Cardio: A 30, B 30 -> n(cardio) = 60.  Onco: A 10, B 90 -> n(onco) = 100.  Rare: A 2 (below the minimum).
PAIRS = {
    ("reg-A", "cardio"): 30,
    ("reg-B", "cardio"): 30,
    ("reg-A", "onco"): 10,
    ("reg-B", "onco"): 90,
    ("reg-A", "rare"): 2,
}
TOTALS = {"reg-A": 100, "reg-B": 300}


def _by_pair() -> dict[tuple[str, str], float]:
    return {(q.region_id, q.sector_code): q.quotient for q in location_quotients(PAIRS, TOTALS, minimum=10)}


def test_quotients_match_the_hand_computed_figures() -> None:
    quotients = _by_pair()
    # A in cardio: (30 / 60) / (100 / 400) = 0.5 / 0.25 = 2
    assert quotients[("reg-A", "cardio")] == pytest.approx(2.0)
    # B in cardio: (30/60) / (300/400) = 0.5 / 0.75 = 0.6667
    assert quotients[("reg-B", "cardio")] == pytest.approx(2 / 3)
    # A in onco: (10/100) / (100/400) = 0.4 ; B in onco: (90/100) / (300/400) = 1.2
    assert quotients[("reg-A", "onco")] == pytest.approx(0.4)
    assert quotients[("reg-B", "onco")] == pytest.approx(1.2)


def test_pairs_below_the_minimum_are_not_published() -> None:
    assert ("reg-A", "rare") not in _by_pair()
    only_big = {(q.region_id, q.sector_code) for q in location_quotients(PAIRS, TOTALS, minimum=30)}
    assert only_big == {("reg-A", "cardio"), ("reg-B", "cardio"), ("reg-B", "onco")}


def test_counts_are_kept_with_the_quotient_and_results_are_sorted() -> None:
    results = location_quotients(PAIRS, TOTALS, minimum=10)
    first = results[0]
    assert (first.region_id, first.sector_code) == ("reg-A", "cardio")
    assert (first.count, first.sector_total, first.region_total, first.total) == (30, 60, 100, 400)
    assert [q.quotient for q in results] == sorted((q.quotient for q in results), reverse=True)
    assert first.is_strong and not results[-1].is_strong
    assert STRONG_QUOTIENT > 1


def test_empty_counts_give_no_quotient() -> None:
    assert location_quotients({}, {}) == []
    assert location_quotients({("reg-A", "x"): 50}, {"reg-A": 0}) == []


def test_the_minimum_is_a_documented_constant() -> None:
    assert MIN_SPECIALISATION_COUNT >= 5
    assert location_quotients.__module__ == "hub.territories.specialisation"


def test_sector_page_ranks_regions_with_counts(client: TestClient[Litestar]) -> None:
    page = client.get("/secteurs/oncologie")
    assert page.status_code == 200
    assert "Où ce secteur est le plus fort" in page.text
    table = page.text.split('id="specialisation-tableau"', 1)[1].split("</table>", 1)[0]
    quotients = [float(q.replace(",", ".")) for q in re.findall(r"<td>(\d+,\d\d)", table)]
    assert quotients, "the seed holds enough oncology projects and actors to rank régions"
    assert quotients == sorted(quotients, reverse=True)
    counts = [int(c.replace("\u202f", "")) for c in re.findall(r'region=\d+">([\d\u202f]+)</a>', table)]
    assert counts and min(counts) >= MIN_SPECIALISATION_COUNT


def test_unknown_sector_is_404_and_sector_list_links_each_sector(client: TestClient[Litestar]) -> None:
    assert client.get("/secteurs/inexistant").status_code == 404
    listing = client.get("/secteurs")
    assert listing.status_code == 200
    assert 'href="/secteurs/oncologie"' in listing.text


def test_region_page_says_what_it_is_strong_in(client: TestClient[Litestar]) -> None:
    page = client.get("/territoires/reg-75")
    assert page.status_code == 200
    assert "Points forts de la région" in page.text
    assert 'href="/carte?region=75"' in page.text
    assert "Indice de spécialisation par secteur en Nouvelle-Aquitaine" in page.text
