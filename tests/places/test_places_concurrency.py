"""Many people registering for the last seats at the same moment: exactly `capacity` get one, on both databases.

Committed data (concurrent transactions need real connections), removed at the end.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import Engine, delete
from sqlmodel import col, select

from hub.accounts.models import Account, Role
from hub.accounts.viewer import Viewer
from hub.db import Database, utcnow
from hub.errors import Conflict
from hub.places.models import Meeting, MeetingRegistration, Place, PlaceStaff
from hub.places.services import cancel_registration, register, register_guest
from hub.places.shapes import GuestInput

PEOPLE = 8
CAPACITY = 3


def _viewer(account: Account, *roles: Role) -> Viewer:
    assert account.id is not None
    return Viewer(account_id=account.id, email=account.email, display_name="x", roles=frozenset(roles))


def test_concurrent_registrations_never_exceed_the_capacity(engine: Engine) -> None:
    database = Database(engine)
    with database.transaction() as session:
        accounts = [Account(email=f"course-{i}@example.fr", password_hash="-") for i in range(PEOPLE + 1)]
        session.add_all(accounts)
        session.flush()
        staff = accounts[-1]
        assert staff.id is not None
        place = Place(
            name="Mairie de Test",
            kind="town_hall",
            address="1 rue",
            postcode="33000",
            commune="Bordeaux",
            departement_id="dep-33",
            region_id="reg-75",
            created_by_id=staff.id,
        )
        session.add(place)
        session.flush()
        assert place.id is not None
        session.add(PlaceStaff(place_id=place.id, account_id=staff.id, added_by_id=staff.id))
        meeting = Meeting(
            title="Course aux places",
            starts_at=utcnow() + timedelta(days=3),
            duration_minutes=60,
            mode="in_place",
            place_id=place.id,
            capacity=CAPACITY,
            organiser_id=staff.id,
        )
        session.add(meeting)
        session.flush()
        ids = {"place": place.id, "meeting": meeting.id, "accounts": [a.id for a in accounts]}
    meeting_id = ids["meeting"]
    assert isinstance(meeting_id, int)
    viewers = [_viewer(a) for a in accounts]
    start = threading.Barrier(PEOPLE)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(index: int) -> None:
        start.wait(10)
        with database.session() as session:
            try:
                if index % 2:
                    register(session, viewers[index], meeting_id)
                else:  # the place's staff registering visitors count against the same seats
                    guest = GuestInput(guest_name=f"Visiteur {index}", guest_contact="05 00 00 00 00", consent=True)
                    register_guest(session, viewers[-1], meeting_id, guest)
                session.commit()
                outcome = "seat"
            except Conflict as exc:
                session.rollback()
                outcome = "full" if "complète" in exc.message else exc.message
        with lock:
            outcomes.append(outcome)

    try:
        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(PEOPLE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert Counter(outcomes) == Counter({"seat": CAPACITY, "full": PEOPLE - CAPACITY}), outcomes
        with database.session() as session:
            rows = session.exec(
                select(MeetingRegistration).where(col(MeetingRegistration.meeting_id) == meeting_id)
            ).all()
            assert sorted(r.seat_number or 0 for r in rows) == list(range(1, CAPACITY + 1))
            # Cancelling frees a seat, which the next person gets.
            freed = rows[0].seat_number
            cancel_registration(session, viewers[-1], meeting_id, rows[0].id or 0)
            session.commit()
        with database.session() as session:
            late = register(session, viewers[0], meeting_id)
            session.commit()
            assert late.seat_number == freed
    finally:
        with database.transaction() as session:
            session.exec(delete(MeetingRegistration).where(col(MeetingRegistration.meeting_id) == meeting_id))
            session.exec(delete(Meeting).where(col(Meeting.id) == meeting_id))
            session.exec(delete(PlaceStaff).where(col(PlaceStaff.place_id) == ids["place"]))
            session.exec(delete(Place).where(col(Place.id) == ids["place"]))
            session.exec(delete(Account).where(col(Account.id).in_(ids["accounts"])))  # type: ignore[arg-type]
