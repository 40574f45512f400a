"""JSON API of advisers' transparency: advisers and their counts, the published rate (or a 422 refusal), dossiers."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.params import FromPath, JSONBody

from hub.advisers import services
from hub.advisers.models import AdviserDossier
from hub.advisers.rates import MIN_DECIDED_DOSSIERS, Report, Tally
from hub.advisers.shapes import DossierInput, OutcomeInput
from hub.validation import validate
from hub.web import CurrentViewer, DbSession, in_thread, require_viewer


def _tally_json(tally: Tally) -> dict[str, Any]:
    return {
        "rejected_formal": tally.rejected_formal if tally.is_published else None,
        "decided": tally.decided,
        "pending": tally.pending,
        "rate": float(tally.rate) if tally.rate is not None else None,
        "percent": tally.percent,
    }


def _report_json(report: Report) -> dict[str, Any]:
    return {
        "minimum_decided_dossiers": MIN_DECIDED_DOSSIERS,
        "overall": _tally_json(report.overall),
        "by_authority": [{"authority": str(a)} | _tally_json(t) for a, t in report.by_authority]
        if report.overall.is_published
        else [],
    }


def _dossier_json(d: AdviserDossier) -> dict[str, Any]:
    return {
        "id": d.id,
        "adviser_id": d.adviser_id,
        "authority": str(d.authority),
        "outcome": str(d.outcome),
        "filed_on": d.filed_on.isoformat(),
        "decided_on": d.decided_on.isoformat() if d.decided_on else None,
        "reference": d.reference,
    }


@get("/api/v1/advisers", name="api.advisers.list")
@in_thread
def list_advisers(db_session: DbSession) -> dict[str, Any]:
    """Every adviser with its counts; `rate` is null below the minimum number of decided dossiers."""
    return {
        "minimum_decided_dossiers": MIN_DECIDED_DOSSIERS,
        "items": [
            {"id": line.actor.id, "name": line.actor.name, "slug": line.actor.slug, "is_consultant": line.is_consultant}
            | _tally_json(line.report.overall)
            for line in services.list_advisers(db_session)
        ],
    }


@get("/api/v1/advisers/{actor_id:int}/rejection-rate", name="api.advisers.rate")
@in_thread
def rejection_rate(actor_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """The share of decided dossiers rejected for administrative or formal reasons, overall and by authority.
    Fewer decided dossiers than the minimum: 422 problem details giving the reason."""
    adviser = services.get_adviser_by_id(db_session, actor_id)
    return {"adviser_id": actor_id, "name": adviser.name} | _report_json(services.published_rate(db_session, adviser))


@post("/api/v1/advisers/{actor_id:int}/dossiers", name="api.advisers.dossier_create", status_code=201)
@in_thread
def create_dossier(
    actor_id: FromPath[int], data: JSONBody[dict[str, Any]], db_session: DbSession, viewer: CurrentViewer
) -> dict[str, Any]:
    """Record a dossier (members of the adviser or administrators; others 403; invalid fields 422)."""
    signed_in = require_viewer(viewer)
    adviser = services.get_adviser_by_id(db_session, actor_id)
    services.require_recorder(db_session, signed_in, adviser)
    dossier = services.record_dossier(db_session, signed_in, adviser, validate(DossierInput, data))
    db_session.commit()
    return _dossier_json(dossier)


@post("/api/v1/advisers/{actor_id:int}/dossiers/{dossier_id:int}/outcome", name="api.advisers.outcome", status_code=200)
@in_thread
def update_outcome(
    actor_id: FromPath[int],
    dossier_id: FromPath[int],
    data: JSONBody[dict[str, Any]],
    db_session: DbSession,
    viewer: CurrentViewer,
) -> dict[str, Any]:
    """Record the authority's answer (`{"outcome": "accepted", "decided_on": "2026-05-01"}`)."""
    signed_in = require_viewer(viewer)
    adviser = services.get_adviser_by_id(db_session, actor_id)
    services.require_recorder(db_session, signed_in, adviser)
    dossier = services.get_dossier(db_session, adviser, dossier_id)
    shape = validate(OutcomeInput, dict(data) | {"filed_on": dossier.filed_on})
    services.update_outcome(db_session, signed_in, adviser, dossier, shape)
    db_session.commit()
    return _dossier_json(dossier)


ROUTES = [list_advisers, rejection_rate, create_dossier, update_outcome]
