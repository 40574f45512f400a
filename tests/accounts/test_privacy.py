"""Right of access: a person downloads everything the hub holds about them, and nothing about anyone else."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Account, Person
from hub.accounts.services import SESSION_ABSOLUTE_TIMEOUT, SESSION_IDLE_TIMEOUT, THROTTLE_WINDOW
from hub.app import create_app
from hub.db import Database
from hub.privacy import personal_data
from hub.settings import Settings
from tests.factories import make_actor, make_project, make_viewer, sign_in


def test_the_export_holds_the_persons_rows_in_every_table_and_no_secret(database: Database) -> None:
    with database.session() as session:
        alice = make_viewer(session, "alice@example.fr")
        bob = make_viewer(session, "bob@example.fr")
        make_actor(session, alice, name="Living lab d’Alice")
        project = make_project(session, alice, title="Projet d’Alice")
        make_project(session, bob, title="Projet de Bob")
        session.commit()
        data = personal_data(session, alice.account_id)
        password_hash = session.exec(select(Account.password_hash).where(col(Account.id) == alice.account_id)).one()
        alice_person = session.exec(select(Person).where(col(Person.account_id) == alice.account_id)).one()

    tables = data["tables"]
    assert tables["account"][0]["email"] == "alice@example.fr"
    assert tables["account"][0]["password_hash"] == "(secret, non exporté)"
    assert tables["person"][0]["id"] == alice_person.id
    assert [row["title"] for row in tables["project"]] == ["Projet d’Alice"]
    assert tables["project"][0]["id"] == project.id
    assert len(tables["actor_membership"]) == 1
    assert {row["account_id"] for row in tables["change_log_entry"]} == {alice.account_id}
    flat = repr(data)
    assert password_hash not in flat
    assert "bob@example.fr" not in flat
    assert "Projet de Bob" not in flat


def test_the_download_is_json_for_the_signed_in_person_only(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        make_viewer(session, "carla@example.fr")
        session.commit()
    assert client.get("/compte/mes-donnees.json", follow_redirects=False).status_code == 303
    sign_in(client, "carla@example.fr")
    page = client.get("/compte/mes-donnees")
    assert page.status_code == 200
    assert "Télécharger mes données" in page.text
    response = client.get("/compte/mes-donnees.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith('attachment; filename="lab-esante-mes-donnees-')
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["tables"]["account"][0]["email"] == "carla@example.fr"


def test_erasure_removes_what_exists_only_for_the_person_and_keeps_what_others_need(database: Database) -> None:
    from datetime import date

    from hub.exchanges.models import Availability, OfferedAs
    from hub.ledger.erasure import TOMBSTONE_NAME, erase_person

    with database.session() as session:
        dora = make_viewer(session, "dora@example.fr")
        make_actor(session, dora, name="Living lab de Dora")
        project = make_project(session, dora, title="Projet de Dora")
        session.add(
            Availability(
                account_id=dora.account_id,
                offered_as=OfferedAs.HEALTH_PROFESSIONAL,
                hours_per_month=4,
                starts_on=date(2026, 12, 1),
                ends_on=date(2027, 6, 30),
            )
        )
        session.commit()
        assert erase_person(session, dora.account_id, by=dora)
        session.commit()
        data = personal_data(session, dora.account_id)
        still_there = session.get(type(project), project.id)

    tables = data["tables"]
    assert tables["person"][0]["display_name"] == TOMBSTONE_NAME
    assert "dora@example.fr" not in repr(data)
    assert "availability" not in tables
    assert "actor_membership" not in tables
    assert "user_session" not in tables
    assert still_there is not None and still_there.title == "Projet de Dora"  # published work stays


RIGHTS = (
    "/compte/mes-donnees",
    "/compte/profil",
    "/compte/disponibilites",
    "/compte/suppression",
    "/compte/mot-de-passe",
    "/compte/sessions",
)


def test_the_privacy_notice_gives_the_codes_durations_and_a_working_link_for_each_right(
    client: TestClient[Litestar],
) -> None:
    html = client.get("/donnees-personnelles").text
    idle = int(SESSION_IDLE_TIMEOUT.total_seconds() // 60)
    absolute = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds() // 3600)
    assert f"{idle} minutes sans activité, {absolute} heures au plus" in html
    assert f"<td>{int(THROTTLE_WINDOW.total_seconds() // 60)} minutes</td>" in html
    assert "cnil.fr" in html
    for path in RIGHTS:
        assert f'href="{path}"' in html
        answer = client.get(path, follow_redirects=False)  # signed out: asked to sign in, then sent there
        assert answer.status_code == 303
        assert answer.headers["location"] == "/connexion?" + urlencode({"suite": path})
    # linked where an account is created, and from the footer of every page
    assert 'href="/donnees-personnelles"' in client.get("/inscription").text
    assert 'href="/donnees-personnelles"' in client.get("/annuaire").text


def test_the_privacy_notice_names_the_operators_contact_when_it_is_set(settings: Settings, database: Database) -> None:
    app = create_app(
        settings.model_copy(update={"privacy_contact": "dpd@exemple.gouv.fr"}),
        database=database,
        background_indexing=False,
    )
    with TestClient(app=app, base_url="http://testserver.local") as client:
        assert (
            "délégué à la protection des données : <strong>dpd@exemple.gouv.fr</strong>"
            in client.get("/donnees-personnelles").text
        )
    with TestClient(
        app=create_app(settings, database=database, background_indexing=False), base_url="http://testserver.local"
    ) as client:
        assert "dpd@exemple.gouv.fr" not in client.get("/donnees-personnelles").text
