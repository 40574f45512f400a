"""Pages and API of advisers' transparency: advisers with their rejection rates, their dossiers, the forms."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from hub.accounts.viewer import Viewer
from hub.advisers import services
from hub.advisers.api import ROUTES as API_ROUTES
from hub.advisers.models import AUTHORITY_LABELS, OUTCOME_LABELS
from hub.advisers.rates import MIN_DECIDED_DOSSIERS
from hub.advisers.shapes import DossierInput, OutcomeInput
from hub.directory.models import Actor
from hub.errors import InvalidInput
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
DONE = {
    "dossier": "Le dossier est enregistré ; les chiffres publiés sont à jour.",
    "issue": "La réponse de l’autorité est enregistrée.",
    "declaration": "Votre entreprise figure désormais parmi les cabinets de conseil.",
}


def _labels() -> dict[str, dict[str, str]]:
    return {
        "authority": {str(k): v for k, v in AUTHORITY_LABELS.items()},
        "outcome": {str(k): v for k, v in OUTCOME_LABELS.items()},
    }


def _show(
    request: Request[Any, Any, Any], template: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> Template:
    done = DONE.get(request.query_params.get("fait", ""))
    return page(
        request,
        template,
        viewer,
        status_code=status_code,
        done=done,
        adv=_labels(),
        minimum=MIN_DECIDED_DOSSIERS,
        **context,
    )


@get("/conseillers", name="advisers.list")
@in_thread
def adviser_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Support structures and consulting firms with the share of their dossiers rejected for formal reasons."""
    declarable = services.declarable_companies(db_session, viewer)
    return _show(
        request,
        "advisers/adviser_list.html",
        viewer,
        lines=services.list_advisers(db_session),
        declarable=declarable,
        declarable_options=[(a.id, a.name) for a in declarable],
    )


def _detail(
    request: Request[Any, Any, Any],
    viewer: Viewer | None,
    db_session: DbSession,
    adviser: Actor,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    assert adviser.id is not None
    return _show(
        request,
        "advisers/adviser_detail.html",
        viewer,
        status_code=status_code,
        adviser=adviser,
        report=services.report_of(db_session, adviser.id),
        dossiers=services.dossiers_of(db_session, adviser.id),
        can_record=services.can_record(db_session, viewer, adviser),
        errors=errors or {},
    )


@get("/conseillers/{slug:str}", name="advisers.detail")
@in_thread
def adviser_detail(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """One adviser: its counts by authority, its rate when there are enough decided dossiers, its dossiers."""
    return _detail(request, viewer, db_session, services.get_adviser(db_session, slug))


@get("/conseillers/{slug:str}/taux-de-rejet", name="advisers.rate")
@in_thread
def adviser_rate(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """The published rate; with too few decided dossiers, a refusal page giving the reason (422)."""
    adviser = services.get_adviser(db_session, slug)
    return _show(
        request,
        "advisers/adviser_rate.html",
        viewer,
        adviser=adviser,
        report=services.published_rate(db_session, adviser),
    )


def _dossier_form(
    request: Request[Any, Any, Any], viewer: Viewer, adviser: Actor, values: dict[str, Any], errors: dict[str, str]
) -> Template:
    labels = _labels()
    return _show(
        request,
        "advisers/dossier_form.html",
        viewer,
        status_code=422 if errors else 200,
        adviser=adviser,
        values=values,
        errors=errors,
        authority_options=list(labels["authority"].items()),
        outcome_options=list(labels["outcome"].items()),
    )


@get("/conseillers/{slug:str}/dossiers/nouveau", name="advisers.dossier_form")
@in_thread
def dossier_form(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """The form where a member of the adviser records a dossier (others are refused with the reason)."""
    signed_in = require_viewer(viewer)
    adviser = services.get_adviser(db_session, slug)
    services.require_recorder(db_session, signed_in, adviser)
    return _dossier_form(request, signed_in, adviser, {}, {})


@post("/conseillers/{slug:str}/dossiers/nouveau", name="advisers.dossier_create")
@in_thread
def dossier_create(
    request: Request[Any, Any, Any], slug: FromPath[str], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Record the dossier; errors come back next to each field, nothing is written."""
    signed_in = require_viewer(viewer)
    adviser = services.get_adviser(db_session, slug)
    services.require_recorder(db_session, signed_in, adviser)
    values = form_dict(data)
    try:
        shape = {k: v for k, v in values.items() if v != ""}
        services.record_dossier(db_session, signed_in, adviser, validate(DossierInput, shape))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _dossier_form(request, signed_in, adviser, values, exc.errors)
    return Redirect(path=f"/conseillers/{adviser.slug}?fait=dossier", status_code=303)


@post("/conseillers/{slug:str}/dossiers/{dossier_id:int}/issue", name="advisers.outcome")
@in_thread
def dossier_outcome(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    dossier_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Record the authority's answer on a pending dossier."""
    signed_in = require_viewer(viewer)
    adviser = services.get_adviser(db_session, slug)
    services.require_recorder(db_session, signed_in, adviser)
    dossier = services.get_dossier(db_session, adviser, dossier_id)
    values = form_dict(data)
    try:
        typed = {k: values.get(f"{k}-{dossier_id}", "") for k in ("outcome", "decided_on")}
        shape = {k: v for k, v in typed.items() if v != ""} | {"filed_on": dossier.filed_on}
        services.update_outcome(db_session, signed_in, adviser, dossier, validate(OutcomeInput, shape))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        errors = {f"{k}-{dossier_id}": v for k, v in exc.errors.items()}
        return _detail(request, signed_in, db_session, adviser, errors=errors, status_code=422)
    return Redirect(path=f"/conseillers/{adviser.slug}?fait=issue", status_code=303)


@post("/conseillers/declaration", name="advisers.declare")
@in_thread
def adviser_declare(data: FormData, db_session: DbSession, viewer: CurrentViewer) -> Response[Any]:
    """A member of a company declares it as a consulting firm (refusals: 403 not a member, 409 not a company)."""
    signed_in = require_viewer(viewer)
    raw = str(form_dict(data).get("actor_id", ""))
    actor = services.get_actor_by_id(db_session, int(raw) if raw.isdigit() else 0)
    services.declare_consultant(db_session, signed_in, actor)
    db_session.commit()
    return Redirect(path=f"/conseillers/{actor.slug}?fait=declaration", status_code=303)


ROUTES = [
    adviser_list,
    adviser_detail,
    adviser_rate,
    dossier_form,
    dossier_create,
    dossier_outcome,
    adviser_declare,
    *API_ROUTES,
]
