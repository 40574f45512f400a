"""E-mails of the hub: written as .eml files to the outbox in local use, or sent through SMTP."""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path

from hub.settings import Settings

log = logging.getLogger("hub.exchanges.mail")


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
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
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
