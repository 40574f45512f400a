"""Partner suggestions in the interface: the panel on project and actor pages, feedback, gaps, methodology, API."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from hub.directory.services import get_actor, get_actor_by_id
from hub.errors import InvalidInput
from hub.matchmaking import services
from hub.matchmaking.models import SuggestionSubject, SuggestionVerdict
from hub.matchmaking.services import SuggestedActor, SuggestedProject, SuggestionGraphs, SuggestionPanel
from hub.projects.services import get_project, get_project_by_id
from hub.web import CurrentViewer, DbSession, form_dict, in_thread, page, require_viewer

FormData = URLEncodedBody[dict[str, Any]]
METHOD_URL = "/methodologie/suggestions"
# The pages that carry the panel, and the context key naming their subject.


def _graphs(state: State) -> SuggestionGraphs:
    graphs: SuggestionGraphs = state.suggestion_graphs
    return graphs


# The app whose request is being answered: hooks are shared by every app of the process (Litestar memoises them
# on the handlers), so the app's graphs travel with the request's context instead of a closure.


@get(METHOD_URL, name="matchmaking.method", sync_to_thread=False)
def method_page(request: Request[Any, Any, Any], viewer: CurrentViewer) -> Template:
    """How suggestions are made, in plain French (people must be told when an algorithm ranks things for them)."""
    return page(request, "matchmaking/method.html", viewer, roles=services.CONSORTIUM_ROLES)


def _verdict(values: dict[str, Any]) -> tuple[SuggestionVerdict, int]:
    try:
        return SuggestionVerdict(str(values.get("verdict", ""))), int(str(values.get("id", "")))
    except ValueError:
        raise InvalidInput({"verdict": "Choisissez de masquer la suggestion ou de la marquer comme utile."}) from None


def _back(values: dict[str, Any], subject_url: str) -> Redirect:
    """Back where the form was (the subject's page, its consortium page or the person's suggestions)."""
    allowed = {subject_url, f"{subject_url}/consortium", "/compte/suggestions"}
    target = str(values.get("suite", ""))
    return Redirect(path=(target if target in allowed else subject_url) + "#partenaires-suggeres", status_code=303)


@post("/projets/{slug:str}/suggestions", name="matchmaking.project_feedback")
@in_thread
def project_feedback(
    slug: FromPath[str], data: FormData, db_session: DbSession, viewer: CurrentViewer
) -> Response[Any]:
    """Dismiss a partner suggested to a project, or mark it useful (the project's editors only)."""
    require_viewer(viewer, "Connectez-vous pour trier les suggestions.")
    project = get_project(db_session, slug)
    services.check_can_sort(db_session, viewer, project)
    values = form_dict(data)
    verdict, actor_id = _verdict(values)
    services.record_feedback(db_session, viewer, project, SuggestionSubject.ACTOR, actor_id, verdict)
    db_session.commit()
    return _back(values, f"/projets/{project.slug}")


@post("/annuaire/{slug:str}/suggestions", name="matchmaking.actor_feedback")
@in_thread
def actor_feedback(slug: FromPath[str], data: FormData, db_session: DbSession, viewer: CurrentViewer) -> Response[Any]:
    """Dismiss an actor or a project suggested to an actor, or mark it useful (its members only)."""
    require_viewer(viewer, "Connectez-vous pour trier les suggestions.")
    actor = get_actor(db_session, slug)
    services.check_can_sort(db_session, viewer, actor)
    values = form_dict(data)
    verdict, suggested_id = _verdict(values)
    kind = SuggestionSubject.PROJECT if values.get("kind") == "project" else SuggestionSubject.ACTOR
    services.record_feedback(db_session, viewer, actor, kind, suggested_id, verdict)
    db_session.commit()
    return _back(values, f"/annuaire/{actor.slug}")


@get("/projets/{slug:str}/consortium", name="matchmaking.consortium")
@in_thread
def consortium_page(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer, state: State
) -> Template:
    """Which key roles a project's consortium lacks, and who could fill each one."""
    project = get_project(db_session, slug)
    panel = services.project_panel(db_session, _graphs(state), project, viewer)
    return page(
        request, "matchmaking/consortium.html", viewer, project=project, panel=panel, roles=services.CONSORTIUM_ROLES
    )


@get("/compte/suggestions", name="matchmaking.mine")
@in_thread
def my_suggestions(
    request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer, state: State
) -> Template:
    """Suggestions for every project and actor the person manages."""
    signed_in = require_viewer(viewer)
    mine = services.suggestions_for_viewer(db_session, _graphs(state), signed_in)
    return page(request, "matchmaking/my_suggestions.html", viewer, mine=mine)


# -- JSON API ------------------------------------------------------------------------------------------------------


def _actor_json(s: SuggestedActor) -> dict[str, Any]:
    return {
        "actor_id": s.id,
        "slug": s.slug,
        "name": s.name,
        "kind": s.kind,
        "url": f"/annuaire/{s.slug}",
        "score": s.score,
        "reasons": list(s.reasons),
    }


def _project_json(s: SuggestedProject) -> dict[str, Any]:
    return {
        "project_id": s.id,
        "slug": s.slug,
        "title": s.title,
        "url": f"/projets/{s.slug}",
        "score": s.score,
        "reasons": list(s.reasons),
    }


def _panel_json(panel: SuggestionPanel) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ready": panel.is_ready,
        "method_url": METHOD_URL,
        "algorithm": True,
        "suggestions": [_actor_json(s) for s in panel.actors],
    }
    if panel.subject_kind == SuggestionSubject.ACTOR:
        body["projects"] = [_project_json(s) for s in panel.projects]
    if panel.gaps is not None:
        body["missing_roles"] = [
            {"role": g.role, "label": g.label, "candidates": [_actor_json(c) for c in g.candidates]} for g in panel.gaps
        ]
    return body


@get("/api/v1/projects/{project_id:int}/suggestions", name="api.projects.suggestions")
@in_thread
def project_suggestions_api(project_id: FromPath[int], db_session: DbSession, state: State) -> dict[str, Any]:
    """Partners suggested to a project (dismissed ones left out), with reasons, and the key roles it lacks."""
    project = get_project_by_id(db_session, project_id)
    panel = services.project_panel(db_session, _graphs(state), project, None)
    return {"project": {"id": project_id, "slug": project.slug, "title": project.title}, **_panel_json(panel)}


@get("/api/v1/actors/{actor_id:int}/suggestions", name="api.actors.suggestions")
@in_thread
def actor_suggestions_api(actor_id: FromPath[int], db_session: DbSession, state: State) -> dict[str, Any]:
    """Actors to meet and projects to join, suggested to an actor, with reasons."""
    actor = get_actor_by_id(db_session, actor_id)
    panel = services.actor_panel(db_session, _graphs(state), actor, None)
    return {"actor": {"id": actor_id, "slug": actor.slug, "name": actor.name}, **_panel_json(panel)}


ROUTES = [
    method_page,
    project_feedback,
    actor_feedback,
    consortium_page,
    my_suggestions,
    project_suggestions_api,
    actor_suggestions_api,
]
