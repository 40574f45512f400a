"""A person's right of access (GDPR art. 15 and 20): everything the hub holds about an account, as JSON.

The export walks the schema rather than a hand-kept list: every table with a foreign key to `account` or
`person` contributes the rows that point to this person, so a table added later is exported the day it is
added. Secrets are never exported (password and session-token hashes).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response, get
from litestar.response import Template
from sqlalchemy import Column, Table, or_, select
from sqlmodel import Session, col
from sqlmodel import select as select_models

from hub.accounts.models import Account, LoginAttempt, Person
from hub.accounts.services import SESSION_ABSOLUTE_TIMEOUT, SESSION_IDLE_TIMEOUT, THROTTLE_WINDOW
from hub.audit.services import ACCESS_RECORD_RETENTION
from hub.db import metadata
from hub.exchanges.mail import OUTBOX_RETENTION
from hub.places.services import GUEST_CONTACT_RETENTION
from hub.web import CurrentViewer, DbSession, in_thread, page, require_viewer

# Columns that hold secrets or their hashes: their presence is stated, their value never leaves the server.
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "secret", "secret_hash"})
FORMAT_VERSION = 1


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | dict | str | int | float | bool) or value is None:
        return value
    return str(value)


def _row(table: Table, row: Any) -> dict[str, Any]:
    return {
        column.name: ("(secret, non exporté)" if column.name in SECRET_COLUMNS else _json_value(row._mapping[column]))
        for column in table.columns
    }


def _references(table: Table, target: str) -> list[Column[Any]]:
    """The columns of `table` that are foreign keys to `target`.id."""
    return [
        column
        for column in table.columns
        for key in column.foreign_keys
        if key.column.table.name == target and key.column.name == "id"
    ]


def personal_data(session: Session, account_id: int) -> dict[str, Any]:
    """Every row the hub holds about the account, grouped by table (JSON-ready)."""
    account = session.get(Account, account_id)
    if account is None:
        raise LookupError(account_id)
    person = session.exec(select_models(Person).where(col(Person.account_id) == account_id)).first()
    tables: dict[str, list[dict[str, Any]]] = {}
    account_table = metadata.tables["account"]
    person_table = metadata.tables["person"]
    tables["account"] = [
        _row(account_table, session.execute(select(account_table).where(account_table.c.id == account_id)).one())
    ]
    if person is not None:
        tables["person"] = [
            _row(person_table, session.execute(select(person_table).where(person_table.c.id == person.id)).one())
        ]
    owners = {"account": account_id, "person": person.id if person is not None else None}
    for table in metadata.sorted_tables:
        if table.name in ("account", "person"):
            continue
        conditions = [
            column == owner_id
            for target, owner_id in owners.items()
            if owner_id is not None
            for column in _references(table, target)
        ]
        if not conditions:
            continue
        statement = select(table).where(or_(*conditions))
        rows = [_row(table, row) for row in session.execute(statement).all()]
        if rows:
            tables[table.name] = rows
    attempts = session.exec(select_models(LoginAttempt).where(col(LoginAttempt.key) == f"email:{account.email}")).all()
    if attempts:
        tables["login_attempt"] = [{"created_at": _json_value(a.created_at)} for a in attempts]
    return {
        "format": FORMAT_VERSION,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(),
        "account_id": account_id,
        "note": (
            "Toutes les données que le lab e-santé détient sur votre compte, table par table. "
            "Les mots de passe et jetons de session ne sont jamais exportés."
        ),
        "tables": tables,
    }


# Pages: the right of access from the person's account.


@get("/compte/mes-donnees", name="privacy.my_data")
@in_thread
def my_data_page(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """What the hub holds about the person, table by table, and the download of it all."""
    signed_in = require_viewer(viewer)
    data = personal_data(db_session, signed_in.account_id)
    counts = {name: len(rows) for name, rows in data["tables"].items()}
    return page(request, "accounts/my_data.html", viewer, counts=counts)


@get("/compte/mes-donnees.json", name="privacy.my_data_json")
@in_thread
def my_data_json(db_session: DbSession, viewer: CurrentViewer) -> Response[dict[str, Any]]:
    """The download: every row about the person, as JSON (GDPR art. 15 and 20)."""
    signed_in = require_viewer(viewer)
    data = personal_data(db_session, signed_in.account_id)
    filename = f"lab-esante-mes-donnees-{dt.datetime.now(dt.UTC).date().isoformat()}.json"
    return Response(
        content=data,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@get("/donnees-personnelles", name="privacy.notice", sync_to_thread=False)
def privacy_notice(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """The privacy notice (GDPR art. 13): what the hub does with personal data, why, how long, and people's rights.

    Written from docs/gdpr-register.md; the durations are read from the code that enforces them.
    """
    settings = request.app.state.settings
    return page(
        request,
        "pages/privacy.html",
        viewer,
        contact=settings.privacy_contact,
        idle_minutes=int(SESSION_IDLE_TIMEOUT.total_seconds() // 60),
        absolute_hours=int(SESSION_ABSOLUTE_TIMEOUT.total_seconds() // 3600),
        throttle_minutes=int(THROTTLE_WINDOW.total_seconds() // 60),
        access_record_months=ACCESS_RECORD_RETENTION.days // 30,
        outbox_days=OUTBOX_RETENTION.days,
        guest_contact_months=GUEST_CONTACT_RETENTION.days // 30,
    )


ROUTES = [my_data_page, my_data_json, privacy_notice]
