"""JSON API of reports and moderation (problem details on refusals)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from hub.audit.models import AccessKind
from hub.audit.reads import audit_read
from hub.db import utcnow
from hub.errors import PermissionDenied
from hub.exchanges.mail import deliver
from hub.moderation import services
from hub.moderation.models import ModerationDecision, Report
from hub.moderation.shapes import ReportDecisionInput, ReportInput, VisibilityInput
from hub.moderation.targets import target_types
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer


def report_json(report: Report) -> dict[str, Any]:
    """A report as its author and moderators see it."""
    return {
        "id": report.id,
        "url": f"/moderation/signalements/{report.id}",
        "target_type": report.target_type,
        "target_id": report.target_id,
        "target_label": report.target_label,
        "target_url": report.target_url,
        "reason": str(report.reason),
        "details": report.details,
        "status": str(report.status),
        "decision_reason": report.decision_reason or None,
        "decided_at": report.decided_at.isoformat() if report.decided_at else None,
        "created_at": report.created_at.isoformat(),
    }


def decision_json(decision: ModerationDecision) -> dict[str, Any]:
    """One entry of the moderation log."""
    return {
        "id": decision.id,
        "moderator_id": decision.moderator_id,
        "target_type": decision.target_type,
        "target_id": decision.target_id,
        "decision": str(decision.decision),
        "reason": decision.reason,
        "report_id": decision.report_id,
        "created_at": decision.created_at.isoformat(),
    }


@get("/api/v1/reports/target-types", name="api.reports.types")
async def list_target_types() -> dict[str, Any]:
    """What can be reported: the registered target types."""
    return {"items": [{"code": code, "label": t.label} for code, t in sorted(target_types().items())]}


@post("/api/v1/reports", name="api.reports.create", status_code=201)
@in_thread
def create_report(data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Report a content (`target_type`, `target_id`, `reason`, `details`). Unknown type: 400; missing target or
    invalid fields: 422; a second open report by the same person on the same content: 409."""
    signed_in = require_viewer(viewer)
    report = services.create_report(db_session, signed_in, validate(ReportInput, data))
    db_session.commit()
    return report_json(report)


@get("/api/v1/reports/mine", name="api.reports.mine")
@in_thread
def my_reports(db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """The caller's reports with their outcome, newest first."""
    signed_in = require_viewer(viewer)
    return {"items": [report_json(r) for r in services.my_reports(db_session, signed_in)]}


@get("/api/v1/reports/{report_id:int}", name="api.reports.detail")
@in_thread
def get_report(
    request: Request[Any, Any, Any], report_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """One report, for its author or a competent moderator (whose read of someone else's report is audited)."""
    signed_in = require_viewer(viewer)
    report = services.get_report(db_session, signed_in, report_id)
    answer = report_json(report)
    if report.reporter_id != signed_in.account_id:
        audit_read(
            request,
            db_session,
            signed_in,
            AccessKind.REPORT,
            person_ids=[report.reporter_id],
            record_ids=[f"report:{report.id}"],
        )
    return answer


@post("/api/v1/reports/{report_id:int}/decision", name="api.reports.decide", status_code=200)
@in_thread
def decide_report(
    report_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer, state: State
) -> dict[str, Any]:
    """Uphold or dismiss (`{"decision": "upheld", "reason": "...", "hide_content": true}`); moderators only."""
    signed_in = require_viewer(viewer)
    report = services.get_report(db_session, signed_in, report_id)
    services.require_moderator(db_session, signed_in, report)
    mails = services.decide_report(db_session, signed_in, report, validate(ReportDecisionInput, data), utcnow())
    db_session.commit()
    deliver(state.settings, mails)
    return report_json(report)


@post("/api/v1/moderation/visibility", name="api.moderation.visibility", status_code=200)
@in_thread
def set_visibility(data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Hide or show again a content (`action`: hide|show) with a reason; moderators of its sector and territory."""
    signed_in = require_viewer(viewer)
    decision = services.set_visibility(db_session, signed_in, validate(VisibilityInput, data))
    db_session.commit()
    return decision_json(decision)


@get("/api/v1/moderation/decisions", name="api.moderation.decisions")
@in_thread
def list_decisions(db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """The moderation log, newest first (administrators only)."""
    signed_in = require_viewer(viewer)
    if not signed_in.is_admin:
        raise PermissionDenied("Le journal de modération est réservé aux administrateurs.")
    return {"items": [decision_json(d) for d in services.list_decisions(db_session)]}


ROUTES = [list_target_types, create_report, my_reports, get_report, decide_report, set_visibility, list_decisions]
