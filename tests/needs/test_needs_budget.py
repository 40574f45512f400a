"""The needs list and the contest pages stay within a fixed number of SQL queries, whatever their size (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, event
from sqlmodel import col, select

from hub.accounts.models import Account
from hub.accounts.services import viewer_for
from hub.contests.services import get_event, submit, today
from hub.db import Database
from hub.needs.services import create_need, support
from hub.needs.shapes import NeedInput
from tests.contests.scenario import contest, lead_project
from tests.factories import make_account
from tests.needs.scenario import NEED

BUDGET = 15


@pytest.fixture
def queries(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def _many_needs(database: Database, count: int) -> None:
    with database.session() as session:
        author = viewer_for(session, make_account(session, "ines@example.fr"))
        fan = viewer_for(session, make_account(session, "paul@example.fr"))
        for number in range(count):
            need = create_need(session, author, NeedInput.model_validate(NEED | {"title": f"Besoin numéro {number}"}))
            support(session, fan, need)
        session.commit()


@pytest.mark.parametrize("path", ["/besoins?per_page=100", "/api/v1/needs?per_page=100"])
def test_needs_list_stays_within_its_budget(
    client: TestClient[Litestar], database: Database, queries: list[str], path: str
) -> None:
    _many_needs(database, 30)
    client.get(path)
    queries.clear()
    response = client.get(path)
    assert response.status_code == 200 and "Besoin numéro 29" in response.text
    assert len(queries) <= BUDGET, f"{path}: {len(queries)} queries"


def test_contest_results_stay_within_their_budget(
    client: TestClient[Litestar], database: Database, queries: list[str]
) -> None:
    event_id = contest(database)
    for number in range(8):
        email = f"porteur{number}@example.fr"
        project_id, _ = lead_project(database, email, f"Projet candidat {number}")
        with database.session() as session:
            account = session.exec(select(Account).where(col(Account.email) == email)).one()
            submit(session, viewer_for(session, account), get_event(session, event_id), project_id, today())
            session.commit()
    path = f"/api/v1/events/{event_id}"
    client.get(path)
    queries.clear()
    response = client.get(path)
    assert response.status_code == 200 and len(response.json()["submissions"]) == 8
    assert len(queries) <= BUDGET, f"{path}: {len(queries)} queries"
