"""E-mail over SMTP is encrypted (ASVS 9.2.1 / 9.2.2): against a real SMTP server on loopback that does not offer
STARTTLS, the hub sends nothing unless told to send in clear, which production refuses; failures log no address."""

from __future__ import annotations

import logging
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.exchanges.mail import Mail, deliver
from hub.settings import Settings, SettingsError


class _PlainSmtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib, without STARTTLS: each received message is kept on the server."""

    def handle(self) -> None:
        def say(line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        say("220 plain.test ESMTP")
        while line := self.rfile.readline().decode().strip():
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                say("250-plain.test")
                say("250 SIZE 1000000")
            elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                say("250 OK")
            elif verb == "DATA":
                say("354 end with .")
                body = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body += chunk
                self.server.received.append(body)  # type: ignore[attr-defined]
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                return
            else:
                say("502 not implemented")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[bytes]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _PlainSmtp)
    server.daemon_threads = True
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def _settings(tmp_path: Path, port: int, security: str) -> Settings:
    return Settings(
        var_dir=tmp_path, mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=port, smtp_security=security
    )


MAIL = Mail(to="infirmiere@hopital.example.fr", subject="Demande de mise en relation", body="Bonjour")


def test_a_server_without_starttls_gets_nothing_and_the_log_names_no_address(
    smtp_server: tuple[int, list[bytes]], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port, received = smtp_server
    with caplog.at_level(logging.ERROR, logger="hub"):
        assert deliver(_settings(tmp_path, port, "starttls"), [MAIL]) == 0
    assert received == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "not delivered" in logged and "hopital.example.fr" in logged
    assert "infirmiere@" not in logged


def test_in_clear_only_when_asked_and_never_in_production(smtp_server: tuple[int, list[bytes]], tmp_path: Path) -> None:
    port, received = smtp_server
    assert deliver(_settings(tmp_path, port, "none"), [MAIL]) == 1
    assert len(received) == 1 and b"Demande de mise en relation" in received[0]
    with pytest.raises(SettingsError, match="HUB_SMTP_SECURITY=none"):
        Settings(
            mode="production",
            secret_key="s" * 40,
            database_url="sqlite:///x.sqlite3",
            mail_backend="smtp",
            smtp_host="127.0.0.1",
            smtp_security="none",
        )
