"""Helpers for the bank's page tests: people who can sign in, form submission with their key, HTML readers."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, func, select, update

from hub.accounts.models import Account
from hub.accounts.services import hash_password
from hub.db import Database
from hub.ledger.models import LedgerEntry, LedgerTransfer
from tests.factories import PASSWORD, csrf_from, sign_in
from tests.ledger.conftest import Bank, build_bank

DEPOSITOR = "soignant0@chu.example.fr"
OTHER_DEPOSITOR = "soignant1@chu.example.fr"
APPROVER = "validatrice@chu.example.fr"
DRAWER = "contributeur@example.fr"
LEAD = "pilote@example.fr"
ADMIN = "admin@lab.example.fr"
UNDECLARED = "sans-declaration@chu.example.fr"
KEY_FIELD = re.compile(r'name="cle" value="([^"]+)"')


def bank_with_logins(database: Database, *, cap_minutes: int = 6000) -> Bank:
    """The ledger tests' bank, where everyone can sign in with the factories' password (one argon2 hash)."""
    with database.transaction() as session:
        bank = build_bank(session, cap_minutes=cap_minutes)
        hashed = hash_password(PASSWORD)
        session.exec(update(Account).where(col(Account.email).endswith("example.fr")).values(password_hash=hashed))
    return bank


def switch_to(client: TestClient[Litestar], email: str) -> None:
    """Sign out, then sign in as someone else."""
    client.post("/deconnexion", data={"_csrf_token": client.cookies.get("hub_csrf") or ""}, follow_redirects=False)
    sign_in(client, email)


def form_fields(html: str) -> dict[str, str]:
    """The CSRF token and the idempotency key of the first form of a page."""
    key = KEY_FIELD.search(html)
    assert key, "no idempotency key in the page"
    return {"_csrf_token": csrf_from(html), "cle": key.group(1)}


def post_form(client: TestClient[Litestar], form_page: str, action: str, **fields: str) -> tuple[int, str, str]:
    """Open a form page, submit `fields` with its tokens; returns (status, location, body)."""
    page = client.get(form_page)
    assert page.status_code == 200, page.text[:500]
    response = client.post(action, data=form_fields(page.text) | fields, follow_redirects=False)
    return response.status_code, response.headers.get("location", ""), response.text


def counts(database: Database) -> tuple[int, int]:
    """(transfers, journal entries) in the ledger."""
    with database.session() as session:
        transfers = session.exec(select(func.count()).select_from(LedgerTransfer)).one()
        entries = session.exec(select(func.count()).select_from(LedgerEntry)).one()
        return int(transfers), int(entries)


def transfer_ids(database: Database, kind: str) -> list[int]:
    """Ids of the transfers of one kind, oldest first."""
    with database.session() as session:
        rows = session.exec(
            select(LedgerTransfer.id).where(col(LedgerTransfer.kind) == kind).order_by(col(LedgerTransfer.id))
        ).all()
        return [int(i or 0) for i in rows]


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.in_body = False
        self.pending_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "div" and values.get("id"):
            self.pending_id = values["id"]
        elif tag == "table":
            self.current = self.pending_id or f"table-{len(self.tables)}"
            self.tables[self.current] = []
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None and self.current is not None:
            self.tables[self.current].append(self.row)
            self.row = None
        elif tag == "tbody":
            self.in_body = False
        elif tag == "table":
            self.current = None
            self.pending_id = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table wrapped in the element with this id, as cell texts."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables[table_id]


def csv_rows(text: str) -> list[list[str]]:
    """A CSV download as rows (the header first)."""
    return list(csv.reader(io.StringIO(text)))


def field_error(html: str, name: str) -> str:
    """The French error shown under a field ('' when none)."""
    found = re.search(rf'id="{name}-erreur"[^>]*>([^<]*)<', html)
    return found.group(1).strip() if found else ""


def refused_rule(html: str) -> str:
    """The code of the rule a page says refused the request ('' when none)."""
    found = re.search(r'id="refus" data-rule="([a-z_]+)"', html)
    return found.group(1) if found else ""
