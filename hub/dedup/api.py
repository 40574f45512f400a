"""JSON API for duplicates: the likely duplicates of a project being typed (used by the project form's script)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get

from hub.dedup import services
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer


@get("/api/v1/projects/duplicates", name="api.projects.duplicates")
@in_thread
def check_duplicates(request: Request[Any, Any, Any], db_session: DbSession, viewer: CurrentViewer) -> dict[str, Any]:
    """Up to 5 likely duplicates of a draft. Query: title, summary, carrier_id, region, departement, project_id."""
    require_viewer(viewer)
    params = request.query_params
    carrier = params.get("carrier_id", "")
    project = params.get("project_id", "")
    record = services.draft_record(
        db_session,
        title=params.get("title", "")[:200],
        summary=params.get("summary", "")[:600],
        carrier_id=int(carrier) if carrier.isdigit() else None,
        region=params.get("region", "")[:3],
        departement=params.get("departement", "")[:3],
        project_id=int(project) if project.isdigit() else None,
    )
    candidates = services.find_candidates(db_session, record)
    if project.isdigit():
        candidates = services.undecided(db_session, int(project), candidates)
    return {"candidates": [c.as_json() for c in candidates]}


ROUTES = [check_duplicates]
