"""Auditing a read from a page or an API answer: where it happened (route, request id, client address), the
durable record, and one line in the security log.

Handlers call `audit_read` after their access checks passed and once the data is loaded, so a refused access
leaves no read record (the refusal itself is in the security log, hub.web)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar import Request
from sqlmodel import Session

from hub.accounts.viewer import Viewer
from hub.audit.models import AccessKind, AccessRecord
from hub.audit.services import ReadPlace, record_access
from hub.observability import request_id_var
from hub.web import security_log


def read_place(request: Request[Any, Any, Any]) -> ReadPlace:
    """The route template (never the values in the path), the request id and the client address."""
    route = str(request.scope.get("path_template") or request.url.path)
    return ReadPlace(
        route=route,
        request_id=request_id_var.get(),
        client_address=request.client.host if request.client else "unknown",
    )


def audit_read(
    request: Request[Any, Any, Any],
    db_session: Session,
    reader: Viewer,
    kind: AccessKind,
    *,
    person_ids: Iterable[int | None] = (),
    record_ids: Iterable[str] = (),
) -> AccessRecord | None:
    """Record and commit that `reader` read other people's data here, and log it without personal data."""
    where = read_place(request)
    record = record_access(db_session, reader, kind, where, person_ids=person_ids, record_ids=record_ids)
    if record is None:
        return None
    db_session.commit()
    # ids and counts only: the names, addresses and messages read stay out of the log
    security_log.info(
        "personal data read (%s) by account %s on %s from %s: %s people, %s records (access record %s)",
        kind.value,
        reader.account_id,
        where.route,
        where.client_address,
        len(record.person_ids),
        len(record.record_ids),
        record.id,
    )
    return record
