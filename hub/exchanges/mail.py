"""E-mails of the hub: written as .eml files to the outbox in local use, or sent through SMTP."""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path

from hub.settings import Settings

log = logging.getLogger("hub.exchanges.mail")

# How long an e-mail stays in the local outbox: 30 days. The outbox is a fallback for a hub without an SMTP server,
# and each file is a copy: every e-mail is made by `notify` (hub/exchanges/services.py), which leaves the same news
# as a notification in the recipient's account, with the link to the page that holds the details, in the transaction
# that caused it. A month lets administrators see what the hub wrote and check a delivery problem; older copies are
# deleted by `hub privacy purge` (docs/gdpr-register.md).
OUTBOX_RETENTION = timedelta(days=30)
# An outbox file is named `<UTC time, to the second>-<random>.eml`; the purge reads the time back from the name.
OUTBOX_STAMP_FORMAT = "%Y%m%dT%H%M%S"


@dataclass(frozen=True)
class Mail:
    """One e-mail to send once the change that caused it is committed."""

    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class OutboxEntry:
    """An e-mail written to the local outbox, as the administration page lists it."""

    name: str
    to: str
    subject: str
    date: str
    body: str


def _message(settings: Settings, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message.set_content(mail.body + "\n\n— Le lab e-santé\n")
    return message


def deliver(settings: Settings, mails: Iterable[Mail]) -> int:
    """Send `mails` with the configured backend; a failure is logged, never shown to the person (the in-hub
    notification already holds the message). Returns how many were delivered."""
    delivered = 0
    for mail in mails:
        message = _message(settings, mail)
        try:
            if settings.mail_backend == "outbox":
                folder = settings.mail_outbox_dir
                folder.mkdir(parents=True, exist_ok=True)
                stamp = datetime.now(UTC).strftime(OUTBOX_STAMP_FORMAT)
                (folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(bytes(message))
            else:
                _send(settings, message)
            delivered += 1
        except (OSError, smtplib.SMTPException):
            # the address is personal data: the log names its domain only
            log.exception("e-mail to an address at %s not delivered", mail.to.rpartition("@")[2])
    return delivered


def _send(settings: Settings, message: EmailMessage) -> None:
    """Send over SMTP, encrypted unless `smtp_security` is `none` (refused in production): STARTTLS is required
    (a server that does not offer it gets nothing) and the server's certificate and name are checked."""
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_security == "tls":
        smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=10, context=context)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


def _read(path: Path) -> OutboxEntry:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    body = message.get_body(preferencelist=("plain",))
    return OutboxEntry(
        name=path.name,
        to=str(message["To"] or ""),
        subject=str(message["Subject"] or ""),
        date=str(message["Date"] or ""),
        body=body.get_content() if body is not None else "",
    )


def list_outbox(settings: Settings, limit: int = 200) -> list[OutboxEntry]:
    """The latest e-mails written to the local outbox, newest first."""
    folder = settings.mail_outbox_dir
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), key=lambda p: p.name, reverse=True)[:limit]
    return [_read(path) for path in paths]


@dataclass(frozen=True)
class OutboxPurge:
    """What a purge of the outbox did (or would do, in a dry run)."""

    deleted: int
    failed: int


def _written_before(path: Path, limit: datetime) -> bool:
    """Whether the hub wrote the file before `limit`: by the time in its name, rounded down to the second (so the
    whole second must be before the limit: a file is never taken for older than it is), or by its modification time
    for an .eml file named otherwise."""
    try:
        stamp = datetime.strptime(path.name[: len("YYYYmmddTHHMMSS")], OUTBOX_STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC) < limit
    return stamp + timedelta(seconds=1) <= limit


def expired_outbox_files(settings: Settings, now: datetime) -> list[Path]:
    """The outbox's e-mails written before `now - OUTBOX_RETENTION`, oldest first."""
    folder = settings.mail_outbox_dir
    if not folder.is_dir():
        return []
    limit = now - OUTBOX_RETENTION
    return sorted((path for path in folder.glob("*.eml") if _written_before(path, limit)), key=lambda p: p.name)


def purge_outbox(settings: Settings, now: datetime, *, dry_run: bool = False) -> OutboxPurge:
    """Delete the outbox's e-mails older than OUTBOX_RETENTION (a dry run only counts them). Each file stands alone:
    one that cannot be deleted is counted as failed (and logged without its address) and the others still go; the
    next run deletes what is left."""
    expired = expired_outbox_files(settings, now)
    if dry_run:
        return OutboxPurge(deleted=len(expired), failed=0)
    deleted = failed = 0
    for path in expired:
        try:
            path.unlink(missing_ok=True)  # a concurrent run may have deleted it first
            deleted += 1
        except OSError:
            log.exception("outbox file %s not deleted", path.name)
            failed += 1
    return OutboxPurge(deleted=deleted, failed=failed)
