"""Advisers' transparency through the real application: members record dossiers, the hub publishes the share
rejected for administrative or formal reasons with its counts, and refuses to show a rate on too few dossiers."""

from __future__ import annotations

import re
from datetime import date, timedelta

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, func, select

from hub.accounts.models import Role
from hub.accounts.services import viewer_for
from hub.advisers.models import AdviserDossier, Authority, Outcome
from hub.advisers.services import record_dossier
from hub.advisers.shapes import DossierInput
from hub.db import Database, utcnow
from hub.directory.models import Actor
from tests.factories import csrf_from, make_account, make_actor, sign_in

MEMBER = "conseil@example.fr"
OTHER = "autre@example.fr"
ADMIN = "admin-conseil@example.fr"
FILED = date(2026, 3, 2)


def _incubator(database: Database) -> tuple[int, str]:
    with database.session() as session:
        member = viewer_for(session, make_account(session, MEMBER))
        make_account(session, OTHER)
        make_account(session, ADMIN, roles=(Role.ADMIN,))
        actor = make_actor(session, member, name="Incubateur Santé Test", kind="incubator", departement="33")
        session.commit()
        assert actor.id is not None
        return actor.id, actor.slug


def _add(database: Database, actor_id: int, outcomes: list[tuple[Authority, Outcome]]) -> None:
    with database.session() as session:
        viewer = viewer_for(
            session, make_account(session, f"admin-{actor_id}-{len(outcomes)}@example.fr", roles=(Role.ADMIN,))
        )
        actor = session.get(Actor, actor_id)
        assert actor is not None
        for authority, outcome in outcomes:
            decided = None if outcome == Outcome.PENDING else FILED + timedelta(days=41)
            record_dossier(
                session,
                viewer,
                actor,
                DossierInput(authority=authority, outcome=outcome, filed_on=FILED, decided_on=decided),
            )
        session.commit()


def _dossiers(database: Database) -> int:
    with database.session() as session:
        return int(session.exec(select(func.count()).select_from(AdviserDossier)).one())


def _error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-erreur"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def test_a_member_records_dossiers_through_the_form(client: TestClient[Litestar], database: Database) -> None:
    _, slug = _incubator(database)
    sign_in(client, MEMBER)
    page = client.get(f"/conseillers/{slug}")
    assert "Enregistrer un dossier" in page.text and "Pas de taux publié : 0 dossier décidé" in page.text
    form = client.get(f"/conseillers/{slug}/dossiers/nouveau")
    assert form.status_code == 200 and "HAS — Haute Autorité de santé" in form.text
    data = {"authority": "has", "filed_on": "2026-01-05", "outcome": "rejected_formal", "decided_on": "2026-02-15"}
    response = client.post(
        f"/conseillers/{slug}/dossiers/nouveau",
        data=data | {"_csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    pending = {"authority": "cnil", "filed_on": "2026-01-05", "outcome": "pending", "reference": "<b>DOS-1</b>"}
    client.post(f"/conseillers/{slug}/dossiers/nouveau", data=pending | {"_csrf_token": csrf_from(form.text)})
    page = client.get(f"/conseillers/{slug}").text
    assert "Rejeté pour motif administratif ou de forme" in page and "&lt;b&gt;DOS-1&lt;/b&gt;" in page
    assert "Pas de taux publié : 1 dossier décidé, il en faut 10" in page
    # The pending CNIL dossier gets its answer.
    with database.session() as session:
        dossier_id = session.exec(select(AdviserDossier.id).where(col(AdviserDossier.outcome) == "pending")).one()
    answer = client.post(
        f"/conseillers/{slug}/dossiers/{dossier_id}/issue",
        data={
            f"outcome-{dossier_id}": "accepted",
            f"decided_on-{dossier_id}": "2026-03-01",
            "_csrf_token": csrf_from(page),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "Pas de taux publié : 2 dossiers décidés" in client.get(f"/conseillers/{slug}").text


def test_bad_dossiers_are_refused_field_by_field_and_nothing_is_written(
    client: TestClient[Litestar], database: Database
) -> None:
    actor_id, slug = _incubator(database)
    sign_in(client, MEMBER)
    form = client.get(f"/conseillers/{slug}/dossiers/nouveau").text
    cases = [
        (
            {"authority": "fda", "filed_on": "2026-01-05", "outcome": "accepted", "decided_on": "2026-02-01"},
            "authority",
            "Choisissez une valeur dans la liste.",
        ),
        (
            {"authority": "has", "filed_on": "2026-01-05", "outcome": "accepted"},
            "decided_on",
            "Indiquez la date de la décision.",
        ),
        (
            {"authority": "has", "filed_on": "2026-01-05", "outcome": "accepted", "decided_on": "2025-12-01"},
            "decided_on",
            "La décision ne peut pas précéder le dépôt du dossier.",
        ),
        (
            {"authority": "has", "filed_on": "2026-01-05", "outcome": "pending", "decided_on": "2026-02-01"},
            "decided_on",
            "Un dossier en cours n’a pas encore de date de décision : laissez ce champ vide.",
        ),
        (
            {"authority": "has", "filed_on": (utcnow().date() + timedelta(days=30)).isoformat(), "outcome": "pending"},
            "filed_on",
            "La date de dépôt ne peut pas être dans le futur.",
        ),
        ({"authority": "has", "outcome": "pending"}, "filed_on", "Ce champ est obligatoire."),
    ]
    for data, field, message in cases:
        response = client.post(f"/conseillers/{slug}/dossiers/nouveau", data=data | {"_csrf_token": csrf_from(form)})
        assert response.status_code == 422, data
        assert _error(response.text, field) == message, (data, response.text[:300])
    token = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    problem = client.post(
        f"/api/v1/advisers/{actor_id}/dossiers",
        json={"authority": "has", "outcome": "accepted", "filed_on": "2026-01-05"},
        headers=token,
    )
    assert problem.status_code == 422 and problem.headers["content-type"].startswith("application/problem+json")
    assert problem.json()["errors"] == [{"field": "decided_on", "message": "Indiquez la date de la décision."}]
    assert _dossiers(database) == 0


def test_only_members_of_the_adviser_or_admins_record_dossiers(
    client: TestClient[Litestar], database: Database
) -> None:
    actor_id, slug = _incubator(database)
    sign_in(client, OTHER)
    assert "Enregistrer un dossier" not in client.get(f"/conseillers/{slug}").text
    refused = client.get(f"/conseillers/{slug}/dossiers/nouveau")
    assert refused.status_code == 403 and "Seuls les membres de cette structure" in refused.text
    body = {"authority": "has", "outcome": "pending", "filed_on": "2026-01-05"}
    posted = client.post(
        f"/conseillers/{slug}/dossiers/nouveau", data=body | {"_csrf_token": client.cookies.get("hub_csrf") or ""}
    )
    assert posted.status_code == 403
    token = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    api = client.post(f"/api/v1/advisers/{actor_id}/dossiers", json=body, headers=token)
    assert api.status_code == 403 and "Seuls les membres" in api.json()["detail"]
    assert _dossiers(database) == 0
    client.post("/deconnexion", data={"_csrf_token": client.cookies.get("hub_csrf") or ""})
    sign_in(client, ADMIN)
    token = {"x-csrftoken": client.cookies.get("hub_csrf") or ""}
    assert client.post(f"/api/v1/advisers/{actor_id}/dossiers", json=body, headers=token).status_code == 201
    assert _dossiers(database) == 1


def test_no_rate_below_the_minimum_and_a_clear_refusal(client: TestClient[Litestar], database: Database) -> None:
    actor_id, slug = _incubator(database)
    _add(database, actor_id, [(Authority.HAS, Outcome.REJECTED_FORMAL)] * 9 + [(Authority.ANSM, Outcome.PENDING)] * 5)
    page = client.get(f"/conseillers/{slug}").text
    assert "Pas de taux publié : 9 dossiers décidés, il en faut 10" in page and "il en manque 1" in page
    assert " %" not in page.split('id="taux"')[1].split("</p>")[0]
    refusal = client.get(f"/conseillers/{slug}/taux-de-rejet")
    assert refusal.status_code == 422
    assert (
        "Aucun taux n’est publié pour Incubateur Santé Test : 9 dossiers décidés, il en faut au moins 10."
        in refusal.text
    )
    problem = client.get(f"/api/v1/advisers/{actor_id}/rejection-rate")
    assert problem.status_code == 422 and problem.headers["content-type"].startswith("application/problem+json")
    assert problem.json()["title"] == "Trop peu de dossiers pour publier un taux"
    assert "9 dossiers décidés, il en faut au moins 10" in problem.json()["detail"]
    listed = client.get("/api/v1/advisers").json()
    line = next(i for i in listed["items"] if i["id"] == actor_id)
    assert line["rate"] is None and line["rejected_formal"] is None and line["decided"] == 9 and line["pending"] == 5
    assert listed["minimum_decided_dossiers"] == 10


def test_the_rate_with_its_counts_by_authority(client: TestClient[Litestar], database: Database) -> None:
    actor_id, slug = _incubator(database)
    _add(
        database,
        actor_id,
        [(Authority.HAS, Outcome.REJECTED_FORMAL)] * 3
        + [(Authority.HAS, Outcome.ACCEPTED)] * 7
        + [(Authority.CNIL, Outcome.REJECTED_MERITS)] * 2
        + [(Authority.CNIL, Outcome.PENDING)],
    )
    body = client.get(f"/api/v1/advisers/{actor_id}/rejection-rate").json()
    assert body["overall"] == {"rejected_formal": 3, "decided": 12, "pending": 1, "rate": 0.25, "percent": 25}
    assert body["by_authority"] == [
        {"authority": "has", "rejected_formal": 3, "decided": 10, "pending": 0, "rate": 0.3, "percent": 30},
        {"authority": "cnil", "rejected_formal": None, "decided": 2, "pending": 1, "rate": None, "percent": None},
    ]
    page = client.get(f"/conseillers/{slug}/taux-de-rejet")
    assert page.status_code == 200
    assert "25 % des dossiers décidés ont été rejetés pour un motif administratif ou de forme : 3 sur 12." in page.text
    assert "Pas de taux (moins de 10 dossiers décidés)" in page.text  # the CNIL line
    listing = client.get("/conseillers").text
    assert "25 % (3 sur 12 dossiers décidés)" in listing


def test_a_company_becomes_a_consultant_when_a_member_declares_it(
    client: TestClient[Litestar], database: Database
) -> None:
    with database.session() as session:
        boss = viewer_for(session, make_account(session, "cabinet@example.fr"))
        company = make_actor(session, boss, name="Cabinet Réglementaire Test", kind="company", departement="75")
        make_account(session, OTHER)
        session.commit()
        company_id, slug = company.id, company.slug
    assert client.get(f"/conseillers/{slug}").status_code == 404
    sign_in(client, OTHER)
    token = client.cookies.get("hub_csrf") or ""
    assert (
        client.post("/conseillers/declaration", data={"actor_id": str(company_id), "_csrf_token": token}).status_code
        == 403
    )
    client.post("/deconnexion", data={"_csrf_token": token})
    sign_in(client, "cabinet@example.fr")
    listing = client.get("/conseillers").text
    assert "Votre entreprise est un cabinet de conseil ?" in listing
    response = client.post(
        "/conseillers/declaration",
        data={"actor_id": str(company_id), "_csrf_token": csrf_from(listing)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"].startswith(f"/conseillers/{slug}")
    assert f'href="/conseillers/{slug}"' in client.get("/conseillers").text
    again = client.post(
        "/conseillers/declaration", data={"actor_id": str(company_id), "_csrf_token": csrf_from(listing)}
    )
    assert again.status_code == 409


def test_actors_that_are_not_advisers_have_no_page(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        hospital = session.exec(select(Actor).where(col(Actor.kind) == "health_establishment")).first()
        assert hospital is not None
    assert client.get(f"/conseillers/{hospital.slug}").status_code == 404
    assert client.get(f"/api/v1/advisers/{hospital.id}/rejection-rate").status_code == 404
    assert f"/conseillers/{hospital.slug}" not in client.get("/conseillers").text
