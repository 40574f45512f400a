"""Strategic orientations: publication by administrators, declarations by projects and actors, coverage, JSON API."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import func, select

from hub.accounts.models import Role
from hub.db import Database
from hub.orientations.models import Orientation, OrientationActor, OrientationProject, OrientationTerritory
from tests.factories import csrf_from, make_account, make_actor, make_project, make_viewer, sign_in

ADMIN = "admin-orientations@example.fr"


def _admin(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        make_account(session, ADMIN, roles=(Role.ADMIN,))
        session.commit()
    sign_in(client, ADMIN)


def _count(database: Database, model: Any) -> int:
    with database.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _publish(client: TestClient[Litestar], **changes: Any) -> Any:
    form = client.get("/administration/orientations/nouvelle")
    assert form.status_code == 200
    data: dict[str, Any] = {
        "title": "Prévention cardiovasculaire",
        "description": "Dépister plus tôt l’insuffisance cardiaque.",
        "sectors": ["cardio", "prevention"],
        "regions": ["75"],
        "departements": "35, 2A",
        "starts_on": "2026-01-01",
        "ends_on": "2027-12-31",
        "_csrf_token": csrf_from(form.text),
    }
    data.update(changes)
    return client.post("/administration/orientations/nouvelle", data=data, follow_redirects=False)


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-erreur"[^>]*>([^<]+)<', html)
    assert match, f"no error shown for {field}"
    return match.group(1)


def test_administrator_publishes_an_orientation(client: TestClient[Litestar], database: Database) -> None:
    _admin(client, database)
    response = _publish(client)
    assert response.status_code == 303
    detail = client.get(response.headers["location"])
    assert detail.status_code == 200
    assert "Prévention cardiovasculaire" in detail.text and "L’orientation est publiée." in detail.text
    assert "Nouvelle-Aquitaine" in detail.text and "Corse-du-Sud" in detail.text and "Ille-et-Vilaine" in detail.text
    assert "Du 1 janvier 2026 au 31 décembre 2027" in detail.text
    with database.session() as session:
        territories = set(session.exec(select(OrientationTerritory.territory_id)).all())
    assert territories == {"reg-75", "dep-35", "dep-2A"}
    assert "Prévention cardiovasculaire" in client.get("/orientations").text


def test_bad_input_shows_field_errors_and_writes_nothing(client: TestClient[Litestar], database: Database) -> None:
    _admin(client, database)
    before = _count(database, Orientation)
    ends_first = _publish(client, ends_on="2025-06-30")
    assert ends_first.status_code == 422
    assert "postérieure" in _field_error(ends_first.text, "ends_on")
    unknown_place = _publish(client, departements="33, 99")
    assert unknown_place.status_code == 422
    assert "dep-99" in _field_error(unknown_place.text, "regions")
    no_title = _publish(client, title="")
    assert no_title.status_code == 422
    assert _field_error(no_title.text, "title")
    unknown_sector = _publish(client, sectors=["astrologie"])
    assert unknown_sector.status_code == 422
    assert "astrologie" in unknown_sector.text
    assert _count(database, Orientation) == before


def test_members_cannot_reach_the_administration(client: TestClient[Litestar], database: Database) -> None:
    anonymous = client.get("/administration/orientations", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/connexion")
    with database.session() as session:
        make_account(session, "membre@example.fr")
        session.commit()
    sign_in(client, "membre@example.fr")
    assert client.get("/administration/orientations").status_code == 403
    assert client.get("/administration/orientations/nouvelle").status_code == 403
    token = client.cookies.get("hub_csrf") or ""
    posted = client.post(
        "/administration/orientations/nouvelle",
        data={"title": "Pirate", "starts_on": "2026-01-01", "_csrf_token": token},
        headers={"x-csrftoken": token},
    )
    assert posted.status_code == 403
    assert _count(database, Orientation) == 0


def _orientation(database: Database) -> int:
    with database.session() as session:
        orientation = Orientation(title="Santé mentale des jeunes", starts_on=date(2026, 1, 1))
        session.add(orientation)
        session.commit()
        assert orientation.id is not None
        return orientation.id


def test_project_editor_declares_served_orientations_and_coverage_counts_them(
    client: TestClient[Litestar], database: Database
) -> None:
    oid = _orientation(database)
    with database.session() as session:
        lead = make_viewer(session, "porteuse@example.fr")
        project = make_project(session, lead, departement="33", sectors=["sante_mentale"])
        make_account(session, "autre@example.fr")
        session.commit()
        slug = project.slug
    sign_in(client, "porteuse@example.fr")
    form = client.get(f"/projets/{slug}/orientations")
    assert form.status_code == 200 and "Santé mentale des jeunes" in form.text
    saved = client.post(
        f"/projets/{slug}/orientations",
        data={"orientations": [str(oid)], "_csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "checked" in client.get(f"/projets/{slug}/orientations").text
    coverage = client.get(f"/orientations/{oid}").text
    row = re.search(r"Nouvelle-Aquitaine</a></th>\s*<td>(\d+)</td>\s*<td>(\d+)</td>", coverage)
    assert row and row.groups() == ("1", "0")
    assert "1 projet" in client.get("/orientations/couverture").text
    api = client.get(f"/api/v1/orientations/{oid}").json()
    assert api["projects"] == 1 and api["coverage"] == [{"region_id": "reg-75", "projects": 1, "actors": 0}]

    # Unknown orientation: a field error, nothing changed.
    form = client.get(f"/projets/{slug}/orientations")
    wrong = client.post(
        f"/projets/{slug}/orientations",
        data={"orientations": [str(oid), "999999"], "_csrf_token": csrf_from(form.text)},
    )
    assert wrong.status_code == 422 and "999999" in wrong.text
    assert _count(database, OrientationProject) == 1

    # Someone who may not edit the project is refused, and nothing is written.
    client.post("/deconnexion", data={"_csrf_token": client.cookies.get("hub_csrf") or ""})
    sign_in(client, "autre@example.fr")
    assert client.get(f"/projets/{slug}/orientations").status_code == 403
    token = client.cookies.get("hub_csrf") or ""
    refused = client.post(f"/projets/{slug}/orientations", data={"orientations": [], "_csrf_token": token})
    assert refused.status_code == 403
    assert _count(database, OrientationProject) == 1


def test_actor_members_declare_through_the_api(client: TestClient[Litestar], database: Database) -> None:
    oid = _orientation(database)
    with database.session() as session:
        member = make_viewer(session, "membre-acteur@example.fr")
        actor = make_actor(session, member, departement="33")
        make_account(session, "intrus@example.fr")
        session.commit()
        actor_id = actor.id
    sign_in(client, "membre-acteur@example.fr")
    headers = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    ok = client.put(f"/api/v1/actors/{actor_id}/orientations", json={"orientations": [oid]}, headers=headers)
    assert ok.status_code == 200 and ok.json()["orientations"] == [oid]
    bad = client.put(f"/api/v1/actors/{actor_id}/orientations", json={"orientations": ["x"]}, headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"/api/v1/actors/{actor_id}/orientations").json()["orientations"] == [oid]
    assert client.get(f"/annuaire/{actor.slug}/orientations").status_code == 200
    client.post("/deconnexion", data={"_csrf_token": headers["x-csrftoken"]})
    sign_in(client, "intrus@example.fr")
    headers = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    refused = client.put(f"/api/v1/actors/{actor_id}/orientations", json={"orientations": []}, headers=headers)
    assert refused.status_code == 403
    assert _count(database, OrientationActor) == 1
    listing = client.get("/api/v1/orientations").json()
    assert listing["items"][0]["actors"] == 1


def test_api_publication_by_administrators_only(client: TestClient[Litestar], database: Database) -> None:
    body = {
        "title": "Télésurveillance",
        "sectors": ["telemedecine"],
        "territories": ["reg-53"],
        "starts_on": "2026-03-01",
    }
    with database.session() as session:
        make_account(session, "simple@example.fr")
        session.commit()
    sign_in(client, "simple@example.fr")
    headers = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    assert client.post("/api/v1/orientations", json=body, headers=headers).status_code == 403
    client.post("/deconnexion", data={"_csrf_token": headers["x-csrftoken"]})
    _admin(client, database)
    headers = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    created = client.post("/api/v1/orientations", json=body, headers=headers)
    assert created.status_code == 201
    assert created.json()["territories"] == ["reg-53"] and created.json()["ends_on"] is None
    wrong = client.post(
        "/api/v1/orientations",
        json=body | {"territories": ["reg-99"], "ends_on": "2026-01-01"},
        headers=headers,
    )
    assert wrong.status_code == 422
    fields = {e["field"] for e in wrong.json()["errors"]}
    assert "ends_on" in fields
    assert _count(database, Orientation) == 1
    oid = created.json()["id"]
    updated = client.put(
        f"/api/v1/orientations/{oid}", json=body | {"title": "Télésurveillance à domicile"}, headers=headers
    )
    assert updated.status_code == 200 and updated.json()["title"] == "Télésurveillance à domicile"
    unknown = client.put(f"/api/v1/orientations/{oid}", json=body | {"territories": ["reg-99"]}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "territories"
    assert client.get("/api/v1/orientations/424242").status_code == 404
