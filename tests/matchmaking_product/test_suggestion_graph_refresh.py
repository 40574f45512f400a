"""The partner graph is built from the database once, then refreshed in the background after changes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.db import Database, make_engine
from hub.matchmaking.graph import PartnerGraph
from hub.matchmaking.services import PANEL_SIZE, SuggestionGraphs, _gap_work, data_version
from hub.migrate import upgrade
from tests.factories import make_actor, make_project, make_viewer


@pytest.fixture
def file_database(tmp_path: Path) -> Iterator[Database]:
    """Its own file database: the background threads need their own connections, which a test transaction
    cannot give."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    upgrade(engine)
    yield Database(engine)
    engine.dispose()


def test_requests_keep_the_last_graph_while_a_change_is_rebuilt_in_the_background(file_database: Database) -> None:
    database = file_database
    with database.transaction() as session:
        viewer = make_viewer(session)
        first = make_project(session, viewer, title="Télésurveillance des patients diabétiques")
    graphs = SuggestionGraphs(database, background=True, check_every_seconds=0.0)
    with database.session() as session:
        before = graphs.graph(session)  # the first request builds synchronously
        version = data_version(session)
        assert before.projects == (first.id,)
    with database.transaction() as session:
        second = make_project(session, viewer, title="Robot de rééducation de la main après un AVC")
    seen = set()
    deadline = time.monotonic() + 10
    with database.session() as session:
        assert data_version(session) != version
        assert graphs.graph(session) is before, "the request that notices a change does not wait for the rebuild"
        while time.monotonic() < deadline:
            started = time.perf_counter()
            graph = graphs.graph(session)  # each request gets a complete graph, old or new, without waiting
            assert time.perf_counter() - started < 0.5
            seen.add(graph.projects)
            if graph.projects == (first.id, second.id):
                break
            time.sleep(0.01)
        time.sleep(0.2)
        assert graphs.graph(session) is graph, "an unchanged database keeps the same graph"
    assert seen <= {(first.id,), (first.id, second.id)}
    assert (first.id, second.id) in seen, "the change reached the graph in the background"


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_answers_are_prepared_in_idle_time_and_start_over_for_a_newer_graph(file_database: Database) -> None:
    database = file_database
    with database.transaction() as session:
        viewer = make_viewer(session)
        lab = make_actor(session, viewer, departement="", sectors=[])
        first = make_project(session, viewer, title="Télésurveillance des patients diabétiques")
    busy = threading.Event()
    busy.set()  # a request is being worked out: nothing is prepared meanwhile
    graphs = SuggestionGraphs(database, check_every_seconds=0.0, warm=True, is_busy=busy.is_set)
    try:
        with database.session() as session:
            graph = graphs.graph(session)
        assert first.id is not None and lab.id is not None
        expected = [("project", first.id, PANEL_SIZE), *(key for key, _ in _gap_work(graph, first.id, 0))]
        expected.append(("actor", lab.id, PANEL_SIZE))
        time.sleep(0.3)
        assert graphs.prepared == 0, "it waits while a request is being worked out"
        busy.clear()
        assert _wait_for(lambda: graphs.prepared == len(expected))

        def not_prepared() -> Any:
            raise AssertionError("a page computed an answer that should have been prepared")

        for key in expected:  # what the pages ask is there already, equal to a fresh computation
            prepared = graphs.answer(graph, key, not_prepared)
            assert prepared == dict(_warm_work_of(graph))[key]()
        assert [s.actor_id for s in graphs.answer(graph, expected[0], not_prepared)] == [lab.id]

        with database.transaction() as session:
            second = make_project(session, viewer, title="Robot de rééducation de la main après un AVC")
        with database.session() as session:
            assert _wait_for(lambda: graphs.graph(session) is not graph)
            newer = graphs.graph(session)
        assert second.id is not None
        assert _wait_for(lambda: graphs.prepared == len(expected) + 3), "the newer graph's answers, its project's too"
        assert graphs.answer(newer, ("project", second.id, PANEL_SIZE), not_prepared) is not None
    finally:
        graphs.close()


def _warm_work_of(graph: PartnerGraph) -> list[tuple[Any, Callable[[], Any]]]:
    return list(SuggestionGraphs._warm_work(graph))
