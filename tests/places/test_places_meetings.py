"""Places and meetings through the real application: places with their territory, sessions with a number of
seats, registration of members and of people without an account (by a place's staff), cancellation."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, func, select

from hub.db import Database, utcnow
from hub.places.models import Meeting, MeetingRegistration, Place, PlaceStaff
from tests.factories import csrf_from, sign_in
from tests.places.scenario import ADMIN, DECIDER, MEMBER, OTHER, STAFF, place_and_meeting


def _switch(client: TestClient[Litestar], email: str) -> None:
    client.post("/deconnexion", data={"_csrf_token": client.cookies.get("hub_csrf") or ""}, follow_redirects=False)
    sign_in(client, email)


def _post(client: TestClient[Litestar], path: str, data: dict[str, str] | None = None) -> httpx.Response:
    return client.post(
        path, data=(data or {}) | {"_csrf_token": client.cookies.get("hub_csrf") or ""}, follow_redirects=False
    )


def _api(client: TestClient[Litestar], path: str, body: dict[str, object]) -> httpx.Response:
    return client.post(path, json=body, headers={"x-csrftoken": client.cookies.get("hub_csrf") or ""})


def _error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-erreur"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def _active(database: Database, meeting_id: int) -> list[int]:
    with database.session() as session:
        seats = session.exec(
            select(MeetingRegistration.seat_number).where(
                col(MeetingRegistration.meeting_id) == meeting_id, col(MeetingRegistration.status) == "active"
            )
        ).all()
        return sorted(s for s in seats if s is not None)


def test_a_member_adds_a_place_with_its_territory_and_joins_its_staff(
    client: TestClient[Litestar], database: Database
) -> None:
    place_and_meeting(database)
    sign_in(client, MEMBER)
    form = client.get("/lieux/nouveau")
    data = {
        "name": "Pharmacie du Port",
        "kind": "pharmacy",
        "address": "4 quai de la Fosse",
        "postcode": "44000",
        "commune": "Nantes",
        "departement": "44",
        "_csrf_token": csrf_from(form.text),
    }
    response = client.post("/lieux/nouveau", data=data, follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "Pharmacie du Port" in page and "Loire-Atlantique, Pays de la Loire" in page
    assert "Organiser une rencontre ici" in page and "L’équipe du lieu" in page
    with database.session() as session:
        place = session.exec(select(Place).where(col(Place.name) == "Pharmacie du Port")).one()
        assert (place.departement_id, place.region_id) == ("dep-44", "reg-52")
    listed = client.get("/lieux?departement=44").text
    assert "Pharmacie du Port" in listed and "France Services de Lesparre" not in listed
    assert [p["name"] for p in client.get("/api/v1/places?departement=33").json()["items"]] == [
        "France Services de Lesparre"
    ]


def test_bad_places_are_refused_field_by_field(client: TestClient[Litestar], database: Database) -> None:
    place_and_meeting(database)
    sign_in(client, MEMBER)
    form = client.get("/lieux/nouveau").text
    with database.session() as session:
        before = int(session.exec(select(func.count()).select_from(Place)).one())
    data = {"name": "X", "kind": "bar", "address": "", "postcode": "3334", "commune": "", "departement": "999"}
    response = client.post("/lieux/nouveau", data=data | {"_csrf_token": csrf_from(form)})
    assert response.status_code == 422
    assert _error(response.text, "postcode") == "Le code postal comporte 5 chiffres."
    assert _error(response.text, "kind") == "Choisissez une valeur dans la liste."
    assert _error(response.text, "name").startswith("Ce champ est obligatoire ou trop court")
    unknown = data | {"name": "Mairie", "kind": "town_hall", "address": "1 rue", "postcode": "33000", "commune": "Bx"}
    response = client.post("/lieux/nouveau", data=unknown | {"_csrf_token": csrf_from(form)})
    assert (
        response.status_code == 422 and _error(response.text, "departement") == "Choisissez un département de la liste."
    )
    problem = _api(client, "/api/v1/places", unknown)
    assert problem.status_code == 422 and problem.headers["content-type"].startswith("application/problem+json")
    with database.session() as session:
        assert int(session.exec(select(func.count()).select_from(Place)).one()) == before


def test_registration_capacity_and_cancellation(client: TestClient[Litestar], database: Database) -> None:
    _, meeting_id = place_and_meeting(database, capacity=2)
    sign_in(client, MEMBER)
    page = client.get(f"/rencontres/{meeting_id}").text
    assert "2 libres sur 2" in page
    assert _post(client, f"/rencontres/{meeting_id}/inscription").status_code == 303
    page = client.get(f"/rencontres/{meeting_id}").text
    assert "Vous êtes inscrit (place n° 1)" in page and "1 libre sur 2" in page
    twice = _post(client, f"/rencontres/{meeting_id}/inscription")
    assert twice.status_code == 409 and "Vous êtes déjà inscrit" in twice.text
    _switch(client, OTHER)
    assert _api(client, f"/api/v1/meetings/{meeting_id}/registrations", {}).status_code == 201
    _switch(client, DECIDER)
    assert "Cette rencontre est complète" in client.get(f"/rencontres/{meeting_id}").text
    full = _post(client, f"/rencontres/{meeting_id}/inscription")
    assert full.status_code == 409 and "Cette rencontre est complète : les 2 places sont prises." in full.text
    problem = _api(client, f"/api/v1/meetings/{meeting_id}/registrations", {})
    assert problem.status_code == 409 and "complète" in problem.json()["detail"]
    assert _active(database, meeting_id) == [1, 2]
    # Someone else cannot cancel the member's registration; she can, and the seat is free again.
    with database.session() as session:
        first = session.exec(
            select(MeetingRegistration).where(
                col(MeetingRegistration.seat_number) == 1, col(MeetingRegistration.meeting_id) == meeting_id
            )
        ).one()
    refused = _post(client, f"/rencontres/{meeting_id}/inscriptions/{first.id}/annulation")
    assert refused.status_code == 403 and "Seuls la personne inscrite et l’équipe du lieu" in refused.text
    _switch(client, MEMBER)
    assert _post(client, f"/rencontres/{meeting_id}/inscriptions/{first.id}/annulation").status_code == 303
    assert _active(database, meeting_id) == [2]
    again = _post(client, f"/rencontres/{meeting_id}/inscriptions/{first.id}/annulation")
    assert again.status_code == 409 and "déjà annulée" in again.text
    _switch(client, DECIDER)
    assert _post(client, f"/rencontres/{meeting_id}/inscription").status_code == 303
    assert _active(database, meeting_id) == [1, 2]  # the freed seat is reused
    assert client.get(f"/api/v1/meetings/{meeting_id}").json()["seats_free"] == 0


def test_staff_register_a_person_without_an_account_with_consent(
    client: TestClient[Litestar], database: Database
) -> None:
    _, meeting_id = place_and_meeting(database, capacity=3)
    sign_in(client, STAFF)
    page = client.get(f"/rencontres/{meeting_id}").text
    assert "Inscrire une personne sans compte" in page
    no_consent = _post(
        client,
        f"/rencontres/{meeting_id}/inscription-accompagnee",
        {"guest_name": "Jeanne Martin", "guest_contact": "05 56 00 00 00"},
    )
    assert no_consent.status_code == 422
    assert "Cochez la case pour confirmer" in no_consent.text
    assert _active(database, meeting_id) == []
    ok = _post(
        client,
        f"/rencontres/{meeting_id}/inscription-accompagnee",
        {"guest_name": "Jeanne <em>Martin</em>", "guest_contact": "05 56 00 00 00", "consent": "on"},
    )
    assert ok.status_code == 303
    page = client.get(f"/rencontres/{meeting_id}").text
    assert "Jeanne &lt;em&gt;Martin&lt;/em&gt; (sans compte)" in page and "05 56 00 00 00" in page
    with database.session() as session:
        guest = session.exec(select(MeetingRegistration).where(col(MeetingRegistration.meeting_id) == meeting_id)).one()
        assert guest.account_id is None and guest.guest_consent_at is not None and guest.seat_number == 1
    # Others see neither the form nor the guest's name or contact, and are refused.
    _switch(client, MEMBER)
    page = client.get(f"/rencontres/{meeting_id}").text
    assert "Inscrire une personne sans compte" not in page and "05 56 00 00 00" not in page and "Jeanne" not in page
    assert "2 libres sur 3" in page
    refused = _post(
        client,
        f"/rencontres/{meeting_id}/inscription-accompagnee",
        {"guest_name": "Paul", "guest_contact": "paul@example.fr", "consent": "on"},
    )
    assert refused.status_code == 403 and "Seuls les membres de l’équipe de ce lieu" in refused.text
    assert _post(client, f"/rencontres/{meeting_id}/inscriptions/{guest.id}/annulation").status_code == 403
    # An administrator may, through the API too; the staff cancel the guest's registration and free the seat.
    _switch(client, ADMIN)
    created = _api(
        client,
        f"/api/v1/meetings/{meeting_id}/registrations",
        {"guest_name": "Paul Durand", "guest_contact": "paul@example.fr", "consent": True},
    )
    assert created.status_code == 201 and created.json()["is_guest"] is True
    _switch(client, STAFF)
    assert _post(client, f"/rencontres/{meeting_id}/inscriptions/{guest.id}/annulation").status_code == 303
    assert _active(database, meeting_id) == [2]


def test_who_may_organise_a_meeting(client: TestClient[Litestar], database: Database) -> None:
    place_id, _ = place_and_meeting(database)
    soon = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    base = {"title": "Échange sur le remboursement", "starts_at": soon, "duration_minutes": "60", "capacity": "20"}
    sign_in(client, MEMBER)
    in_place = _post(client, "/rencontres/nouvelle", base | {"mode": "in_place", "place_id": str(place_id)})
    assert in_place.status_code == 403 and "Seule l’équipe du lieu" in in_place.text
    online = _post(
        client, "/rencontres/nouvelle", base | {"mode": "online", "online_url": "https://visio.example.fr/x"}
    )
    assert online.status_code == 403 and "décideurs publics et les référents" in online.text
    _switch(client, DECIDER)
    form = client.get("/rencontres/nouvelle").text
    past = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    bad = client.post(
        "/rencontres/nouvelle",
        data=base
        | {
            "mode": "online",
            "starts_at": past,
            "online_url": "http://x",
            "capacity": "0",
            "_csrf_token": csrf_from(form),
        },
    )
    assert bad.status_code == 422
    assert _error(bad.text, "online_url") == "Le lien doit commencer par https://."
    assert _error(bad.text, "capacity") == "La valeur doit être supérieure ou égale à 1."
    no_place = client.post("/rencontres/nouvelle", data=base | {"mode": "in_place", "_csrf_token": csrf_from(form)})
    assert no_place.status_code == 422 and _error(no_place.text, "place_id") == "Choisissez le lieu de la rencontre."
    in_past = client.post(
        "/rencontres/nouvelle", data=base | {"mode": "online", "starts_at": past, "_csrf_token": csrf_from(form)}
    )
    assert in_past.status_code == 422 and _error(in_past.text, "starts_at") == "Choisissez une date à venir."
    ok = client.post(
        "/rencontres/nouvelle",
        data=base | {"mode": "online", "online_url": "https://visio.example.fr/x", "_csrf_token": csrf_from(form)},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert "Échange sur le remboursement" in client.get("/rencontres").text
    _switch(client, STAFF)
    ok = _post(
        client,
        "/rencontres/nouvelle",
        base | {"mode": "in_place", "place_id": str(place_id), "title": "Atelier sur place"},
    )
    assert ok.status_code == 303
    assert "Atelier sur place" in client.get(f"/lieux/{place_id}").text
    with database.session() as session:
        assert int(session.exec(select(func.count()).select_from(Meeting)).one()) >= 3


def test_staff_add_colleagues_and_others_cannot(client: TestClient[Litestar], database: Database) -> None:
    place_id, meeting_id = place_and_meeting(database)
    sign_in(client, MEMBER)
    assert "L’équipe du lieu" not in client.get(f"/lieux/{place_id}").text
    assert _post(client, f"/lieux/{place_id}/equipe", {"email": OTHER}).status_code == 403
    _switch(client, STAFF)
    unknown = _post(client, f"/lieux/{place_id}/equipe", {"email": "personne@example.fr"})
    assert unknown.status_code == 422 and "Aucun compte du hub" in unknown.text
    assert _post(client, f"/lieux/{place_id}/equipe", {"email": MEMBER.upper()}).status_code == 303
    assert _post(client, f"/lieux/{place_id}/equipe", {"email": MEMBER}).status_code == 409
    with database.session() as session:
        assert (
            int(
                session.exec(
                    select(func.count()).select_from(PlaceStaff).where(col(PlaceStaff.place_id) == place_id)
                ).one()
            )
            == 2
        )
    _switch(client, MEMBER)
    assert "Inscrire une personne sans compte" in client.get(f"/rencontres/{meeting_id}").text
