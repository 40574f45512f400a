"""Administration pages of the bank: conventions (create, cap and period, approvers), expiries, reversals,
and the GDPR erasure of a person (by an administrator, or by the person from their account page)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session, col, select

from hub.accounts.models import Account
from hub.accounts.viewer import Viewer
from hub.audit.models import AccessKind
from hub.audit.reads import audit_read
from hub.audit.services import account_ids_of
from hub.errors import InvalidInput, PermissionDenied
from hub.ledger import administration, registers, services, statements
from hub.ledger.erasure import erase_person
from hub.ledger.pages import form_key, new_key, refusal_context, run_service, show
from hub.ledger.rules import Refusal
from hub.ledger.shapes import ConventionInput, ConventionTerms
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, expired_session_cookie, form_dict, in_thread, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
ADMIN = "/administration/banque-d-heures"
FIELDS = (
    "title",
    "employer_slug",
    "cap_hours",
    "period_days",
    "deposit_expiry_days",
    "approver_emails",
    "depositor_emails",
)
DONE = {
    "convention": "La convention est enregistrée.",
    "modifiee": "Les conditions de la convention sont enregistrées.",
    "expirees": "Les versements dont le délai de validation est passé sont annulés.",
    "contre-passe": "L’opération est annulée par une contre-passation inscrite au registre.",
    "efface": "La personne est effacée : son nom est remplacé partout par « personne supprimée ».",
}


def _admin(viewer: Viewer | None) -> Viewer:
    signed_in = require_viewer(viewer)
    if not signed_in.is_admin:
        raise PermissionDenied("Cette page est réservée aux administrateurs.")
    return signed_in


def _admin_show(
    request: Request[Any, Any, Any], template: str, viewer: Viewer, status_code: int = 200, **context: Any
) -> Template:
    done = DONE.get(request.query_params.get("fait", ""))
    return show(request, template, viewer, status_code=status_code, done=done, **context)


def _values(data: dict[str, Any]) -> dict[str, Any]:
    values = form_dict(data)
    return {k: v for k, v in values.items() if k in FIELDS and str(v).strip() != ""}


@get(ADMIN, name="ledger.admin_home")
@in_thread
def admin_home(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Every convention with its figures; creating one; voiding overdue deposits."""
    signed_in = _admin(viewer)
    return _admin_show(
        request, "ledger/admin_conventions.html", signed_in, conventions=registers.list_conventions(db_session)
    )


def _create_form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    return _admin_show(
        request, "ledger/convention_form.html", viewer, status_code=status_code, values=values, errors=errors
    )


@get(f"{ADMIN}/conventions/nouvelle", name="ledger.convention_form")
@in_thread
def convention_form(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """The form of a new convention with an employer."""
    signed_in = _admin(viewer)
    return _create_form(request, signed_in, {"period_days": 365, "deposit_expiry_days": 30}, {})


@post(f"{ADMIN}/conventions/nouvelle", name="ledger.convention_create")
@in_thread
def convention_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Record a convention; a double submission of the same form records it once."""
    signed_in = _admin(viewer)
    raw = form_dict(data)
    values = _values(data)
    try:
        shape = validate(ConventionInput, values)
        replay = administration.claim_key(db_session, form_key(raw), "convention", shape.model_dump())
        if replay is None:
            convention = administration.open_convention(db_session, shape, signed_in)
            replay = {"convention_id": convention.id}
            administration.keep_outcome(db_session, form_key(raw), replay)
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _create_form(request, signed_in, values, exc.errors, 422)
    except Refusal as refusal:
        db_session.rollback()
        return _create_form(request, signed_in, values, {"__all__": refusal.message}, 422)
    return Redirect(path=f"{ADMIN}/conventions/{replay['convention_id']}?fait=convention", status_code=303)


def _edit_form(
    request: Request[Any, Any, Any],
    db_session: Session,
    viewer: Viewer,
    convention_id: int,
    values: dict[str, Any] | None,
    errors: dict[str, str],
    refusal: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    convention = administration.get_convention(db_session, convention_id)
    if values is None:
        approvers = registers.approver_emails(db_session, convention_id)
        depositors = registers.depositor_emails(db_session, convention_id)
        values = {
            "cap_hours": convention.cap_minutes_per_period // 60,
            "period_days": convention.period_days,
            "deposit_expiry_days": convention.deposit_expiry_days,
            "approver_emails": "\n".join(approvers),
            "depositor_emails": "\n".join(depositors),
        }
        # the e-mail addresses of the employer's approvers and depositors, read from the database: audited
        # (after a refused change the form shows back what the administrator typed, which is not)
        people = account_ids_of(db_session, approvers + depositors)
        if set(people) - {viewer.account_id}:
            audit_read(
                request,
                db_session,
                viewer,
                AccessKind.CONVENTION_PEOPLE,
                person_ids=people,
                record_ids=[f"convention:{convention_id}"],
            )
    return _admin_show(
        request,
        "ledger/convention_edit.html",
        viewer,
        status_code=status_code,
        register=registers.convention_register(db_session, convention),
        links=statements.reversible_links(db_session, convention_id),
        make_key=new_key,
        values=values,
        errors=errors,
        refusal=refusal,
    )


@get(f"{ADMIN}/conventions/{{convention_id:int}}", name="ledger.convention_edit")
@in_thread
def convention_edit(
    request: Request[Any, Any, Any], convention_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """A convention's terms (cap per person and period, expiry, approvers) and its posted operations."""
    signed_in = _admin(viewer)
    return _edit_form(request, db_session, signed_in, convention_id, None, {})


@post(f"{ADMIN}/conventions/{{convention_id:int}}", name="ledger.convention_update")
@in_thread
def convention_update(
    request: Request[Any, Any, Any],
    convention_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Change a convention's terms and approvers."""
    signed_in = _admin(viewer)
    values = _values(data)
    try:
        administration.change_terms(db_session, convention_id, validate(ConventionTerms, values), signed_in)
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _edit_form(request, db_session, signed_in, convention_id, values, exc.errors, status_code=422)
    return Redirect(path=f"{ADMIN}/conventions/{convention_id}?fait=modifiee", status_code=303)


@post(f"{ADMIN}/conventions/{{convention_id:int}}/contre-passations/{{link_id:str}}", name="ledger.reverse")
@in_thread
def reverse(
    request: Request[Any, Any, Any],
    convention_id: FromPath[int],
    link_id: FromPath[str],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Correct a posted operation by opposite transfers (nothing is edited or deleted)."""
    signed_in = _admin(viewer)
    administration.get_convention(db_session, convention_id)
    key = form_key(form_dict(data))
    try:
        run_service(
            request,
            db_session,
            lambda database: services.reverse_link(database, key, admin_id=signed_in.account_id, link_id=link_id),
        )
    except Refusal as refusal:
        return _edit_form(
            request, db_session, signed_in, convention_id, None, {}, refusal_context(refusal), refusal.status_code
        )
    return Redirect(path=f"{ADMIN}/conventions/{convention_id}?fait=contre-passe", status_code=303)


@post(f"{ADMIN}/expirations", name="ledger.expire")
@in_thread
def expire(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Response[Any]:
    """Void the pending deposits whose approval delay has passed."""
    _admin(viewer)
    run_service(request, db_session, lambda database: {"voided": services.expire_deposits(database)})
    return Redirect(path=f"{ADMIN}?fait=expirees", status_code=303)


# -- GDPR erasure ----------------------------------------------------------------------------------------------------


@get("/administration/personnes/effacement", name="ledger.erase_form")
@in_thread
def erase_form(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """An administrator erases a person, named by their e-mail address."""
    signed_in = _admin(viewer)
    return _admin_show(request, "ledger/erase_admin.html", signed_in, values={}, errors={})


@post("/administration/personnes/effacement", name="ledger.erase_admin")
@in_thread
def erase_admin(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Erase the person behind an e-mail address, after an explicit confirmation."""
    signed_in = _admin(viewer)
    values = form_dict(data, flags=("confirmation",))
    email = str(values.get("email", "")).strip().lower()
    errors: dict[str, str] = {}
    account = db_session.exec(select(Account).where(col(Account.email) == email)).first() if email else None
    if account is None or account.id is None:
        errors["email"] = "Aucun compte n’a cette adresse e-mail."
    elif account.id == signed_in.account_id:
        errors["email"] = "Pour effacer votre propre compte, passez par la page « Mon compte »."
    if not values.get("confirmation"):
        errors["confirmation"] = "Cochez la case pour confirmer l’effacement, qui ne peut pas être annulé."
    if errors or account is None or account.id is None:
        return _admin_show(request, "ledger/erase_admin.html", signed_in, 422, values=values, errors=errors)
    erase_person(db_session, account.id, by=signed_in)
    db_session.commit()
    return Redirect(path="/administration/personnes/effacement?fait=efface", status_code=303)


@get("/compte/suppression", name="ledger.erase_self_form")
@in_thread
def erase_self_form(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """A person asks to erase their own account (a confirmation page)."""
    signed_in = require_viewer(viewer)
    return show(request, "ledger/erase_self.html", signed_in, values={}, errors={})


@post("/compte/suppression", name="ledger.erase_self")
@in_thread
def erase_self(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Erase one's own account after confirming; the session ends."""
    signed_in = require_viewer(viewer)
    values = form_dict(data, flags=("confirmation",))
    if not values.get("confirmation"):
        errors = {"confirmation": "Cochez la case pour confirmer la suppression, qui ne peut pas être annulée."}
        return show(request, "ledger/erase_self.html", signed_in, 422, values=values, errors=errors)
    erase_person(db_session, signed_in.account_id, by=signed_in)
    db_session.commit()
    response = show(request, "ledger/erase_done.html", None)
    response.set_cookie(expired_session_cookie(request.app.state.settings))
    return response


ROUTES: list[Any] = [
    admin_home,
    convention_form,
    convention_create,
    convention_edit,
    convention_update,
    reverse,
    expire,
    erase_form,
    erase_admin,
    erase_self_form,
    erase_self,
]
