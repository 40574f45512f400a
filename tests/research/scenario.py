"""Shared set-up for research valorisation tests: a researcher, her unit's valorisation officer, a company."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import TestClient

from hub.accounts.models import Role
from hub.accounts.services import viewer_for
from hub.db import Database
from tests.factories import csrf_from, make_account, make_actor, sign_in

RESEARCHER = "chercheuse@example.fr"
INSTITUTION = "valorisation@example.fr"
COMPANY = "entreprise@example.fr"
OUTSIDER = "curieux@example.fr"
ADMIN = "admin-valo@example.fr"


@dataclass(frozen=True)
class Cast:
    """The actors of a scenario, by id and slug."""

    unit_id: int
    unit_slug: str
    holder_id: int
    holder_slug: str
    company_id: int
    company_slug: str


def cast(database: Database) -> Cast:
    """People and structures: the officer represents the unit and the IP holder; the company has one member."""
    with database.session() as session:
        make_account(session, RESEARCHER)
        make_account(session, OUTSIDER)
        make_account(session, ADMIN, roles=(Role.ADMIN,))
        officer = viewer_for(session, make_account(session, INSTITUTION))
        unit = make_actor(
            session, officer, name="Laboratoire d’imagerie cardiaque", kind="research_unit", departement="33"
        )
        holder = make_actor(session, officer, name="Université de Bordeaux-Test", kind="university", departement="33")
        boss = viewer_for(session, make_account(session, COMPANY))
        company = make_actor(session, boss, name="CardioSoft SAS", kind="company", departement="33")
        session.commit()
        assert unit.id and holder.id and company.id
        return Cast(unit.id, unit.slug, holder.id, holder.slug, company.id, company.slug)


def switch_to(client: TestClient[Litestar], email: str) -> None:
    """Sign out (if signed in), then sign in as `email`."""
    client.post("/deconnexion", data={"_csrf_token": client.cookies.get("hub_csrf") or ""}, follow_redirects=False)
    sign_in(client, email)


def api(client: TestClient[Litestar], path: str, body: dict[str, Any]) -> httpx.Response:
    """POST JSON to the API with the CSRF header."""
    client.get("/valorisation")  # sets the CSRF cookie
    return client.post(path, json=body, headers={"x-csrftoken": client.cookies.get("hub_csrf") or ""})


def record(client: TestClient[Litestar], c: Cast, **changes: Any) -> httpx.Response:
    """Submit the result form as the signed-in person."""
    form = client.get("/valorisation/nouveau")
    data: dict[str, Any] = {
        "title": "Segmentation automatique du ventricule gauche en IRM",
        "summary": "Un modèle qui mesure la fraction d’éjection.",
        "research_unit": c.unit_slug,
        "grant_reference": "ANR-21-CE17-0001",
        "ip_holder": f"/annuaire/{c.holder_slug}",
        "sectors": ["cardio"],
        "intent": "undecided",
        "_csrf_token": csrf_from(form.text),
    } | changes
    return client.post("/valorisation/nouveau", data=data, follow_redirects=False)


def post_form(client: TestClient[Litestar], path: str, data: dict[str, Any]) -> httpx.Response:
    """Post a form of the result's page (CSRF token from the cookie)."""
    return client.post(path, data=data | {"_csrf_token": client.cookies.get("hub_csrf") or ""}, follow_redirects=False)
