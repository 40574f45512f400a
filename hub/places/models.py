"""Physical places where people far from digital tools can take part (France Services, pharmacies, mairies,
établissements de santé, structures d'accompagnement), their staff, and exchange sessions with decision-makers
online or in a place, with a limited number of seats (digest R7.4-R7.6, journey J16)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db import UTCDateTime, utcnow


class PlaceKind(StrEnum):
    """The venues the report names (R7.6)."""

    FRANCE_SERVICES = "france_services"
    PHARMACY = "pharmacy"
    TOWN_HALL = "town_hall"
    HEALTH_ESTABLISHMENT = "health_establishment"
    SUPPORT_STRUCTURE = "support_structure"


PLACE_KIND_LABELS = {
    PlaceKind.FRANCE_SERVICES: "Maison France Services",
    PlaceKind.PHARMACY: "Pharmacie",
    PlaceKind.TOWN_HALL: "Mairie",
    PlaceKind.HEALTH_ESTABLISHMENT: "Établissement de santé",
    PlaceKind.SUPPORT_STRUCTURE: "Structure d’accompagnement",
}


class Place(SQLModel, table=True):
    """A physical place with its address and territory; its staff may register people who have no account."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: PlaceKind = Field(sa_type=String(24), index=True)
    address: str = Field(max_length=200)
    postcode: str = Field(max_length=5)
    commune: str = Field(max_length=100)
    departement_id: str = Field(foreign_key="territory.id", index=True, max_length=12)
    region_id: str = Field(foreign_key="territory.id", index=True, max_length=12)
    description: str = Field(default="", max_length=2000)
    created_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlaceStaff(SQLModel, table=True):
    """A member attached to a place: they organise its sessions and register visitors on their behalf."""

    __tablename__ = "place_staff"

    place_id: int = Field(foreign_key="place.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True, index=True)
    added_by_id: int = Field(foreign_key="account.id")
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetingMode(StrEnum):
    """Where an exchange session happens."""

    ONLINE = "online"
    IN_PLACE = "in_place"


MEETING_MODE_LABELS = {MeetingMode.ONLINE: "En ligne", MeetingMode.IN_PLACE: "Sur place"}


class Meeting(SQLModel, table=True):
    """An exchange session with decision-makers: a date, a duration, a number of seats, online or in a place."""

    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("duration_minutes >= 1", name="duration_positive"),
        CheckConstraint(
            "(mode = 'online' AND place_id IS NULL) OR (mode = 'in_place' AND place_id IS NOT NULL)",
            name="mode_matches_place",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=Text)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    duration_minutes: int
    mode: MeetingMode = Field(sa_type=String(12))
    place_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    online_url: str = Field(default="", max_length=300)
    capacity: int
    organiser_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RegistrationStatus(StrEnum):
    """A registration holds a seat until it is cancelled."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


class MeetingRegistration(SQLModel, table=True):
    """A seat taken by a member, or by a person without an account registered by staff with their consent.

    Seats are numbered 1..capacity and unique per meeting: two registrations can never hold the same seat, so the
    database itself refuses overbooking; a cancelled registration gives its seat back (seat_number NULL).
    """

    __tablename__ = "meeting_registration"
    __table_args__ = (
        UniqueConstraint("meeting_id", "seat_number", name="uq_meeting_registration_seat"),
        CheckConstraint("seat_number IS NULL OR seat_number >= 1", name="seat_positive"),
        CheckConstraint(
            "(status = 'active' AND seat_number IS NOT NULL) OR (status = 'cancelled' AND seat_number IS NULL)",
            name="seat_matches_status",
        ),
        CheckConstraint(
            "account_id IS NOT NULL OR (guest_name <> '' AND guest_consent_at IS NOT NULL)", name="person_or_guest"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    seat_number: int | None = None
    status: RegistrationStatus = Field(default=RegistrationStatus.ACTIVE, sa_type=String(12))
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    guest_name: str = Field(default="", max_length=120)
    guest_contact: str = Field(default="", max_length=200)
    guest_consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    registered_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_by_id: int | None = Field(default=None, foreign_key="account.id")
