"""Shared set-up for field feedback and moderation tests: institutions, decision-makers, page readers."""

from __future__ import annotations

import re
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Account, Person, Role
from hub.db import Database
from hub.directory.models import Actor, ActorKind
from tests.factories import csrf_from, make_account, sign_in

BODY = "Le remboursement de la télésurveillance exige un marquage que notre dispositif ne peut pas encore obtenir."


NAMES = {
    "HAS": "Haute Autorité de santé",
    "ANSM": "Agence nationale de sécurité du médicament et des produits de santé",
    "CNIL": "Commission nationale de l'informatique et des libertés",
    "ARS-NA": "ARS Nouvelle-Aquitaine",
}


def institution(database: Database, acronym: str) -> Actor:
    """A seeded public body (one of NAMES)."""
    with database.session() as session:
        found = session.exec(
            select(Actor).where(col(Actor.name) == NAMES[acronym], col(Actor.kind) == ActorKind.PUBLIC_BODY)
        ).first()
        assert found is not None, acronym
        return found


def decision_maker(database: Database, email: str, institution_id: int | None) -> None:
    """An account with the decision-maker role whose profile names the institution (as an approved member would)."""
    with database.session() as session:
        account = make_account(session, email, roles=(Role.DECISION_MAKER,))
        person = session.exec(select(Person).where(col(Person.account_id) == account.id)).one()
        person.organisation_id = institution_id
        session.add(person)
        session.commit()


def member(database: Database, email: str, *roles: Role) -> int:
    """A plain account (with optional roles); its id."""
    with database.session() as session:
        account = make_account(session, email, roles=roles)
        session.commit()
        assert account.id is not None
        return account.id


def account_id(database: Database, email: str) -> int:
    """The id of the account with this e-mail."""
    with database.session() as session:
        found = session.exec(select(Account.id).where(col(Account.email) == email)).one()
        assert found is not None
        return found


def switch_to(client: TestClient[Litestar], email: str) -> None:
    """Sign out, then sign in as someone else."""
    client.post("/deconnexion", data={"_csrf_token": client.cookies.get("hub_csrf") or ""}, follow_redirects=False)
    sign_in(client, email)


def token(client: TestClient[Litestar]) -> dict[str, str]:
    """The CSRF header for API writes."""
    return {"x-csrftoken": client.cookies.get("hub_csrf") or ""}


def raise_feedback(client: TestClient[Litestar], institution_id: int, **changes: Any) -> httpx.Response:
    """Fill and send the feedback form as the signed-in person."""
    form = client.get(f"/remontees/nouvelle?organisme={institution_id}")
    assert form.status_code == 200, form.text[:500]
    data = {
        "institution_id": str(institution_id),
        "category": "reimbursement",
        "author_capacity": "health_professional",
        "title": "Le forfait de télésurveillance ne couvre pas les infirmières",
        "body": BODY,
        "sector_code": "",
        "departement": "33",
        "show_author": "on",
        "_csrf_token": csrf_from(form.text),
    } | changes
    return client.post("/remontees/nouvelle", data=data, follow_redirects=False)


def post_form(client: TestClient[Litestar], page_url: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Post a form found on `page_url` (its CSRF token) to `action`."""
    html = client.get(page_url).text
    return client.post(action, data=data | {"_csrf_token": csrf_from(html)}, follow_redirects=False)


def field_error(html: str, field: str) -> str:
    """The French error shown next to a form field ('' when there is none)."""
    found = re.search(rf'id="{field}-erreur"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def text_of(html: str, element_id: str) -> str:
    """The text of the element with this id (tags stripped, spaces collapsed)."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|dd|div|span|td)>', html, re.S)
    assert found, f"no #{element_id} in the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())
