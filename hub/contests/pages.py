"""Pages of workshops and contests: list, detail (register, submit, jury, results), scoring, and the lab's
administration (set up an event, appoint the jury, give each submission its follow-up, publish the results)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from hub.accounts.viewer import Viewer
from hub.contests import services
from hub.contests.models import (
    CRITERION_LABELS,
    EVENT_KIND_LABELS,
    FOLLOW_UP_LABELS,
    MAX_SCORE,
    RESOURCE_LABELS,
    Criterion,
    Event,
    Submission,
)
from hub.contests.shapes import ScoreInput, SubmissionInput
from hub.errors import Conflict, HubError, InvalidInput, NotFound, PermissionDenied
from hub.projects.models import Project
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
BASE = "/ateliers-et-concours"
ADMIN = "/administration/ateliers-et-concours"
DONE = {
    "evenement": "L’événement est publié.",
    "inscription": "Votre inscription est enregistrée.",
    "desinscription": "Votre inscription est annulée.",
    "candidature": "Votre projet est candidat. Le jury l’évaluera ; chaque candidature recevra une réponse publique.",
    "evaluation": "Votre évaluation est enregistrée.",
    "jury": "La personne fait désormais partie du jury.",
    "suite": "La suite donnée à la candidature est enregistrée.",
    "resultats": "Les résultats sont publiés.",
}


def labels() -> dict[str, Any]:
    """French labels of the contests' vocabularies."""
    return {
        "kind": {str(k): v for k, v in EVENT_KIND_LABELS.items()},
        "criterion": {str(k): v for k, v in CRITERION_LABELS.items()},
        "resource": {str(k): v for k, v in RESOURCE_LABELS.items()},
        "follow_up": {str(k): v for k, v in FOLLOW_UP_LABELS.items()},
        "max_score": MAX_SCORE,
    }


def show(
    request: Request[Any, Any, Any], template: str, viewer: Viewer | None, status_code: int = 200, **context: Any
) -> Template:
    done = DONE.get(request.query_params.get("fait", ""))
    return page(request, template, viewer, status_code=status_code, done=done, ct=labels(), **context)


@get(BASE, name="contests.list")
@in_thread
def event_list(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> Template:
    """Workshops and contests, the most recent first."""
    events = services.list_events(db_session)
    return show(request, "contests/event_list.html", viewer, events=events, today=services.today())


def _detail(
    request: Request[Any, Any, Any],
    viewer: Viewer | None,
    db_session: DbSession,
    event: Event,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    assert event.id is not None
    published = event.results_published_at is not None
    juror = services.is_juror(db_session, viewer, event.id)
    standings = services.standings(db_session, event) if published or juror or (viewer and viewer.is_admin) else []
    jury_view = []
    if juror and viewer is not None and not published:
        for submission, project in services.submissions_of(db_session, event.id):
            assert submission.id is not None
            jury_view.append(
                (
                    submission,
                    project,
                    services.my_score(db_session, viewer, submission.id) is not None,
                    services.conflict_of_interest(db_session, viewer.account_id, project, submission),
                )
            )
    return show(
        request,
        "contests/event_detail.html",
        viewer,
        status_code=status_code,
        event=event,
        today=services.today(),
        needs=services.event_needs(db_session, event.id),
        resources=services.resource_lines(event),
        registered=services.is_registered(db_session, viewer, event.id),
        registrations=services.registration_count(db_session, event.id),
        submissions=services.submissions_of(db_session, event.id),
        projects=[(p.id, p.title) for p in services.submittable_projects(db_session, viewer, event.id)]
        if viewer
        else [],
        jury_view=jury_view,
        standings=standings if published else [],
        errors=errors or {},
        values={},
    )


@get(f"{BASE}/{{event_id:int}}", name="contests.detail")
@in_thread
def event_detail(
    request: Request[Any, Any, Any], event_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """An event: its needs, calendar, grid and resources; registration; submissions; results once published."""
    return _detail(request, viewer, db_session, services.get_event(db_session, event_id))


@post(f"{BASE}/{{event_id:int}}/inscription", name="contests.register")
@in_thread
def event_register(
    request: Request[Any, Any, Any], event_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Take a place (refused with the reason when closed or full)."""
    signed_in = require_viewer(viewer, "Connectez-vous pour vous inscrire.")
    event = services.get_event(db_session, event_id)
    try:
        services.register(db_session, signed_in, event, services.today())
        db_session.commit()
    except Conflict as exc:
        db_session.rollback()
        return _detail(request, signed_in, db_session, event, {"inscription": exc.message}, 409)
    return Redirect(path=f"{BASE}/{event_id}?fait=inscription", status_code=303)


@post(f"{BASE}/{{event_id:int}}/desinscription", name="contests.unregister")
@in_thread
def event_unregister(
    request: Request[Any, Any, Any], event_id: FromPath[int], db_session: DbSession, viewer: CurrentViewer
) -> Response[Any] | Template:
    """Give one's place back."""
    signed_in = require_viewer(viewer)
    event = services.get_event(db_session, event_id)
    try:
        services.unregister(db_session, signed_in, event)
        db_session.commit()
    except Conflict as exc:
        db_session.rollback()
        return _detail(request, signed_in, db_session, event, {"inscription": exc.message}, 409)
    return Redirect(path=f"{BASE}/{event_id}?fait=desinscription", status_code=303)


@post(f"{BASE}/{{event_id:int}}/candidatures", name="contests.submit")
@in_thread
def event_submit(
    request: Request[Any, Any, Any],
    event_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Submit a project (refused with the reason after the deadline, twice, or by someone who may not edit it)."""
    signed_in = require_viewer(viewer, "Connectez-vous pour présenter un projet.")
    event = services.get_event(db_session, event_id)
    values = form_dict(data)
    try:
        if not str(values.get("project_id", "")).isdigit():
            raise InvalidInput({"project_id": "Choisissez un de vos projets."})
        chosen = validate(SubmissionInput, values)
        services.submit(db_session, signed_in, event, chosen.project_id, services.today())
        db_session.commit()
    except (InvalidInput, Conflict) as exc:
        db_session.rollback()
        errors = getattr(exc, "errors", None) or {"project_id": exc.message}
        return _detail(request, signed_in, db_session, event, errors, exc.status_code)
    return Redirect(path=f"{BASE}/{event_id}?fait=candidature#candidatures", status_code=303)


def _score_page(
    request: Request[Any, Any, Any],
    viewer: Viewer,
    db_session: DbSession,
    event: Event,
    submission: Submission,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Template:
    assert submission.id is not None
    errors = {(f"score_{k.split('.', 1)[1]}" if k.startswith("values.") else k): v for k, v in errors.items()}
    project = db_session.get(Project, submission.project_id)
    return show(
        request,
        "contests/score_form.html",
        viewer,
        status_code=(422 if errors and status_code == 200 else status_code),
        event=event,
        submission=submission,
        project=project,
        already=services.my_score(db_session, viewer, submission.id),
        conflict=services.conflict_of_interest(db_session, viewer.account_id, project, submission) if project else None,
        values=values,
        errors=errors,
        criteria=[(str(c), CRITERION_LABELS[c], event.weights.get(str(c), 0)) for c in Criterion],
    )


def submission_of(db_session: DbSession, event_id: int, submission_id: int) -> tuple[Event, Submission]:
    event = services.get_event(db_session, event_id)
    submission = services.get_submission(db_session, submission_id)
    if submission.event_id != event.id:
        raise NotFound("Cette candidature n’existe pas.")
    return event, submission


@get(f"{BASE}/{{event_id:int}}/candidatures/{{submission_id:int}}/evaluation", name="contests.score_form")
@in_thread
def score_form(
    request: Request[Any, Any, Any],
    event_id: FromPath[int],
    submission_id: FromPath[int],
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Template:
    """The grid a jury member fills for one submission."""
    signed_in = require_viewer(viewer)
    event, submission = submission_of(db_session, event_id, submission_id)
    if not services.is_juror(db_session, signed_in, event_id):
        raise PermissionDenied("Seuls les membres du jury de ce concours peuvent évaluer les candidatures.")
    return _score_page(request, signed_in, db_session, event, submission, {}, {})


def score_values(values: dict[str, Any]) -> dict[str, Any]:
    """The grid's fields of the form (score_<criterion>) as a ScoreInput body."""
    scores: dict[str, Any] = {}
    for criterion in Criterion:
        raw = str(values.get(f"score_{criterion}", "")).strip()
        if raw != "":
            scores[str(criterion)] = raw
    return {"values": scores, "comment": values.get("comment", "")}


@post(f"{BASE}/{{event_id:int}}/candidatures/{{submission_id:int}}/evaluation", name="contests.score")
@in_thread
def score_submit(
    request: Request[Any, Any, Any],
    event_id: FromPath[int],
    submission_id: FromPath[int],
    data: FormData,
    db_session: DbSession,
    viewer: CurrentViewer,
) -> Response[Any] | Template:
    """Record a jury member's scores (a second time, or on their own organisation's project: refused)."""
    signed_in = require_viewer(viewer)
    event, submission = submission_of(db_session, event_id, submission_id)
    values = form_dict(data)
    try:
        services.score(db_session, signed_in, submission, validate(ScoreInput, score_values(values)))
        db_session.commit()
    except InvalidInput as exc:
        db_session.rollback()
        return _score_page(request, signed_in, db_session, event, submission, values, exc.errors)
    except HubError as exc:
        if exc.status_code not in (403, 409):
            raise
        db_session.rollback()
        return _score_page(
            request, signed_in, db_session, event, submission, values, {"__all__": exc.message}, exc.status_code
        )
    return Redirect(path=f"{BASE}/{event_id}?fait=evaluation#jury", status_code=303)


PAGES = [
    event_list,
    event_detail,
    event_register,
    event_unregister,
    event_submit,
    score_form,
    score_submit,
]
