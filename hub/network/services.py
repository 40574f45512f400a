"""Reading an actor's or a project's surroundings from the database: partners, shared projects, twins, representatives.

The suggestion graph (hub/matchmaking) holds participations only, without their nature (carrier or role), twins
or representatives, so this module reads those few rows directly, with the same rules as the graph: only active
projects and listed actors (not withdrawn); a carrier takes part in its project; a twin of a merged project is a
twin of its successor. Two steps from the centre, a handful of batched queries whatever the size of the network.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from hub.accounts.models import Person
from hub.dedup.models import ProjectTwin
from hub.directory.models import ACTOR_KIND_LABELS, Actor, ActorMembership, MembershipStatus, VerificationStatus
from hub.errors import NotFound
from hub.network.ego import EgoNetwork, Link, LinkNature, Node, NodeKind, build_network
from hub.projects.models import (
    PARTNER_ROLE_LABELS,
    PROJECT_PHASE_LABELS,
    Project,
    ProjectPartner,
    ProjectStatus,
)

MAX_LINKS_PER_STEP = 2000  # a huge establishment: the table stays readable and the page light


def actor_key(actor_id: int) -> str:
    """The node key of an actor."""
    return f"actor:{actor_id}"


def project_key(project_id: int) -> str:
    """The node key of a project."""
    return f"project:{project_id}"


def _id(key: str) -> int:
    return int(key.split(":", 1)[1])


def _actor_node(actor: Actor) -> Node:
    return Node(
        key=actor_key(actor.id or 0),
        kind=NodeKind.ACTOR,
        label=actor.name,
        url=f"/annuaire/{actor.slug}",
        detail=ACTOR_KIND_LABELS.get(actor.kind, str(actor.kind)),
    )


def _project_node(project: Project) -> Node:
    return Node(
        key=project_key(project.id or 0),
        kind=NodeKind.PROJECT,
        label=project.title,
        url=f"/projets/{project.slug}",
        detail=PROJECT_PHASE_LABELS.get(project.phase, str(project.phase)),
    )


@dataclass
class _Reader:
    session: Session

    def participations_of_projects(self, project_ids: Collection[int]) -> list[Link]:
        """Carriers and partners of these projects (listed actors only)."""
        if not project_ids:
            return []
        ids = sorted(project_ids)
        links = [
            Link(actor_key(actor_id), project_key(project_id), LinkNature.CARRIER, "porte le projet")
            for project_id, actor_id in self.session.exec(
                select(Project.id, Project.carrier_id).where(
                    col(Project.id).in_(ids), col(Project.carrier_id).is_not(None)
                )
            ).all()
            if project_id is not None and actor_id is not None
        ]
        partners = self.session.exec(
            select(ProjectPartner)
            .where(col(ProjectPartner.project_id).in_(ids))
            .order_by(col(ProjectPartner.project_id), col(ProjectPartner.actor_id))
            .limit(MAX_LINKS_PER_STEP)
        ).all()
        links += [
            Link(
                actor_key(p.actor_id),
                project_key(p.project_id),
                LinkNature.PARTNER,
                PARTNER_ROLE_LABELS.get(p.role, str(p.role)).lower(),
            )
            for p in partners
        ]
        return links

    def participations_of_actors(self, actor_ids: Collection[int]) -> list[Link]:
        """Projects these actors carry or take part in (any status: inactive ones are dropped later)."""
        if not actor_ids:
            return []
        ids = sorted(actor_ids)
        carried = self.session.exec(
            select(Project.id, Project.carrier_id)
            .where(col(Project.carrier_id).in_(ids), col(Project.status) == ProjectStatus.ACTIVE)
            .order_by(col(Project.id))
            .limit(MAX_LINKS_PER_STEP)
        ).all()
        links = [
            Link(actor_key(a), project_key(p), LinkNature.CARRIER, "porte le projet")
            for p, a in carried
            if p is not None and a is not None
        ]
        partners = self.session.exec(
            select(ProjectPartner)
            .where(col(ProjectPartner.actor_id).in_(ids))
            .order_by(col(ProjectPartner.actor_id), col(ProjectPartner.project_id))
            .limit(MAX_LINKS_PER_STEP)
        ).all()
        links += [
            Link(
                actor_key(p.actor_id),
                project_key(p.project_id),
                LinkNature.PARTNER,
                PARTNER_ROLE_LABELS.get(p.role, str(p.role)).lower(),
            )
            for p in partners
        ]
        return links

    def twins_of(self, project_ids: Collection[int]) -> list[Link]:
        """Twin links of these projects, a merged twin replaced by its successor."""
        if not project_ids:
            return []
        ids = sorted(set(project_ids) | self.predecessors(project_ids))
        rows = self.session.exec(
            select(ProjectTwin.project_a_id, ProjectTwin.project_b_id).where(
                col(ProjectTwin.project_a_id).in_(ids) | col(ProjectTwin.project_b_id).in_(ids)
            )
        ).all()
        successors = self.successors({i for row in rows for i in row})
        return [
            Link(project_key(successors[a]), project_key(successors[b]), LinkNature.TWIN, "projet jumeau")
            for a, b in rows
            if successors[a] != successors[b]
        ]

    def predecessors(self, project_ids: Collection[int]) -> set[int]:
        """Projects merged into these ones, directly or through a chain of merges (their twins are now ours)."""
        found: set[int] = set()
        frontier = set(project_ids)
        for _ in range(10):
            rows = set(
                self.session.exec(select(Project.id).where(col(Project.successor_id).in_(sorted(frontier)))).all()
            )
            frontier = {int(i) for i in rows if i is not None} - found - set(project_ids)
            if not frontier:
                break
            found |= frontier
        return found

    def successors(self, project_ids: Iterable[int]) -> dict[int, int]:
        """Each project's current self: itself, or the end of its chain of merges."""
        found = {i: i for i in project_ids}
        pending = set(found)
        for _ in range(10):  # merge chains are short; a cycle cannot loop for ever
            if not pending:
                break
            rows = dict(
                self.session.exec(
                    select(Project.id, Project.successor_id).where(
                        col(Project.id).in_(sorted(pending)), col(Project.successor_id).is_not(None)
                    )
                ).all()
            )
            for original, current in list(found.items()):
                if current in rows and rows[current] is not None:
                    found[original] = int(rows[current] or 0)
            pending = {int(v or 0) for v in rows.values()}
        return found

    def members_of(self, actor_id: int) -> tuple[list[Node], list[Link]]:
        """The people who represent an actor (shown on its public page too)."""
        people = self.session.exec(
            select(Person)
            .join(ActorMembership, col(ActorMembership.account_id) == col(Person.account_id))
            .where(col(ActorMembership.actor_id) == actor_id, col(ActorMembership.status) == MembershipStatus.APPROVED)
            .order_by(col(Person.display_name), col(Person.id))
        ).all()
        nodes = [
            Node(
                key=f"person:{p.id}",
                kind=NodeKind.PERSON,
                label=p.display_name,
                detail=p.profession if p.show_profession else "",
            )
            for p in people
        ]
        return nodes, [Link(n.key, actor_key(actor_id), LinkNature.MEMBER, "représente l’acteur") for n in nodes]

    def nodes_for(self, keys: Collection[str]) -> list[Node]:
        """Nodes for these keys, leaving out withdrawn actors and projects that are not active."""
        actor_ids = sorted(_id(k) for k in keys if k.startswith("actor:"))
        project_ids = sorted(_id(k) for k in keys if k.startswith("project:"))
        nodes: list[Node] = []
        if actor_ids:
            actors = self.session.exec(
                select(Actor).where(
                    col(Actor.id).in_(actor_ids), col(Actor.verification_status) != VerificationStatus.WITHDRAWN
                )
            ).all()
            nodes += [_actor_node(a) for a in actors]
        if project_ids:
            projects = self.session.exec(
                select(Project).where(col(Project.id).in_(project_ids), col(Project.status) == ProjectStatus.ACTIVE)
            ).all()
            nodes += [_project_node(p) for p in projects]
        return nodes


def _expand(reader: _Reader, keys: Collection[str]) -> list[Link]:
    actors = {_id(k) for k in keys if k.startswith("actor:")}
    projects = {_id(k) for k in keys if k.startswith("project:")}
    return (
        reader.participations_of_actors(actors)
        + reader.participations_of_projects(projects)
        + reader.twins_of(projects)
    )


def _network(reader: _Reader, center: Node, extra_nodes: list[Node], extra_links: list[Link]) -> EgoNetwork:
    first = _expand(reader, [center.key])
    ring_1 = {k for link in first for k in (link.source, link.target)} - {center.key}
    known = {n.key: n for n in reader.nodes_for(ring_1)}
    # expand only from listed nodes: a withdrawn partner does not lend its projects to the picture
    second = _expand(reader, sorted(known))
    ring_2 = {k for link in second for k in (link.source, link.target)} - set(known) - {center.key}
    known |= {n.key: n for n in reader.nodes_for(ring_2)}
    return build_network(center, [*known.values(), *extra_nodes], [*first, *second, *extra_links])


def actor_network(session: Session, actor: Actor) -> EgoNetwork:
    """An actor's projects, its partners in them, their twins, and the people who represent it."""
    assert actor.id is not None
    center = _actor_node(actor)
    if actor.verification_status == VerificationStatus.WITHDRAWN:
        return build_network(center, [], [])
    reader = _Reader(session)
    people, memberships = reader.members_of(actor.id)
    return _network(reader, center, people, memberships)


def project_network(session: Session, project: Project) -> EgoNetwork:
    """A project's carrier and partners, their other projects, and its twins (a merged project: its successor's)."""
    assert project.id is not None
    center = _project_node(project)
    if project.status != ProjectStatus.ACTIVE:
        return build_network(center, [], [])
    return _network(_Reader(session), center, [], [])


def current_project(session: Session, project: Project) -> Project:
    """The project itself, or the project it was merged into (following the chain)."""
    assert project.id is not None
    target = _Reader(session).successors([project.id])[project.id]
    if target == project.id:
        return project
    found = session.get(Project, target)
    if found is None:
        raise NotFound("Le projet qui a repris celui-ci n’existe plus.")
    return found
