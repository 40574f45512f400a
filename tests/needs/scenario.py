"""Shared set-up for the needs tests: people (a referent with an assignment), a need, page readers."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session, col, select

from hub.accounts.models import Account, Role
from hub.accounts.services import viewer_for
from hub.accounts.viewer import Viewer
from hub.db import Database, utcnow
from hub.needs.models import Need
from hub.needs.services import create_need
from hub.needs.shapes import NeedInput
from hub.referents.models import ReferentAssignment, ReferentRole
from tests.factories import make_account, sign_in

NEED = {
    "title": "Suivre à distance les plaies des patients à domicile",
    "description": "Les infirmières libérales n’ont aucun moyen simple de partager une photo de plaie avec le médecin.",
    "sectors": ["dermatologie"],
    "affected": ["patients", "professionals"],
    "territory": "dep-33",
}


def switch_to(client: TestClient[Litestar], email: str) -> None:
    """Sign out, then sign in as someone else."""
    client.post("/deconnexion", data={"_csrf_token": client.cookies.get("hub_csrf") or ""}, follow_redirects=False)
    sign_in(client, email)


def viewer_of(session: Session, email: str) -> Viewer:
    """The signed-in view of the account with this e-mail."""
    return viewer_for(session, session.exec(select(Account).where(col(Account.email) == email)).one())


def people(database: Database, *emails: str, roles: tuple[Role, ...] = ()) -> None:
    """Accounts with these e-mails."""
    with database.session() as session:
        for email in emails:
            make_account(session, email, roles=roles)
        session.commit()


def referent(
    database: Database, email: str, territory: str = "reg-75", sectors: tuple[str, ...] = ("dermatologie",)
) -> None:
    """A referent account with a current assignment (Nouvelle-Aquitaine covers the Gironde, dep-33)."""
    with database.session() as session:
        account = make_account(session, email, roles=(Role.REFERENT,))
        assert account.id is not None
        session.add(
            ReferentAssignment(
                account_id=account.id,
                territory_id=territory,
                sectors=list(sectors),
                role=ReferentRole.TITULAIRE,
                starts_on=utcnow().date() - timedelta(days=30),
            )
        )
        session.commit()


def raise_need(database: Database, email: str, **changes: Any) -> int:
    """A need raised by the account `email` (created if missing); its id."""
    with database.session() as session:
        account = session.exec(select(Account).where(col(Account.email) == email)).first()
        if account is None:
            account = make_account(session, email)
        need = create_need(session, viewer_for(session, account), NeedInput.model_validate(NEED | changes))
        session.commit()
        assert need.id is not None
        return need.id


def need_count(database: Database) -> int:
    """How many needs exist."""
    with database.session() as session:
        return len(session.exec(select(Need.id)).all())


def field_error(html: str, field: str) -> str:
    """The French error shown next to a form field ('' when there is none)."""
    found = re.search(rf'id="{field}-erreur"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def csrf_headers(client: TestClient[Litestar]) -> dict[str, str]:
    """The API's CSRF header for the signed-in client."""
    token = client.cookies.get("hub_csrf")
    assert token
    return {"x-csrftoken": token}
