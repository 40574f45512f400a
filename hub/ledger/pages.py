"""Public pages of the bank (registers, CSV exports, declarations) and the helpers every bank page shares."""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import MediaType
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Stream, Template
from sqlmodel import Session, col, select

from hub.accounts.viewer import Viewer
from hub.db import Database, utcnow
from hub.errors import InvalidInput
from hub.ledger import administration, registers, statements
from hub.ledger.checkpoint import Checkpoint
from hub.ledger.models import LedgerEntry
from hub.ledger.rules import NAMES, Refusal, Rule
from hub.ledger.shapes import StakeRuleInput
from hub.ledger.verification import take_checkpoint
from hub.projects.services import get_project
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
BANK = "/banque-d-heures"
CHECKPOINT = f"{BANK}/point-de-controle.json"
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
    Rule.NOT_LISTED: "convention_id",
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


def shown_checkpoint(session: Session, state: State) -> Checkpoint:
    """The checkpoint the bank's page shows, taken again only when the journal changed.

    A checkpoint reads every account's head (tens to hundreds of milliseconds on a million entries); the page is
    public and anonymous. Entries are only ever appended, so the id and hash of the journal's last entry tell
    whether anything was written since (the hash also tells a restored, diverging journal from the cached one).
    Kept per application in its state; the download (`checkpoint` below) always takes a fresh one.
    """
    last = session.exec(select(LedgerEntry.id, LedgerEntry.hash).order_by(col(LedgerEntry.id).desc()).limit(1)).first()
    key = tuple(last) if last is not None else None
    cached: tuple[object, Checkpoint] | None = getattr(state, "ledger_checkpoint", None)
    if cached is None or cached[0] != key:
        cached = (key, take_checkpoint(session))
        state.ledger_checkpoint = cached  # one assignment: a concurrent reader sees the old pair or the new one
    return cached[1]


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
        checkpoint=shown_checkpoint(db_session, request.app.state),
        checkpoint_url=CHECKPOINT,
    )


@get(CHECKPOINT, name="ledger.checkpoint")
@in_thread
def checkpoint(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """The journal's checkpoint as a JSON download: each account's last entry (ledger id, number, hash) and one
    digest over them; no names, no pseudonyms. Revalidated on each use (ETag: the digest; 304 while unchanged)."""
    taken = take_checkpoint(db_session)
    etag = f'W/"{taken.digest}"'  # weak: the same state, whatever `taken_at` says
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if taken.digest in request.headers.get("if-none-match", ""):
        return Response(content=b"", status_code=304, headers=headers)
    stamp = taken.taken_at.strftime("%Y-%m-%d-%H%M%S")
    headers["Content-Disposition"] = f'attachment; filename="lab-esante-banque-d-heures-point-de-controle-{stamp}.json"'
    body = json.dumps(taken.as_json(), ensure_ascii=False, indent=2).encode()
    return Response(content=body, media_type=MediaType.JSON, headers=headers)


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
        request, "ledger/declaration_list.html", viewer, items=statements.current_declarations(db_session, utcnow())
    )


ROUTES: list[Any] = [
    home,
    checkpoint,
    convention_register,
    convention_csv,
    project_register,
    project_uses_csv,
    project_stakes_csv,
    publish_rule,
    declarations,
]
