"""Pages of the referents: who covers what and the white zones (public), assignments (administrators), and each
referent's queue and dashboard; the JSON API is in api.py."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from hub.accounts.models import Role
from hub.accounts.viewer import Viewer
from hub.db import utcnow
from hub.errors import InvalidInput, PermissionDenied
from hub.filters import reference_choices
from hub.listing import parse_choice
from hub.referents import api, services
from hub.referents.dashboard import Area, build_dashboard
from hub.referents.models import DUE_AFTER, QUEUE_LEVEL_LABELS, REFERENT_ROLE_LABELS, QueueStatus
from hub.referents.routing import KIND_LABELS, today
from hub.territories.models import TerritoryLevel
from hub.territories.services import list_departements, list_regions, list_sectors, territory_names
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
DONE = {
    "nomme": "Le référent est nommé. Les nouveaux éléments de son territoire et de ses secteurs lui seront adressés.",
    "fin": "La fin du mandat est enregistrée.",
    "traite": "L’élément est marqué comme traité.",
}
# The outcomes a referent chooses from when closing an item.
OUTCOMES = ("Traité", "Transmis à un autre référent", "Hors de mon périmètre", "Sans suite")


def _labels() -> dict[str, Any]:
    return {
        "role": {str(k): v for k, v in REFERENT_ROLE_LABELS.items()},
        "level": {str(k): v for k, v in QUEUE_LEVEL_LABELS.items()},
        "kind": KIND_LABELS,
    }


def _show(
    request: Request[Any, Any, Any], template: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> Template:
    done = DONE.get(request.query_params.get("fait", ""))
    return page(request, template, viewer, status_code=status_code, done=done, rl=_labels(), **context)


def _require_admin(viewer: Viewer | None) -> Viewer:
    signed_in = require_viewer(viewer)
    services.require_admin(signed_in)
    return signed_in


def _require_referent(viewer: Viewer | None) -> Viewer:
    signed_in = require_viewer(viewer, "Connectez-vous pour voir votre file de référent.")
    if not signed_in.has_role(Role.REFERENT):
        raise PermissionDenied("Cette page est réservée aux référents sectoriels.")
    return signed_in


# -- public ----------------------------------------------------------------------------------------------------------


@get("/referents", name="referents.list")
@in_thread
def referent_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Who covers which territory and sectors, and the white zones (territory × sector without a referent)."""
    params = request.query_params
    reference = reference_choices(db_session)
    territory, sector, region = api.parse_filters(reference, params)
    level = parse_choice(params, "niveau", {lvl.value for lvl in TerritoryLevel}) or "region"
    rows = services.list_assignments(db_session, territory=territory, sector=sector)
    zones = services.white_zones(db_session, level, sector=sector, region=region)
    return _show(
        request,
        "referents/referent_list.html",
        viewer,
        rows=rows,
        zones=zones,
        level=level,
        filters={k: params.get(k, "") for k in ("region", "departement", "sector", "niveau")},
        regions_options=reference["regions_options"],
        departements_options=reference["departements_options"],
        sectors_options=reference["sectors_options"],
        sector_names={s.code: s.label for s in reference["sectors"]},
        sectors_total=1 if sector else len(reference["sectors"]),
    )


# -- administration --------------------------------------------------------------------------------------------------


@get("/administration/referents", name="referents.admin_list")
@in_thread
def admin_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Every assignment, current or not, with the way to end a current one."""
    signed_in = _require_admin(viewer)
    rows = services.list_assignments(db_session, current_only=False)
    on = today()
    return _show(
        request,
        "referents/admin_list.html",
        signed_in,
        current=[r for r in rows if r.assignment.is_current(on)],
        upcoming=[r for r in rows if r.assignment.starts_on > on],
        past=[r for r in rows if r.assignment.ends_on is not None and r.assignment.ends_on < on],
    )


def _assignment_form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Template:
    regions = [(f"reg-{r.code}", f"Région — {r.name}") for r in list_regions(db_session)]
    departements = [(f"dep-{d.code}", f"Département {d.code} — {d.name}") for d in list_departements(db_session)]
    return _show(
        request,
        "referents/assignment_form.html",
        viewer,
        status_code=422 if errors else 200,
        values=values,
        errors=errors,
        territory_options=regions + departements,
        sectors_options=[(s.code, s.label) for s in list_sectors(db_session)],
        role_options=list(_labels()["role"].items()),
    )


@get("/administration/referents/nouveau", name="referents.assignment_form")
@in_thread
def assignment_form(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The form where an administrator names a referent."""
    signed_in = _require_admin(viewer)
    values = {"sectors": [], "role": "titulaire", "starts_on": today().isoformat()}
    return _assignment_form(request, signed_in, db_session, values, {})


@post("/administration/referents/nouveau", name="referents.assignment_create")
@in_thread
def assignment_create(
    request: Request[Any, Any, Any], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Save an assignment; refusals come back next to each field and nothing is written."""
    signed_in = _require_admin(viewer)
    values = form_dict(data, lists=("sectors",))
    try:
        services.create_assignment(db_session, signed_in, services.parse_assignment(values))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _assignment_form(request, signed_in, db_session, values, exc.errors)
    return Redirect(path="/administration/referents?fait=nomme", status_code=303)


def _end_form(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    assignment_id: int,
    values: dict[str, Any],
    errors: dict[str, str],
) -> Template:
    row = next(
        (r for r in services.list_assignments(db_session, current_only=False) if r.assignment.id == assignment_id),
        None,
    )
    if row is None:
        services.get_assignment(db_session, assignment_id)  # raises NotFound
    return _show(
        request,
        "referents/end_form.html",
        viewer,
        status_code=422 if errors else 200,
        row=row,
        values=values,
        errors=errors,
    )


@get("/administration/referents/{assignment_id:int}/fin", name="referents.end_form")
@in_thread
def end_form(
    request: Request[Any, Any, Any], assignment_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """Choose the last day of a term."""
    signed_in = _require_admin(viewer)
    return _end_form(request, signed_in, db_session, assignment_id, {"ends_on": today().isoformat()}, {})


@post("/administration/referents/{assignment_id:int}/fin", name="referents.end")
@in_thread
def end(
    request: Request[Any, Any, Any],
    assignment_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """End a term; a date before its start comes back next to the field."""
    signed_in = _require_admin(viewer)
    values = form_dict(data)
    try:
        services.end_assignment(db_session, signed_in, assignment_id, services.parse_end(values))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _end_form(request, signed_in, db_session, assignment_id, values, exc.errors)
    return Redirect(path="/administration/referents?fait=fin", status_code=303)


# -- the referent's own pages ----------------------------------------------------------------------------------------


def _queue(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    errors: dict[int, str] | None = None,
    values: dict[int, str] | None = None,
) -> Template:
    params = request.query_params
    closed = params.get("statut", "") == "traites"
    national = params.get("equipe", "") == "nationale"
    items = services.queue_for(
        db_session, viewer, status=QueueStatus.CLOSED if closed else QueueStatus.OPEN, national=national
    )
    now = utcnow()
    return _show(
        request,
        "referents/queue.html",
        viewer,
        status_code=422 if errors else 200,
        items=items,
        closed=closed,
        national=national,
        now=now,
        ages={item.id: services.age_label(item, now) for item in items},
        overdue={item.id for item in items if item.is_overdue(now)},
        names=territory_names(db_session),
        outcomes=OUTCOMES,
        errors=errors or {},
        values=values or {},
        due_days=DUE_AFTER.days,
    )


@get("/referent/file", name="referents.queue")
@in_thread
def queue(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The referent's queue, oldest first, with each item's age; overdue items are marked in words too."""
    return _queue(request, _require_referent(viewer), db_session)


@post("/referent/file/{item_id:int}/traiter", name="referents.close_item")
@in_thread
def close_item(
    request: Request[Any, Any, Any],
    item_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Close an item with its outcome."""
    signed_in = _require_referent(viewer)
    values = form_dict(data)
    outcome = str(values.get("outcome") or "")
    try:
        services.close_item(db_session, signed_in, item_id, services.parse_close({"outcome": outcome}))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _queue(
            request, signed_in, db_session, {item_id: exc.errors.get("outcome", exc.message)}, {item_id: outcome}
        )
    return Redirect(path="/referent/file?fait=traite", status_code=303)


@get("/referent/tableau-de-bord", name="referents.dashboard")
@in_thread
def dashboard(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """The referent's area: actors, projects by phase, items to review, pending introductions, available
    professionals and open needs."""
    signed_in = _require_referent(viewer)
    on = today()
    assignments = services.assignments_of(db_session, signed_in.account_id, on)
    board = build_dashboard(db_session, signed_in.account_id, Area.of(assignments), on, utcnow())
    rows = [r for r in services.list_assignments(db_session) if r.assignment.account_id == signed_in.account_id]
    return _show(
        request,
        "referents/dashboard.html",
        signed_in,
        rows=rows,
        board=board,
        names=territory_names(db_session),
        sector_names={s.code: s.label for s in list_sectors(db_session)},
    )


ROUTES = [
    referent_list,
    admin_list,
    assignment_form,
    assignment_create,
    end_form,
    end,
    queue,
    close_item,
    dashboard,
    *api.ROUTES,
]
