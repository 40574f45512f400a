"""The dashboard's figures, hand-computed: the seeded database, then the scenario's records, and the exact differences."""

from __future__ import annotations

from typing import Any

from hub.dashboard.scope import DashboardFilters
from hub.dashboard.services import NO_PARTNER_YET, Dashboard, Reference, build_dashboard
from hub.dashboard.tables import Figure
from hub.db import Database
from hub.territories.services import list_departements, list_regions, list_sectors
from tests.dashboard.scenario import PAST, Added, add_records, month

FILTERED = DashboardFilters(region="reg-75", sector="cardio", phase="experimentation")


def _dashboard(database: Database, filters: DashboardFilters) -> Dashboard:
    with database.session() as session:
        reference = Reference(list_regions(session), list_departements(session), list_sectors(session))
        return build_dashboard(session, filters, reference)


def _figure(dashboard: Dashboard, slug: str) -> Figure:
    return next(f for f in dashboard.figures if f.slug == slug)


def _by_label(figure: Figure, value_column: int) -> dict[Any, int]:
    return {row[figure.label_column]: int(row[value_column]) for row in figure.rows}


def _by_month(figure: Figure) -> dict[str, tuple[int, ...]]:
    return {str(row[0]): tuple(int(v) for v in row[1:] if isinstance(v, int)) for row in figure.rows}


def _difference(before: dict[Any, int], after: dict[Any, int]) -> dict[Any, int]:
    return {
        key: after.get(key, 0) - before.get(key, 0)
        for key in set(before) | set(after)
        if after.get(key, 0) != before.get(key, 0)
    }


def test_the_filtered_dashboard_moves_by_exactly_what_was_added(database: Database) -> None:
    before = _dashboard(database, FILTERED)
    added = add_records(database)
    after = _dashboard(database, FILTERED)

    # Territories (départements of Nouvelle-Aquitaine): A, B, C, D in Gironde; two cardio actors there too.
    territories = (_figure(before, "territoires"), _figure(after, "territoires"))
    assert _difference(_by_label(territories[0], 2), _by_label(territories[1], 2)) == {"Gironde": 4}
    assert _difference(_by_label(territories[0], 3), _by_label(territories[1], 3)) == {"Gironde": 2}
    assert territories[1].columns[1].label == "Département"
    assert after.key["projects"] - before.key["projects"] == 4  # F is merged, E is in another phase
    assert after.key["actors"] - before.key["actors"] == 2

    # Phases under the filter: only experimentation counts.
    phases = (_by_label(_figure(before, "phases"), 2), _by_label(_figure(after, "phases"), 2))
    assert _difference(*phases) == {"Expérimentation": 4}

    # Registrations per month: B and C were registered 10 and 40 days ago, A and D now.
    trend = (_by_month(_figure(before, "inscriptions")), _by_month(_figure(after, "inscriptions")))
    expected: dict[str, int] = {}
    for moment in (added.now, added.now, added.b_created, added.c_created):
        expected[month(moment)] = expected.get(month(moment), 0) + 1
    assert _difference({m: v[0] for m, v in trend[0].items()}, {m: v[0] for m, v in trend[1].items()}) == expected
    assert _difference({m: v[1] for m, v in trend[0].items()}, {m: v[1] for m, v in trend[1].items()}) == {
        month(added.now): 2
    }
    months = list(trend[1])
    assert months == sorted(months) and len(months) == len(set(months))

    _check_duplicates(before, after, added)
    _check_partner_delay(before, after)
    _check_introductions(before, after, added)
    _check_hours(before, after, added)

    # White zones in Nouvelle-Aquitaine for cardio: Gironde now has a referent.
    zones = (_figure(before, "zones-blanches"), _figure(after, "zones-blanches"))
    assert _difference(_by_label(zones[0], 4), _by_label(zones[1], 4)) == {"Gironde": -1}
    assert after.key["white_zones"] == before.key["white_zones"] - 1
    assert all(int(row[3]) == 1 for row in zones[1].rows)  # one sector chosen: one pair per département


def _check_duplicates(before: Dashboard, after: Dashboard, added: Added) -> None:
    figures = (_by_month(_figure(before, "doublons")), _by_month(_figure(after, "doublons")))
    now, past = month(added.now), month(PAST)
    columns = ["found", "decided", "merged", "twins", "distinct"]
    changes = {
        column: _difference({m: v[i] for m, v in figures[0].items()}, {m: v[i] for m, v in figures[1].items()})
        for i, column in enumerate(columns)
    }
    assert changes == {
        "found": {past: 1, now: 2},
        "decided": {now: 2},
        "merged": {now: 1},
        "twins": {now: 1},
        "distinct": {},
    }
    assert after.key["pairs_found"] - before.key["pairs_found"] == 3
    assert after.key["pairs_decided"] - before.key["pairs_decided"] == 2
    assert after.key["pairs_open"] - before.key["pairs_open"] == 1
    assert after.key["pairs_merges"] - before.key["pairs_merges"] == 1
    assert after.key["pairs_twins"] - before.key["pairs_twins"] == 1
    # Every month between the first and the last is listed, empty ones as zero.
    assert figures[1][month(PAST)] and all(len(v) == 5 for v in figures[1].values())


def _check_partner_delay(before: Dashboard, after: Dashboard) -> None:
    # The seed holds only imported projects: before the scenario nothing is measured in this scope.
    assert before.partner_delay.count == 0, "the seed has projects registered in the hub: adapt the test"
    # A: 0 days, B: 10 days, C: 40 days -> median 10 days over 3 projects; D still has no partner.
    assert (after.partner_delay.median_days, after.partner_delay.count, after.partner_delay.without_partner) == (
        10,
        3,
        1,
    )
    figure = _by_label(_figure(after, "premier-partenaire"), 1)
    assert figure == {
        "Le jour de l’inscription": 1,
        "De 1 à 7 jours": 0,
        "De 8 à 30 jours": 1,
        "De 31 à 90 jours": 1,
        "Plus de 90 jours": 0,
        NO_PARTNER_YET: 1,
    }


def _check_introductions(before: Dashboard, after: Dashboard, added: Added) -> None:
    figures = (_by_month(_figure(before, "mises-en-relation")), _by_month(_figure(after, "mises-en-relation")))
    now, past = month(added.now), month(PAST)
    made, accepted, declined = (
        _difference({m: v[i] for m, v in figures[0].items()}, {m: v[i] for m, v in figures[1].items()})
        for i in range(3)
    )
    # The request between two actors, with no project, is not in the filtered scope.
    assert (made, accepted, declined) == ({past: 1, now: 2}, {now: 1}, {now: 1})
    assert after.key["introductions_accepted"] - before.key["introductions_accepted"] == 1


def _check_hours(before: Dashboard, after: Dashboard, added: Added) -> None:
    figures = (_figure(before, "heures"), _figure(after, "heures"))
    change = _difference(_by_label(figures[0], 1), _by_label(figures[1], 1))
    # A: 90 min; B: 30 min reversed; C: 120 min in PAST; the pending 45 min are not counted.
    assert change == {month(added.now): 90, month(PAST): 120}
    assert after.key["minutes"] - before.key["minutes"] == 210
    hours = {row[0]: row[2] for row in figures[1].rows}
    if _by_label(figures[0], 1).get(month(PAST), 0) == 0:
        assert hours[month(PAST)] == "2 h 00"


def test_national_figures_count_the_request_without_a_project(database: Database) -> None:
    everywhere = DashboardFilters()
    before = _dashboard(database, everywhere)
    add_records(database)
    after = _dashboard(database, everywhere)
    assert after.key["introductions"] - before.key["introductions"] == 4
    assert after.key["projects"] - before.key["projects"] == 5  # A to E; F is merged
    regions = (_by_label(_figure(before, "territoires"), 2), _by_label(_figure(after, "territoires"), 2))
    assert _difference(*regions) == {"Nouvelle-Aquitaine": 5}
    # Totals hold: every listed project is in exactly one row of the territory table (unknown territory included).
    assert _figure(after, "territoires").total(2) == after.key["projects"]


def test_a_territory_without_data_shows_zeros(database: Database) -> None:
    # Mayotte and a sector nobody works in there: every figure is present, with zeros, not an error.
    dashboard = _dashboard(database, DashboardFilters(region="reg-06", sector="genomique", phase="deployment"))
    assert dashboard.key["projects"] == 0 and dashboard.key["actors"] == 0
    territories = _figure(dashboard, "territoires")
    assert [row[1] for row in territories.rows][:1] == ["Mayotte"]
    assert all(row[2] == 0 for row in territories.rows)
    assert dashboard.partner_delay.median_days is None
    assert _figure(dashboard, "inscriptions").rows == ()


def test_the_dashboard_runs_a_fixed_number_of_queries(database: Database, engine: Any) -> None:
    from sqlalchemy import event

    seen: list[str] = []

    def count(*_args: Any) -> None:
        seen.append("q")

    add_records(database)
    _dashboard(database, FILTERED)  # warm caches
    event.listen(engine, "before_cursor_execute", count)
    try:
        _dashboard(database, FILTERED)
        filtered = len(seen)
        seen.clear()
        _dashboard(database, DashboardFilters())
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert filtered <= 30 and len(seen) <= 30, (filtered, len(seen))
