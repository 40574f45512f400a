"""Retention purge: the personal data that no request ever deletes, removed once its time is up (`hub privacy purge`).

Two kinds, each with its duration next to the code that uses the data, and each all or nothing on its own: the mail
outbox's files (OUTBOX_RETENTION, hub/exchanges/mail.py) and the names and contacts of people registered to a
meeting without an account (GUEST_CONTACT_RETENTION, hub/places/services.py), erased in one transaction. Running it
again deletes nothing more until more data is past its limit; nothing newer than the limit is touched. The other
retention rules are applied as the hub works (sessions, failed sign-ins, access records): docs/gdpr-register.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.db import Database
from hub.exchanges.mail import purge_outbox
from hub.places.services import erase_past_guest_contacts
from hub.settings import Settings


@dataclass(frozen=True)
class PurgeReport:
    """What one purge deleted (or, in a dry run, would delete), kind by kind."""

    outbox_files: int
    outbox_failures: int
    guest_contacts: int
    dry_run: bool


def purge_expired(database: Database, settings: Settings, now: datetime, *, dry_run: bool = False) -> PurgeReport:
    """Delete what is past its retention at `now`; a dry run counts it and changes nothing."""
    outbox = purge_outbox(settings, now, dry_run=dry_run)
    with database.transaction() as session:
        guests = erase_past_guest_contacts(session, now, dry_run=dry_run)
    return PurgeReport(
        outbox_files=outbox.deleted, outbox_failures=outbox.failed, guest_contacts=guests, dry_run=dry_run
    )
