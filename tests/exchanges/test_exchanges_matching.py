"""The pure matcher of offered time and project needs: who fits, in which order, and the French reasons."""

from __future__ import annotations

import pytest

from hub.exchanges.matching import Match, Need, Offer, best_offers, best_projects, match

NAMES = {"dep-33": "Gironde", "reg-75": "Nouvelle-Aquitaine", "dep-59": "Nord", "reg-32": "Hauts-de-France"}
SECTORS = {"cardio": "Cardiovasculaire", "objets_connectes": "Objets connectés et capteurs"}


def offer(**changes: object) -> Offer:
    values: dict[str, object] = {
        "id": 1,
        "offered_as": "health_professional",
        "phases": frozenset({"experimentation"}),
        "sectors": frozenset({"cardio"}),
        "departement_id": "dep-33",
        "region_id": "reg-75",
        "work_mode": "both",
    }
    values.update(changes)
    return Offer(**values)  # type: ignore[arg-type]


def need(**changes: object) -> Need:
    values: dict[str, object] = {
        "id": 10,
        "needs": frozenset({"professionals"}),
        "phase": "experimentation",
        "sectors": frozenset({"cardio", "objets_connectes"}),
        "departement_id": "dep-33",
        "region_id": "reg-75",
    }
    values.update(changes)
    return Need(**values)  # type: ignore[arg-type]


def test_a_fitting_offer_gets_every_reason_in_french() -> None:
    found = match(offer(), need(), NAMES, SECTORS)
    assert found is not None
    assert found.reasons == (
        "Le projet recherche des professionnels de santé",
        "Phase recherchée : expérimentation",
        "Secteur commun : Cardiovasculaire",
        "Même département : Gironde",
        "Participation à distance possible",
    )


@pytest.mark.parametrize(
    ("offer_changes", "need_changes"),
    [
        ({}, {"needs": frozenset({"funding"})}),  # the project does not look for people
        ({"offered_as": "patient_representative"}, {}),  # it looks for professionals, not patients
        ({"phases": frozenset({"evaluation"})}, {}),  # experimentation project, evaluation offer
        ({"work_mode": "on_site", "departement_id": "dep-59", "region_id": "reg-32"}, {}),  # too far to come
    ],
)
def test_offers_that_do_not_fit_are_left_out(offer_changes: dict[str, object], need_changes: dict[str, object]) -> None:
    assert match(offer(**offer_changes), need(**need_changes), NAMES, SECTORS) is None


def test_remote_people_fit_anywhere_and_a_patient_fits_a_patient_need() -> None:
    far = match(offer(departement_id="dep-59", region_id="reg-32", work_mode="remote"), need(), NAMES, SECTORS)
    assert far is not None and not any(r.startswith("Même") for r in far.reasons)
    patient = match(offer(offered_as="patient_representative"), need(needs=frozenset({"patients"})), NAMES, SECTORS)
    assert patient is not None and patient.reasons[0] == "Le projet recherche des patients ou des usagers"


def test_development_projects_take_conception_and_experimentation_offers() -> None:
    for phases in ({"conception"}, {"experimentation"}):
        assert match(offer(phases=frozenset(phases)), need(phase="development"), NAMES, SECTORS) is not None
    assert match(offer(phases=frozenset({"evaluation"})), need(phase="development"), NAMES, SECTORS) is None


def test_both_directions_rank_closer_and_more_similar_first() -> None:
    near = need(id=1)
    same_region = need(id=2, departement_id="dep-24")
    other_sector = need(id=3, sectors=frozenset({"oncologie"}))
    ranked = best_projects(offer(), [other_sector, same_region, near], NAMES, SECTORS)
    assert [m.project_id for m in ranked] == [1, 2, 3]
    assert "Même région : Nouvelle-Aquitaine" in ranked[1].reasons
    offers = [offer(id=7, departement_id=None, region_id=None), offer(id=8)]
    assert [m.offer_id for m in best_offers(near, offers, NAMES, SECTORS)] == [8, 7]


def test_the_score_is_the_same_whichever_side_asks() -> None:
    one_way = best_projects(offer(), [need()], NAMES, SECTORS)
    other_way = best_offers(need(), [offer()], NAMES, SECTORS)
    assert one_way == other_way == [Match(1, 10, one_way[0].score, one_way[0].reasons)]
