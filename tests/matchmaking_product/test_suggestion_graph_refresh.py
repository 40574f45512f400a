"""The partner graph is built from the database once, then refreshed in the background after changes."""

from __future__ import annotations

import time
from pathlib import Path

from hub.db import Database, make_engine
from hub.matchmaking.services import SuggestionGraphs, data_version
from hub.migrate import upgrade
from tests.factories import make_project, make_viewer


def test_requests_keep_the_last_graph_while_a_change_is_rebuilt_in_the_background(tmp_path: Path) -> None:
    # its own file database: the background thread needs its own connection, which a test transaction cannot give
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    upgrade(engine)
    database = Database(engine)
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
    engine.dispose()
