"""The routing hooks: new projects, duplicate reviews and introductions to actors without an account land in
the right queue, and are closed when their subject is dealt with."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session, col, select

from hub.db import Database
from hub.dedup import Match
from hub.dedup.decisions import mark_distinct
from hub.dedup.models import DuplicatePair
from hub.dedup.services import record_matches
from hub.directory.models import Actor, ActorMembership, ActorSector, VerificationStatus
from hub.referents.models import QueueItem, QueueLevel, QueueStatus
from hub.referents.routing import place_of
from tests.exchanges.scenario import lead_project, switch_to, viewer_of
from tests.factories import csrf_from, make_project, make_viewer, sign_in
from tests.referents.scenario import admin, assign

MESSAGE = "Nous cherchons une structure pour co-construire le protocole d’expérimentation."


def _items(session: Session, subject_type: str, subject_id: int) -> list[QueueItem]:
    return list(
        session.exec(
            select(QueueItem).where(
                col(QueueItem.subject_type) == subject_type, col(QueueItem.subject_id) == subject_id
            )
        ).all()
    )


def test_a_new_project_goes_to_the_referent_of_its_place_and_sector(database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        referent = assign(session, boss, "referente@example.fr", "reg-75", ["telemedecine"])
        author = make_viewer(session, "auteur@example.fr")
        project = make_project(session, author, sectors=["telemedecine"], departement="40")
        [item] = _items(session, "project", project.id or 0)
        assert (item.kind, item.assignee_id, item.level) == ("new_project", referent.account_id, QueueLevel.TITULAIRE)
        assert item.url == f"/projets/{project.slug}" and item.territory_id == "dep-40"
        nowhere = make_project(session, author, title="Un projet sans lieu pour l’instant", sectors=["telemedecine"])
        [national] = _items(session, "project", nowhere.id or 0)
        assert (national.assignee_id, national.level) == (None, QueueLevel.NATIONAL)


def test_a_duplicate_review_is_routed_when_opened_and_closed_when_decided(database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        referent = assign(session, boss, "referente@example.fr", "reg-75", ["oncologie"])
        author = make_viewer(session, "auteur@example.fr")
        a = make_project(
            session, author, title="Chimiothérapie orale suivie à domicile", sectors=["oncologie"], departement="33"
        )
        b = make_project(
            session,
            author,
            title="Suivi à domicile de la chimiothérapie orale",
            sectors=["oncologie"],
            departement="40",
        )
        record_matches(session, [Match(str(a.id), str(b.id), 0.97, ("même titre",))])
        pair = session.exec(
            select(DuplicatePair).where(col(DuplicatePair.project_a_id) == min(a.id or 0, b.id or 0))
        ).one()
        [item] = _items(session, "duplicate_review", pair.review_id)
        assert (item.kind, item.assignee_id, item.territory_id) == ("duplicate_review", referent.account_id, "reg-75")
        assert item.url == f"/administration/doublons/{pair.review_id}"
        mark_distinct(session, pair.id or 0, boss)
        session.refresh(item)
        assert item.status == QueueStatus.CLOSED and item.outcome == "Doublons examinés"


def _unmanaged_actor_with_place(session: Session) -> Actor:
    represented = select(ActorMembership.actor_id)
    with_sector = select(ActorSector.actor_id)
    actor = session.exec(
        select(Actor)
        .where(col(Actor.id).not_in(represented), col(Actor.id).in_(with_sector))
        .where(col(Actor.verification_status) != VerificationStatus.WITHDRAWN, col(Actor.departement_id).is_not(None))
        .order_by(col(Actor.id))
    ).first()
    assert actor is not None
    return actor


def test_an_introduction_to_an_actor_without_account_goes_to_its_referent(
    client: TestClient[Litestar], database: Database
) -> None:
    project_id, _, _ = lead_project(database)
    with database.session() as session:
        actor = _unmanaged_actor_with_place(session)
        sectors, where = place_of(session, actor)
        assert where is not None
        boss = admin(session)
        referent = assign(session, boss, "referente@example.fr", where, sectors[:1])
        session.commit()
        actor_id, referent_id = actor.id, referent.account_id
    sign_in(client, "porteuse@example.fr")
    form = client.get(f"/mises-en-relation/nouvelle?cible=actor:{actor_id}")
    sent = client.post(
        "/mises-en-relation/nouvelle",
        data={
            "target_kind": "actor",
            "target_id": str(actor_id),
            "on_behalf": f"project:{project_id}",
            "purpose": "experimentation",
            "message": MESSAGE,
            "_csrf_token": csrf_from(form.text),
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:1000]
    detail_url = sent.headers["location"].split("?")[0]
    request_id = int(detail_url.rsplit("/", 1)[1])
    with database.session() as session:
        [item] = _items(session, "introduction", request_id)
        assert (item.kind, item.assignee_id) == ("introduction", referent_id)
    # The referent finds it in her queue, may open it and answer for the structure.
    switch_to(client, "referente@example.fr")
    assert detail_url in client.get("/referent/file").text
    page = client.get(detail_url)
    assert page.status_code == 200
    answered = client.post(
        f"{detail_url}/reponse",
        data={"decision": "accept", "shared_contact": "accueil@structure.fr", "_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert answered.status_code == 303, answered.text[:1000]
    with database.session() as session:
        [item] = _items(session, "introduction", request_id)
        assert item.status == QueueStatus.CLOSED and item.outcome == "Mise en relation acceptée"
        assert item.closed_by_id == viewer_of(session, "referente@example.fr").account_id
    # Someone else's introduction stays out of reach.
    make_other = client.get("/mises-en-relation/999999")
    assert make_other.status_code == 404
