"""Pages and API of research valorisation: results, the researcher's intent and its history, interest, pairings."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from hub.accounts.viewer import Viewer
from hub.errors import Conflict, InvalidInput
from hub.research import services
from hub.research.api import ROUTES as API_ROUTES
from hub.research.models import INTENT_LABELS, ResearchResult
from hub.research.shapes import EndPairingInput, IntentInput, InterestInput, PairingInput, ResultInput
from hub.territories.services import list_sectors
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
DONE = {
    "enregistre": "Le résultat est enregistré. Vous pourrez changer votre intention à tout moment.",
    "intention": "Votre nouvelle intention est enregistrée et figure dans l’historique.",
    "interet": "L’intérêt de votre entreprise est enregistré.",
    "appariement": "L’appariement est enregistré et figure dans l’historique.",
    "fin": "L’appariement a pris fin ; c’est inscrit dans l’historique.",
}
INTENTS = [(str(k), v) for k, v in INTENT_LABELS.items()]


def _show(
    request: Request[Any, Any, Any], template: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> Template:
    done = DONE.get(request.query_params.get("fait", ""))
    return page(request, template, viewer, status_code=status_code, done=done, intents=INTENTS, **context)


@get("/valorisation", name="research.list")
@in_thread
def result_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Research results open to valorisation, with each researcher's current intent."""
    results = services.list_results(db_session)
    actors = services.actor_names(db_session, [r.research_unit_id for r in results])
    return _show(request, "research/result_list.html", viewer, results=results, actors=actors)


def _form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Template:
    return _show(
        request,
        "research/result_form.html",
        viewer,
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        sectors_options=[(s.code, s.label) for s in list_sectors(db_session)],
    )


@get("/valorisation/nouveau", name="research.create_form")
@in_thread
def result_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form where a researcher records a result and declares what they want to do with it."""
    signed_in = require_viewer(viewer, "Connectez-vous pour déclarer un résultat de recherche.")
    return _form(request, signed_in, db_session, {"intent": "undecided", "sectors": []}, {})


def _resolve(db_session: DbSession, values: dict[str, Any], field: str, errors: dict[str, str]) -> int | None:
    text = str(values.get(field, "")).strip()
    if not text:
        errors[field] = "Ce champ est obligatoire."
        return None
    actor = services.find_actor(db_session, text)
    if actor is None:
        errors[field] = f"Aucun acteur de l’annuaire ne s’appelle « {text[:80]} »."
        return None
    return actor.id


@post("/valorisation/nouveau", name="research.create")
@in_thread
def result_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Record the result; errors come back next to each field, nothing is written."""
    signed_in = require_viewer(viewer, "Connectez-vous pour déclarer un résultat de recherche.")
    values = form_dict(data, lists=("sectors",))
    errors: dict[str, str] = {}
    unit_id = _resolve(db_session, values, "research_unit", errors)
    holder_id = _resolve(db_session, values, "ip_holder", errors)
    shape = {k: values.get(k, "") for k in ("title", "summary", "grant_reference", "intent")}
    shape |= {"sectors": values["sectors"], "research_unit_id": unit_id or 0, "ip_holder_id": holder_id or 0}
    try:
        try:
            checked = validate(ResultInput, shape)
        except InvalidInput as exc:
            raise InvalidInput(_rename(exc.errors) | errors) from exc
        if errors:
            raise InvalidInput(errors)
        result = services.create_result(db_session, signed_in, checked)
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _form(request, signed_in, db_session, values, _rename(exc.errors))
    return Redirect(path=f"/valorisation/{result.id}?fait=enregistre", status_code=303)


def _rename(errors: dict[str, str]) -> dict[str, str]:
    names = {"research_unit_id": "research_unit", "ip_holder_id": "ip_holder"}
    return {names.get(k, k): v for k, v in errors.items()}


def _detail(
    request: Request[Any, Any, Any],
    viewer: Viewer | None,
    db_session: DbSession,
    result: ResearchResult,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    assert result.id is not None
    companies = services.companies_of(db_session, viewer)
    names = services.actor_names(db_session, [result.research_unit_id, result.ip_holder_id])
    return _show(
        request,
        "research/result_detail.html",
        viewer,
        status_code=status_code,
        result=result,
        unit=names.get(result.research_unit_id),
        holder=names.get(result.ip_holder_id),
        researcher=services.names_of(db_session, [result.researcher_id]).get(result.researcher_id, "—"),
        history=services.history(db_session, result),
        interests=services.interests_of(db_session, result.id),
        pairings=services.pairings_of(db_session, result.id),
        is_researcher=viewer is not None and viewer.account_id == result.researcher_id,
        is_institution=services.is_institution(db_session, viewer, result),
        companies=companies,
        company_options=[(c.id, c.name) for c in companies],
        errors=errors or {},
        values=values or {},
    )


@get("/valorisation/{result_id:int}", name="research.detail")
@in_thread
def result_detail(
    request: Request[Any, Any, Any], result_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """One result: its unit, grant, IP holder, current intent, interested companies, pairings and full history."""
    return _detail(request, viewer, db_session, services.get_result(db_session, result_id))


def _act(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    viewer: Viewer,
    result_id: int,
    values: dict[str, Any],
    action: Any,
    done: str,
) -> Response[Any] | Template:
    """Run one action on a result; field errors (422) and conflicts (409) come back on the result's page."""
    result = services.get_result(db_session, result_id)
    try:
        action(result)
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _detail(request, viewer, db_session, result, errors=exc.errors, values=values, status_code=422)
    except Conflict as exc:
        db_session.rollback()
        return _detail(
            request, viewer, db_session, result, errors={"__all__": exc.message}, values=values, status_code=409
        )
    return Redirect(path=f"/valorisation/{result_id}?fait={done}", status_code=303)


@post("/valorisation/{result_id:int}/intention", name="research.intent")
@in_thread
def result_intent(
    request: Request[Any, Any, Any],
    result_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """The researcher changes their mind; anyone else is refused with the reason (403)."""
    signed_in = require_viewer(viewer)
    values = form_dict(data)

    def action(result: ResearchResult) -> None:
        shape = {"intent": values.get("intent", ""), "note": values.get("intent_note", "")}
        try:
            services.change_intent(db_session, signed_in, result, validate(IntentInput, shape))
        except InvalidInput as exc:
            raise InvalidInput({("intent_note" if k == "note" else k): v for k, v in exc.errors.items()}) from exc

    return _act(request, db_session, signed_in, result_id, values, action, "intention")


@post("/valorisation/{result_id:int}/interet", name="research.interest")
@in_thread
def result_interest(
    request: Request[Any, Any, Any],
    result_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """A company says it is interested."""
    signed_in = require_viewer(viewer)
    values = form_dict(data)
    shape = {k: v for k, v in values.items() if v != ""}

    def action(result: ResearchResult) -> None:
        services.express_interest(db_session, signed_in, result, validate(InterestInput, shape))

    return _act(request, db_session, signed_in, result_id, values, action, "interet")


@post("/valorisation/{result_id:int}/appariement", name="research.pair")
@in_thread
def result_pair(
    request: Request[Any, Any, Any],
    result_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """The institution pairs the result with a company (named or chosen among the interested ones)."""
    signed_in = require_viewer(viewer)
    values = form_dict(data)

    def action(result: ResearchResult) -> None:
        services.require_institution(db_session, signed_in, result)
        text = str(values.get("company", "")).strip()
        company = services.find_actor(db_session, text) if text else None
        if company is None:
            message = (
                "Indiquez l’entreprise." if not text else f"Aucun acteur de l’annuaire ne s’appelle « {text[:80]} »."
            )
            raise InvalidInput({"company": message})
        try:
            shape = validate(PairingInput, {"company_id": company.id, "note": values.get("pairing_note", "")})
            services.pair(db_session, signed_in, result, shape)
        except InvalidInput as exc:
            names = {"company_id": "company", "note": "pairing_note"}
            raise InvalidInput({names.get(k, k): v for k, v in exc.errors.items()}) from exc

    return _act(request, db_session, signed_in, result_id, values, action, "appariement")


@post("/valorisation/{result_id:int}/appariements/{pairing_id:int}/fin", name="research.unpair")
@in_thread
def result_unpair(
    request: Request[Any, Any, Any],
    result_id: FromPath[int],
    pairing_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """The researcher takes the result back, or the institution ends the pairing, with a reason."""
    signed_in = require_viewer(viewer)
    values = form_dict(data)

    def action(result: ResearchResult) -> None:
        services.end_pairing(db_session, signed_in, result, pairing_id, validate(EndPairingInput, values))

    return _act(request, db_session, signed_in, result_id, values, action, "fin")


ROUTES = [
    result_list,
    result_form,
    result_create,
    result_detail,
    result_intent,
    result_interest,
    result_pair,
    result_unpair,
    *API_ROUTES,
]
