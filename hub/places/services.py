"""Places, their staff, exchange sessions and their registrations; the only code that writes them.

Seats: a registration takes the lowest free seat number of its meeting, in a transaction that first locks the
meeting (PostgreSQL: SELECT ... FOR UPDATE; SQLite: BEGIN IMMEDIATE, the database's single writer lock), so two
people never count the same free seat; the unique (meeting, seat) constraint is the database's own guarantee on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from hub.accounts.models import Account, Person, Role
from hub.accounts.viewer import Viewer
from hub.db import utcnow
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.places.models import (
    Meeting,
    MeetingMode,
    MeetingRegistration,
    Place,
    PlaceStaff,
    RegistrationStatus,
)
from hub.places.shapes import GuestInput, MeetingInput, PlaceInput, StaffInput
from hub.territories.models import Territory, TerritoryLevel, departement_id

# How long the name and contact of a person registered without an account are kept: 90 days (three months) after the
# meeting's date. They were given to warn the person of a change to the session, which ends with it; three months
# leave the staff time to follow up (a report of the session, a second one, a question or a complaint about it).
# The person has no account, so nothing else erases them: `hub privacy purge` replaces the name by ERASED_GUEST_NAME
# and empties the contact, and keeps the registration, so the meeting's seats and history still count it
# (docs/gdpr-register.md).
GUEST_CONTACT_RETENTION = timedelta(days=90)
ERASED_GUEST_NAME = "Nom effacé"
NOT_STAFF = "Seuls les membres de l’équipe de ce lieu, ou un administrateur, peuvent faire cela."
ONLINE_ORGANISERS = (Role.DECISION_MAKER, Role.REFERENT)


@dataclass(frozen=True)
class MeetingLine:
    """A meeting with its place and how many seats are taken."""

    meeting: Meeting
    place: Place | None
    taken: int

    @property
    def free(self) -> int:
        """Seats still free."""
        return max(0, self.meeting.capacity - self.taken)


@dataclass(frozen=True)
class RegistrationLine:
    """A registration as the staff see it: who (member or guest), their contact for guests, who registered them."""

    registration: MeetingRegistration
    name: str
    is_guest: bool


# -- places --------------------------------------------------------------------------------------------------------


def create_place(session: Session, viewer: Viewer, data: PlaceInput) -> Place:
    """Add a place; the person who adds it joins its staff."""
    departement = session.get(Territory, departement_id(data.departement))
    if departement is None or departement.level != TerritoryLevel.DEPARTEMENT or departement.parent_id is None:
        raise InvalidInput({"departement": "Choisissez un département de la liste."})
    place = Place(
        name=data.name,
        kind=data.kind,
        address=data.address,
        postcode=data.postcode,
        commune=data.commune,
        departement_id=departement.id,
        region_id=departement.parent_id,
        description=data.description,
        created_by_id=viewer.account_id,
    )
    session.add(place)
    session.flush()
    assert place.id is not None
    session.add(PlaceStaff(place_id=place.id, account_id=viewer.account_id, added_by_id=viewer.account_id))
    session.flush()
    return place


def list_places(session: Session, departement: str | None = None) -> Sequence[Place]:
    """Places, by département then name (of one département if given)."""
    statement = select(Place)
    if departement:
        statement = statement.where(col(Place.departement_id) == departement_id(departement))
    return session.exec(statement.order_by(col(Place.departement_id), func.lower(Place.name))).all()


def get_place(session: Session, place_id: int) -> Place:
    """The place, or NotFound."""
    place = session.get(Place, place_id)
    if place is None:
        raise NotFound("Ce lieu n’existe pas.")
    return place


def is_staff(session: Session, viewer: Viewer | None, place_id: int | None) -> bool:
    """Whether the viewer belongs to the place's staff (administrators count as staff everywhere)."""
    if viewer is None:
        return False
    if viewer.is_admin:
        return True
    if place_id is None:
        return False
    return session.get(PlaceStaff, (place_id, viewer.account_id)) is not None


def staffed_places(session: Session, viewer: Viewer | None) -> Sequence[Place]:
    """The places where the viewer may organise a session (every place for administrators)."""
    if viewer is None:
        return []
    statement = select(Place)
    if not viewer.is_admin:
        statement = statement.where(
            col(Place.id).in_(select(PlaceStaff.place_id).where(col(PlaceStaff.account_id) == viewer.account_id))
        )
    return session.exec(statement.order_by(func.lower(Place.name))).all()


def staff_of(session: Session, place_id: int) -> list[str]:
    """The display names of a place's staff."""
    return list(
        session.exec(
            select(Person.display_name)
            .join(PlaceStaff, col(PlaceStaff.account_id) == col(Person.account_id))
            .where(col(PlaceStaff.place_id) == place_id)
            .order_by(col(Person.display_name))
        ).all()
    )


def add_staff(session: Session, viewer: Viewer, place: Place, data: StaffInput) -> PlaceStaff:
    """A staff member (or an administrator) attaches another member to the place."""
    if not is_staff(session, viewer, place.id):
        raise PermissionDenied(NOT_STAFF)
    account = session.exec(select(Account).where(col(Account.email) == data.email.lower())).first()
    if account is None or account.id is None:
        raise InvalidInput({"email": "Aucun compte du hub n’a cette adresse : la personne doit d’abord en créer un."})
    assert place.id is not None
    if session.get(PlaceStaff, (place.id, account.id)) is not None:
        raise Conflict("Cette personne fait déjà partie de l’équipe du lieu.")
    staff = PlaceStaff(place_id=place.id, account_id=account.id, added_by_id=viewer.account_id)
    session.add(staff)
    session.flush()
    return staff


# -- meetings ------------------------------------------------------------------------------------------------------


def can_organise_online(viewer: Viewer | None) -> bool:
    """Decision-makers, referents and administrators organise online sessions."""
    return viewer is not None and any(viewer.has_role(role) for role in ONLINE_ORGANISERS)


def create_meeting(session: Session, viewer: Viewer, data: MeetingInput, now: datetime | None = None) -> Meeting:
    """Schedule a session: in a place by its staff, online by decision-makers and referents (admins: both)."""
    starts_at = data.starts_at.astimezone(UTC)
    if starts_at <= (now or utcnow()):
        raise InvalidInput({"starts_at": "Choisissez une date à venir."})
    if data.mode == MeetingMode.IN_PLACE:
        get_place(session, data.place_id or 0)
        if not is_staff(session, viewer, data.place_id):
            raise PermissionDenied("Seule l’équipe du lieu, ou un administrateur, peut y organiser une rencontre.")
    elif not can_organise_online(viewer):
        raise PermissionDenied("Les rencontres en ligne sont organisées par les décideurs publics et les référents.")
    meeting = Meeting(
        title=data.title,
        description=data.description,
        starts_at=starts_at,
        duration_minutes=data.duration_minutes,
        mode=data.mode,
        place_id=data.place_id,
        online_url=data.online_url,
        capacity=data.capacity,
        organiser_id=viewer.account_id,
    )
    session.add(meeting)
    session.flush()
    return meeting


def get_meeting(session: Session, meeting_id: int) -> Meeting:
    """The meeting, or NotFound."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("Cette rencontre n’existe pas.")
    return meeting


def seats_taken(session: Session, meeting_id: int) -> int:
    """How many seats active registrations hold."""
    return int(
        session.exec(
            select(func.count()).where(
                col(MeetingRegistration.meeting_id) == meeting_id,
                col(MeetingRegistration.status) == RegistrationStatus.ACTIVE,
            )
        ).one()
    )


def list_meetings(
    session: Session, *, upcoming_from: datetime | None = None, place_id: int | None = None
) -> list[MeetingLine]:
    """Meetings in date order (from a moment, or of one place), with their seats taken, in three queries."""
    statement = select(Meeting)
    if upcoming_from is not None:
        statement = statement.where(col(Meeting.starts_at) >= upcoming_from)
    if place_id is not None:
        statement = statement.where(col(Meeting.place_id) == place_id)
    meetings = session.exec(statement.order_by(col(Meeting.starts_at), col(Meeting.id))).all()
    ids = [m.id for m in meetings]
    taken = dict(
        session.exec(
            select(MeetingRegistration.meeting_id, func.count())
            .where(col(MeetingRegistration.meeting_id).in_(ids), col(MeetingRegistration.status) == "active")
            .group_by(col(MeetingRegistration.meeting_id))
        ).all()
    )
    place_ids = {m.place_id for m in meetings if m.place_id is not None}
    places = {p.id: p for p in session.exec(select(Place).where(col(Place.id).in_(place_ids))).all()}
    return [
        MeetingLine(m, places.get(m.place_id) if m.place_id else None, int(taken.get(m.id or 0, 0))) for m in meetings
    ]


def can_register_guests(session: Session, viewer: Viewer | None, meeting: Meeting) -> bool:
    """Staff of the meeting's place and administrators; for an online meeting, its organiser too."""
    if viewer is None:
        return False
    if meeting.mode == MeetingMode.ONLINE and meeting.organiser_id == viewer.account_id:
        return True
    return is_staff(session, viewer, meeting.place_id)


def _lock_meeting(session: Session, meeting_id: int) -> Meeting:
    """The meeting, locked until the end of the transaction and read afresh."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not isinstance(session.bind, Connection):
        # SQLite ignores FOR UPDATE; take its one writer lock now (nothing was written yet in this transaction),
        # so a concurrent registration waits for this one to commit instead of counting the same free seat.
        connection.exec_driver_sql("ROLLBACK")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    meeting = session.exec(
        select(Meeting).where(col(Meeting.id) == meeting_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if meeting is None:
        raise NotFound("Cette rencontre n’existe pas.")
    return meeting


def _take_seat(session: Session, meeting: Meeting, registration: MeetingRegistration, now: datetime) -> None:
    if meeting.starts_at <= now:
        raise Conflict("Cette rencontre a déjà commencé : les inscriptions sont closes.")
    held = set(
        session.exec(
            select(MeetingRegistration.seat_number).where(
                col(MeetingRegistration.meeting_id) == meeting.id,
                col(MeetingRegistration.status) == RegistrationStatus.ACTIVE,
            )
        ).all()
    )
    free = [seat for seat in range(1, meeting.capacity + 1) if seat not in held]
    if not free:
        raise Conflict(f"Cette rencontre est complète : les {meeting.capacity} places sont prises.")
    registration.seat_number = free[0]
    session.add(registration)
    try:
        session.flush()
    except IntegrityError as exc:  # the database's own guard; the lock above makes it unreachable in practice
        raise Conflict("Cette place vient d’être prise : réessayez.") from exc


def register(session: Session, viewer: Viewer, meeting_id: int, now: datetime | None = None) -> MeetingRegistration:
    """The signed-in person takes a seat (once)."""
    try:
        meeting = _lock_meeting(session, meeting_id)
    except OperationalError as exc:
        raise Conflict("Beaucoup d’inscriptions arrivent en même temps : réessayez dans un instant.") from exc
    mine = session.exec(
        select(MeetingRegistration.id).where(
            col(MeetingRegistration.meeting_id) == meeting_id,
            col(MeetingRegistration.account_id) == viewer.account_id,
            col(MeetingRegistration.status) == RegistrationStatus.ACTIVE,
        )
    ).first()
    if mine is not None:
        raise Conflict("Vous êtes déjà inscrit à cette rencontre.")
    registration = MeetingRegistration(
        meeting_id=meeting_id, account_id=viewer.account_id, registered_by_id=viewer.account_id
    )
    _take_seat(session, meeting, registration, now or utcnow())
    return registration


def register_guest(
    session: Session, viewer: Viewer, meeting_id: int, data: GuestInput, now: datetime | None = None
) -> MeetingRegistration:
    """The staff of a place register a person without an account (name, contact, consent recorded)."""
    if not can_register_guests(session, viewer, get_meeting(session, meeting_id)):
        raise PermissionDenied(NOT_STAFF)
    try:
        meeting = _lock_meeting(session, meeting_id)
    except OperationalError as exc:
        raise Conflict("Beaucoup d’inscriptions arrivent en même temps : réessayez dans un instant.") from exc
    at = now or utcnow()
    registration = MeetingRegistration(
        meeting_id=meeting_id,
        guest_name=data.guest_name,
        guest_contact=data.guest_contact,
        guest_consent_at=at,
        registered_by_id=viewer.account_id,
    )
    _take_seat(session, meeting, registration, at)
    return registration


def cancel_registration(session: Session, viewer: Viewer, meeting_id: int, registration_id: int) -> MeetingRegistration:
    """Cancel a registration and free its seat: the person themselves, or whoever may register guests there."""
    registration = session.get(MeetingRegistration, registration_id)
    if registration is None or registration.meeting_id != meeting_id:
        raise NotFound("Cette inscription n’existe pas.")
    meeting = get_meeting(session, meeting_id)
    if registration.account_id != viewer.account_id and not can_register_guests(session, viewer, meeting):
        raise PermissionDenied("Seuls la personne inscrite et l’équipe du lieu peuvent annuler cette inscription.")
    if registration.status == RegistrationStatus.CANCELLED:
        raise Conflict("Cette inscription est déjà annulée.")
    registration.status = RegistrationStatus.CANCELLED
    registration.seat_number = None
    registration.cancelled_at = utcnow()
    registration.cancelled_by_id = viewer.account_id
    session.add(registration)
    session.flush()
    return registration


def my_registration(session: Session, viewer: Viewer | None, meeting_id: int) -> MeetingRegistration | None:
    """The viewer's active registration to the meeting, if any."""
    if viewer is None:
        return None
    return session.exec(
        select(MeetingRegistration).where(
            col(MeetingRegistration.meeting_id) == meeting_id,
            col(MeetingRegistration.account_id) == viewer.account_id,
            col(MeetingRegistration.status) == RegistrationStatus.ACTIVE,
        )
    ).first()


def registrations_of(session: Session, meeting_id: int) -> list[RegistrationLine]:
    """Active registrations by seat, named (members by display name, guests by the name given), for the staff."""
    rows = session.exec(
        select(MeetingRegistration)
        .where(
            col(MeetingRegistration.meeting_id) == meeting_id,
            col(MeetingRegistration.status) == RegistrationStatus.ACTIVE,
        )
        .order_by(col(MeetingRegistration.seat_number))
    ).all()
    ids = {r.account_id for r in rows if r.account_id is not None}
    names = dict(
        session.exec(select(Person.account_id, Person.display_name).where(col(Person.account_id).in_(ids))).all()
    )
    return [
        RegistrationLine(
            r, r.guest_name if r.account_id is None else names.get(r.account_id, "—"), r.account_id is None
        )
        for r in rows
    ]


# -- retention -----------------------------------------------------------------------------------------------------


def _guests_past_retention(now: datetime) -> list[ColumnElement[bool]]:
    """Registrations without an account, of meetings that started before `now - GUEST_CONTACT_RETENTION`, whose
    name or contact is still there (cancelled ones too: they keep them)."""
    past = select(Meeting.id).where(col(Meeting.starts_at) < now - GUEST_CONTACT_RETENTION)
    return [
        col(MeetingRegistration.account_id).is_(None),
        col(MeetingRegistration.meeting_id).in_(past),
        or_(col(MeetingRegistration.guest_contact) != "", col(MeetingRegistration.guest_name) != ERASED_GUEST_NAME),
    ]


def erase_past_guest_contacts(session: Session, now: datetime, *, dry_run: bool = False) -> int:
    """Erase the names and contacts of people registered without an account once GUEST_CONTACT_RETENTION has passed
    since their meeting, in one statement (a dry run only counts them); members' registrations are left alone and
    the rows stay, seat and consent time included. Returns how many registrations were (or would be) erased."""
    conditions = _guests_past_retention(now)
    if dry_run:
        return int(session.exec(select(func.count()).select_from(MeetingRegistration).where(*conditions)).one())
    result = session.exec(
        update(MeetingRegistration)
        .where(*conditions)
        .values(guest_name=ERASED_GUEST_NAME, guest_contact="")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)
