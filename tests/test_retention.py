"""`hub privacy purge`: the mail outbox's files and the contacts of meeting guests, deleted once past their retention
(never a second earlier), idempotent, with a dry run that changes nothing; the privacy notice gives the durations."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.accounts.models import Role
from hub.accounts.services import viewer_for
from hub.cli import main
from hub.db import Database, utcnow
from hub.exchanges.mail import OUTBOX_RETENTION, OUTBOX_STAMP_FORMAT, Mail, deliver, list_outbox, purge_outbox
from hub.migrate import upgrade
from hub.places.models import MeetingRegistration
from hub.places.services import (
    ERASED_GUEST_NAME,
    GUEST_CONTACT_RETENTION,
    cancel_registration,
    create_meeting,
    erase_past_guest_contacts,
    register,
    register_guest,
    seats_taken,
)
from hub.places.shapes import GuestInput, MeetingInput
from hub.retention import purge_expired
from hub.settings import Settings
from tests.factories import make_account, sign_in

# A fixed "now" on a whole second, so that the limits below fall on whole seconds too.
NOW = datetime(2027, 3, 15, 3, 0, 0, tzinfo=UTC)
OUTBOX_LIMIT = NOW - OUTBOX_RETENTION
GUEST_LIMIT = NOW - GUEST_CONTACT_RETENTION
# A registration as compared before and after a purge: account, guest name, contact, consent given, seat, status.
Row = tuple[int | None, str, str, bool, int | None, str]


def _outbox_file(settings: Settings, written: datetime, suffix: str = "0badc0de") -> Path:
    """An e-mail in the outbox, named as `deliver` names it (the time in the name, to the second)."""
    folder = settings.mail_outbox_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{written.strftime(OUTBOX_STAMP_FORMAT)}-{suffix}.eml"
    path.write_bytes(b"To: someone@example.fr\r\nSubject: test\r\n\r\nBonjour\r\n")
    return path


def _file_with_mtime(settings: Settings, name: str, modified: datetime) -> Path:
    path = settings.mail_outbox_dir / name
    path.write_bytes(b"To: someone@example.fr\r\nSubject: copie\r\n\r\nBonjour\r\n")
    os.utime(path, (modified.timestamp(), modified.timestamp()))
    return path


def _outbox_names(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.mail_outbox_dir.iterdir())


def test_outbox_files_older_than_the_limit_are_deleted_and_newer_ones_kept(settings: Settings) -> None:
    assert purge_outbox(settings, NOW).deleted == 0  # no outbox folder yet: nothing to do
    old = _outbox_file(settings, OUTBOX_LIMIT - timedelta(days=3), "aaaaaaaa")
    last_second = _outbox_file(settings, OUTBOX_LIMIT - timedelta(seconds=1), "bbbbbbbb")  # written in [-1 s, 0)
    at_limit = _outbox_file(settings, OUTBOX_LIMIT, "cccccccc")  # written in [0, +1 s): not older than the limit
    recent = _outbox_file(settings, NOW - timedelta(days=1), "dddddddd")
    # a file named otherwise is dated by its modification time
    copied_old = _file_with_mtime(settings, "copie-ancienne.eml", OUTBOX_LIMIT - timedelta(seconds=1))
    copied_at_limit = _file_with_mtime(settings, "copie-limite.eml", OUTBOX_LIMIT)
    other = _file_with_mtime(settings, "notes.txt", OUTBOX_LIMIT - timedelta(days=300))  # not an e-mail: left alone
    everything = _outbox_names(settings)

    dry = purge_outbox(settings, NOW, dry_run=True)
    assert (dry.deleted, dry.failed) == (3, 0)
    assert _outbox_names(settings) == everything

    done = purge_outbox(settings, NOW)
    assert (done.deleted, done.failed) == (3, 0)
    assert _outbox_names(settings) == sorted(p.name for p in (at_limit, recent, copied_at_limit, other))
    assert not old.exists() and not last_second.exists() and not copied_old.exists()
    assert purge_outbox(settings, NOW).deleted == 0  # idempotent


def test_an_e_mail_just_written_by_the_hub_is_kept(settings: Settings) -> None:
    assert deliver(settings, [Mail(to="quelquun@example.fr", subject="Bonjour", body="Un message")]) == 1
    assert purge_outbox(settings, utcnow() + OUTBOX_RETENTION - timedelta(seconds=2)).deleted == 0
    assert [m.to for m in list_outbox(settings)] == ["quelquun@example.fr"]
    assert purge_outbox(settings, utcnow() + OUTBOX_RETENTION + timedelta(seconds=2)).deleted == 1
    assert list_outbox(settings) == []


def _meeting(session: Session, organiser_email: str, starts_at: datetime, title: str) -> int:
    """An online session that started at `starts_at` (created the day before), with one member and two guests, one
    of whom cancelled."""
    organiser = viewer_for(session, make_account(session, organiser_email, roles=(Role.DECISION_MAKER,)))
    member = viewer_for(session, make_account(session, "membre-" + organiser_email))
    before = starts_at - timedelta(days=1)
    data = MeetingInput(title=title, starts_at=starts_at, duration_minutes=60, mode="online", capacity=10)
    meeting = create_meeting(session, organiser, data, now=before)
    session.commit()  # each registration starts its own transaction, as each request does (SQLite: BEGIN IMMEDIATE)
    assert meeting.id is not None
    register(session, member, meeting.id, now=before)
    session.commit()
    for name, contact in (("Jeanne Martin", "05 56 00 00 00"), ("Paul Durand", "paul@example.fr")):
        guest = GuestInput(guest_name=name, guest_contact=contact, consent=True)
        register_guest(session, organiser, meeting.id, guest, now=before)
        session.commit()
    paul = session.exec(
        select(MeetingRegistration.id).where(
            col(MeetingRegistration.meeting_id) == meeting.id, col(MeetingRegistration.guest_name) == "Paul Durand"
        )
    ).one()
    assert paul is not None
    cancel_registration(session, organiser, meeting.id, paul)
    return meeting.id


def _registrations(database: Database) -> dict[int, list[Row]]:
    with database.session() as session:
        rows = session.exec(select(MeetingRegistration).order_by(col(MeetingRegistration.id))).all()
        found: dict[int, list[Row]] = {}
        for r in rows:
            line = (
                r.account_id,
                r.guest_name,
                r.guest_contact,
                r.guest_consent_at is not None,
                r.seat_number,
                r.status,
            )
            found.setdefault(r.meeting_id, []).append(line)
        return found


def _guest_meetings(database: Database) -> tuple[int, int, int]:
    """Three sessions: before the guests' limit by one second, exactly at it, and a month after it."""
    with database.session() as session:
        old = _meeting(session, "ancienne@example.fr", GUEST_LIMIT - timedelta(seconds=1), "Rencontre ancienne")
        at_limit = _meeting(session, "limite@example.fr", GUEST_LIMIT, "Rencontre à la limite")
        recent = _meeting(session, "recente@example.fr", GUEST_LIMIT + timedelta(days=30), "Rencontre récente")
        session.commit()
    return old, at_limit, recent


def test_guests_contacts_are_erased_after_the_limit_and_nothing_else(database: Database, settings: Settings) -> None:
    old, at_limit, recent = _guest_meetings(database)
    before = _registrations(database)
    assert [(name, contact) for _, name, contact, *_ in before[old]] == [
        ("", ""),
        ("Jeanne Martin", "05 56 00 00 00"),
        ("Paul Durand", "paul@example.fr"),
    ]

    with database.session() as session:
        assert erase_past_guest_contacts(session, NOW, dry_run=True) == 2
    report = purge_expired(database, settings, NOW, dry_run=True)
    assert (report.guest_contacts, report.outbox_files, report.dry_run) == (2, 0, True)
    assert _registrations(database) == before

    report = purge_expired(database, settings, NOW)
    assert (report.guest_contacts, report.outbox_files, report.dry_run) == (2, 0, False)
    after = _registrations(database)
    member, jeanne, _ = before[old]
    assert after[old] == [
        member,  # a member's registration is untouched
        (None, ERASED_GUEST_NAME, "", True, jeanne[4], "active"),  # the seat and the consent time stay
        (None, ERASED_GUEST_NAME, "", True, None, "cancelled"),
    ]
    assert after[at_limit] == before[at_limit] and after[recent] == before[recent]
    with database.session() as session:
        assert seats_taken(session, old) == 2  # the meeting's history still counts the guest
    assert purge_expired(database, settings, NOW).guest_contacts == 0  # idempotent
    assert _registrations(database) == after


def test_the_staff_see_an_erased_guest_as_a_seat_without_a_name(
    client: TestClient[Litestar], database: Database
) -> None:
    old, _, _ = _guest_meetings(database)
    with database.transaction() as session:
        erase_past_guest_contacts(session, NOW)
    sign_in(client, "ancienne@example.fr")
    page = client.get(f"/rencontres/{old}").text
    assert f"{ERASED_GUEST_NAME} (sans compte)" in page
    assert "Jeanne Martin" not in page and "05 56 00 00 00" not in page and "Paul Durand" not in page
    assert "2 personnes inscrites" in page


def test_the_privacy_notice_and_the_consent_box_give_the_durations_of_the_code(
    client: TestClient[Litestar], database: Database
) -> None:
    html = client.get("/donnees-personnelles").text
    assert f"{OUTBOX_RETENTION.days} jours, puis il est effacé" in html
    months = GUEST_CONTACT_RETENTION.days // 30
    assert f"<td>{months} mois après la rencontre, puis votre nom et votre contact sont effacés" in html
    with database.session() as session:
        organiser = viewer_for(session, make_account(session, "organise@example.fr", roles=(Role.DECISION_MAKER,)))
        data = MeetingInput(
            title="Rencontre à venir",
            starts_at=utcnow() + timedelta(days=7),
            duration_minutes=60,
            mode="online",
            capacity=5,
        )
        meeting = create_meeting(session, organiser, data)
        session.commit()
    sign_in(client, "organise@example.fr")
    assert f"Ils sont effacés {months} mois après la rencontre." in client.get(f"/rencontres/{meeting.id}").text


def test_the_command_purges_once_a_day_and_its_dry_run_changes_nothing(
    empty_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade(empty_engine)
    database = Database(empty_engine)
    now = utcnow()
    with database.session() as session:
        _meeting(session, "ancienne@example.fr", now - GUEST_CONTACT_RETENTION - timedelta(days=1), "Ancienne")
        _meeting(session, "recente@example.fr", now - GUEST_CONTACT_RETENTION + timedelta(days=1), "Récente")
        session.commit()
    settings = Settings(var_dir=tmp_path / "var")
    _outbox_file(settings, now - OUTBOX_RETENTION - timedelta(days=1), "aaaaaaaa")
    _outbox_file(settings, now - OUTBOX_RETENTION + timedelta(days=1), "bbbbbbbb")
    monkeypatch.setenv("HUB_DATABASE_URL", empty_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))
    before = _registrations(database)

    assert main(["privacy", "purge", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Outbox e-mails older than {OUTBOX_RETENTION.days} days: 1 to delete.",
        f"Names and contacts of guests of meetings more than {GUEST_CONTACT_RETENTION.days} days ago: 2 to erase.",
        "Dry run: nothing was changed.",
    ]
    assert _registrations(database) == before and len(_outbox_names(settings)) == 2

    assert main(["privacy", "purge"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Outbox e-mails older than {OUTBOX_RETENTION.days} days: 1 deleted.",
        f"Names and contacts of guests of meetings more than {GUEST_CONTACT_RETENTION.days} days ago: 2 erased.",
    ]
    assert len(_outbox_names(settings)) == 1
    erased = [name for rows in _registrations(database).values() for _, name, *_ in rows if name == ERASED_GUEST_NAME]
    assert len(erased) == 2

    assert main(["privacy", "purge"]) == 0  # the next day: nothing more
    assert capsys.readouterr().out.splitlines() == [
        f"Outbox e-mails older than {OUTBOX_RETENTION.days} days: 0 deleted.",
        f"Names and contacts of guests of meetings more than {GUEST_CONTACT_RETENTION.days} days ago: 0 erased.",
    ]
