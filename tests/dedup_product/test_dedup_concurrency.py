"""Two reviewers deciding the same pair at the same moment: one decision wins, the other is refused (409)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from hub.accounts.models import Account, Role
from hub.accounts.viewer import Viewer
from hub.changelog.models import ChangeLogEntry
from hub.db import Database
from hub.dedup.decisions import link_twins, mark_distinct
from hub.dedup.models import DuplicatePair, DuplicateReview, ProjectTwin
from hub.errors import Conflict
from hub.projects.models import Project


def test_the_second_of_two_simultaneous_decisions_is_refused(engine: Engine) -> None:
    # Committed data (two real connections are needed), removed at the end.
    database = Database(engine)
    with database.transaction() as session:
        account = Account(email="relecteur-concurrent@example.fr", password_hash="-")
        session.add(account)
        a, b = session.exec(select(Project.id).order_by(col(Project.id)).limit(2)).all()
        review = DuplicateReview()
        session.add(review)
        session.flush()
        assert review.id is not None and account.id is not None and a is not None and b is not None
        pair = DuplicatePair(review_id=review.id, project_a_id=a, project_b_id=b, score=0.9, reasons=[])
        session.add(pair)
        session.flush()
        ids = (account.id, review.id, pair.id)
    account_id, review_id, pair_id = ids
    assert pair_id is not None
    viewer = Viewer(account_id=account_id, email="r@example.fr", display_name="R", roles=frozenset({Role.ADMIN}))
    first_decided = threading.Event()
    outcomes: dict[str, str] = {}

    def first() -> None:
        with database.session() as session:
            mark_distinct(session, pair_id, viewer)
            first_decided.set()
            time.sleep(0.5)  # the second reviewer arrives while this decision is not committed yet
            session.commit()
            outcomes["first"] = "ok"

    def second() -> None:
        first_decided.wait(5)
        with database.session() as session:
            try:
                link_twins(session, pair_id, viewer)
                session.commit()
                outcomes["second"] = "ok"
            except Conflict:
                session.rollback()
                outcomes["second"] = "refused"

    def run(target: Callable[[], None]) -> threading.Thread:
        thread = threading.Thread(target=target)
        thread.start()
        return thread

    try:
        for thread in [run(first), run(second)]:
            thread.join(15)
        assert outcomes == {"first": "ok", "second": "refused"}
        with Session(engine) as session:
            stored = session.get(DuplicatePair, pair_id)
            assert stored is not None and stored.status == "distinct"
            assert session.exec(select(ProjectTwin).where(col(ProjectTwin.project_a_id) == a)).all() == []
    finally:
        with database.transaction() as session:
            session.exec(delete(ChangeLogEntry).where(col(ChangeLogEntry.account_id) == account_id))
            session.exec(delete(ProjectTwin).where(col(ProjectTwin.created_by_id) == account_id))
            session.exec(delete(DuplicatePair).where(col(DuplicatePair.id) == pair_id))
            session.exec(delete(DuplicateReview).where(col(DuplicateReview.id) == review_id))
            session.exec(delete(Account).where(col(Account.id) == account_id))
