"""The ego network of one actor or project, and its radial drawing: pure, plain data in and out, no I/O.

Nodes sit on rings by their distance from the centre (1: its direct links, 2: one step further). Ring 1 is
ordered by kind then label; each ring-2 node is placed near the ring-1 nodes it hangs from, so that branches stay
together. Everything is sorted on stable keys: the same network always gives the same picture.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

RING_1_MAX = 16
RING_2_MAX = 28
SIZE = 1080
RING_RADII = (0.0, 160.0, 300.0)
LABEL_CHARS = (40, 20, 26)


class NodeKind(StrEnum):
    """What a node stands for; each kind has its own shape (not only its colour)."""

    ACTOR = "actor"
    PROJECT = "project"
    PERSON = "person"


NODE_KIND_LABELS = {
    NodeKind.ACTOR: "Acteur (rond)",
    NodeKind.PROJECT: "Projet (carré)",
    NodeKind.PERSON: "Représentant (losange)",
}


class LinkNature(StrEnum):
    """Why two nodes are linked; each nature has its own line pattern."""

    CARRIER = "carrier"
    PARTNER = "partner"
    TWIN = "twin"
    MEMBER = "member"


LINK_NATURE_LABELS = {
    LinkNature.CARRIER: "Porte le projet (trait épais)",
    LinkNature.PARTNER: "Partenaire du projet (trait fin)",
    LinkNature.TWIN: "Projets jumeaux (tirets)",
    LinkNature.MEMBER: "Représente l’acteur (pointillés)",
}
_KIND_ORDER = {NodeKind.PROJECT: 0, NodeKind.ACTOR: 1, NodeKind.PERSON: 2}


@dataclass(frozen=True)
class Node:
    """An actor, a project or a person, with what the table and the picture show of it."""

    key: str
    kind: NodeKind
    label: str
    url: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Link:
    """A link between two nodes, with its nature and its wording (a partner's role, "porteur", ...)."""

    source: str
    target: str
    nature: LinkNature
    label: str


@dataclass(frozen=True)
class Placed:
    """A drawn node: its position, ring and how its label is written (rotated along its ray on ring 2)."""

    node: Node
    ring: int
    x: float
    y: float
    label: str
    label_x: float
    label_y: float
    anchor: str
    rotation: float


@dataclass(frozen=True)
class Segment:
    """A drawn link."""

    link: Link
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class EgoNetwork:
    """The centre, the nodes within two steps with their distance, and every link found between them."""

    center: str
    nodes: dict[str, Node] = field(default_factory=dict)
    distance: dict[str, int] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)

    def counts(self) -> dict[NodeKind, int]:
        """How many nodes of each kind surround the centre."""
        found = dict.fromkeys(NodeKind, 0)
        for key, node in self.nodes.items():
            if key != self.center:
                found[node.kind] += 1
        return found


def build_network(center: Node, nodes: Iterable[Node], links: Iterable[Link]) -> EgoNetwork:
    """The ego network: distances by breadth-first search from the centre (links of unknown nodes dropped)."""
    known = {center.key: center} | {n.key: n for n in nodes}
    unique = {(min(k.source, k.target), max(k.source, k.target), k.nature): k for k in links}
    kept = [unique[k] for k in sorted(unique) if unique[k].source in known and unique[k].target in known]
    kept = [link for link in kept if link.source != link.target]
    adjacency: dict[str, set[str]] = {}
    for link in kept:
        adjacency.setdefault(link.source, set()).add(link.target)
        adjacency.setdefault(link.target, set()).add(link.source)
    distance = {center.key: 0}
    frontier = [center.key]
    for ring in (1, 2):
        reached = sorted({n for key in frontier for n in adjacency.get(key, ()) if n not in distance})
        distance.update(dict.fromkeys(reached, ring))
        frontier = reached
    network = EgoNetwork(center=center.key)
    network.nodes = {key: known[key] for key in sorted(distance, key=lambda k: (distance[k], k))}
    network.distance = distance
    network.links = [link for link in kept if link.source in distance and link.target in distance]
    return network


@dataclass(frozen=True)
class Drawing:
    """What the SVG shows: placed nodes and links, and the nodes left out of the picture (listed in the table)."""

    size: int
    radii: tuple[float, ...]
    nodes: tuple[Placed, ...]
    segments: tuple[Segment, ...]
    hidden: tuple[Node, ...]

    @property
    def drawn_keys(self) -> frozenset[str]:
        """Keys of the drawn nodes."""
        return frozenset(p.node.key for p in self.nodes)


def _sort_key(node: Node) -> tuple[int, str, str]:
    return (_KIND_ORDER[node.kind], node.label.casefold(), node.key)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _circular_mean(angles: Iterable[float]) -> float:
    values = list(angles)
    return math.atan2(sum(math.sin(a) for a in values), sum(math.cos(a) for a in values))


def choose(network: EgoNetwork, ring_1_max: int = RING_1_MAX, ring_2_max: int = RING_2_MAX) -> list[list[Node]]:
    """The nodes to draw on each ring, in drawing order: the best connected first when there are too many."""
    neighbours: dict[str, set[str]] = {}
    for link in network.links:
        neighbours.setdefault(link.source, set()).add(link.target)
        neighbours.setdefault(link.target, set()).add(link.source)
    ring_1 = [network.nodes[k] for k, d in network.distance.items() if d == 1]
    ring_1 = sorted(ring_1, key=lambda n: (-len(neighbours.get(n.key, ())), *_sort_key(n)))[:ring_1_max]
    shown_1 = {n.key for n in ring_1}
    ring_2 = [network.nodes[k] for k, d in network.distance.items() if d == 2 and neighbours.get(k, set()) & shown_1]
    ring_2 = sorted(ring_2, key=lambda n: (-len(neighbours[n.key] & shown_1), *_sort_key(n)))[:ring_2_max]
    return [[network.nodes[network.center]], sorted(ring_1, key=_sort_key), ring_2]


def layout(network: EgoNetwork, *, ring_1_max: int = RING_1_MAX, ring_2_max: int = RING_2_MAX) -> Drawing:
    """Place the chosen nodes on their rings and the links between drawn nodes (deterministic)."""
    center_ring, ring_1, ring_2 = choose(network, ring_1_max, ring_2_max)
    middle = SIZE / 2
    angles: dict[str, float] = {center_ring[0].key: 0.0}
    step_1 = 2 * math.pi / max(1, len(ring_1))
    for index, node in enumerate(ring_1):
        angles[node.key] = -math.pi / 2 + index * step_1
    if ring_2:
        parents: dict[str, list[float]] = {}
        for link in network.links:
            for a, b in ((link.source, link.target), (link.target, link.source)):
                if a in angles and a != network.center and b in {n.key for n in ring_2}:
                    parents.setdefault(b, []).append(angles[a])
        wanted = {n.key: _circular_mean(parents.get(n.key, [0.0])) for n in ring_2}
        ordered = sorted(ring_2, key=lambda n: (wanted[n.key] % (2 * math.pi), *_sort_key(n)))
        step_2 = 2 * math.pi / len(ordered)
        offset = _circular_mean(wanted[n.key] - i * step_2 for i, n in enumerate(ordered))
        for index, node in enumerate(ordered):
            angles[node.key] = offset + index * step_2
        ring_2 = ordered
    placed = []
    for ring, nodes in enumerate((center_ring, ring_1, ring_2)):
        for node in nodes:
            angle = angles[node.key]
            radius = RING_RADII[ring]
            x, y = middle + radius * math.cos(angle), middle + radius * math.sin(angle)
            placed.append(_placed(node, ring, x, y, angle))
    positions = {p.node.key: (p.x, p.y) for p in placed}
    segments = tuple(
        Segment(link, *positions[link.source], *positions[link.target])
        for link in network.links
        if link.source in positions and link.target in positions
    )
    hidden = tuple(sorted((n for k, n in network.nodes.items() if k not in positions), key=_sort_key))
    return Drawing(size=SIZE, radii=RING_RADII, nodes=tuple(placed), segments=segments, hidden=hidden)


def _placed(node: Node, ring: int, x: float, y: float, angle: float) -> Placed:
    label = _short(node.label, LABEL_CHARS[ring])
    if ring == 0:
        return Placed(node, ring, x, y, label, x, y + 34, "middle", 0.0)
    gap = 16.0
    cos, sin = math.cos(angle), math.sin(angle)
    label_x, label_y = x + gap * cos, y + gap * sin
    degrees = math.degrees(angle) % 360
    if 90 < degrees < 270:  # left half: turn the text over so that it never reads upside down
        return Placed(node, ring, x, y, label, label_x, label_y, "end", round(degrees - 180, 2))
    return Placed(
        node, ring, x, y, label, label_x, label_y, "start", round(degrees if degrees <= 90 else degrees - 360, 2)
    )


def describe(network: EgoNetwork, drawing: Drawing, kind_names: Mapping[NodeKind, tuple[str, str]]) -> str:
    """One sentence saying what the picture holds, for its <desc> and for screen readers."""
    counts = network.counts()
    parts = [
        f"{counts[kind]} {names[0] if counts[kind] <= 1 else names[1]}"
        for kind, names in kind_names.items()
        if counts[kind]
    ]
    shown = len(drawing.nodes) - 1
    total = len(network.nodes) - 1
    text = "Autour de « " + network.nodes[network.center].label + " » : " + (", ".join(parts) or "aucun lien") + "."
    if total > shown:
        text += f" Le schéma en montre {shown} ; les {total - shown} autres sont dans le tableau."
    return text
