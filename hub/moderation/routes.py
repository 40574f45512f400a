"""Pages of reports and moderation: report a content, « Mes signalements », the moderators' queue, the log."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from hub.accounts.viewer import Viewer
from hub.audit.models import AccessKind
from hub.audit.reads import audit_read
from hub.db import utcnow
from hub.errors import Conflict, HubError, InvalidInput, NotFound, PermissionDenied
from hub.exchanges.mail import deliver
from hub.moderation import api, services
from hub.moderation.models import DECISION_LABELS, REPORT_REASON_LABELS, REPORT_STATUS_LABELS, Report
from hub.moderation.shapes import MAX_DETAILS, MAX_REASON, ReportDecisionInput, ReportInput, VisibilityInput
from hub.moderation.targets import TargetInfo, get_type, load_target, target_types
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
SIGN_IN = "Connectez-vous pour signaler un contenu."
DONE = {
    "signale": "Votre signalement est transmis au référent compétent ou aux administrateurs. Vous verrez ici la suite donnée.",
    "decide": "La décision est enregistrée ; l’auteur du signalement en est informé.",
}


def labels() -> dict[str, dict[str, str]]:
    """French labels of the moderation vocabularies, by value."""
    return {
        "reason": {str(k): v for k, v in REPORT_REASON_LABELS.items()},
        "status": {str(k): v for k, v in REPORT_STATUS_LABELS.items()},
        "decision": {str(k): v for k, v in DECISION_LABELS.items()},
        "type": {code: t.label for code, t in target_types().items()},
    }


def _show(
    request: Request[Any, Any, Any], template: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> Template:
    done = DONE.get(request.query_params.get("fait", ""))
    return page(request, template, viewer, status_code=status_code, done=done, mo=labels(), **context)


def _parse_target(value: str) -> tuple[str, int]:
    code, _, raw = value.partition(":")
    get_type(code)  # unknown type: 400
    if not raw.isdigit() or len(raw) > 12:
        raise HubError("Indiquez le contenu à signaler depuis sa page (lien « Signaler »).")
    return code, int(raw)


def _report_form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    values: dict[str, Any],
    errors: dict[str, str],
    target: TargetInfo | None,
    status_code: int = 200,
) -> Template:
    return _show(
        request,
        "moderation/report_form.html",
        viewer,
        status_code=422 if errors and status_code == 200 else status_code,
        values=values,
        errors=errors,
        target=target,
        reason_options=list(labels()["reason"].items()),
        max_details=MAX_DETAILS,
    )


@get("/signalements/nouveau", name="moderation.report_form")
@in_thread
def report_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form to report a content (`?cible=actor:12`, `project:3`, `field_feedback:5`...)."""
    signed_in = require_viewer(viewer, SIGN_IN)
    code, target_id = _parse_target(request.query_params.get("cible", ""))
    try:
        target = load_target(db_session, signed_in, code, target_id)
    except InvalidInput as exc:
        raise NotFound(exc.errors["target_id"]) from None
    values = {"target_type": code, "target_id": str(target_id), "reason": "", "details": ""}
    return _report_form(request, signed_in, values, {}, target)


@post("/signalements/nouveau", name="moderation.report_create")
@in_thread
def report_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """File the report; errors come back on the form, a second open report on the same content is refused."""
    signed_in = require_viewer(viewer, SIGN_IN)
    values = form_dict(data)
    code, target_id = _parse_target(f"{values.get('target_type', '')}:{values.get('target_id', '')}")
    try:
        services.create_report(db_session, signed_in, validate(ReportInput, values))
        db_session.commit()
    except (InvalidInput, Conflict) as exc:
        db_session.rollback()
        errors = exc.errors if isinstance(exc, InvalidInput) else {"__all__": exc.message}
        try:
            target: TargetInfo | None = load_target(db_session, signed_in, code, target_id)
        except InvalidInput:
            target = None
        return _report_form(request, signed_in, values, errors, target, exc.status_code)
    return Redirect(path="/compte/signalements?fait=signale", status_code=303)


@get("/compte/signalements", name="moderation.mine")
@in_thread
def my_reports(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """« Mes signalements »: what the person reported and the outcome of each report."""
    signed_in = require_viewer(viewer)
    return _show(request, "moderation/report_mine.html", viewer, reports=services.my_reports(db_session, signed_in))


def _require_moderator(viewer: Viewer | None) -> Viewer:
    signed_in = require_viewer(viewer)
    if not services.is_moderator(signed_in):
        raise PermissionDenied("Cette page est réservée aux référents et aux administrateurs.")
    return signed_in


@get("/moderation/signalements", name="moderation.queue")
@in_thread
def report_queue(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The open reports this moderator may decide (administrators: all of them), oldest first."""
    signed_in = _require_moderator(viewer)
    reports = services.moderation_queue(db_session, signed_in)
    # the queue names who reported what: audited, the moderator's own reports left out
    others = [r for r in reports if r.reporter_id != signed_in.account_id]
    audit_read(
        request,
        db_session,
        signed_in,
        AccessKind.REPORT_QUEUE,
        person_ids=[r.reporter_id for r in others],
        record_ids=[f"report:{r.id}" for r in others],
    )
    return _show(
        request,
        "moderation/report_queue.html",
        viewer,
        reports=reports,
        names=services.names_of(db_session, [r.reporter_id for r in reports]),
    )


def _report_page(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    report: Report,
    errors: dict[str, str],
    values: dict[str, Any],
    status_code: int = 200,
) -> Template:
    can_decide = services.can_moderate(db_session, viewer, report)
    if can_decide and report.reporter_id != viewer.account_id:
        # a moderator reads who reported, their explanation and the excerpt: audited (the author reading their
        # own report is not)
        audit_read(
            request,
            db_session,
            viewer,
            AccessKind.REPORT,
            person_ids=[report.reporter_id],
            record_ids=[f"report:{report.id}"],
        )
    target_type = target_types().get(report.target_type)
    return _show(
        request,
        "moderation/report_detail.html",
        viewer,
        status_code=status_code,
        report=report,
        can_decide=can_decide,
        can_hide=target_type is not None and target_type.hide is not None,
        names=services.names_of(db_session, [report.reporter_id, report.decided_by_id]) if can_decide else {},
        errors=errors,
        values=values,
        max_reason=MAX_REASON,
    )


@get("/moderation/signalements/{report_id:int}", name="moderation.report")
@in_thread
def report_detail(
    request: Request[Any, Any, Any], report_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """One report: for its author (the outcome) and for competent moderators (the decision form)."""
    signed_in = require_viewer(viewer)
    report = services.get_report(db_session, signed_in, report_id)
    return _report_page(request, signed_in, db_session, report, {}, {})


@post("/moderation/signalements/{report_id:int}/decision", name="moderation.decide")
@in_thread
def report_decide(
    request: Request[Any, Any, Any],
    report_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
    state: State,
) -> Response[Any] | Template:
    """Uphold or dismiss the report with a reason (logged; the reporter is told)."""
    signed_in = require_viewer(viewer)
    report = services.get_report(db_session, signed_in, report_id)
    services.require_moderator(db_session, signed_in, report)
    values = form_dict(data, flags=("hide_content",))
    try:
        mails = services.decide_report(db_session, signed_in, report, validate(ReportDecisionInput, values), utcnow())
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _report_page(request, signed_in, db_session, report, exc.errors, values, 422)
    deliver(state.settings, mails)
    return Redirect(path=f"/moderation/signalements/{report_id}?fait=decide", status_code=303)


@post("/moderation/visibilite", name="moderation.visibility")
@in_thread
def set_visibility(data: FormData, db_session: DbSession, viewer: CurrentViewer) -> Response[Any]:
    """Hide a content for abuse (or show it again) with a logged reason, then go back to its page."""
    signed_in = require_viewer(viewer)
    values = form_dict(data)
    parsed = validate(VisibilityInput, values)
    info = load_target(db_session, signed_in, parsed.target_type, parsed.target_id)
    services.set_visibility(db_session, signed_in, parsed)
    db_session.commit()
    path, _, anchor = info.url.partition("#")
    return Redirect(path=f"{path}?fait=moderation" + (f"#{anchor}" if anchor else ""), status_code=303)


@get("/administration/moderation", name="moderation.log")
@in_thread
def decision_log(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Every moderation decision (who, when, what, why), newest first: administrators only."""
    signed_in = require_viewer(viewer)
    if not signed_in.is_admin:
        raise PermissionDenied("Cette page est réservée aux administrateurs.")
    decisions = services.list_decisions(db_session)
    return _show(
        request,
        "moderation/decision_log.html",
        viewer,
        decisions=decisions,
        names=services.names_of(db_session, [d.moderator_id for d in decisions]),
    )


ROUTES = [
    report_form,
    report_create,
    my_reports,
    report_queue,
    report_detail,
    report_decide,
    set_visibility,
    decision_log,
    *api.ROUTES,
]
