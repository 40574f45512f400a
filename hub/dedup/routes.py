"""Pages for reviewers: likely duplicates to examine, merge / twins / distinct decisions, unmerge, CSV import."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from sqlmodel import col, select

from hub.accounts.models import Role
from hub.dedup import decisions, services
from hub.dedup.actor_import import ACTOR_COLUMNS, import_actors
from hub.dedup.importer import COLUMNS, MAX_PAGE_BYTES, import_projects
from hub.dedup.models import PAIR_STATUS_LABELS, DuplicatePair, PairStatus, ProjectMerge
from hub.directory.models import Actor
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.projects.models import PROJECT_PHASE_LABELS, REGULATORY_LABELS, REIMBURSEMENT_LABELS, Project
from hub.territories.services import territory_names
from hub.web import CurrentViewer, DbSession, flash_cookie, form_dict, in_thread, page

_LABELS = {
    "phase": {str(k): v for k, v in PROJECT_PHASE_LABELS.items()},
    "regulatory_status": {str(k): v for k, v in REGULATORY_LABELS.items()},
    "reimbursement_status": {str(k): v for k, v in REIMBURSEMENT_LABELS.items()},
}
FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _done(path: str) -> Response[Any]:
    response = Redirect(path=path, status_code=303)
    response.set_cookie(flash_cookie("claim_decided"))
    return response


@get("/administration/doublons", name="dedup.reviews")
@in_thread
def review_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Groups of likely duplicate projects waiting for a decision."""
    if viewer is None or not (viewer.is_admin or viewer.has_role(Role.REFERENT)):
        raise PermissionDenied("Seuls les administrateurs et les référents traitent les doublons.")
    reviewer = viewer
    closed = request.query_params.get("statut") == "traites"
    items = services.list_reviews(db_session, status="closed" if closed else "open")
    if not reviewer.is_admin:  # a referent sees the groups touching a project of their area
        items = [item for item in items if decisions.may_review(db_session, reviewer, item["project_ids"])]
    return page(request, "dedup/review_list.html", reviewer, items=items, closed=closed)


@get("/administration/doublons/{review_id:int}", name="dedup.review")
@in_thread
def review_detail(
    request: Request[Any, Any, Any], review_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """One group: each pair side by side, with the decisions a reviewer may take."""
    review, pairs = services.review_pairs(db_session, review_id)
    ids = {p.project_a_id for p in pairs} | {p.project_b_id for p in pairs}
    reviewer = decisions.require_reviewer(viewer, db_session, sorted(ids))
    if review is None:
        raise NotFound("Ce groupe de doublons n’existe pas.")
    projects = services.projects_by_id(db_session, ids)
    merges = {
        m.pair_id: m
        for m in db_session.exec(
            select(ProjectMerge).where(
                col(ProjectMerge.pair_id).in_([p.id for p in pairs]), col(ProjectMerge.undone_at).is_(None)
            )
        ).all()
    }
    return page(
        request,
        "dedup/review_detail.html",
        reviewer,
        review=review,
        pairs=pairs,
        projects=projects,
        merges=merges,
        status_labels={str(k): v for k, v in PAIR_STATUS_LABELS.items()},
        names=territory_names(db_session),
    )


def _pair(db_session: DbSession, pair_id: int) -> DuplicatePair:
    pair = db_session.get(DuplicatePair, pair_id)
    if pair is None:
        raise NotFound("Cette paire de projets n’existe pas.")
    return pair


def _shown(db_session: DbSession, project: Project, name: str, names: dict[str, str]) -> str:
    value = getattr(project, name)
    if name == "carrier_id":
        actor = db_session.get(Actor, value) if value else None
        return actor.name if actor else "—"
    if name in ("region_id", "departement_id"):
        return names.get(value or "", "—")
    if name in _LABELS:
        return _LABELS[name].get(str(value), str(value))
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    return str(value) if value not in (None, "") else "—"


@get("/administration/doublons/paires/{pair_id:int}/fusion", name="dedup.merge_form")
@in_thread
def merge_form(
    request: Request[Any, Any, Any], pair_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """Choose the surviving project, then field by field which value survives (defaults shown)."""
    pair = _pair(db_session, pair_id)
    reviewer = decisions.require_reviewer(viewer, db_session, (pair.project_a_id, pair.project_b_id))
    if pair.status != PairStatus.OPEN:
        raise Conflict("Cette paire a déjà été traitée. Revenez à la liste des doublons pour voir la décision.")
    wanted = request.query_params.get("survivant", "")
    survivor_id = int(wanted) if wanted in (str(pair.project_a_id), str(pair.project_b_id)) else pair.project_a_id
    other_id = pair.project_b_id if survivor_id == pair.project_a_id else pair.project_a_id
    survivor, other = db_session.get(Project, survivor_id), db_session.get(Project, other_id)
    assert survivor is not None
    assert other is not None
    names = territory_names(db_session)
    defaults = decisions.default_choices(survivor, other)
    rows = [
        {
            "name": name,
            "label": decisions.MERGE_FIELD_LABELS[name],
            "survivor": _shown(db_session, survivor, name, names),
            "other": _shown(db_session, other, name, names),
            "default": defaults[name],
        }
        for name in decisions.MERGE_FIELDS
    ]
    return page(
        request, "dedup/merge_form.html", reviewer, pair=pair, survivor=survivor, other=other, rows=rows, errors={}
    )


@post("/administration/doublons/paires/{pair_id:int}/fusion", name="dedup.merge")
@in_thread
def merge(pair_id: FromPath[int], data: FormData, db_session: DbSession, viewer: CurrentViewer) -> Response[Any]:
    """Merge the pair (409 if it was already decided or a project is already merged)."""
    values = form_dict(data)
    pair = _pair(db_session, pair_id)
    try:
        survivor_id = int(values.get("survivor", ""))
    except ValueError:
        raise InvalidInput({"survivor": "Choisissez le projet qui reste."}) from None
    merged_id = pair.project_b_id if survivor_id == pair.project_a_id else pair.project_a_id
    choices = {k.removeprefix("champ_"): str(v) for k, v in values.items() if k.startswith("champ_")}
    decisions.merge_projects(db_session, survivor_id, merged_id, viewer, choices=choices, pair_id=pair_id)
    db_session.commit()
    return _done(f"/administration/doublons/{pair.review_id}")


@post("/administration/doublons/paires/{pair_id:int}/jumeaux", name="dedup.twins")
@in_thread
def twins(pair_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> Response[Any]:
    """Link the two projects as twins (same thing, different places)."""
    pair = _pair(db_session, pair_id)
    decisions.link_twins(db_session, pair_id, viewer)
    db_session.commit()
    return _done(f"/administration/doublons/{pair.review_id}")


@post("/administration/doublons/paires/{pair_id:int}/distincts", name="dedup.distinct")
@in_thread
def distinct(pair_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> Response[Any]:
    """Mark the two projects as different: not proposed again unless a text changes substantially."""
    pair = _pair(db_session, pair_id)
    decisions.mark_distinct(db_session, pair_id, viewer)
    db_session.commit()
    return _done(f"/administration/doublons/{pair.review_id}")


@post("/administration/doublons/paires/{pair_id:int}/rouvrir", name="dedup.reopen")
@in_thread
def reopen(pair_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> Response[Any]:
    """Undo a twins or distinct decision."""
    pair = _pair(db_session, pair_id)
    decisions.reopen_pair(db_session, pair_id, viewer)
    db_session.commit()
    return _done(f"/administration/doublons/{pair.review_id}")


@post("/administration/fusions/{merge_id:int}/annuler", name="dedup.unmerge")
@in_thread
def unmerge(merge_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer) -> Response[Any]:
    """Undo a merge: both projects come back exactly as they were."""
    merge_row = decisions.unmerge(db_session, merge_id, viewer)
    db_session.commit()
    survivor = db_session.get(Project, merge_row.survivor_id)
    assert survivor is not None
    return _done(f"/projets/{survivor.slug}")


_COLUMN_LISTS: dict[str, Any] = {"columns": list(COLUMNS), "actor_columns": list(ACTOR_COLUMNS)}


@get("/administration/import", name="dedup.import_form")
@in_thread
def import_form(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """Upload a CSV of projects or actors: a dry run first, then the real import."""
    reviewer = decisions.require_reviewer(viewer)
    return page(request, "dedup/import_form.html", reviewer, report=None, errors={}, kind="projets", **_COLUMN_LISTS)


@post("/administration/import", name="dedup.import", request_max_body_size=MAX_PAGE_BYTES + 64 * 1024)
async def import_upload(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Check or import the uploaded file; the report lists errors and duplicates line by line."""
    reviewer = decisions.require_reviewer(viewer)  # before reading the body: refused people upload nothing
    data = await request.form()
    upload = data.get("fichier")
    dry_run = data.get("essai") in ("on", "1", "oui")
    kind = data.get("type", "projets")
    errors: dict[str, str] = {}
    report = None
    if kind not in ("projets", "acteurs"):
        errors["type"] = "Choisissez ce que le fichier contient : des projets ou des acteurs."
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["fichier"] = "Choisissez un fichier CSV."
    elif not errors:
        content = await upload.read()
        report = await _run_import(db_session, content, reviewer, dry_run, kind)
    return page(
        request,
        "dedup/import_form.html",
        reviewer,
        status_code=422 if errors or (report and report.has_errors) else 200,
        report=report,
        errors=errors,
        kind=kind if kind in ("projets", "acteurs") else "projets",
        **_COLUMN_LISTS,
    )


async def _run_import(db_session: DbSession, content: bytes, reviewer: Any, dry_run: bool, kind: str) -> Any:
    import anyio.to_thread

    importer = import_actors if kind == "acteurs" else import_projects

    def run() -> Any:
        report = importer(db_session, content, reviewer, dry_run=dry_run, max_bytes=MAX_PAGE_BYTES)
        if report.has_errors or dry_run:
            db_session.rollback()
        else:
            db_session.commit()
        return report

    return await anyio.to_thread.run_sync(run)


ROUTES = [
    review_list,
    review_detail,
    merge_form,
    merge,
    twins,
    distinct,
    reopen,
    unmerge,
    import_form,
    import_upload,
]
