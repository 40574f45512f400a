"""Recording, listing and purging access records (ASVS 8.3.5); no HTTP types."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, func, select

from hub.accounts.models import Account, Person
from hub.accounts.viewer import Viewer
from hub.audit.models import AccessKind, AccessRecord
from hub.db import utcnow
from hub.listing import Page, check_page_exists

# How long an access record is kept: one year, the upper end of the six months to one year that the CNIL recommends
# for access logs (recommandation « journalisation », 2021), so that a person who asks in the year who read their
# data gets an answer. Older records are deleted each time a new one is written (docs/gdpr-register.md).
ACCESS_RECORD_RETENTION = timedelta(days=365)


@dataclass(frozen=True)
class ReadPlace:
    """Where a read happened: the route template, the request id and the client address (as the security log)."""

    route: str
    request_id: str
    client_address: str


def record_access(
    session: Session,
    reader: Viewer,
    kind: AccessKind,
    where: ReadPlace,
    *,
    person_ids: Iterable[int | None] = (),
    record_ids: Iterable[str] = (),
    now: datetime | None = None,
) -> AccessRecord | None:
    """Add to the current transaction the record that `reader` read these people's and records' data.

    The reader's own account is left out of `person_ids`; a page that showed nobody else and no record (the
    callers leave out the reader's own records) is not recorded and None is returned. Records older than
    ACCESS_RECORD_RETENTION are deleted on the way, so the table holds one year at most.
    """
    persons = sorted({i for i in person_ids if i is not None and i != reader.account_id})
    records = list(dict.fromkeys(record_ids))
    if not persons and not records:
        return None
    now = now or utcnow()
    session.exec(delete(AccessRecord).where(col(AccessRecord.created_at) < now - ACCESS_RECORD_RETENTION))
    record = AccessRecord(
        account_id=reader.account_id,
        kind=kind,
        route=where.route[:200],
        person_ids=persons,
        record_ids=records,
        request_id=where.request_id[:64],
        client_address=where.client_address[:64],
        created_at=now,
    )
    session.add(record)
    session.flush()
    return record


def account_ids_of(session: Session, emails: Iterable[str]) -> list[int]:
    """The ids of the accounts with these e-mail addresses (an address without an account has none)."""
    wanted = sorted({email.strip().lower() for email in emails if email.strip()})
    if not wanted:
        return []
    return sorted(i for i in session.exec(select(Account.id).where(col(Account.email).in_(wanted))).all() if i)


def list_access_records(session: Session, *, page: int, per_page: int) -> Page[AccessRecord]:
    """One page of the access records, newest first."""
    total = session.exec(select(func.count()).select_from(AccessRecord)).one()
    check_page_exists(page, per_page, total)
    rows = session.exec(
        select(AccessRecord)
        .order_by(col(AccessRecord.created_at).desc(), col(AccessRecord.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(items=rows, total=total, page=page, per_page=per_page)


def reader_names(session: Session, records: Iterable[AccessRecord]) -> dict[int, str]:
    """The display names of the readers of these records (the staff who read, not the people read)."""
    ids = {r.account_id for r in records}
    if not ids:
        return {}
    rows = session.exec(select(Person.account_id, Person.display_name).where(col(Person.account_id).in_(ids))).all()
    return dict(rows)
