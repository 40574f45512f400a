"""Referent pages and API through the real application: public list and white zones, administration forms with
field errors, the queue (age, overdue, close with an outcome) and the dashboard, problem details in the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, event, func
from sqlmodel import select

from hub.accounts.models import Role
from hub.db import Database, utcnow
from hub.referents.models import QueueItem, QueueStatus, ReferentAssignment
from hub.referents.routing import route, today
from tests.exchanges.scenario import field_error, offer_time, viewer_of
from tests.factories import csrf_from, make_account, make_project, sign_in
from tests.referents.scenario import admin, assign


def _assignments(database: Database) -> int:
    with database.session() as session:
        return int(session.exec(select(func.count()).select_from(ReferentAssignment)).one())


def _admin_client(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        make_account(session, "admin@example.fr", roles=(Role.ADMIN,))
        make_account(session, "referente@example.fr")
        session.commit()
    sign_in(client, "admin@example.fr")


def _post_form(client: TestClient[Litestar], values: dict[str, object]):  # type: ignore[no-untyped-def]
    form = client.get("/administration/referents/nouveau")
    assert form.status_code == 200, form.text[:500]
    return client.post(
        "/administration/referents/nouveau",
        data={"_csrf_token": csrf_from(form.text)} | values,
        follow_redirects=False,
    )


def test_admin_names_a_referent_through_the_form(client: TestClient[Litestar], database: Database) -> None:
    _admin_client(client, database)
    response = _post_form(
        client,
        {
            "email": "Referente@Example.fr",
            "territory": "dep-33",
            "sectors": ["oncologie", "cardio"],
            "role": "titulaire",
            "starts_on": today().isoformat(),
            "ends_on": "",
        },
    )
    assert response.status_code == 303, response.text[:1500]
    listing = client.get(response.headers["location"])
    assert "Le référent est nommé" in listing.text
    assert "Gironde" in listing.text and "Cancérologie" in listing.text
    # The public page shows the seat, with the name only as the person makes it public.
    public = client.get("/referents?departement=33")
    assert public.status_code == 200
    row = re.search(r"<tr>\s*<td>Nom non public.*?</tr>", public.text, re.S)
    assert row and "Gironde" in row.group(0) and "Titulaire" in row.group(0)
    assert "referente@example.fr" not in public.text


def test_form_refusals_come_back_next_to_each_field(client: TestClient[Litestar], database: Database) -> None:
    _admin_client(client, database)
    response = _post_form(
        client,
        {
            "email": "inconnue@example.fr",
            "territory": "dep-999",
            "sectors": ["astrologie"],
            "role": "titulaire",
            "starts_on": "2026-05-01",
            "ends_on": "2026-04-01",
        },
    )
    assert response.status_code == 422
    assert "Territoire inconnu" in field_error(response.text, "territory")
    assert "astrologie" in field_error(response.text, "sectors")
    assert "précéder" in field_error(response.text, "ends_on")
    assert "compte" in field_error(response.text, "email")
    assert 'value="inconnue@example.fr"' in response.text  # typed values are kept
    assert _assignments(database) == 0


def test_overlap_refused_in_the_form_and_end_form(client: TestClient[Litestar], database: Database) -> None:
    _admin_client(client, database)
    values = {
        "email": "referente@example.fr",
        "territory": "reg-75",
        "sectors": ["oncologie"],
        "role": "suppleant",
        "starts_on": today().isoformat(),
    }
    assert _post_form(client, values).status_code == 303
    again = _post_form(client, values | {"email": "admin@example.fr"})
    assert again.status_code == 422
    assert "suppléant" in field_error(again.text, "sectors")
    assert _assignments(database) == 1
    with database.session() as session:
        assignment_id = session.exec(select(ReferentAssignment.id)).one()
    form = client.get(f"/administration/referents/{assignment_id}/fin")
    assert form.status_code == 200
    bad = client.post(
        f"/administration/referents/{assignment_id}/fin",
        data={"_csrf_token": csrf_from(form.text), "ends_on": "2000-01-01"},
        follow_redirects=False,
    )
    assert bad.status_code == 422 and "précéder" in field_error(bad.text, "ends_on")
    good = client.post(
        f"/administration/referents/{assignment_id}/fin",
        data={"_csrf_token": csrf_from(form.text), "ends_on": today().isoformat()},
        follow_redirects=False,
    )
    assert good.status_code == 303
    with database.session() as session:
        assert session.get(ReferentAssignment, assignment_id).ends_on == today()  # type: ignore[union-attr]


def test_members_cannot_reach_the_administration_nor_the_queue(
    client: TestClient[Litestar], database: Database
) -> None:
    with database.session() as session:
        make_account(session, "membre@example.fr")
        session.commit()
    sign_in(client, "membre@example.fr")
    for path in (
        "/administration/referents",
        "/administration/referents/nouveau",
        "/referent/file",
        "/referent/tableau-de-bord",
    ):
        assert client.get(path, follow_redirects=False).status_code == 403, path
    response = client.post(
        "/api/v1/referents",
        json={"email": "membre@example.fr"},
        headers={"x-csrftoken": client.cookies.get("hub_csrf") or ""},
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


def test_api_creates_and_refuses_with_problem_details(client: TestClient[Litestar], database: Database) -> None:
    _admin_client(client, database)
    headers = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    body = {
        "email": "referente@example.fr",
        "territory": "dep-33",
        "sectors": ["oncologie"],
        "role": "titulaire",
        "starts_on": "2026-01-01",
    }
    created = client.post("/api/v1/referents", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["territory"] == "dep-33"
    for changes, field in (
        ({"starts_on": "2026-02-01"}, "sectors"),  # overlaps the first
        ({"territory": "dep-999"}, "territory"),
        ({"sectors": ["astrologie"]}, "sectors"),
        ({"ends_on": "2025-01-01"}, "ends_on"),
        ({"role": "chef"}, "role"),
    ):
        refused = client.post("/api/v1/referents", json=body | changes, headers=headers)
        assert refused.status_code == 422, (changes, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["status"] == 422 and problem["title"]
        assert field in {e["field"] for e in problem["errors"]}, problem
    assert _assignments(database) == 1
    ended = client.post(
        f"/api/v1/referents/{created.json()['id']}/end", json={"ends_on": "2025-01-01"}, headers=headers
    )
    assert ended.status_code == 422 and ended.json()["errors"][0]["field"] == "ends_on"


def test_public_api_and_white_zones(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        assign(session, boss, "reg@example.fr", "reg-75", ["oncologie"])
        session.commit()
    listing = client.get("/api/v1/referents?region=75").json()
    assert listing["count"] == 1 and listing["items"][0]["sectors"] == ["oncologie"]
    assert listing["items"][0]["name"] == "Nom non public"
    assert client.get("/api/v1/referents?region=11").json()["count"] == 0
    zones = client.get("/api/v1/zones-blanches?niveau=departement&region=75&sector=oncologie").json()
    assert zones == {"level": "departement", "territories": 0, "pairs": 0, "items": []}
    zones = client.get("/api/v1/zones-blanches?niveau=region&sector=oncologie").json()
    assert "reg-75" not in {z["territory"] for z in zones["items"]} and zones["territories"] == 17
    for bad in ("niveau=commune", "region=99", "sector=astrologie", "departement=999"):
        url = "/api/v1/zones-blanches?" + bad if "departement" not in bad else "/api/v1/referents?" + bad
        response = client.get(url)
        assert response.status_code == 400, bad
        assert response.headers["content-type"].startswith("application/problem+json")
    page = client.get("/referents?niveau=departement&region=75")
    assert page.status_code == 200
    assert "<caption>" in page.text and 'scope="row">Gironde' in page.text
    assert client.get("/referents?sector=astrologie").status_code == 400


def test_queue_shows_age_overdue_and_closes_with_an_outcome(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        boss = admin(session)
        assign(session, boss, "referente@example.fr", "dep-33", ["oncologie"])
        old = route(
            session,
            kind="need",
            subject_type="need",
            subject_id=41,
            title="Un besoin ancien",
            url="/besoins/41",
            sector_codes=["oncologie"],
            territory_id="dep-33",
        )
        old.created_at = utcnow() - timedelta(days=9)
        old.due_at = old.created_at + timedelta(days=7)
        session.add(old)
        route(
            session,
            kind="new_project",
            subject_type="project",
            subject_id=42,
            title="Un projet tout neuf",
            url="/projets/x",
            sector_codes=["oncologie"],
            territory_id="dep-33",
        )
        elsewhere = route(
            session,
            kind="need",
            subject_type="need",
            subject_id=43,
            title="Ailleurs",
            url="/besoins/43",
            sector_codes=["oncologie"],
            territory_id="dep-75",
        )
        session.commit()
        old_id, elsewhere_id = old.id, elsewhere.id
    sign_in(client, "referente@example.fr")
    page = client.get("/referent/file")
    assert page.status_code == 200
    assert "Un besoin ancien" in page.text and "Un projet tout neuf" in page.text and "Ailleurs" not in page.text
    assert "Depuis 9 jours" in page.text and "Arrivé aujourd’hui" in page.text
    assert page.text.count(">En retard<") == 1  # in words, not only in colour
    assert page.text.index("Un besoin ancien") < page.text.index("Un projet tout neuf")
    token = csrf_from(page.text)
    empty = client.post(f"/referent/file/{old_id}/traiter", data={"_csrf_token": token, "outcome": ""})
    assert empty.status_code == 422 and f'id="suite-{old_id}-erreur"' in empty.text
    done = client.post(
        f"/referent/file/{old_id}/traiter", data={"_csrf_token": token, "outcome": "Traité"}, follow_redirects=False
    )
    assert done.status_code == 303
    others = client.post(f"/referent/file/{elsewhere_id}/traiter", data={"_csrf_token": token, "outcome": "Traité"})
    assert others.status_code == 403
    closed = client.get("/referent/file?statut=traites")
    assert "Un besoin ancien" in closed.text and "Traité" in closed.text
    with database.session() as session:
        item = session.get(QueueItem, old_id)
        assert item is not None and item.status == QueueStatus.CLOSED and item.outcome == "Traité"
        assert session.get(QueueItem, elsewhere_id).status == QueueStatus.OPEN  # type: ignore[union-attr]
    assert client.get("/referent/file?equipe=nationale").status_code == 403


def test_dashboard_shows_the_area_only(client: TestClient[Litestar], database: Database) -> None:
    offer_time(database, "infirmiere@example.fr", sectors=["oncologie"], departement="33")
    offer_time(database, "loin@example.fr", sectors=["oncologie"], departement="75")
    with database.session() as session:
        boss = admin(session)
        assign(session, boss, "referente@example.fr", "dep-33", ["oncologie"])
        author = viewer_of(session, "infirmiere@example.fr")
        make_project(
            session,
            author,
            title="Suivi à domicile des chimiothérapies orales",
            sectors=["oncologie"],
            departement="33",
            phase="idea",
        )
        make_project(
            session,
            author,
            title="Projet parisien de cancérologie",
            sectors=["oncologie"],
            departement="75",
            phase="idea",
        )
        session.commit()
    sign_in(client, "referente@example.fr")
    page = client.get("/referent/tableau-de-bord")
    assert page.status_code == 200
    assert "Gironde — Cancérologie" in page.text
    phase_row = re.search(r'scope="row">Idée</th><td>(\d+)</td>', page.text)
    assert phase_row is not None and int(phase_row.group(1)) >= 1
    assert "Infirmiere" in page.text and "Loin" not in page.text
    assert "éléments à traiter" in page.text
    # The new project in the area was routed to her queue.
    queue = client.get("/referent/file")
    assert "Suivi à domicile des chimiothérapies orales" in queue.text
    assert "Projet parisien de cancérologie" not in queue.text


@pytest.fixture
def queries(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_pages_stay_within_a_query_budget_whatever_the_number_of_referents(
    client: TestClient[Litestar], database: Database, queries: list[str]
) -> None:
    with database.session() as session:
        boss = admin(session)
        for number, code in enumerate(("33", "40", "64", "24", "47", "17", "16", "86")):
            assign(session, boss, f"ref{number}@example.fr", f"dep-{code}", ["oncologie", "cardio"])
            route(
                session,
                kind="need",
                subject_type="need",
                subject_id=number,
                title=f"Besoin {number}",
                url=f"/besoins/{number}",
                sector_codes=["oncologie"],
                territory_id=f"dep-{code}",
            )
        assign(session, boss, "ref0@example.fr", "reg-75", ["diabete"], create=False)
        for number in range(8, 16):
            route(
                session,
                kind="need",
                subject_type="need",
                subject_id=number,
                title=f"Besoin {number}",
                url=f"/besoins/{number}",
                sector_codes=["diabete"],
                territory_id="dep-33",
            )
        session.commit()
    sign_in(client, "ref0@example.fr")
    for path, budget in (
        ("/referents", 20),
        ("/referents?niveau=departement", 20),
        ("/api/v1/referents", 12),
        ("/api/v1/zones-blanches", 12),
        ("/referent/file", 12),
        ("/referent/tableau-de-bord", 25),
    ):
        client.get(path)  # warm-up
        queries.clear()
        response = client.get(path)
        assert response.status_code == 200, path
        assert len(queries) <= budget, f"{path}: {len(queries)} queries"
