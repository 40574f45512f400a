"""Pages and API of the network view: the ego network of an actor or a project, as a picture and as a table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath
from litestar.response import Redirect, Template

from hub.directory.models import VerificationStatus
from hub.directory.services import get_actor, get_actor_by_id
from hub.listing import InvalidFilter, Page, check_page_exists, parse_page
from hub.network import services
from hub.network.ego import (
    LINK_NATURE_LABELS,
    NODE_KIND_LABELS,
    Drawing,
    EgoNetwork,
    LinkNature,
    Node,
    NodeKind,
    describe,
    layout,
)
from hub.projects.models import ProjectStatus
from hub.projects.services import get_project, get_project_by_id
from hub.web import CurrentViewer, DbSession, in_thread, page

TABLE_ROWS = 100  # links per page of the table: a large establishment's network stays a light page
KIND_NAMES = {
    NodeKind.PROJECT: ("projet", "projets"),
    NodeKind.ACTOR: ("acteur", "acteurs"),
    NodeKind.PERSON: ("représentant", "représentants"),
}
LINK_NATURE_WORDS = {
    LinkNature.CARRIER: "Porteur",
    LinkNature.PARTNER: "Partenaire",
    LinkNature.TWIN: "Projets jumeaux",
    LinkNature.MEMBER: "Représentant",
}


@dataclass(frozen=True)
class Row:
    """One line of the table: a link, its two ends, its nature, its distance from the centre, drawn or not."""

    source: Node
    target: Node
    nature: str
    detail: str
    distance: int
    is_drawn: bool


def _rows(network: EgoNetwork, drawing: Drawing) -> list[Row]:
    drawn = drawing.drawn_keys
    rows = []
    for link in network.links:
        source, target = network.nodes[link.source], network.nodes[link.target]
        if network.distance[link.target] < network.distance[link.source]:
            source, target = target, source  # read from the centre outwards
        rows.append(
            Row(
                source=source,
                target=target,
                nature=LINK_NATURE_WORDS[link.nature],
                detail=link.label,
                distance=max(network.distance[link.source], network.distance[link.target]),
                is_drawn=link.source in drawn and link.target in drawn,
            )
        )
    return sorted(rows, key=lambda r: (r.distance, r.source.label.casefold(), r.target.label.casefold(), r.nature))


def _page(request: Request[Any, Any, Any], viewer: Any, network: EgoNetwork, *, back: str, notice: str) -> Template:
    params = dict(request.query_params)
    for name in params:
        if name != "page":
            raise InvalidFilter(name[:50], f"Paramètre inconnu : « {name[:50]} ».")
    number, _ = parse_page(params)
    drawing = layout(network)
    rows = _rows(network, drawing)
    check_page_exists(number, TABLE_ROWS, len(rows))
    table = Page(
        items=rows[(number - 1) * TABLE_ROWS : number * TABLE_ROWS], total=len(rows), page=number, per_page=TABLE_ROWS
    )
    return page(
        request,
        "network/network_detail.html",
        viewer,
        network=network,
        center=network.nodes[network.center],
        drawing=drawing,
        result=table,
        params=params,
        summary=describe(network, drawing, KIND_NAMES),
        kind_labels={str(k): v for k, v in NODE_KIND_LABELS.items()},
        nature_labels={str(k): v for k, v in LINK_NATURE_LABELS.items()},
        back=back,
        notice=notice,
    )


@get("/annuaire/{slug:str}/reseau", name="network.actor")
@in_thread
def actor_page(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template:
    """An actor's network: its projects, its partners in them, their twins, its representatives."""
    actor = get_actor(db_session, slug)
    notice = ""
    if actor.verification_status == VerificationStatus.WITHDRAWN:
        notice = "Cet acteur a été retiré de l’annuaire : ses liens ne sont plus affichés."
    network = services.actor_network(db_session, actor)
    return _page(request, viewer, network, back=f"/annuaire/{actor.slug}", notice=notice)


@get("/projets/{slug:str}/reseau", name="network.project")
@in_thread
def project_page(
    request: Request[Any, Any, Any], slug: FromPath[str], db_session: DbSession, viewer: CurrentViewer
) -> Template | Response[Any]:
    """A project's network: its carrier and partners, their other projects, its twins. Merged: its successor's."""
    project = get_project(db_session, slug)
    current = services.current_project(db_session, project)
    if current.id != project.id:
        return Redirect(path=f"/projets/{current.slug}/reseau", status_code=301)
    notice = ""
    if project.status == ProjectStatus.WITHDRAWN:
        notice = "Ce projet a été retiré du catalogue : ses liens ne sont plus affichés."
    network = services.project_network(db_session, project)
    return _page(request, viewer, network, back=f"/projets/{project.slug}", notice=notice)


def _json(network: EgoNetwork, drawing: Drawing) -> dict[str, Any]:
    drawn = drawing.drawn_keys
    return {
        "center": network.center,
        "nodes": [
            {
                "key": key,
                "kind": str(node.kind),
                "label": node.label,
                "detail": node.detail,
                "url": node.url or None,
                "distance": network.distance[key],
                "drawn": key in drawn,
            }
            for key, node in network.nodes.items()
        ],
        "links": [
            {"source": link.source, "target": link.target, "nature": str(link.nature), "label": link.label}
            for link in network.links
        ],
    }


@get("/api/v1/actors/{actor_id:int}/network", name="api.actors.network")
@in_thread
def actor_api(actor_id: FromPath[int], db_session: DbSession) -> dict[str, Any]:
    """An actor's ego network (two steps): nodes with their distance, links with their nature."""
    network = services.actor_network(db_session, get_actor_by_id(db_session, actor_id))
    return _json(network, layout(network))


@get(
    "/api/v1/projects/{project_id:int}/network",
    name="api.projects.network",
    responses={301: ResponseSpec(data_container=None, description="Merged project: its successor's network.")},
)
@in_thread
def project_api(project_id: FromPath[int], db_session: DbSession) -> Response[dict[str, Any]]:
    """A project's ego network (two steps); a merged project redirects (301) to its successor's."""
    project = get_project_by_id(db_session, project_id)
    current = services.current_project(db_session, project)
    if current.id != project.id:
        return Redirect(path=f"/api/v1/projects/{current.id}/network", status_code=301)
    network = services.project_network(db_session, project)
    return Response(_json(network, layout(network)))


ROUTES: list[Any] = [actor_page, project_page, actor_api, project_api]
