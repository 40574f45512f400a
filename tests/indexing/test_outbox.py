"""The search outbox: every committed change reaches the index, a rolled-back one never does, failures are retried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from hub.accounts.models import Role
from hub.app import open_search_engine
from hub.db import Database, utcnow
from hub.directory.models import VerificationStatus
from hub.directory.services import set_verification_status, update_actor
from hub.directory.shapes import ActorInput
from hub.indexing.models import SearchOutboxEntry
from hub.indexing.services import drain, outbox_status, rebuild_index
from hub.settings import Settings
from search.engine import SearchEngine, SearchQuery
from tests.factories import make_actor, make_viewer
from tests.search.fake_meili import FakeMeili


def _titles(engine: SearchEngine, text: str) -> list[str]:
    return [hit.title for hit in engine.search(SearchQuery(text=text, limit=10)).hits]


def _pending(database: Database) -> int:
    with database.session() as session:
        return int(
            session.exec(
                select(func.count()).select_from(SearchOutboxEntry).where(SearchOutboxEntry.processed_at.is_(None))
            ).one()
        )  # type: ignore[union-attr]


@pytest.fixture
def index(settings: Settings, database: Database) -> SearchEngine:
    engine = open_search_engine(settings)
    rebuild_index(database, engine)
    return engine


def test_rebuild_indexes_the_seeded_network(index: SearchEngine) -> None:
    assert (index.status().documents or 0) >= 2000
    assert _titles(index, "oncologie")


def test_a_committed_change_reaches_the_index(database: Database, index: SearchEngine) -> None:
    with database.session() as session:
        viewer = make_viewer(session)
        make_actor(session, viewer, name="Zorglub Santé Connectée", kind="company")
        session.commit()
    assert _pending(database) >= 1
    assert "Zorglub Santé Connectée" not in _titles(index, "Zorglub")
    report = drain(database, index)
    assert report.failed == 0
    assert report.upserted >= 1
    assert _titles(index, "Zorglub")[0] == "Zorglub Santé Connectée"
    assert _pending(database) == 0


def test_a_rolled_back_change_never_appears(database: Database, index: SearchEngine) -> None:
    before = _pending(database)
    with database.session() as session:
        viewer = make_viewer(session)
        make_actor(session, viewer, name="Fantôme Annulé", kind="company")
        session.rollback()
    assert _pending(database) == before
    drain(database, index)
    assert "Fantôme Annulé" not in _titles(index, "Fantôme Annulé")


def test_edits_and_withdrawals_follow_the_database(database: Database, index: SearchEngine) -> None:
    with database.session() as session:
        viewer = make_viewer(session, roles=(Role.ADMIN,))
        actor = make_actor(session, viewer, name="Quetzal Innovation", kind="living_lab")
        session.commit()
        drain(database, index)
        assert _titles(index, "Quetzal")[0] == "Quetzal Innovation"
        update_actor(
            session, actor, ActorInput(name="Xylophone Innovation", kind="living_lab", departement="40"), viewer
        )
        session.commit()
        drain(database, index)
        assert "Quetzal Innovation" not in _titles(index, "Quetzal")
        assert _titles(index, "Xylophone")[0] == "Xylophone Innovation"
        set_verification_status(session, actor, VerificationStatus.WITHDRAWN, viewer, "fermeture")
        session.commit()
    drain(database, index)
    assert "Xylophone Innovation" not in _titles(index, "Xylophone")


def test_a_change_committed_while_meilisearch_is_down_appears_once_it_is_back(
    tmp_path: object, database: Database
) -> None:
    server = FakeMeili()  # bound but not serving yet: requests time out, as with a server that is down
    settings = Settings(var_dir=tmp_path, search_engine="meilisearch", meilisearch_url=server.url)  # type: ignore[arg-type]
    engine = open_search_engine(settings)
    with database.session() as session:
        viewer = make_viewer(session)
        make_actor(session, viewer, name="Tardigrade Médical", kind="company")
        session.commit()
    failed = drain(database, engine)
    assert failed.failed >= 1
    status = outbox_status(database)
    assert status.failing >= 1
    assert status.last_error
    assert status.pending >= 1
    with server:
        retried = drain(database, engine, now=utcnow() + timedelta(minutes=10))  # past the retry delay
        assert retried.failed == 0
        assert retried.processed >= 1
        documents = server.indexes["hub"]["documents"]
        assert any(doc["title"] == "Tardigrade Médical" for doc in documents.values())
        assert _titles(engine, "Tardigrade")[0] == "Tardigrade Médical"
    assert outbox_status(database).failing == 0
