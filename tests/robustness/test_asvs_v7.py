"""ASVS 4.0.3 chapter V7 (errors and logging): log lines cannot be forged, and every error has a handler."""

from __future__ import annotations

import json
import logging

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from hub.accounts.services import THROTTLE_MAX_FAILURES
from hub.db import Database
from hub.observability import JsonFormatter, RequestIdFilter, request_id_var
from hub.web import handle_database_unavailable, handle_integrity_error, handle_server_error
from tests.factories import PASSWORD, csrf_from, make_account, sign_in


def test_a_forged_log_line_stays_inside_one_json_record() -> None:  # ASVS 7.3.1 (log injection), 7.1.4
    hostile = 'dupont@example.fr\n{"time": "2026-01-01T00:00:00+0000", "level": "INFO", "message": "login ok"}\r\n'
    record = logging.LogRecord("hub.web", logging.WARNING, __file__, 1, "refused sign-in for %s", (hostile,), None)
    token = request_id_var.set("req-12345678")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = JsonFormatter().format(record)
    assert "\n" not in line and "\r" not in line
    payload = json.loads(line)
    assert payload["message"] == "refused sign-in for " + hostile  # kept whole, as data
    # What an investigation needs to place the event on a timeline (ASVS 7.1.4).
    assert payload["time"] and payload["level"] == "WARNING" and payload["logger"] == "hub.web"
    assert payload["request_id"] == "req-12345678"


def test_the_application_has_a_last_resort_error_handler(app: Litestar) -> None:  # ASVS 7.4.2, 7.4.3
    handlers = app.exception_handlers
    assert handlers[Exception] is handle_server_error
    assert handlers[OperationalError] is handle_database_unavailable
    assert handlers[InterfaceError] is handle_database_unavailable
    assert handlers[IntegrityError] is handle_integrity_error
    assert app.debug is False


def test_sign_ins_sign_outs_and_refusals_are_logged_without_personal_data(  # ASVS 7.1.3, 7.2.1, 7.2.2
    client: TestClient[Litestar], database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with database.session() as session:
        account = make_account(session, "journal@example.fr")
        session.commit()
    caplog.set_level(logging.INFO, logger="hub.security")
    sign_in(client, "journal@example.fr")
    response = client.post(
        "/deconnexion", data={"_csrf_token": csrf_from(client.get("/").text)}, follow_redirects=False
    )
    assert response.headers["clear-site-data"] == '"cache"'  # ASVS 8.2.3
    token = csrf_from(client.get("/connexion").text)
    for _ in range(THROTTLE_MAX_FAILURES + 1):
        client.post(
            "/connexion", data={"email": "journal@example.fr", "password": "faux faux faux", "_csrf_token": token}
        )
    client.post("/api/v1/actors", json={"name": "Sans jeton"})  # no CSRF header: refused
    lines = [record.getMessage() for record in caplog.records if record.name == "hub.security"]
    assert f"sign-in of account {account.id} from testclient" in lines and "sign-out" in lines
    assert sum("sign-in refused" in line for line in lines) == THROTTLE_MAX_FAILURES
    assert any("sign-in throttled" in line for line in lines)
    assert any("access refused (403 csrf) on POST /api/v1/actors" in line for line in lines)
    every = "\n".join(record.getMessage() for record in caplog.records)
    assert "journal@" not in every and PASSWORD not in every and "faux faux" not in every


def test_statement_parameters_never_reach_error_messages(database: Database) -> None:  # ASVS 7.1.2
    with pytest.raises(DBAPIError) as failure, database.session() as session:
        session.execute(text("SELECT CAST(:email AS INTEGER) / 0 FROM no_such_table"), {"email": "secret@example.fr"})
    assert "secret@example.fr" not in str(failure.value)
