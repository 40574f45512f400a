"""Creating, editing and claiming actors through the real web interface."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Role
from hub.changelog.models import ChangeLogEntry
from hub.db import Database
from hub.directory.models import Actor, ActorMembership
from hub.projects.models import ProjectStatus
from hub.projects.services import projects_of_actor
from tests.factories import csrf_from, make_account, make_actor, make_project, make_viewer, sign_in

VALID_SIRET = "73282932000074"  # a real SIRET; its Luhn key is right


def _actor_form(client: TestClient[Litestar], **fields: str | list[str]) -> object:
    page = client.get("/annuaire/nouveau")
    assert page.status_code == 200
    data: dict[str, str | list[str]] = {
        "name": "Living lab Santé Landes",
        "kind": "living_lab",
        "departement": "40",
        "_csrf_token": csrf_from(page.text),
    }
    data.update(fields)
    return client.post("/annuaire/nouveau", data=data, follow_redirects=False)


def _signed_in(
    client: TestClient[Litestar], database: Database, email: str = "lea@example.fr", roles: tuple[Role, ...] = ()
) -> None:
    with database.session() as session:
        make_account(session, email, roles=roles)
        session.commit()
    sign_in(client, email)


def test_creating_an_actor_needs_an_account(client: TestClient[Litestar]) -> None:
    response = client.get("/annuaire/nouveau", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/connexion?suite=")


def test_an_actor_created_through_the_form_is_listed_and_logged(
    client: TestClient[Litestar], database: Database
) -> None:
    _signed_in(client, database)
    response = _actor_form(
        client,
        sectors=["telemedecine", "vieillissement"],
        phases=["experimentation"],
        siret=VALID_SIRET,
        siren=VALID_SIRET[:9],
    )
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = client.get(response.headers["location"])  # type: ignore[attr-defined]
    assert "Living lab Santé Landes" in page.text
    assert "Landes" in page.text and "Télémédecine" in page.text
    listing = client.get("/annuaire?q=sant%C3%A9+landes").text
    assert "Living lab Santé Landes" in listing
    with database.session() as session:
        actor = session.exec(select(Actor).where(col(Actor.name) == "Living lab Santé Landes")).one()
        assert actor.region_id == "reg-75" and actor.siret == VALID_SIRET
        log = session.exec(
            select(ChangeLogEntry).where(
                col(ChangeLogEntry.object_id) == actor.id, col(ChangeLogEntry.object_type) == "actor"
            )
        ).all()
        assert [entry.action for entry in log] == ["create"]
        assert log[0].changes["name"] == [None, "Living lab Santé Landes"]


def test_a_wrong_siret_check_digit_is_refused_next_to_the_field_and_nothing_is_written(
    client: TestClient[Litestar], database: Database
) -> None:
    _signed_in(client, database)
    with database.session() as session:
        before = len(session.exec(select(Actor.id)).all())
    response = _actor_form(client, siret=VALID_SIRET[:-1] + "5")
    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert 'id="siret-erreur"' in html
    assert "clé de contrôle" in html
    assert 'value="Living lab Santé Landes"' in html  # what the user typed is kept
    with database.session() as session:
        assert len(session.exec(select(Actor.id)).all()) == before


def test_oversized_fields_and_unknown_choices_are_field_errors(
    client: TestClient[Litestar], database: Database
) -> None:
    _signed_in(client, database)
    response = _actor_form(client, name="x" * 5000, kind="martien", departement="00", sectors=["inconnu"])
    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    for field in ("name", "kind"):
        assert f'id="{field}-erreur"' in html


def test_only_members_and_administrators_may_edit_an_actor(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        seeded = session.exec(select(Actor).where(col(Actor.source) == "finess-chu")).first()
        assert seeded is not None
        slug = seeded.slug
    _signed_in(client, database)
    assert client.get(f"/annuaire/{slug}/modifier").status_code == 403
    page = client.get(f"/annuaire/{slug}").text
    forged = client.post(
        f"/annuaire/{slug}/modifier", data={"name": "Piraté", "kind": "company", "_csrf_token": csrf_from(page)}
    )
    assert forged.status_code == 403
    with database.session() as session:
        assert session.exec(select(Actor.name).where(col(Actor.slug) == slug)).one() != "Piraté"


def test_claiming_a_seeded_actor_then_approval_by_an_administrator(
    client: TestClient[Litestar], database: Database
) -> None:
    with database.session() as session:
        seeded = session.exec(select(Actor).where(col(Actor.source) == "finess-chu")).first()
        assert seeded is not None and not seeded.is_claimed
        slug, actor_id = seeded.slug, seeded.id
    _signed_in(client, database, "directrice@example.fr")
    page = client.get(f"/annuaire/{slug}").text
    assert "Demander à représenter cet acteur" in page
    client.post(
        f"/annuaire/{slug}/representer", data={"message": "Directrice de l’innovation", "_csrf_token": csrf_from(page)}
    )
    again = client.post(f"/annuaire/{slug}/representer", data={"message": "bis", "_csrf_token": csrf_from(page)})
    assert again.status_code == 409
    assert client.get("/administration/demandes").status_code == 403

    _signed_in(client, database, "admin@example.fr", roles=(Role.ADMIN,))
    inbox = client.get("/administration/demandes").text
    assert "directrice@example.fr" in inbox
    with database.session() as session:
        membership = session.exec(select(ActorMembership).where(col(ActorMembership.actor_id) == actor_id)).one()
    decide = f"/administration/demandes/{membership.id}"
    refused = client.post(decide, data={"decision": "refuse", "reason": "", "_csrf_token": csrf_from(inbox)})
    assert refused.status_code == 422
    assert "motif du refus" in refused.text
    approved = client.post(
        decide, data={"decision": "approve", "_csrf_token": csrf_from(inbox)}, follow_redirects=False
    )
    assert approved.status_code == 303
    twice = client.post(decide, data={"decision": "refuse", "reason": "non", "_csrf_token": csrf_from(inbox)})
    assert twice.status_code == 409
    with database.session() as session:
        actor = session.get(Actor, actor_id)
        assert actor is not None and actor.is_claimed and actor.verification_status == "verified"
        actions = [
            e.action
            for e in session.exec(
                select(ChangeLogEntry)
                .where(col(ChangeLogEntry.object_id) == actor_id, col(ChangeLogEntry.object_type) == "actor")
                .order_by(col(ChangeLogEntry.id))  # PostgreSQL returns rows in no set order without it
            ).all()
        ]
        assert actions == ["claim_requested", "claim_approved"]
    sign_in(client, "directrice@example.fr")
    assert client.get(f"/annuaire/{slug}/modifier").status_code == 200  # the new representative may now edit


def test_an_actor_page_lists_the_active_projects_it_carries_or_joins(
    client: TestClient[Litestar], database: Database
) -> None:
    with database.session() as session:
        viewer = make_viewer(session, "porteuse@example.fr")
        actor = make_actor(session, viewer, name="Living lab des Landes")
        other = make_actor(session, viewer, name="Incubateur de Gascogne", kind="incubator")
        assert actor.id is not None and other.id is not None
        make_project(session, viewer, title="Cabine de téléconsultation en mairie", carrier_id=actor.id)
        make_project(
            session,
            viewer,
            title="Pilulier connecté pour les aidants",
            carrier_id=other.id,
            partners=[{"actor_id": actor.id, "role": "etablissement"}],
        )
        make_project(session, viewer, title="Registre régional des AVC", carrier_id=other.id)
        withdrawn = make_project(session, viewer, title="Capteur de chute abandonné", carrier_id=actor.id)
        withdrawn.status = ProjectStatus.WITHDRAWN
        session.add(withdrawn)
        session.commit()
        listed = [project.title for project in projects_of_actor(session, actor.id)]
    assert listed == ["Cabine de téléconsultation en mairie", "Pilulier connecté pour les aidants"]
    page = client.get(f"/annuaire/{actor.slug}").text
    section = page.split('<h2 class="fr-h4">Projets (2)</h2>', 1)[1].split("</ul>", 1)[0]  # not the suggestions
    assert [line.split(">")[-1] for line in section.split("</a>")[:-1]] == listed
