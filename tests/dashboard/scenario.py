"""A small, hand-countable set of records added to the seeded database for the dashboard tests.

Everything is in Nouvelle-Aquitaine (région 75, Gironde 33) and in the cardiovascular sector, so that the
filtered dashboard (région 75, cardio, experimentation) moves by exactly what is added here:

- projects registered in the hub: A (partner at registration: 0 days), B (registered 10 days ago, partner
  added today: 10 days), C (40 days ago, partner today: 40 days), D (no partner yet), all in experimentation;
  E in the idea phase; F merged into A (not counted as a listed project);
- duplicate pairs: A–F merged today, B–C open (found on PAST), C–D twins today;
- introductions: from A, made on PAST and accepted today; from B, pending (today); to project C, declined
  today; one between actors only (national figures only);
- hours: 90 min used on A today, 30 min on B today then reversed, 120 min on C on PAST, 45 min pending on A;
- a cardio referent for Gironde (one white zone fewer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from hub.accounts.models import Role
from hub.changelog.models import ChangeLogEntry
from hub.db import Database, utcnow
from hub.dedup.models import DuplicatePair, DuplicateReview, PairStatus, ProjectMerge, ProjectTwin
from hub.exchanges.models import IntroductionRequest, IntroductionStatus, Purpose, TargetKind
from hub.ledger.models import AccountKind, LedgerAccount, LedgerTransfer, TransferKind, TransferStatus, Unit
from hub.projects.models import Project, ProjectStatus
from hub.projects.services import update_project
from hub.projects.shapes import ProjectInput
from hub.referents.services import create_assignment, parse_assignment
from tests.factories import make_account, make_actor, make_project, make_viewer

PAST = datetime(2025, 3, 15, 10, 0, tzinfo=UTC)
FILTERS = "region=75&sector=cardio&phase=experimentation"


@dataclass(frozen=True)
class Added:
    """Ids and dates of what the scenario added."""

    projects: dict[str, int]
    carrier_id: int
    partner_id: int
    now: datetime
    b_created: datetime
    c_created: datetime


def month(moment: datetime) -> str:
    """The "YYYY-MM" bucket of a moment, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def _project_values(title: str, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": title,
        "phase": "experimentation",
        "departement": "33",
        "sectors": ["cardio"],
    }
    values.update(changes)
    return values


def _backdate(session: Session, project: Project, moment: datetime) -> None:
    """Register the project at `moment` (its row and its creation entry in the change log)."""
    project.created_at = moment
    session.add(project)
    entry = session.exec(
        select(ChangeLogEntry).where(
            col(ChangeLogEntry.object_type) == "project",
            col(ChangeLogEntry.object_id) == project.id,
            col(ChangeLogEntry.action) == "create",
        )
    ).one()
    entry.created_at = moment
    session.add(entry)
    session.flush()


def add_records(database: Database) -> Added:
    """Add the scenario's records (committed to the test's savepoint) and return their ids."""
    now = utcnow()
    with database.session() as session:
        viewer = make_viewer(session, "porteuse.tableau@example.fr")
        carrier = make_actor(
            session, viewer, name="CardioGironde test", kind="company", departement="33", sectors=["cardio"]
        )
        partner = make_actor(session, viewer, name="Living lab cardio test", departement="33", sectors=["cardio"])
        assert carrier.id is not None and partner.id is not None
        with_partner = [{"actor_id": partner.id, "role": "etablissement"}]
        projects: dict[str, Project] = {
            "A": make_project(session, viewer, **_project_values("Projet tableau A", partners=with_partner)),
            "B": make_project(session, viewer, **_project_values("Projet tableau B")),
            "C": make_project(session, viewer, **_project_values("Projet tableau C")),
            "D": make_project(session, viewer, **_project_values("Projet tableau D")),
            "E": make_project(session, viewer, **_project_values("Projet tableau E", phase="idea")),
            "F": make_project(session, viewer, **_project_values("Projet tableau F")),
        }
        ids = {name: p.id for name, p in projects.items()}
        assert all(ids.values())
        b_created, c_created = now - timedelta(days=10), now - timedelta(days=40)
        _backdate(session, projects["B"], b_created)
        _backdate(session, projects["C"], c_created)
        for name in ("B", "C"):
            update_project(
                session,
                projects[name],
                ProjectInput.model_validate(_project_values(f"Projet tableau {name}", partners=with_partner)),
                viewer,
            )
        merged = projects["F"]
        merged.status, merged.successor_id = ProjectStatus.MERGED, ids["A"]
        session.add(merged)

        _duplicates(session, ids, now)
        _introductions(session, viewer.account_id, ids, partner.id, now)
        _hours(session, ids, now)
        admin = make_viewer(session, "admin.tableau@example.fr", roles=(Role.ADMIN,))
        make_account(session, "referente.cardio@example.fr")
        create_assignment(
            session,
            admin,
            parse_assignment(
                {
                    "email": "referente.cardio@example.fr",
                    "territory": "dep-33",
                    "sectors": ["cardio"],
                    "role": "titulaire",
                    "starts_on": (now.date() - timedelta(days=30)).isoformat(),
                }
            ),
        )
        session.commit()
        return Added(
            projects={k: int(v or 0) for k, v in ids.items()},
            carrier_id=carrier.id,
            partner_id=partner.id,
            now=now,
            b_created=b_created,
            c_created=c_created,
        )


def _pair(session: Session, review_id: int, a: int, b: int, **values: Any) -> None:
    low, high = sorted((a, b))
    session.add(DuplicatePair(review_id=review_id, project_a_id=low, project_b_id=high, score=0.9, **values))


def _duplicates(session: Session, ids: dict[str, int | None], now: datetime) -> None:
    a, b, c, d, f = (int(ids[k] or 0) for k in "ABCDF")
    review = DuplicateReview(region_id="reg-75", sector_codes=["cardio"])
    session.add(review)
    session.flush()
    assert review.id is not None
    _pair(session, review.id, a, f, status=PairStatus.MERGED, decided_at=now, created_at=now)
    _pair(session, review.id, b, c, status=PairStatus.OPEN, created_at=PAST)
    _pair(session, review.id, c, d, status=PairStatus.TWINS, decided_at=now, created_at=now)
    session.add(ProjectMerge(survivor_id=a, merged_id=f, merged_at=now))
    session.add(ProjectTwin(project_a_id=min(c, d), project_b_id=max(c, d)))
    session.flush()


def _introductions(session: Session, sender: int, ids: dict[str, int | None], actor_id: int, now: datetime) -> None:
    common: dict[str, Any] = {"sender_id": sender, "purpose": Purpose.PARTNERSHIP, "message": "Bonjour"}
    session.add_all(
        [
            IntroductionRequest(
                **common,
                sender_project_id=ids["A"],
                target_kind=TargetKind.ACTOR,
                target_id=actor_id,
                status=IntroductionStatus.ACCEPTED,
                created_at=PAST,
                decided_at=now,
                shared_contact="porteuse.tableau@example.fr",
            ),
            IntroductionRequest(
                **common, sender_project_id=ids["B"], target_kind=TargetKind.ACTOR, target_id=actor_id, created_at=now
            ),
            IntroductionRequest(
                **common,
                target_kind=TargetKind.PROJECT,
                target_id=int(ids["C"] or 0),
                status=IntroductionStatus.DECLINED,
                created_at=now,
                decided_at=now,
            ),
            IntroductionRequest(**common, target_kind=TargetKind.ACTOR, target_id=actor_id, created_at=now),
        ]
    )
    session.flush()


def _hours(session: Session, ids: dict[str, int | None], now: datetime) -> None:
    pool = LedgerAccount(code="pool:tableau-test", kind=AccountKind.POOL, unit=Unit.MINUTE)
    target = LedgerAccount(code="project:tableau-test", kind=AccountKind.PROJECT, unit=Unit.MINUTE)
    session.add_all([pool, target])
    session.flush()
    assert pool.id is not None and target.id is not None

    def transfer(
        kind: TransferKind, amount: int, project: str, status: TransferStatus, **values: Any
    ) -> LedgerTransfer:
        row = LedgerTransfer(
            kind=kind,
            status=status,
            debit_account_id=pool.id,
            credit_account_id=target.id,
            amount=amount,
            unit=Unit.MINUTE,
            link_id=f"tableau-{kind}-{amount}-{project}",
            project_id=ids[project],
            holder="h-test",
            **values,
        )
        session.add(row)
        session.flush()
        return row

    transfer(TransferKind.USE, 90, "A", TransferStatus.POSTED, decided_at=now)
    undone = transfer(TransferKind.USE, 30, "B", TransferStatus.POSTED, decided_at=now)
    transfer(
        TransferKind.REVERSAL, 30, "B", TransferStatus.POSTED, reverses_id=undone.id, created_at=now, decided_at=now
    )
    transfer(TransferKind.USE, 120, "C", TransferStatus.POSTED, decided_at=PAST, created_at=PAST)
    transfer(TransferKind.USE, 45, "A", TransferStatus.PENDING)
