"""The list pages of issue 8 parts 3, 4 and 6 stay within a fixed number of SQL queries, however many rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, event

from hub.accounts.models import Role
from hub.accounts.services import viewer_for
from hub.advisers.models import Authority, Outcome
from hub.advisers.services import record_dossier
from hub.advisers.shapes import DossierInput
from hub.db import Database, utcnow
from hub.places.services import create_meeting, create_place, register
from hub.places.shapes import MeetingInput, PlaceInput
from hub.research.services import create_result
from hub.research.shapes import ResultInput
from tests.factories import make_account, make_actor

BUDGET = 14


@pytest.fixture
def queries(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def many(database: Database) -> None:
    """Ten results, ten advisers' dossiers on several advisers, ten places with a meeting each and registrations."""
    with database.session() as session:
        admin = viewer_for(session, make_account(session, "budget@example.fr", roles=(Role.ADMIN,)))
        unit = make_actor(session, admin, name="Unité Budget", kind="research_unit", departement="33")
        assert unit.id is not None
        for i in range(10):
            create_result(
                session, admin, ResultInput(title=f"Résultat {i}", research_unit_id=unit.id, ip_holder_id=unit.id)
            )
            adviser = make_actor(session, admin, name=f"Incubateur Budget {i}", kind="incubator", departement="33")
            record_dossier(
                session,
                admin,
                adviser,
                DossierInput(
                    authority=Authority.HAS,
                    outcome=Outcome.ACCEPTED,
                    filed_on=date(2026, 1, 1),
                    decided_on=date(2026, 2, 1),
                ),
            )
            place = create_place(
                session,
                admin,
                PlaceInput(
                    name=f"Mairie {i}",
                    kind="town_hall",
                    address="1 rue",
                    postcode="33000",
                    commune="Bx",
                    departement="33",
                ),
            )
            meeting = create_meeting(
                session,
                admin,
                MeetingInput(
                    title=f"Rencontre {i}",
                    starts_at=utcnow() + timedelta(days=i + 1),
                    duration_minutes=60,
                    mode="in_place",
                    place_id=place.id,
                    capacity=5,
                ),
            )
            assert meeting.id is not None
            register(session, admin, meeting.id)
        session.commit()


@pytest.mark.parametrize(
    "path",
    [
        "/valorisation",
        "/api/v1/research-results",
        "/conseillers",
        "/api/v1/advisers",
        "/lieux",
        "/rencontres",
        "/api/v1/meetings",
    ],
)
@pytest.mark.usefixtures("many")
def test_list_page_stays_within_its_query_budget(client: TestClient[Litestar], queries: list[str], path: str) -> None:
    client.get(path)
    queries.clear()
    response = client.get(path)
    assert response.status_code == 200
    assert len(queries) <= BUDGET, f"{path}: {len(queries)} queries"
