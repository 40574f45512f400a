"""List and detail pages stay within a fixed number of SQL queries, whatever the page size (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, event


@pytest.fixture
def queries(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize(
    ("path", "budget"),
    [
        ("/annuaire?per_page=100", 12),
        ("/annuaire?per_page=10", 12),
        ("/projets?per_page=100", 12),
        ("/api/v1/actors?per_page=20", 12),
        ("/api/v1/projects?per_page=100", 12),
        ("/", 12),
    ],
)
def test_page_stays_within_its_query_budget(
    client: TestClient[Litestar], queries: list[str], path: str, budget: int
) -> None:
    client.get(path)  # warm-up: first-request work (templates, map cache) is not what is budgeted
    queries.clear()
    response = client.get(path)
    assert response.status_code == 200
    assert len(queries) <= budget, f"{path}: {len(queries)} queries"
