"""Creating and editing projects through the web interface; merged projects redirect."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.services import viewer_for
from hub.db import Database
from hub.directory.models import Actor
from hub.projects.models import Project, ProjectPartner
from tests.factories import csrf_from, make_account, make_actor, sign_in


def _setup(client: TestClient[Litestar], database: Database) -> int:
    with database.session() as session:
        account = make_account(session, "porteur@example.fr")
        actor = make_actor(session, viewer_for(session, account), name="Start-up Cardio Connect", kind="company")
        session.commit()
        assert actor.id is not None
        actor_id = actor.id
    sign_in(client, "porteur@example.fr")
    return actor_id


def test_project_created_with_carrier_and_partner_appears_in_the_catalogue(
    client: TestClient[Litestar], database: Database
) -> None:
    carrier_id = _setup(client, database)
    with database.session() as session:
        partner = session.exec(select(Actor).where(col(Actor.source) == "finess-chu")).first()
        assert partner is not None
    form = client.get("/projets/nouveau")
    assert "Start-up Cardio Connect" in form.text  # the carrier select lists actors the person represents
    response = client.post(
        "/projets/nouveau",
        data={
            "title": "Suivi connecté des patients insuffisants cardiaques",
            "summary": "Un tensiomètre connecté et une infirmière de coordination.",
            "carrier_id": str(carrier_id),
            "partner_lines": partner.slug,
            "sectors": ["cardio", "objets_connectes"],
            "phase": "experimentation",
            "needs": ["patients", "funding"],
            "has_patient_involvement": "on",
            "departement": "33",
            "_csrf_token": csrf_from(form.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:2000]
    page = client.get(response.headers["location"]).text
    assert "Suivi connecté des patients insuffisants cardiaques" in page
    assert partner.name in page and "Patients ou usagers" in page
    listing = client.get("/projets?q=insuffisants+cardiaques").text
    assert "Suivi connecté des patients insuffisants cardiaques" in listing
    with database.session() as session:
        project = session.exec(
            select(Project).where(col(Project.title) == "Suivi connecté des patients insuffisants cardiaques")
        ).one()
        assert project.region_id == "reg-75" and project.carrier_id == carrier_id and project.has_patient_involvement
        assert [
            p.actor_id
            for p in session.exec(select(ProjectPartner).where(col(ProjectPartner.project_id) == project.id)).all()
        ] == [partner.id]


def test_unknown_partner_and_foreign_carrier_are_field_errors(client: TestClient[Litestar], database: Database) -> None:
    _setup(client, database)
    with database.session() as session:
        foreign = session.exec(select(Actor).where(col(Actor.source) == "finess-chu")).first()
        assert foreign is not None
    form = client.get("/projets/nouveau").text
    response = client.post(
        "/projets/nouveau",
        data={
            "title": "Projet test",
            "partner_lines": "Acteur qui n’existe pas",
            "phase": "idea",
            "_csrf_token": csrf_from(form),
        },
    )
    assert response.status_code == 422
    assert 'id="partner_lines-erreur"' in response.text and "Ligne 1" in response.text
    response = client.post(
        "/projets/nouveau",
        data={"title": "Projet test", "carrier_id": str(foreign.id), "phase": "idea", "_csrf_token": csrf_from(form)},
    )
    assert response.status_code == 422 and 'id="carrier_id-erreur"' in response.text


def test_a_merged_project_redirects_to_its_successor(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        old, new = session.exec(select(Project).order_by(col(Project.id)).limit(2)).all()
        old.successor_id, old.status = new.id, "merged"
        session.add(old)
        session.commit()
        old_slug, new_slug = old.slug, new.slug
    response = client.get(f"/projets/{old_slug}", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"/projets/{new_slug}"
