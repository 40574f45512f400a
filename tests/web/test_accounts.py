"""Sign-up, sign-in, sessions, CSRF and throttling through the real application."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from hub.accounts.models import UserSession
from hub.accounts.services import THROTTLE_MAX_FAILURES
from hub.db import Database
from tests.factories import PASSWORD, csrf_from, make_account, sign_in


def _signup(client: TestClient[Litestar], **overrides: str) -> object:
    form = client.get("/inscription").text
    data = {
        "display_name": "Inès Martin",
        "email": "ines@example.fr",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "role": "health_professional",
        "profession": "Infirmière",
        "_csrf_token": csrf_from(form),
    }
    data.update(overrides)
    return client.post("/inscription", data=data, follow_redirects=False)


def test_sign_up_creates_the_account_and_signs_in(client: TestClient[Litestar]) -> None:
    response = _signup(client)
    assert response.status_code == 303  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get("/compte").text
    assert "ines@example.fr" in page
    assert "Professionnel de santé" in page


def test_sign_up_errors_are_shown_next_to_each_field_and_keep_typed_values(client: TestClient[Litestar]) -> None:
    response = _signup(client, email="pas-une-adresse", password="court", password_confirm="autre")
    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert 'id="email-erreur"' in html and "adresse e-mail valide" in html
    assert 'id="password-erreur"' in html and "12 caractères" in html
    assert 'value="Inès Martin"' in html
    assert PASSWORD not in html and "court" not in html.split("<main")[1].split("</main>")[0].replace("courte", "")


def test_privileged_roles_cannot_be_chosen_at_sign_up(client: TestClient[Litestar]) -> None:
    response = _signup(client, role="admin")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "attribué par un administrateur" in response.text  # type: ignore[attr-defined]


def test_forms_without_csrf_token_are_refused(client: TestClient[Litestar]) -> None:
    client.get("/inscription")
    response = client.post("/inscription", data={"email": "x@example.fr"}, follow_redirects=False)
    assert response.status_code == 403


def test_login_rotates_the_session_and_logout_ends_it(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        make_account(session, "bob@example.fr")
        session.commit()
    sign_in(client, "bob@example.fr")
    first = client.cookies.get("hub_session")
    sign_in(client, "bob@example.fr")
    second = client.cookies.get("hub_session")
    assert first and second and first != second
    with database.session() as session:
        assert len(session.exec(select(UserSession)).all()) == 1  # the first session ended at the second login
    page = client.get("/compte").text
    client.post("/deconnexion", data={"_csrf_token": csrf_from(page)}, follow_redirects=False)
    assert client.get("/compte", follow_redirects=False).status_code == 303
    with database.session() as session:
        assert session.exec(select(UserSession)).all() == []


def test_wrong_password_is_refused_without_saying_which_part_is_wrong(
    client: TestClient[Litestar], database: Database
) -> None:
    with database.session() as session:
        make_account(session, "carla@example.fr")
        session.commit()
    form = client.get("/connexion").text
    response = client.post(
        "/connexion",
        data={"email": "carla@example.fr", "password": "mauvais mot de passe", "_csrf_token": csrf_from(form)},
    )
    unknown = client.post(
        "/connexion",
        data={"email": "personne@example.fr", "password": "mauvais mot de passe", "_csrf_token": csrf_from(form)},
    )
    assert response.status_code == unknown.status_code == 422
    assert "Adresse e-mail ou mot de passe incorrect." in response.text
    assert "Adresse e-mail ou mot de passe incorrect." in unknown.text


def test_login_is_throttled_after_repeated_failures(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        make_account(session, "dan@example.fr")
        session.commit()
    form = client.get("/connexion").text
    token = csrf_from(form)
    for _ in range(THROTTLE_MAX_FAILURES):
        client.post("/connexion", data={"email": "dan@example.fr", "password": "faux faux faux", "_csrf_token": token})
    blocked = client.post("/connexion", data={"email": "dan@example.fr", "password": PASSWORD, "_csrf_token": token})
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.text


def test_login_never_redirects_off_site(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        make_account(session, "eve@example.fr")
        session.commit()
    form = client.get("/connexion?suite=//evil.example").text
    response = client.post(
        "/connexion",
        data={
            "email": "eve@example.fr",
            "password": PASSWORD,
            "suite": "//evil.example",
            "_csrf_token": csrf_from(form),
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_profile_visibility_is_chosen_by_the_person_and_followed_by_search(
    client: TestClient[Litestar], database: Database
) -> None:
    from hub.indexing.services import drain, rebuild_index

    engine = client.app.state.search_engine
    rebuild_index(database, engine)
    with database.session() as session:
        make_account(session, "zelie@example.fr")
        session.commit()
    sign_in(client, "zelie@example.fr")
    form = client.get("/compte/profil").text
    saved = client.post(
        "/compte/profil",
        data={
            "display_name": "Zélie Quintessence",
            "profession": "Sage-femme",
            "is_public": "on",
            "show_profession": "on",
            "_csrf_token": csrf_from(form),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    drain(database, engine)
    hits = client.get("/api/v1/search?q=Quintessence&kind=person").json()["hits"]
    assert [h["title"] for h in hits] == ["Zélie Quintessence"]
    client.post("/compte/profil", data={"display_name": "Zélie Quintessence", "_csrf_token": csrf_from(form)})
    drain(database, engine)
    assert client.get("/api/v1/search?q=Quintessence&kind=person").json()["hits"] == []


def test_a_profile_cannot_claim_an_organisation_the_person_does_not_represent(
    client: TestClient[Litestar], database: Database
) -> None:
    with database.session() as session:
        make_account(session, "yann@example.fr")
        session.commit()
    sign_in(client, "yann@example.fr")
    form = client.get("/compte/profil").text
    response = client.post(
        "/compte/profil", data={"display_name": "Yann", "organisation_id": "1", "_csrf_token": csrf_from(form)}
    )
    assert response.status_code == 422
    assert 'id="organisation_id-erreur"' in response.text
