"""JSON API of the innovation-hours bank: deposits, uses, decisions (each with an Idempotency-Key header), statement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response, get, post, put
from litestar.params import FromPath, JSONBody
from sqlmodel import Session, col, select

from hub.accounts.viewer import Viewer
from hub.db import Database
from hub.errors import Conflict, PermissionDenied
from hub.ledger import administration, registers, services
from hub.ledger.models import Convention, LedgerAccount, LedgerTransfer
from hub.ledger.rules import Refusal, Rule
from hub.ledger.shapes import ApproversInput, ConventionInput
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer

KEY_HEADER = "idempotency-key"


def _run(
    request: Request[Any, Any, Any], db_session: Session, call: Callable[[Database, str], dict[str, Any]]
) -> Response[Any]:
    """Run one idempotent service call (it commits on its own); a refusal becomes problem details naming the rule."""
    database: Database = request.app.state.database
    try:
        result = call(database, request.headers.get(KEY_HEADER, ""))
    except Refusal as refusal:
        db_session.commit()  # a refusal is recorded under its key too (see below)
        body = {
            "type": "about:blank",
            "title": refusal.title,
            "status": refusal.status_code,
            "detail": refusal.message,
            "rule": refusal.rule.value,
            "instance": request.url.path,
        }
        return Response(content=body, status_code=refusal.status_code, media_type="application/problem+json")
    # The request's own session (it found the viewer) is read-only; on a shared test connection its savepoint
    # encloses the service's committed work, so it must end committed rather than rolled back.
    db_session.commit()
    return Response(content=result, status_code=201)


def _int(data: dict[str, Any], field: str) -> int:
    value = data.get(field)
    if type(value) is not int:
        raise Refusal(Rule.NOT_FOUND)
    return value


@post("/api/v1/ledger/deposits", name="api.ledger.deposit")
@in_thread
def deposit(
    request: Request[Any, Any, Any], data: JSONBody[dict[str, Any]], viewer: CurrentViewer, db_session: DbSession
) -> Response[Any]:
    """Offer minutes to a convention's pool: {"convention_id", "minutes", "project_id"?}; pending until approved."""
    account_id = require_viewer(viewer).account_id
    return _run(
        request,
        db_session,
        lambda database, key: services.request_deposit(
            database,
            key,
            account_id=account_id,
            convention_id=_int(data, "convention_id"),
            minutes=data.get("minutes"),  # type: ignore[arg-type]  # the service refuses what is not whole minutes
            project_id=data.get("project_id"),
        ),
    )


@post("/api/v1/ledger/deposits/{transfer_id:int}/decision", name="api.ledger.deposit_decision")
@in_thread
def deposit_decision(
    request: Request[Any, Any, Any],
    transfer_id: FromPath[int],
    data: JSONBody[dict[str, Any]],
    viewer: CurrentViewer,
    db_session: DbSession,
) -> Response[Any]:
    """The employer's approver accepts or refuses a deposit: {"accept": true|false}."""
    account_id = require_viewer(viewer).account_id
    accept = data.get("accept") is True
    return _run(
        request,
        db_session,
        lambda database, key: services.decide_deposit(
            database, key, approver_id=account_id, transfer_id=transfer_id, accept=accept
        ),
    )


@post("/api/v1/ledger/uses", name="api.ledger.use")
@in_thread
def use(
    request: Request[Any, Any, Any], data: JSONBody[dict[str, Any]], viewer: CurrentViewer, db_session: DbSession
) -> Response[Any]:
    """Draw minutes from a pool for a project: {"convention_id", "project_id", "minutes"}; the project lead approves."""
    account_id = require_viewer(viewer).account_id
    return _run(
        request,
        db_session,
        lambda database, key: services.request_use(
            database,
            key,
            account_id=account_id,
            convention_id=_int(data, "convention_id"),
            project_id=_int(data, "project_id"),
            minutes=data.get("minutes"),  # type: ignore[arg-type]  # the service refuses what is not whole minutes
        ),
    )


@post("/api/v1/ledger/uses/{link_id:str}/decision", name="api.ledger.use_decision")
@in_thread
def use_decision(
    request: Request[Any, Any, Any],
    link_id: FromPath[str],
    data: JSONBody[dict[str, Any]],
    viewer: CurrentViewer,
    db_session: DbSession,
) -> Response[Any]:
    """The project lead accepts or refuses a use and the stakes linked to it: {"accept": true|false}."""
    account_id = require_viewer(viewer).account_id
    accept = data.get("accept") is True
    return _run(
        request,
        db_session,
        lambda database, key: services.decide_use(
            database, key, approver_id=account_id, link_id=link_id, accept=accept
        ),
    )


@get("/api/v1/ledger/statement", name="api.ledger.statement")
@in_thread
def statement(db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """The signed-in person's statement: minutes deposited, pending deposits, stake units per project."""
    pseudonym = services.holder_for(db_session, require_viewer(viewer).account_id)
    db_session.commit()
    own = db_session.exec(select(LedgerAccount).where(col(LedgerAccount.code) == f"pro:{pseudonym}")).first()
    stakes = db_session.exec(select(LedgerAccount).where(col(LedgerAccount.code).endswith(f":{pseudonym}"))).all()
    pending = db_session.exec(
        select(LedgerTransfer).where(
            col(LedgerTransfer.holder) == pseudonym,
            col(LedgerTransfer.kind) == "deposit",
            col(LedgerTransfer.status) == "pending",
        )
    ).all()
    return {
        "pseudonym": pseudonym,
        "minutes_deposited": -own.balance if own else 0,
        "pending_deposits": [{"transfer_id": t.id, "minutes": t.amount} for t in pending],
        "stakes": [
            {"project_id": int(a.code.split(":")[1]), "units": a.balance} for a in stakes if a.code.startswith("stake:")
        ],
    }


def _convention_json(session: Session, convention: Convention) -> dict[str, Any]:
    assert convention.id is not None
    deposited, used, pending = registers.convention_totals(session, convention.id)
    return {
        "id": convention.id,
        "title": convention.title,
        "employer_id": convention.employer_id,
        "cap_minutes_per_period": convention.cap_minutes_per_period,
        "period_days": convention.period_days,
        "deposit_expiry_days": convention.deposit_expiry_days,
        "approvers": registers.approver_names(session, convention.id),
        "named_depositors": len(registers.depositor_emails(session, convention.id)),
        "deposited_minutes": deposited,
        "used_minutes": used,
        "pending_minutes": pending,
        "created_at": convention.created_at.isoformat(),
    }


def _admin(viewer: Viewer | None) -> Viewer:
    signed_in = require_viewer(viewer)
    if not signed_in.is_admin:
        raise PermissionDenied("Seuls les administrateurs gèrent les conventions de la banque d’heures.")
    return signed_in


@get("/api/v1/ledger/conventions", name="api.ledger.conventions")
@in_thread
def conventions(db_session: DbSession) -> list[dict[str, Any]]:
    """Every convention with its terms, approvers' names and figures (minutes), newest first (public)."""
    return [_convention_json(db_session, item.convention) for item in registers.list_conventions(db_session)]


@get("/api/v1/ledger/conventions/{convention_id:int}", name="api.ledger.convention")
@in_thread
def convention(convention_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """One convention with its terms and figures (public)."""
    return _convention_json(db_session, administration.get_convention(db_session, convention_id))


@post("/api/v1/ledger/conventions", name="api.ledger.convention_create")
@in_thread
def convention_create(
    request: Request[Any, Any, Any], data: JSONBody[dict[str, Any]], viewer: CurrentViewer, db_session: DbSession
) -> Response[Any]:
    """An administrator records a convention: {"title", "employer_slug", "cap_hours", "period_days"?,
    "deposit_expiry_days"?, "approver_emails": [...]}; an optional Idempotency-Key makes a retry return the first."""
    signed_in = _admin(viewer)
    shape = validate(ConventionInput, data)
    key = request.headers.get(KEY_HEADER, "")
    replay = None
    if key:
        try:
            replay = administration.claim_key(db_session, f"api-convention:{key}", "convention", shape.model_dump())
        except Refusal as refusal:
            raise Conflict(refusal.message) from refusal
    if replay is None:
        created = administration.open_convention(db_session, shape, signed_in)
        replay = {"convention_id": created.id}
        if key:
            administration.keep_outcome(db_session, f"api-convention:{key}", replay)
    db_session.commit()
    found = administration.get_convention(db_session, int(replay["convention_id"]))
    return Response(content=_convention_json(db_session, found), status_code=201)


@put("/api/v1/ledger/conventions/{convention_id:int}/approvers", name="api.ledger.convention_approvers")
@in_thread
def convention_approvers(
    convention_id: FromPath[int], data: JSONBody[dict[str, Any]], viewer: CurrentViewer, db_session: DbSession
) -> dict[str, Any]:
    """An administrator replaces a convention's approvers: {"approver_emails": [...]} (accounts must exist)."""
    signed_in = _admin(viewer)
    administration.get_convention(db_session, convention_id)
    shape = validate(ApproversInput, data)
    administration.set_approvers(db_session, convention_id, shape.approver_emails, signed_in)
    db_session.commit()
    return _convention_json(db_session, administration.get_convention(db_session, convention_id))


ROUTES = [
    deposit,
    deposit_decision,
    use,
    use_decision,
    statement,
    conventions,
    convention,
    convention_create,
    convention_approvers,
]
