"""Audit of access (ASVS 8.3.5) through the real application: each privileged read of other people's personal data
leaves exactly one access record naming the reader and the ids read, never the contents, and one line in the
security log; a person's own data and refused accesses leave none; the journal is for administrators only; records
older than the retention are deleted."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Account, Role
from hub.accounts.services import viewer_for
from hub.audit.models import AccessKind, AccessRecord
from hub.audit.services import ACCESS_RECORD_RETENTION, ReadPlace, record_access
from hub.db import Database, utcnow
from hub.directory.models import Actor, ActorMembership
from hub.directory.services import list_pending_claims, request_claim
from hub.exchanges.introductions import create_introduction
from hub.exchanges.mail import Mail, deliver, list_outbox
from hub.exchanges.shapes import IntroductionInput
from hub.ledger.administration import open_convention
from hub.ledger.shapes import ConventionInput
from hub.moderation.services import create_report
from hub.moderation.shapes import ReportInput
from hub.places.services import register, register_guest
from hub.places.shapes import GuestInput
from hub.settings import Settings
from tests.dashboard.html_tables import tables_of
from tests.exchanges.scenario import lead_project, viewer_of
from tests.factories import make_account, sign_in
from tests.feedback.scenario import account_id, member, switch_to
from tests.places.scenario import MEMBER, STAFF, place_and_meeting

ADMIN = "admin-audit@example.fr"
REPORTER = "signaleuse@example.fr"
REPORT_DETAILS = "Le directeur, M. Lebrun, a quitté la structure en mars."
INTRODUCTION_MESSAGE = "Bonjour, je suis Claire, joignable au 06 12 34 56 78 pour en parler."


@dataclass(frozen=True)
class Read:
    """One audited read: who reads which path, and what its record must say (and never say)."""

    reader: str
    path: str
    route: str
    kind: AccessKind
    people: tuple[str, ...]  # e-mails of the accounts whose data is shown
    records: tuple[str, ...]
    secrets: tuple[str, ...]  # contents the page shows, which must reach neither the record nor the log


def _records(database: Database) -> list[AccessRecord]:
    with database.session() as session:
        return list(session.exec(select(AccessRecord).order_by(col(AccessRecord.id))).all())


def _admin(database: Database) -> None:
    """The administrator who reads (created once, whichever reads a test sets up)."""
    with database.session() as session:
        if session.exec(select(Account.id).where(col(Account.email) == ADMIN)).first() is None:
            make_account(session, ADMIN, roles=(Role.ADMIN,))
            session.commit()


def _unmanaged_actor(database: Database) -> Actor:
    with database.session() as session:
        actor = session.exec(
            select(Actor)
            .where(
                col(Actor.id).not_in(select(ActorMembership.actor_id)), col(Actor.verification_status) != "withdrawn"
            )
            .order_by(col(Actor.id))
        ).first()
        assert actor is not None
        return actor


# -- the audited reads -----------------------------------------------------------------------------------------------


def _outbox(database: Database, settings: Settings) -> Read:
    _admin(database)
    member(database, "destinataire@example.fr")
    deliver(
        settings,
        [
            Mail(to="destinataire@example.fr", subject="Votre demande", body="Message confidentiel pour Lucie"),
            Mail(to="sans-compte@example.fr", subject="Invitation", body="Bonjour Paul Girard"),
            Mail(to=ADMIN, subject="Pour moi", body="Ma propre boîte"),
        ],
    )
    shown = [f"mail:{m.name}" for m in list_outbox(settings) if m.to != ADMIN]
    assert len(shown) == 2
    return Read(
        ADMIN,
        "/administration/courriels",
        "/administration/courriels",
        AccessKind.OUTBOX,
        ("destinataire@example.fr",),
        tuple(shown),
        ("destinataire@example.fr", "sans-compte@example.fr", "Message confidentiel pour Lucie", "Paul Girard"),
    )


def _claims(database: Database, settings: Settings) -> Read:
    _admin(database)
    actor = _unmanaged_actor(database)
    with database.session() as session:
        requester = viewer_for(session, make_account(session, "demandeuse@example.fr"))
        request_claim(session, actor, requester, "Je dirige cette structure depuis 2019, Mme Durand.")
        session.commit()
        pending = list_pending_claims(session)
    return Read(
        ADMIN,
        "/administration/demandes",
        "/administration/demandes",
        AccessKind.MEMBERSHIP_CLAIMS,
        tuple(account.email for _, _, account in pending),
        tuple(f"membership:{membership.id}" for membership, _, _ in pending),
        ("demandeuse@example.fr", "Mme Durand"),
    )


def _file_report(database: Database) -> int:
    """A member reports a seeded actor; the report's id."""
    _admin(database)
    with database.session() as session:
        reporter = viewer_for(session, make_account(session, REPORTER))
        actor = session.exec(select(Actor).order_by(col(Actor.id))).first()
        assert actor is not None and actor.id is not None
        report = create_report(
            session,
            reporter,
            ReportInput(target_type="actor", target_id=actor.id, reason="inaccurate", details=REPORT_DETAILS),
        )
        session.commit()
        assert report.id is not None
        return report.id


def _report_queue(database: Database, settings: Settings) -> Read:
    report_id = _file_report(database)
    return Read(
        ADMIN,
        "/moderation/signalements",
        "/moderation/signalements",
        AccessKind.REPORT_QUEUE,
        (REPORTER,),
        (f"report:{report_id}",),
        ("Signaleuse",),  # the reporter's display name
    )


def _report_page(database: Database, settings: Settings) -> Read:
    report_id = _file_report(database)
    return Read(
        ADMIN,
        f"/moderation/signalements/{report_id}",
        "/moderation/signalements/{report_id}",
        AccessKind.REPORT,
        (REPORTER,),
        (f"report:{report_id}",),
        ("Signaleuse", "M. Lebrun"),
    )


def _report_api(database: Database, settings: Settings) -> Read:
    report_id = _file_report(database)
    return Read(
        ADMIN,
        f"/api/v1/reports/{report_id}",
        "/api/v1/reports/{report_id}",
        AccessKind.REPORT,
        (REPORTER,),
        (f"report:{report_id}",),
        ("M. Lebrun",),
    )


def _send_introduction(database: Database) -> int:
    """The lead of a project asks to meet an actor nobody represents: the request goes to administrators."""
    project_id, _, _ = lead_project(database)
    actor = _unmanaged_actor(database)
    _admin(database)
    with database.session() as session:
        sender = viewer_of(session, "porteuse@example.fr")
        item, _ = create_introduction(
            session,
            sender,
            IntroductionInput(
                target_kind="actor",
                target_id=actor.id or 0,
                on_behalf=f"project:{project_id}",
                purpose="partnership",
                message=INTRODUCTION_MESSAGE,
            ),
            utcnow(),
        )
        session.commit()
        assert item.is_routed_to_administrators and item.id is not None
        return item.id


def _introduction(database: Database, settings: Settings) -> Read:
    request_id = _send_introduction(database)
    return Read(
        ADMIN,
        f"/mises-en-relation/{request_id}",
        "/mises-en-relation/{request_id}",
        AccessKind.INTRODUCTION,
        ("porteuse@example.fr",),
        (f"introduction:{request_id}",),
        ("06 12 34 56 78",),
    )


def _meeting(database: Database, settings: Settings) -> Read:
    _, meeting_id = place_and_meeting(database)
    with database.session() as session:
        registered = register(session, viewer_of(session, MEMBER), meeting_id)
        guest = register_guest(
            session,
            viewer_of(session, STAFF),
            meeting_id,
            GuestInput(guest_name="Jeanne Martin", guest_contact="05 56 00 00 00", consent=True),
        )
        session.commit()
    return Read(
        STAFF,
        f"/rencontres/{meeting_id}",
        "/rencontres/{meeting_id}",
        AccessKind.MEETING_REGISTRATIONS,
        (MEMBER,),
        (f"meeting:{meeting_id}", f"registration:{registered.id}", f"registration:{guest.id}"),
        ("Jeanne Martin", "05 56 00 00 00", "Habitante"),
    )


def _convention(database: Database, settings: Settings) -> Read:
    employer = _unmanaged_actor(database)
    _admin(database)
    with database.session() as session:
        admin = viewer_of(session, ADMIN)
        for email in ("valideuse@example.fr", "deposant@example.fr"):
            make_account(session, email)
        convention = open_convention(
            session,
            ConventionInput(
                title="Convention de l’audit",
                employer_slug=employer.slug,
                cap_hours=10,
                approver_emails=["valideuse@example.fr"],
                depositor_emails=["deposant@example.fr"],
            ),
            admin,
        )
        session.commit()
    return Read(
        ADMIN,
        f"/administration/banque-d-heures/conventions/{convention.id}",
        "/administration/banque-d-heures/conventions/{convention_id}",
        AccessKind.CONVENTION_PEOPLE,
        ("deposant@example.fr", "valideuse@example.fr"),
        (f"convention:{convention.id}",),
        ("valideuse@example.fr", "deposant@example.fr"),
    )


READS: dict[str, Callable[[Database, Settings], Read]] = {
    "outbox": _outbox,
    "claims": _claims,
    "report_queue": _report_queue,
    "report_page": _report_page,
    "report_api": _report_api,
    "introduction": _introduction,
    "meeting": _meeting,
    "convention": _convention,
}


@pytest.mark.parametrize("name", sorted(READS))
def test_each_audited_read_leaves_one_record_naming_the_reader_and_the_ids_never_the_contents(
    client: TestClient[Litestar], database: Database, settings: Settings, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    read = READS[name](database, settings)
    sign_in(client, read.reader)
    caplog.set_level(logging.INFO, logger="hub.security")
    response = client.get(read.path)
    assert response.status_code == 200, response.text[:500]
    for secret in read.secrets:
        assert secret in response.text  # the page did show the data whose read is audited
    records = _records(database)
    assert len(records) == 1
    record = records[0]
    assert record.account_id == account_id(database, read.reader)
    assert record.kind == read.kind
    assert record.route == read.route
    assert record.person_ids == sorted(account_id(database, email) for email in read.people)
    assert sorted(record.record_ids) == sorted(read.records)
    assert record.request_id == response.headers["x-request-id"]
    assert record.client_address == "testclient"
    lines = [
        r.getMessage() for r in caplog.records if r.name == "hub.security" and "personal data read" in r.getMessage()
    ]
    assert lines == [
        f"personal data read ({read.kind}) by account {record.account_id} on {read.route} from testclient: "
        f"{len(record.person_ids)} people, {len(record.record_ids)} records (access record {record.id})"
    ]
    stored = json.dumps(
        {name: getattr(record, name) for name in AccessRecord.model_fields}, default=str, ensure_ascii=False
    )
    for secret in read.secrets:
        assert secret not in stored
        assert secret not in "\n".join(r.getMessage() for r in caplog.records)
    # every read is audited, not only the first
    assert client.get(read.path).status_code == 200
    assert len(_records(database)) == 2


def test_a_person_reading_their_own_data_leaves_no_record(
    client: TestClient[Litestar], database: Database, settings: Settings
) -> None:
    report_id = _file_report(database)
    request_id = _send_introduction(database)
    _, meeting_id = place_and_meeting(database)
    with database.session() as session:
        register(session, viewer_of(session, STAFF), meeting_id)
        session.commit()
    deliver(settings, [Mail(to=ADMIN, subject="Pour moi", body="Ma propre boîte")])
    own_reads = [
        (REPORTER, f"/moderation/signalements/{report_id}"),  # the author of a report
        (REPORTER, f"/api/v1/reports/{report_id}"),
        ("porteuse@example.fr", f"/mises-en-relation/{request_id}"),  # the sender of a request
        (STAFF, f"/rencontres/{meeting_id}"),  # the staff, registered alone at their own meeting
        (ADMIN, "/administration/courriels"),  # an outbox holding only the administrator's own e-mail
    ]
    for email, path in own_reads:
        switch_to(client, email)
        assert client.get(path).status_code == 200, path
    assert _records(database) == []


def test_a_refused_access_leaves_no_read_record(
    client: TestClient[Litestar], database: Database, settings: Settings
) -> None:
    reads = [
        READS[name](database, settings) for name in ("outbox", "claims", "report_page", "introduction", "convention")
    ]
    _, meeting_id = place_and_meeting(database)
    with database.session() as session:
        register(session, viewer_of(session, MEMBER), meeting_id)
        session.commit()
    member(database, "curieux@example.fr")
    for read in reads:  # signed out: sent to sign in, or refused
        assert client.get(read.path, follow_redirects=False).status_code in (303, 403), read.path
    sign_in(client, "curieux@example.fr")
    for read in reads:
        assert client.get(read.path).status_code in (403, 404), read.path
    # a member sees the meeting but not who is registered: nothing of others was read
    page = client.get(f"/rencontres/{meeting_id}")
    assert page.status_code == 200 and "Habitante" not in page.text
    assert _records(database) == []


def test_the_journal_shows_the_records_to_administrators_only(
    client: TestClient[Litestar], database: Database, settings: Settings
) -> None:
    read = _claims(database, settings)
    sign_in(client, ADMIN)
    assert client.get(read.path).status_code == 200
    admin_id, requester_id = account_id(database, ADMIN), account_id(database, "demandeuse@example.fr")
    html = client.get("/administration/consultations").text
    tables, captions = tables_of(html)
    header, *rows = tables["consultations"]
    assert header[1] == "Qui a consulté" and captions["consultations"].startswith("1 consultation notée")
    assert len(rows) == 1
    _, who, what, people, shown, _ = rows[0]
    assert who == f"Admin-Audit (compte n° {admin_id})"
    assert what == "Demandes de représentation /administration/demandes"
    assert people == str(requester_id)
    assert shown == f"demande de représentation n° {read.records[0].partition(':')[2]}"
    assert "demandeuse@example.fr" not in html and "Mme Durand" not in html
    assert len(_records(database)) == 1  # reading the journal is not itself recorded
    # paginated, newest first: 20 per page
    with database.session() as session:
        admin = viewer_of(session, ADMIN)
        where = ReadPlace(route="/administration/demandes", request_id="lot", client_address="127.0.0.1")
        for _ in range(24):
            record_access(session, admin, AccessKind.MEMBERSHIP_CLAIMS, where, person_ids=[requester_id])
        session.commit()
    second = tables_of(client.get("/administration/consultations?page=2").text)[0]["consultations"]
    assert len(second) == 1 + 5
    assert client.get("/administration/consultations?page=3").status_code == 404
    # members are refused, anonymous visitors sent to sign in
    switch_to(client, "demandeuse@example.fr")
    assert client.get("/administration/consultations").status_code == 403
    client.post("/deconnexion", data={"_csrf_token": client.cookies.get("hub_csrf") or ""}, follow_redirects=False)
    anonymous = client.get("/administration/consultations", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/connexion")


def test_records_past_the_retention_are_deleted_when_a_new_one_is_written(database: Database) -> None:
    with database.session() as session:
        admin = viewer_for(session, make_account(session, ADMIN, roles=(Role.ADMIN,)))
        other = make_account(session, "lue@example.fr")
        where = ReadPlace(route="/administration/demandes", request_id="test", client_address="127.0.0.1")
        now = utcnow()

        def read(at: timedelta) -> int:
            record = record_access(
                session, admin, AccessKind.MEMBERSHIP_CLAIMS, where, person_ids=[other.id], now=now - at
            )
            assert record is not None and record.id is not None
            return record.id

        read(ACCESS_RECORD_RETENTION + timedelta(days=1))
        kept = read(ACCESS_RECORD_RETENTION - timedelta(days=1))
        newest = read(timedelta(0))
        session.commit()
        # a page that showed nobody but the reader is no read of others' data
        assert record_access(session, admin, AccessKind.MEMBERSHIP_CLAIMS, where, person_ids=[admin.account_id]) is None
    assert [r.id for r in _records(database)] == [kept, newest]


def test_the_privacy_notice_gives_the_retention_of_access_records(client: TestClient[Litestar]) -> None:
    html = client.get("/donnees-personnelles").text
    assert f"<td>{ACCESS_RECORD_RETENTION.days // 30} mois, puis la trace est effacée</td>" in html
