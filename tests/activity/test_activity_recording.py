"""The listeners write the right public events, in the transaction of the change, and only then."""

from __future__ import annotations

from sqlmodel import col, select

from hub.accounts.models import Role
from hub.accounts.services import viewer_for
from hub.activity.models import ActivityEvent, ActivityEventSector, ActivityKind
from hub.activity.recording import QUIET_KEY
from hub.db import Database, utcnow
from hub.dedup.decisions import merge_projects
from hub.exchanges.introductions import create_introduction, decide_introduction
from hub.exchanges.shapes import DecisionInput, IntroductionInput
from hub.ledger.services import decide_deposit, decide_use, request_deposit, request_use
from hub.projects.models import Project, ProjectPhase
from tests.factories import make_account, make_actor, make_project, make_viewer
from tests.ledger.conftest import build_bank


def events(database: Database) -> list[tuple[ActivityEvent, list[str]]]:
    """Every event, oldest first, with its sectors."""
    with database.session() as session:
        rows = session.exec(select(ActivityEvent).order_by(col(ActivityEvent.id))).all()
        return [
            (
                row,
                list(
                    session.exec(
                        select(ActivityEventSector.sector_code)
                        .where(col(ActivityEventSector.event_id) == row.id)
                        .order_by(col(ActivityEventSector.sector_code))
                    ).all()
                ),
            )
            for row in rows
        ]


def test_the_seed_left_no_event(database: Database) -> None:
    assert events(database) == []


def test_new_actor_and_project_make_two_events_with_territory_and_sectors(database: Database) -> None:
    with database.session() as session:
        viewer = make_viewer(session)
        actor = make_actor(session, viewer, name="Living lab des Landes", departement="40", sectors=["telemedecine"])
        project = make_project(
            session,
            viewer,
            title="Suivi des plaies",
            phase="idea",
            departement="33",
            sectors=["cardio", "dermatologie"],
        )
        session.commit()
    found = events(database)
    assert [(e.kind, e.title, e.url) for e, _ in found] == [
        (ActivityKind.ACTOR_CREATED, "Living lab des Landes rejoint l’annuaire", f"/annuaire/{actor.slug}"),
        (ActivityKind.PROJECT_CREATED, "Nouveau projet : Suivi des plaies", f"/projets/{project.slug}"),
    ]
    (actor_event, actor_sectors), (project_event, project_sectors) = found
    assert (actor_event.region_id, actor_event.departement_id, actor_sectors) == ("reg-75", "dep-40", ["telemedecine"])
    assert (project_event.region_id, project_event.departement_id) == ("reg-75", "dep-33")
    assert project_sectors == ["cardio", "dermatologie"]
    assert project_event.subject_kind == "project" and project_event.subject_id == project.id


def test_a_rolled_back_change_leaves_no_event(database: Database) -> None:
    with database.session() as session:
        make_actor(session, make_viewer(session), name="Jamais publié")
        session.flush()
        session.rollback()
        session.commit()
    assert events(database) == []


def test_a_quiet_session_records_nothing(database: Database) -> None:
    with database.session() as session:
        session.info[QUIET_KEY] = True
        make_actor(session, make_viewer(session), name="Acteur importé en masse")
        session.commit()
    assert events(database) == []


def test_entering_experimentation_is_an_event_once(database: Database) -> None:
    with database.session() as session:
        project = make_project(session, make_viewer(session), title="Coaching diabète", phase="conception")
        session.commit()
        project.phase = ProjectPhase.EXPERIMENTATION
        session.add(project)
        session.commit()
        project.title = "Coaching diabète connecté"  # still in experimentation: no news
        session.add(project)
        session.commit()
    kinds = [(e.kind, e.title) for e, _ in events(database)]
    assert kinds == [
        (ActivityKind.PROJECT_CREATED, "Nouveau projet : Coaching diabète"),
        (ActivityKind.EXPERIMENT_STARTED, "Expérimentation lancée : Coaching diabète"),
    ]


def test_a_merge_names_both_projects_and_links_the_survivor(database: Database) -> None:
    with database.session() as session:
        admin = make_viewer(session, "admin@example.fr", roles=(Role.ADMIN,))
        survivor = make_project(session, admin, title="Télésuivi BPCO", sectors=["respiratoire"], departement="33")
        merged = make_project(session, admin, title="Télésuivi de la BPCO")
        session.commit()
        assert survivor.id is not None and merged.id is not None
        merge_projects(session, survivor.id, merged.id, admin)
        session.commit()
    last, sectors = events(database)[-1]
    assert last.kind == ActivityKind.PROJECTS_MERGED
    assert last.title == "Projets regroupés : « Télésuivi de la BPCO » rejoint « Télésuivi BPCO »"
    assert last.url == f"/projets/{survivor.slug}"
    assert sectors == ["respiratoire"]


def test_an_accepted_introduction_names_nobody(database: Database) -> None:
    with database.session() as session:
        lead = make_account(session, "porteuse@example.fr")
        lead_viewer = viewer_for(session, lead)
        project = make_project(
            session, lead_viewer, title="Projet très secret", departement="33", sectors=["cardio"], phase="idea"
        )
        sender = make_viewer(session, "demandeur@example.fr")
        actor = make_actor(session, sender, name="Société Demandeuse")
        session.commit()
        request, _ = create_introduction(
            session,
            sender,
            IntroductionInput(
                target_kind="project",
                target_id=project.id,
                on_behalf=f"actor:{actor.id}",
                purpose="partnership",
                message="Nous aimerions vous rencontrer pour en parler.",
            ),
            utcnow(),
        )
        session.commit()
        before = len(events(database))
        decide_introduction(session, lead_viewer, request, DecisionInput(decision="accept"), utcnow())
        session.commit()
    found = events(database)
    assert len(found) == before + 1
    last, sectors = found[-1]
    assert last.kind == ActivityKind.INTRODUCTION_ACCEPTED
    assert "secret" not in last.title and "Demandeuse" not in last.title and last.url == ""
    assert (last.departement_id, sectors) == ("dep-33", ["cardio"])


def test_a_posted_use_of_hours_is_one_event_whatever_the_deposits(database: Database) -> None:
    with database.transaction() as session:
        bank = build_bank(session)
        project = session.get(Project, bank.project_id)
        assert project is not None
        title = project.title
    for key, (person, minutes) in enumerate(zip(bank.depositors[:2], (90, 120), strict=True)):
        deposit = request_deposit(
            database, f"d{key}", account_id=person, convention_id=bank.convention_id, minutes=minutes
        )
        decide_deposit(
            database, f"d{key}-ok", approver_id=bank.approver, transfer_id=int(deposit["transfer_id"]), accept=True
        )
    use = request_use(
        database, "u", account_id=bank.drawer, convention_id=bank.convention_id, project_id=bank.project_id, minutes=150
    )
    assert not [e for e, _ in events(database) if e.kind == ActivityKind.HOURS_USED]  # pending: not yet news
    decide_use(database, "u-ok", approver_id=bank.lead, link_id=use["link_id"], accept=True)
    used = [e for e, _ in events(database) if e.kind == ActivityKind.HOURS_USED]
    assert [e.title for e in used] == [f"2 h 30 d’innovation consacrées au projet {title}"]
