"""Reports and moderation: file a report, route it, decide it, hide content; every decision is logged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from hub.accounts.models import Person, Role
from hub.accounts.viewer import Viewer
from hub.errors import Conflict, HubError, NotFound, PermissionDenied
from hub.exchanges.mail import Mail
from hub.exchanges.services import notify
from hub.moderation.models import DecisionKind, ModerationDecision, Report, ReportStatus
from hub.moderation.shapes import ReportDecisionInput, ReportInput, VisibilityInput
from hub.moderation.targets import get_type, load_target
from hub.referents.routing import can_curate, resolve, route

MODERATORS_ONLY = "Seuls les modérateurs (référents du secteur et du territoire, administrateurs) peuvent décider."
QUEUE_LIMIT = 200


def log_decision(
    session: Session,
    viewer: Viewer,
    *,
    target_type: str,
    target_id: int,
    decision: DecisionKind,
    reason: str,
    report_id: int | None = None,
) -> ModerationDecision:
    """Record who decided what on which content, and why (the log is never edited)."""
    entry = ModerationDecision(
        moderator_id=viewer.account_id,
        target_type=target_type,
        target_id=target_id,
        decision=decision,
        reason=reason[:1000],
        report_id=report_id,
    )
    session.add(entry)
    return entry


def create_report(session: Session, viewer: Viewer, data: ReportInput) -> Report:
    """File a report on a content the viewer may see, then route it to the competent referent (else the national
    team). An unknown type is a 400, a missing target an error on target_id, a second open report a conflict."""
    info = load_target(session, viewer, data.target_type, data.target_id)
    already = session.exec(
        select(Report.id).where(
            col(Report.reporter_id) == viewer.account_id,
            col(Report.target_type) == data.target_type,
            col(Report.target_id) == data.target_id,
            col(Report.status) == ReportStatus.OPEN,
        )
    ).first()
    if already is not None:
        raise Conflict("Vous avez déjà signalé ce contenu : votre signalement est en attente d’examen.")
    report = Report(
        reporter_id=viewer.account_id,
        target_type=data.target_type,
        target_id=data.target_id,
        target_label=info.label[:300],
        target_url=info.url[:300],
        target_excerpt=info.excerpt[:500],
        sector_codes=list(info.sector_codes),
        territory_id=info.territory_id,
        reason=data.reason,
        details=data.details,
    )
    session.add(report)
    session.flush()
    assert report.id is not None
    route(
        session,
        kind="report",
        subject_type="report",
        subject_id=report.id,
        title=f"Signalement : {info.label}",
        url=f"/moderation/signalements/{report.id}",
        sector_codes=info.sector_codes,
        territory_id=info.territory_id,
    )
    return report


def can_moderate(session: Session, viewer: Viewer | None, report: Report) -> bool:
    """Administrators, and referents covering the reported content's sectors and territory."""
    return can_curate(session, viewer, sector_codes=report.sector_codes, territory_id=report.territory_id)


def require_moderator(session: Session, viewer: Viewer, report: Report) -> None:
    """PermissionDenied unless the viewer may decide this report."""
    if not can_moderate(session, viewer, report):
        raise PermissionDenied(MODERATORS_ONLY)


def is_moderator(viewer: Viewer | None) -> bool:
    """Whether the viewer may open the moderation queue at all (administrators and referents)."""
    return viewer is not None and (viewer.is_admin or Role.REFERENT in viewer.roles)


def moderation_queue(session: Session, viewer: Viewer, *, open_only: bool = True) -> list[Report]:
    """The reports this moderator may decide, oldest open first (decided ones after, newest first)."""
    query = select(Report)
    if open_only:
        query = query.where(col(Report.status) == ReportStatus.OPEN)
    rows = session.exec(query.order_by(col(Report.created_at), col(Report.id)).limit(QUEUE_LIMIT)).all()
    return [r for r in rows if can_moderate(session, viewer, r)]


def my_reports(session: Session, viewer: Viewer) -> Sequence[Report]:
    """The reports a member filed, newest first, with their outcome."""
    return session.exec(
        select(Report)
        .where(col(Report.reporter_id) == viewer.account_id)
        .order_by(col(Report.created_at).desc(), col(Report.id).desc())
    ).all()


def get_report(session: Session, viewer: Viewer, report_id: int) -> Report:
    """A report its author or a competent moderator may read (anyone else: NotFound)."""
    report = session.get(Report, report_id)
    if report is None or (report.reporter_id != viewer.account_id and not can_moderate(session, viewer, report)):
        raise NotFound("Ce signalement n’existe pas.")
    return report


def decide_report(
    session: Session, viewer: Viewer, report: Report, data: ReportDecisionInput, now: datetime
) -> list[Mail]:
    """Uphold (optionally hiding the content) or dismiss a report; logged, and the reporter is told the outcome."""
    require_moderator(session, viewer, report)
    if report.status != ReportStatus.OPEN:
        raise Conflict("Ce signalement a déjà été traité.")
    assert report.id is not None
    upheld = data.decision == "upheld"
    if upheld and data.hide_content:
        target_type = get_type(report.target_type)
        if target_type.hide is None:
            raise HubError("Ce type de contenu ne peut pas être masqué : corrigez-le ou retirez-le depuis sa page.")
        target_type.hide(session, report.target_id, True)
        log_decision(
            session,
            viewer,
            target_type=report.target_type,
            target_id=report.target_id,
            decision=DecisionKind.HIDDEN,
            reason=data.reason,
            report_id=report.id,
        )
    report.status = ReportStatus.UPHELD if upheld else ReportStatus.DISMISSED
    report.decided_by_id = viewer.account_id
    report.decided_at = now
    report.decision_reason = data.reason
    session.add(report)
    log_decision(
        session,
        viewer,
        target_type=report.target_type,
        target_id=report.target_id,
        decision=DecisionKind.REPORT_UPHELD if upheld else DecisionKind.REPORT_DISMISSED,
        reason=data.reason,
        report_id=report.id,
    )
    outcome = "retenu" if upheld else "non retenu"
    resolve(session, subject_type="report", subject_id=report.id, outcome=outcome, closed_by=viewer.account_id)
    return notify(
        session,
        [report.reporter_id],
        f"Votre signalement sur « {report.target_label} » a été examiné : {outcome}.",
        "/compte/signalements",
        "Votre signalement sur le lab e-santé a été examiné",
        f"Bonjour,\n\nVotre signalement sur « {report.target_label} » a été examiné : {outcome}.\n"
        f"Motif : {data.reason}\n\nRetrouvez vos signalements : /compte/signalements",
    )


def set_visibility(session: Session, viewer: Viewer, data: VisibilityInput) -> ModerationDecision:
    """Hide a content (abuse) or show it again, with a reason; for moderators of its sector and territory."""
    target_type = get_type(data.target_type)
    info = load_target(session, viewer, data.target_type, data.target_id)
    if not can_curate(session, viewer, sector_codes=info.sector_codes, territory_id=info.territory_id):
        raise PermissionDenied(MODERATORS_ONLY)
    if target_type.hide is None:
        raise HubError("Ce type de contenu ne peut pas être masqué : corrigez-le ou retirez-le depuis sa page.")
    hidden = data.action == "hide"
    target_type.hide(session, data.target_id, hidden)
    return log_decision(
        session,
        viewer,
        target_type=data.target_type,
        target_id=data.target_id,
        decision=DecisionKind.HIDDEN if hidden else DecisionKind.SHOWN,
        reason=data.reason,
    )


def list_decisions(session: Session, limit: int = 200) -> Sequence[ModerationDecision]:
    """The moderation log, newest first (for administrators)."""
    return session.exec(
        select(ModerationDecision)
        .order_by(col(ModerationDecision.created_at).desc(), col(ModerationDecision.id).desc())
        .limit(limit)
    ).all()


def names_of(session: Session, account_ids: Sequence[int | None]) -> dict[int, str]:
    """Display names of accounts (for the moderation log and the queue)."""
    ids = {i for i in account_ids if i is not None}
    if not ids:
        return {}
    rows = session.exec(select(Person.account_id, Person.display_name).where(col(Person.account_id).in_(ids))).all()
    return dict(rows)
