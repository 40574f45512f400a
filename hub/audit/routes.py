"""The administrators' page of the access audit: who read other people's personal data, when, and which ids."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from hub.audit import services
from hub.audit.models import ACCESS_KIND_LABELS, RECORD_TYPE_LABELS, AccessKind
from hub.errors import PermissionDenied
from hub.listing import parse_page
from hub.web import CurrentViewer, DbSession, in_thread, page, require_viewer


def describe_record(record_id: str) -> str:
    """A record id ("report:12", "mail:<file>.eml") in French words: "signalement n° 12"."""
    kind, _, value = record_id.partition(":")
    label = RECORD_TYPE_LABELS.get(kind, kind)
    return f"{label} {value}" if kind == "mail" else f"{label} n° {value}"


@get("/administration/consultations", name="audit.access_records")
@in_thread
def access_records(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Every read of other people's personal data through a privileged page, newest first (administrators)."""
    signed_in = require_viewer(viewer)
    if not signed_in.is_admin:
        raise PermissionDenied("Cette page est réservée aux administrateurs.")
    params = dict(request.query_params)
    page_number, per_page = parse_page(params)
    result = services.list_access_records(db_session, page=page_number, per_page=per_page)
    return page(
        request,
        "audit/access_record_list.html",
        viewer,
        result=result,
        params=params,
        readers=services.reader_names(db_session, result.items),
        kinds={str(k): v for k, v in ACCESS_KIND_LABELS.items()},
        describe=describe_record,
        retention_months=services.ACCESS_RECORD_RETENTION.days // 30,
        audited=[ACCESS_KIND_LABELS[k] for k in AccessKind],
    )


ROUTES = [access_records]
