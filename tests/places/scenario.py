"""Shared set-up for places tests: a France Services with its staff member, and a session there."""

from __future__ import annotations

from datetime import timedelta

from hub.accounts.models import Role
from hub.accounts.services import viewer_for
from hub.db import Database, utcnow
from hub.places.services import create_meeting, create_place
from hub.places.shapes import MeetingInput, PlaceInput
from tests.factories import make_account

STAFF = "agent-fs@example.fr"
MEMBER = "habitante@example.fr"
OTHER = "voisin@example.fr"
DECIDER = "decideur@example.fr"
ADMIN = "admin-lieux@example.fr"


def place_and_meeting(database: Database, capacity: int = 2) -> tuple[int, int]:
    """A France Services in Gironde run by STAFF, and a session there in a week: (place id, meeting id)."""
    with database.session() as session:
        staff = viewer_for(session, make_account(session, STAFF))
        for email in (MEMBER, OTHER):
            make_account(session, email)
        make_account(session, DECIDER, roles=(Role.DECISION_MAKER,))
        make_account(session, ADMIN, roles=(Role.ADMIN,))
        place = create_place(
            session,
            staff,
            PlaceInput(
                name="France Services de Lesparre",
                kind="france_services",
                address="1 place du Marché",
                postcode="33340",
                commune="Lesparre-Médoc",
                departement="33",
            ),
        )
        meeting = create_meeting(
            session,
            staff,
            MeetingInput(
                title="Parlons de la télésanté avec l’ARS",
                starts_at=utcnow() + timedelta(days=7),
                duration_minutes=90,
                mode="in_place",
                place_id=place.id,
                capacity=capacity,
            ),
        )
        session.commit()
        assert place.id is not None and meeting.id is not None
        return place.id, meeting.id
