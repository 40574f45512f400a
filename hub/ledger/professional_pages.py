"""Pages of the bank for professionals, approvers and project leads: declaration, deposit, use, statement, inboxes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from hub.accounts.viewer import Viewer
from hub.db import Database, utcnow
from hub.errors import HubError, InvalidInput
from hub.ledger import administration, registers, services, statements
from hub.ledger.pages import (
    BANK,
    FIELD_OF,
    form_key,
    new_key,
    parse_id,
    parse_minutes,
    refusal_context,
    run_service,
    show,
)
from hub.ledger.rules import Refusal
from hub.ledger.shapes import DeclarationInput
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, require_viewer

FormData = URLEncodedBody[dict[str, Any]]


# -- the professional's pages --------------------------------------------------------------------------------------


def _declaration_form(
    request: Request[Any, Any, Any],
    db_session: Session,
    viewer: Viewer,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    return show(
        request,
        "ledger/declaration_form.html",
        viewer,
        status_code=status_code,
        values=values,
        errors=errors,
        current=statements.current_declaration(db_session, viewer.account_id, utcnow()),
    )


@get(f"{BANK}/declaration", name="ledger.declaration_form")
@in_thread
def declaration_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form of the public declaration of interests (needed to deposit, draw or approve hours)."""
    signed_in = require_viewer(viewer)
    return _declaration_form(request, db_session, signed_in, {}, {})


@post(f"{BANK}/declaration", name="ledger.declare")
@in_thread
def declare(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Publish a declaration of interests."""
    signed_in = require_viewer(viewer)
    values = form_dict(data)
    try:
        shape = validate(
            DeclarationInput, {"text": values.get("text", ""), "valid_until": values.get("valid_until") or None}
        )
        payload = {"account": signed_in.account_id, "text": shape.text, "until": shape.valid_until.isoformat()}
        if administration.claim_key(db_session, form_key(values), "declaration", payload) is None:
            declaration = administration.declare(db_session, signed_in, shape)
            administration.keep_outcome(db_session, form_key(values), {"declaration": declaration.id})
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _declaration_form(request, db_session, signed_in, values, exc.errors, 422)
    except Refusal as refusal:
        db_session.rollback()
        return _declaration_form(request, db_session, signed_in, values, {"__all__": refusal.message}, 422)
    return Redirect(path=f"{BANK}/declaration?fait=declaration", status_code=303)


def _operation_form(
    request: Request[Any, Any, Any],
    db_session: Session,
    viewer: Viewer,
    template: str,
    values: dict[str, Any],
    errors: dict[str, str],
    refusal: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    conventions = registers.list_conventions(db_session)
    return show(
        request,
        template,
        viewer,
        status_code=status_code,
        values=values,
        errors=errors,
        refusal=refusal,
        convention_options=[(c.convention.id, f"{c.convention.title} — {c.employer_name}") for c in conventions],
        project_options=[(p.id, p.title) for p, _ in registers.projects_with_rules(db_session)],
        declaration=statements.current_declaration(db_session, viewer.account_id, utcnow()),
    )


@get(f"{BANK}/verser", name="ledger.deposit_form")
@in_thread
def deposit_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form where a professional offers working time to a convention's pool."""
    signed_in = require_viewer(viewer, "Connectez-vous pour verser des heures.")
    return _operation_form(request, db_session, signed_in, "ledger/deposit_form.html", {}, {})


def _refused(
    request: Request[Any, Any, Any],
    db_session: Session,
    viewer: Viewer,
    template: str,
    values: dict[str, Any],
    refusal: Refusal,
) -> Template:
    field = FIELD_OF.get(refusal.rule)
    errors = {field: refusal.message} if field else {}
    return _operation_form(
        request, db_session, viewer, template, values, errors, refusal_context(refusal), refusal.status_code
    )


@post(f"{BANK}/verser", name="ledger.deposit")
@in_thread
def deposit(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Offer minutes; the service's refusals come back next to the field with the rule's name."""
    signed_in = require_viewer(viewer, "Connectez-vous pour verser des heures.")
    values = form_dict(data)
    template = "ledger/deposit_form.html"
    errors: dict[str, str] = {}
    convention_id = parse_id(values, "convention_id", "Choisissez la convention de votre employeur.", errors)
    if not str(values.get("minutes", "")).strip():
        errors["minutes"] = "Indiquez une durée en minutes."
    project_raw = str(values.get("project_id", "")).strip()
    project_id = int(project_raw) if project_raw.isdigit() else None
    if errors or convention_id is None:
        return _operation_form(request, db_session, signed_in, template, values, errors, status_code=422)
    try:
        run_service(
            request,
            db_session,
            lambda database: services.request_deposit(
                database,
                form_key(values),
                account_id=signed_in.account_id,
                convention_id=convention_id,
                minutes=parse_minutes(values.get("minutes")),  # type: ignore[arg-type]  # the service refuses non-ints
                project_id=project_id,
            ),
        )
    except Refusal as refusal:
        return _refused(request, db_session, signed_in, template, values, refusal)
    return Redirect(path=f"{BANK}/releve?fait=versement", status_code=303)


@get(f"{BANK}/utiliser", name="ledger.use_form")
@in_thread
def use_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form where a colleague draws hours from a pool for a project."""
    signed_in = require_viewer(viewer, "Connectez-vous pour utiliser des heures.")
    return _operation_form(request, db_session, signed_in, "ledger/use_form.html", {}, {})


@post(f"{BANK}/utiliser", name="ledger.use")
@in_thread
def use(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Ask to use hours for a project; pending until the project lead decides."""
    signed_in = require_viewer(viewer, "Connectez-vous pour utiliser des heures.")
    values = form_dict(data)
    template = "ledger/use_form.html"
    errors: dict[str, str] = {}
    convention_id = parse_id(values, "convention_id", "Choisissez la réserve d’heures (la convention).", errors)
    project_id = parse_id(values, "project_id", "Choisissez le projet.", errors)
    if not str(values.get("minutes", "")).strip():
        errors["minutes"] = "Indiquez une durée en minutes."
    if errors or convention_id is None or project_id is None:
        return _operation_form(request, db_session, signed_in, template, values, errors, status_code=422)
    try:
        run_service(
            request,
            db_session,
            lambda database: services.request_use(
                database,
                form_key(values),
                account_id=signed_in.account_id,
                convention_id=convention_id,
                project_id=project_id,
                minutes=parse_minutes(values.get("minutes")),  # type: ignore[arg-type]  # the service refuses non-ints
            ),
        )
    except Refusal as refusal:
        return _refused(request, db_session, signed_in, template, values, refusal)
    return Redirect(path=f"{BANK}/releve?fait=utilisation", status_code=303)


def _statement(
    request: Request[Any, Any, Any], db_session: Session, viewer: Viewer, status_code: int = 200
) -> Template:
    holder = administration.my_holder(db_session, viewer.account_id)
    db_session.commit()
    return show(
        request,
        "ledger/statement.html",
        viewer,
        status_code=status_code,
        statement=statements.statement(db_session, holder),
        declaration=statements.current_declaration(db_session, viewer.account_id, utcnow()),
    )


@get(f"{BANK}/releve", name="ledger.statement")
@in_thread
def statement(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The professional's statement: deposits and their status, hours used from them, stakes earned."""
    return _statement(request, db_session, require_viewer(viewer))


@post(f"{BANK}/releve/affichage", name="ledger.public_name")
@in_thread
def public_name(data: FormData, db_session: DbSession, viewer: CurrentViewer) -> Response[Any]:
    """Choose whether public registers show one's name or pseudonym."""
    signed_in = require_viewer(viewer)
    choice = form_dict(data).get("affichage")
    if choice not in ("nom", "pseudonyme"):
        raise InvalidInput({"affichage": "Choisissez comment apparaître dans les registres publics."})
    administration.choose_public_name(db_session, signed_in.account_id, choice == "nom")
    db_session.commit()
    return Redirect(path=f"{BANK}/releve?fait=affichage", status_code=303)


# -- approval inboxes ------------------------------------------------------------------------------------------------


def _inbox(
    request: Request[Any, Any, Any],
    db_session: Session,
    viewer: Viewer,
    refusal: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    own = services.holder_for(db_session, viewer.account_id)
    db_session.commit()
    return show(
        request,
        "ledger/inbox.html",
        viewer,
        status_code=status_code,
        refusal=refusal,
        deposits=statements.deposit_inbox(db_session, viewer.account_id, own),
        uses=statements.use_inbox(db_session, viewer.account_id, own, is_admin=viewer.is_admin),
        make_key=new_key,
    )


@get(f"{BANK}/validations", name="ledger.inbox")
@in_thread
def inbox(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Deposits awaiting the employer approver, uses awaiting the project lead."""
    return _inbox(request, db_session, require_viewer(viewer))


def _accept(values: dict[str, Any]) -> bool:
    decision = str(values.get("decision", ""))
    if decision not in ("accepter", "refuser"):
        raise HubError("Choisissez d’accepter ou de refuser la demande.")
    return decision == "accepter"


def _decide(
    request: Request[Any, Any, Any],
    db_session: Session,
    viewer: Viewer,
    values: dict[str, Any],
    call: Callable[[Database, bool], dict[str, Any]],
) -> Response[Any] | Template:
    accept = _accept(values)
    try:
        run_service(request, db_session, lambda database: call(database, accept))
    except Refusal as refusal:
        return _inbox(request, db_session, viewer, refusal_context(refusal), refusal.status_code)
    return Redirect(path=f"{BANK}/validations?fait={'accepte' if accept else 'refuse'}", status_code=303)


@post(f"{BANK}/validations/versements/{{transfer_id:int}}", name="ledger.decide_deposit")
@in_thread
def decide_deposit(
    request: Request[Any, Any, Any],
    transfer_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """The employer's approver accepts or refuses a deposit; a refusal by a rule is shown with the rule's name."""
    signed_in = require_viewer(viewer)
    values = form_dict(data)
    return _decide(
        request,
        db_session,
        signed_in,
        values,
        lambda database, accept: services.decide_deposit(
            database, form_key(values), approver_id=signed_in.account_id, transfer_id=transfer_id, accept=accept
        ),
    )


@post(f"{BANK}/validations/utilisations/{{link_id:str}}", name="ledger.decide_use")
@in_thread
def decide_use(
    request: Request[Any, Any, Any],
    link_id: FromPath[str],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """The project lead accepts or refuses a use and its linked stakes."""
    signed_in = require_viewer(viewer)
    values = form_dict(data)
    return _decide(
        request,
        db_session,
        signed_in,
        values,
        lambda database, accept: services.decide_use(
            database, form_key(values), approver_id=signed_in.account_id, link_id=link_id, accept=accept
        ),
    )


ROUTES: list[Any] = [
    declaration_form,
    declare,
    deposit_form,
    deposit,
    use_form,
    use,
    statement,
    public_name,
    inbox,
    decide_deposit,
    decide_use,
]
