"""Naming referents: the refusals (overlap, end before start, unknown territory or sector, unknown person),
ending a term, white zones and counts. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from hub.accounts.models import Account, Role
from hub.accounts.services import viewer_for
from hub.changelog.models import ChangeLogEntry
from hub.db import Database
from hub.errors import Conflict, InvalidInput, PermissionDenied
from hub.referents.models import ReferentAssignment
from hub.referents.routing import today
from hub.referents.services import (
    count_referents_by_territory,
    create_assignment,
    end_assignment,
    parse_assignment,
    parse_end,
    white_zones,
)
from hub.territories.services import list_departements, list_regions, list_sectors
from tests.factories import make_account, make_viewer
from tests.referents.scenario import admin, assign


def _count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(ReferentAssignment)).one())


def _refused(session: Session, data: dict[str, Any]) -> dict[str, str]:
    """The field errors of a refused assignment (made by an administrator); nothing is written."""
    account = session.exec(select(Account).where(col(Account.email) == "refus@example.fr")).first()
    boss = viewer_for(session, account or make_account(session, "refus@example.fr", roles=(Role.ADMIN,)))
    before = _count(session)
    with pytest.raises(InvalidInput) as caught:
        create_assignment(session, boss, parse_assignment(data))
    assert _count(session) == before
    return caught.value.errors


def _data(**changes: Any) -> dict[str, Any]:
    return {
        "email": "referente@example.fr",
        "territory": "dep-33",
        "sectors": ["oncologie"],
        "role": "titulaire",
        "starts_on": "2026-01-01",
    } | changes


def test_overlapping_terms_on_the_same_seat_are_refused(database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        start = today() - timedelta(days=10)
        assign(session, boss, "first@example.fr", "dep-33", ["oncologie", "cardio"], starts_on=start)
        make_account(session, "referente@example.fr")
        errors = _refused(session, _data(sectors=["cardio"], starts_on=(start + timedelta(days=400)).isoformat()))
        assert "Cardiovasculaire" in errors["sectors"] and "titulaire" in errors["sectors"]
        # Another seat, another sector, another territory, or a term after the first one ended: accepted.
        assign(session, boss, "referente@example.fr", "dep-33", ["cardio"], "suppleant", create=False)
        assign(session, boss, "referente@example.fr", "dep-33", ["diabete"], create=False)
        assign(session, boss, "referente@example.fr", "dep-40", ["cardio"], create=False)
        first = session.exec(select(ReferentAssignment).order_by(ReferentAssignment.id)).first()  # type: ignore[arg-type]
        assert first is not None
        end_assignment(session, boss, first.id or 0, parse_end({"ends_on": today().isoformat()}))
        assign(
            session,
            boss,
            "referente@example.fr",
            "dep-33",
            ["oncologie"],
            starts_on=today() + timedelta(days=1),
            create=False,
        )


def test_two_regional_generalists_on_the_same_term_are_refused(database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        assign(session, boss, "regional@example.fr", "reg-75", [])
        make_account(session, "referente@example.fr")
        errors = _refused(session, _data(territory="reg-75", sectors=[]))
        assert "référent régional" in errors["sectors"]
        # A sectoral referent of the région is a different seat.
        assign(session, boss, "referente@example.fr", "reg-75", ["oncologie"], create=False)


def test_a_term_that_ends_before_it_starts_is_refused(database: Database) -> None:
    with database.session() as session:
        make_account(session, "referente@example.fr")
        errors = _refused(session, _data(starts_on="2026-05-01", ends_on="2026-04-30"))
        assert errors == {"ends_on": "La fin du mandat ne peut pas précéder son début."}


def test_unknown_territory_sector_person_and_bad_values_are_refused_field_by_field(database: Database) -> None:
    with database.session() as session:
        errors = _refused(
            session,
            _data(email="personne@example.fr", territory="dep-999", sectors=["astrologie", "oncologie"]),
        )
        assert set(errors) == {"email", "territory", "sectors"}
        assert "Territoire inconnu" in errors["territory"]
        assert "astrologie" in errors["sectors"]
        assert "compte" in errors["email"]
        errors = _refused(session, _data(role="chef", starts_on="hier", ends_on="2026-13-45"))
        assert errors["role"] == "Choisissez une valeur dans la liste."
        assert "date" in errors["starts_on"] and "date" in errors["ends_on"]
        make_account(session, "referente@example.fr")
        errors = _refused(session, _data(sectors=[]))
        assert "référent régional" in errors["sectors"]


def test_only_administrators_name_referents(database: Database) -> None:
    with database.session() as session:
        member = make_viewer(session, "membre@example.fr", roles=(Role.REFERENT,))
        make_account(session, "referente@example.fr")
        with pytest.raises(PermissionDenied):
            create_assignment(session, member, parse_assignment(_data()))
        assert _count(session) == 0


def test_ending_a_term_is_logged_and_checked(database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        assignment = assign(session, boss, "referente@example.fr", "dep-33", ["oncologie"])
        with pytest.raises(InvalidInput) as caught:
            end_assignment(session, boss, assignment.id or 0, parse_end({"ends_on": "2020-01-01"}))
        assert "précéder" in caught.value.errors["ends_on"]
        with pytest.raises(InvalidInput) as caught:
            end_assignment(session, boss, assignment.id or 0, parse_end({"ends_on": ""}))
        assert "date" in caught.value.errors["ends_on"]
        yesterday = today() - timedelta(days=1)
        end_assignment(session, boss, assignment.id or 0, parse_end({"ends_on": yesterday.isoformat()}))
        session.refresh(assignment)
        assert assignment.ends_on == yesterday and assignment.ended_by_id == boss.account_id
        with pytest.raises(Conflict):
            end_assignment(session, boss, assignment.id or 0, parse_end({"ends_on": yesterday.isoformat()}))
        actions = session.exec(
            select(ChangeLogEntry.action).where(
                ChangeLogEntry.object_type == "referent_assignment", ChangeLogEntry.object_id == assignment.id
            )
        ).all()
        assert sorted(actions) == ["create", "update"]


def test_white_zones_by_departement_and_region(database: Database) -> None:
    with database.session() as session:
        sectors = [s.code for s in list_sectors(session)]
        departements = list_departements(session)
        regions = list_regions(session)
        zones = {z.territory_id: z for z in white_zones(session, "departement")}
        assert len(zones) == len(departements)  # nobody named yet: everything is white
        assert zones["dep-33"].sectors == sectors
        boss = admin(session)
        assign(session, boss, "reg@example.fr", "reg-75", ["oncologie"])
        assign(session, boss, "dep@example.fr", "dep-33", ["cardio"], "suppleant")
        assign(session, boss, "generaliste@example.fr", "reg-75", [])
        assign(session, boss, "futur@example.fr", "dep-33", ["diabete"], starts_on=today() + timedelta(days=5))
        zones = {z.territory_id: z for z in white_zones(session, "departement")}
        # A région assignment covers its départements; a référent régional covers no sector; future terms don't count.
        assert "oncologie" not in zones["dep-40"].sectors and "cardio" in zones["dep-40"].sectors
        assert "oncologie" not in zones["dep-33"].sectors and "cardio" not in zones["dep-33"].sectors
        assert "diabete" in zones["dep-33"].sectors
        assert len(zones["dep-33"].sectors) == len(sectors) - 2
        assert zones["dep-75"].sectors == sectors
        regional = {z.territory_id: z for z in white_zones(session, "region")}
        assert len(regional) == len(regions)
        # A département's referent counts for its région.
        assert "cardio" not in regional["reg-75"].sectors and "oncologie" not in regional["reg-75"].sectors
        only = white_zones(session, "departement", sector="oncologie", region="reg-75")
        assert only == []
        gironde = white_zones(session, "departement", sector="cardio", region="reg-75")
        assert {z.territory_id: z.sectors for z in gironde}["dep-40"] == ["cardio"]
        assert "dep-33" not in {z.territory_id for z in gironde}
        with pytest.raises(InvalidInput):
            white_zones(session, "commune")


def test_referent_counts_per_territory_include_zero(database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        assign(session, boss, "reg@example.fr", "reg-75", ["oncologie"])
        assign(session, boss, "dep@example.fr", "dep-33", ["cardio"])
        by_departement = count_referents_by_territory(session, "departement")
        assert by_departement["dep-33"] == 2 and by_departement["dep-40"] == 1 and by_departement["dep-75"] == 0
        assert len(by_departement) == len(list_departements(session))
        by_region = count_referents_by_territory(session, "region")
        assert by_region["reg-75"] == 2 and by_region["reg-11"] == 0
