"""Pages of the innovation-hours bank for professionals, approvers, project leads and the public."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Iterator
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Stream, Template
from sqlmodel import Session

from hub.accounts.viewer import Viewer
from hub.db import Database, utcnow
from hub.errors import HubError, InvalidInput
from hub.ledger import administration, registers, services
from hub.ledger.rules import NAMES, Refusal, Rule
from hub.ledger.shapes import DeclarationInput, StakeRuleInput
from hub.projects.services import get_project
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
BANK = "/banque-d-heures"
# Confirmations shown after a redirect (chosen by code: no user text travels in the URL).
DONE = {
    "versement": "Votre proposition d’heures est enregistrée : elle attend la validation de votre employeur.",
    "utilisation": "Votre demande d’utilisation est enregistrée : elle attend la validation du pilote du projet.",
    "accepte": "La demande est acceptée et inscrite au registre.",
    "refuse": "La demande est refusée ; rien n’est inscrit au registre.",
    "declaration": "Votre déclaration publique d’intérêts est publiée.",
    "affichage": "Votre choix d’affichage dans les registres publics est enregistré.",
    "regle": "La règle d’intéressement du projet est publiée.",
}
# Which form field a refusal belongs to; the others are shown above the form.
FIELD_OF = {
    Rule.AMOUNT_NOT_WHOLE: "minutes",
    Rule.AMOUNT_NOT_POSITIVE: "minutes",
    Rule.CAP_EXCEEDED: "minutes",
    Rule.POOL_INSUFFICIENT: "minutes",
    Rule.NOT_ELIGIBLE: "convention_id",
    Rule.NO_STAKE_RULE: "project_id",
}


def new_key() -> str:
    """A fresh idempotency key for one rendering of a form."""
    return secrets.token_urlsafe(24)


def form_key(values: dict[str, Any]) -> str:
    """The key a form carried, namespaced so that API clients' keys never collide with it."""
    key = str(values.get("cle", "")).strip()
    return f"form:{key}" if key else ""


def refusal_context(refusal: Refusal) -> dict[str, str]:
    """What a page shows of a refusal: the rule's name, its code and the French reason."""
    return {"rule": refusal.rule.value, "name": NAMES[refusal.rule], "message": refusal.message}


def show(
    request: Request[Any, Any, Any], template: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> Template:
    """Render a bank page with its helpers (durations, confirmation message, a fresh form key)."""
    context.setdefault("key", new_key())
    context.setdefault("refusal", None)
    done = context.pop("done", None) or DONE.get(request.query_params.get("fait", ""))
    return page(request, template, viewer, status_code=status_code, done=done, duration=registers.duration, **context)


def run_service(
    request: Request[Any, Any, Any], db_session: Session, call: Callable[[Database], dict[str, Any]]
) -> dict[str, Any]:
    """Run one idempotent ledger service (it commits on its own), then end the request's session committed."""
    database: Database = request.app.state.database
    try:
        return call(database)
    finally:
        # On a shared test connection the request's savepoint encloses the service's work (see api._run).
        db_session.commit()


def parse_minutes(raw: object) -> object:
    """A typed duration as the service expects it: an int when whole, else the number or text (which it refuses)."""
    text = str(raw or "").strip().replace(" ", "").replace("\u202f", "")
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return text


def parse_id(values: dict[str, Any], name: str, message: str, errors: dict[str, str]) -> int | None:
    """An id chosen in a select, or a field error."""
    raw = str(values.get(name, "")).strip()
    if raw.isdigit():
        return int(raw)
    errors[name] = message
    return None


# -- public pages --------------------------------------------------------------------------------------------


@get(BANK, name="ledger.home")
@in_thread
def home(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """What the bank is, its conventions with their figures and the projects that receive hours."""
    return show(
        request,
        "ledger/bank_home.html",
        viewer,
        conventions=registers.list_conventions(db_session),
        projects=registers.projects_with_rules(db_session),
    )


@get(f"{BANK}/conventions/{{convention_id:int}}", name="ledger.convention_register")
@in_thread
def convention_register(
    request: Request[Any, Any, Any], convention_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """The public register of a convention: hours deposited, used and pending; every deposit; the approvers."""
    convention = administration.get_convention(db_session, convention_id)
    register = registers.convention_register(db_session, convention)
    return show(request, "ledger/convention_register.html", viewer, register=register, header=registers.DEPOSIT_HEADER)


def csv_stream(filename: str, header: list[str], rows: list[list[str]]) -> Stream:
    """A CSV download streamed row by row, with its header row first (UTF-8, comma-separated)."""

    def lines() -> Iterator[str]:
        for row in [header, *rows]:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\r\n").writerow(row)
            yield buffer.getvalue()

    return Stream(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@get(f"{BANK}/conventions/{{convention_id:int}}/versements.csv", name="ledger.convention_csv")
@in_thread
def convention_csv(convention_id: FromPath[int], db_session: DbSession) -> Stream:
    """The convention's register as CSV: one row per deposit, the same figures as the page."""
    register = registers.convention_register(db_session, administration.get_convention(db_session, convention_id))
    return csv_stream(f"convention-{convention_id}-versements.csv", registers.DEPOSIT_HEADER, register.deposits)


@get(f"{BANK}/projets/{{slug:str}}", name="ledger.project_register")
@in_thread
def project_register(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """The public register of a project: its rule, hours used, every use, its table of stakes, its approvers."""
    return _project_page(request, db_session, viewer, slug, {}, None)


def _project_page(
    request: Request[Any, Any, Any],
    db_session: Session,
    viewer: Viewer | None,
    slug: str,
    errors: dict[str, str],
    refusal: dict[str, str] | None,
    status_code: int = 200,
) -> Template:
    project = get_project(db_session, slug)
    register = registers.project_register(db_session, project)
    may_publish = viewer is not None and (viewer.is_admin or project.created_by_id == viewer.account_id)
    return show(
        request,
        "ledger/project_register.html",
        viewer,
        status_code=status_code,
        register=register,
        use_header=registers.USE_HEADER,
        stake_header=registers.STAKE_HEADER,
        may_publish=may_publish and register.rule is None,
        errors=errors,
        values={},
        refusal=refusal,
    )


@get(f"{BANK}/projets/{{slug:str}}/utilisations.csv", name="ledger.project_uses_csv")
@in_thread
def project_uses_csv(slug: FromPath[str], db_session: DbSession) -> Stream:
    """The project's uses as CSV, the same rows as the page."""
    register = registers.project_register(db_session, get_project(db_session, slug))
    return csv_stream(f"{slug}-utilisations.csv", registers.USE_HEADER, register.uses)


@get(f"{BANK}/projets/{{slug:str}}/interessements.csv", name="ledger.project_stakes_csv")
@in_thread
def project_stakes_csv(slug: FromPath[str], db_session: DbSession) -> Stream:
    """The project's table of stakes as CSV, the same rows as the page."""
    register = registers.project_register(db_session, get_project(db_session, slug))
    return csv_stream(f"{slug}-interessements.csv", registers.STAKE_HEADER, register.stakes)


@post(f"{BANK}/projets/{{slug:str}}/regle", name="ledger.publish_rule")
@in_thread
def publish_rule(
    request: Request[Any, Any, Any], slug: FromPath[str], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """The project lead publishes how many stake units one hour used earns (once; it is then fixed)."""
    signed_in = require_viewer(viewer)
    values = form_dict(data)
    project = get_project(db_session, slug)
    try:
        rule = validate(StakeRuleInput, {"units_per_hour": values.get("units_per_hour") or None})
        replay = administration.claim_key(db_session, form_key(values), "stake_rule", {"project": project.id})
        if replay is None:
            administration.publish_rule(db_session, signed_in, project, rule.units_per_hour)
            administration.keep_outcome(db_session, form_key(values), {"project": project.id})
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _project_page(request, db_session, signed_in, slug, exc.errors, None, 422)
    except Refusal as refusal:
        db_session.rollback()
        return _project_page(request, db_session, signed_in, slug, {}, refusal_context(refusal), refusal.status_code)
    return Redirect(path=f"{BANK}/projets/{slug}?fait=regle", status_code=303)


@get(f"{BANK}/declarations", name="ledger.declarations")
@in_thread
def declarations(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The public list of current declarations of interests."""
    return show(
        request, "ledger/declaration_list.html", viewer, items=registers.current_declarations(db_session, utcnow())
    )


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
        current=registers.current_declaration(db_session, viewer.account_id, utcnow()),
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
        declaration=registers.current_declaration(db_session, viewer.account_id, utcnow()),
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
        statement=registers.statement(db_session, holder),
        declaration=registers.current_declaration(db_session, viewer.account_id, utcnow()),
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
        deposits=registers.deposit_inbox(db_session, viewer.account_id, own),
        uses=registers.use_inbox(db_session, viewer.account_id, own, is_admin=viewer.is_admin),
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
    home,
    convention_register,
    convention_csv,
    project_register,
    project_uses_csv,
    project_stakes_csv,
    publish_rule,
    declarations,
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
