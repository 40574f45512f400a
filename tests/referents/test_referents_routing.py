"""The routing contract (ROUTING.md): titulaire -> suppléant -> référent régional -> national team; resolve;
can_curate. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from hub.accounts.models import Account, Role
from hub.accounts.services import viewer_for
from hub.accounts.viewer import Viewer
from hub.db import Database
from hub.referents.models import DUE_AFTER, QueueItem, QueueLevel, QueueStatus
from hub.referents.routing import KIND_LABELS, can_curate, find_assignee, resolve, route, today
from tests.factories import make_viewer
from tests.referents.scenario import admin, assign

# Gironde (33) is in Nouvelle-Aquitaine (75); Landes (40) too.


def _route(
    session: Session, sectors: list[str], territory: str | None, kind: str = "need", subject_id: int = 1
) -> QueueItem:
    return route(
        session,
        kind=kind,
        subject_type="need",
        subject_id=subject_id,
        title="Un besoin",
        url=f"/besoins/{subject_id}",
        sector_codes=sectors,
        territory_id=territory,
    )


def _account_id(session: Session, email: str) -> int | None:
    return session.exec(select(Account.id).where(col(Account.email) == email)).one()


def test_routing_walks_titulaire_then_suppleant_then_regional_then_national(database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        tit_dep = assign(session, boss, "tit.dep@example.fr", "dep-33", ["oncologie"])
        tit_reg = assign(session, boss, "tit.reg@example.fr", "reg-75", ["oncologie"])
        sup_dep = assign(session, boss, "sup.dep@example.fr", "dep-33", ["oncologie"], "suppleant")
        generalist = assign(session, boss, "regional@example.fr", "reg-75", [], "titulaire")

        item = _route(session, ["oncologie"], "dep-33")
        assert (item.assignee_id, item.level) == (tit_dep.account_id, QueueLevel.TITULAIRE)
        assert item.assignment_id == tit_dep.id
        assert item.status == QueueStatus.OPEN and item.due_at - item.created_at == DUE_AFTER

        # Without the département's titulaire, the région's titulaire comes next.
        tit_dep.ends_on = today() - timedelta(days=1)
        session.add(tit_dep)
        session.flush()
        assert _route(session, ["oncologie"], "dep-33").assignee_id == tit_reg.account_id

        tit_reg.ends_on = today() - timedelta(days=1)
        session.add(tit_reg)
        session.flush()
        item = _route(session, ["oncologie"], "dep-33")
        assert (item.assignee_id, item.level) == (sup_dep.account_id, QueueLevel.SUPPLEANT)

        sup_dep.ends_on = today() - timedelta(days=1)
        session.add(sup_dep)
        session.flush()
        item = _route(session, ["oncologie"], "dep-33")
        assert (item.assignee_id, item.level) == (generalist.account_id, QueueLevel.REGIONAL)

        generalist.ends_on = today() - timedelta(days=1)
        session.add(generalist)
        session.flush()
        item = _route(session, ["oncologie"], "dep-33")
        assert (item.assignee_id, item.level, item.assignment_id) == (None, QueueLevel.NATIONAL, None)


def test_sector_must_match_and_other_regions_do_not_count(database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        assign(session, boss, "cardio@example.fr", "dep-33", ["cardio"])
        assign(session, boss, "paris@example.fr", "reg-11", ["oncologie"])
        item = _route(session, ["oncologie"], "dep-33")
        assert item.level == QueueLevel.NATIONAL and item.assignee_id is None
        # The first of the subject's sectors that someone covers wins; without sectors, any sectoral referent.
        cardio = _account_id(session, "cardio@example.fr")
        assert _route(session, ["oncologie", "cardio"], "dep-33").assignee_id == cardio
        assert _route(session, [], "dep-33").assignee_id == cardio
        # A région subject is not sent to a département referent.
        assert _route(session, ["cardio"], "reg-75").level == QueueLevel.NATIONAL


def test_no_territory_or_unknown_territory_goes_to_the_national_team(database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        assign(session, boss, "onco@example.fr", "reg-75", ["oncologie"])
        for territory in (None, "dep-999", "x" * 40):
            item = _route(session, ["oncologie"], territory)
            assert (item.assignee_id, item.level, item.territory_id) == (None, QueueLevel.NATIONAL, None)


def test_future_and_past_terms_and_inactive_accounts_are_skipped(database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        assign(session, boss, "later@example.fr", "dep-33", ["oncologie"], starts_on=today() + timedelta(days=3))
        assign(
            session,
            boss,
            "before@example.fr",
            "dep-33",
            ["oncologie"],
            "suppleant",
            starts_on=today() - timedelta(days=90),
            ends_on=today() - timedelta(days=1),
        )
        gone = assign(session, boss, "gone@example.fr", "reg-75", [], "titulaire")
        account = session.get(Account, gone.account_id)
        assert account is not None
        account.is_active = False
        session.add(account)
        session.flush()
        assert find_assignee(session, ["oncologie"], "dep-33") == (None, QueueLevel.NATIONAL)
        # The term's last day still counts.
        assign(
            session, boss, "last@example.fr", "dep-33", ["oncologie"], "suppleant", starts_on=today(), ends_on=today()
        )
        assert _route(session, ["oncologie"], "dep-33").level == QueueLevel.SUPPLEANT


def test_regional_suppleant_generalist_when_no_titulaire_generalist(database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        deputy = assign(session, boss, "adjoint@example.fr", "reg-75", [], "suppleant")
        item = _route(session, ["oncologie"], "dep-40")
        assert (item.assignee_id, item.level) == (deputy.account_id, QueueLevel.REGIONAL)


def test_resolve_closes_only_the_subjects_open_items(database: Database) -> None:
    with database.session() as session:
        first = _route(session, ["oncologie"], None, subject_id=7)
        second = _route(session, ["oncologie"], None, subject_id=7)
        other = _route(session, ["oncologie"], None, subject_id=8)
        assert resolve(session, subject_type="need", subject_id=7, outcome="qualifié") == 2
        for item in (first, second):
            session.refresh(item)
            assert (item.status, item.outcome) == (QueueStatus.CLOSED, "qualifié")
            assert item.closed_at is not None
        session.refresh(other)
        assert other.status == QueueStatus.OPEN
        assert resolve(session, subject_type="need", subject_id=7, outcome="encore") == 0


def test_unknown_kind_is_a_programming_error(database: Database) -> None:
    with database.session() as session:
        with pytest.raises(ValueError, match="unknown queue item kind"):
            _route(session, [], None, kind="nouveau")
        assert session.exec(select(QueueItem)).first() is None
    assert set(KIND_LABELS) == {
        "new_project",
        "duplicate_review",
        "introduction",
        "need",
        "field_feedback",
        "report",
        "research_result",
        "contest",
    }


def test_can_curate(database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        assert can_curate(session, boss, sector_codes=["oncologie"], territory_id=None)
        assert not can_curate(session, None, sector_codes=[], territory_id="dep-33")
        assign(session, boss, "reg.onco@example.fr", "reg-75", ["oncologie"])
        assign(session, boss, "dep.cardio@example.fr", "dep-33", ["cardio"])
        assign(session, boss, "generaliste@example.fr", "reg-75", [])

        def viewer(email: str) -> Viewer:
            account = session.exec(select(Account).where(col(Account.email) == email)).one()
            return viewer_for(session, account)

        reg_onco, dep_cardio, generalist = (
            viewer("reg.onco@example.fr"),
            viewer("dep.cardio@example.fr"),
            viewer("generaliste@example.fr"),
        )
        assert Role.REFERENT in reg_onco.roles  # naming someone grants the role
        # A région assignment covers its départements; the sector must match one of the subject's.
        assert can_curate(session, reg_onco, sector_codes=["oncologie", "perinatalite"], territory_id="dep-33")
        assert can_curate(session, reg_onco, sector_codes=["oncologie"], territory_id="reg-75")
        assert not can_curate(session, reg_onco, sector_codes=["cardio"], territory_id="dep-33")
        assert not can_curate(session, reg_onco, sector_codes=["oncologie"], territory_id="dep-75")
        assert not can_curate(session, reg_onco, sector_codes=["oncologie"], territory_id=None)
        # A département assignment does not cover the région nor a neighbour.
        assert can_curate(session, dep_cardio, sector_codes=["cardio"], territory_id="dep-33")
        assert not can_curate(session, dep_cardio, sector_codes=["cardio"], territory_id="reg-75")
        assert not can_curate(session, dep_cardio, sector_codes=["cardio"], territory_id="dep-40")
        # Empty sector list on the subject: any sector; a référent régional covers every sector of the région.
        assert can_curate(session, dep_cardio, sector_codes=[], territory_id="dep-33")
        assert can_curate(session, generalist, sector_codes=["perinatalite"], territory_id="dep-40")
        # A plain member can curate nothing.
        member = make_viewer(session, "membre@example.fr")
        assert not can_curate(session, member, sector_codes=[], territory_id="dep-33")
