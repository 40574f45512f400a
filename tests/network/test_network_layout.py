"""The pure ego network and its radial layout: distances, caps, determinism, readable labels."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.network.ego import RING_1_MAX, RING_2_MAX, Link, LinkNature, Node, NodeKind, build_network, layout


def actor(i: int) -> Node:
    return Node(key=f"actor:{i}", kind=NodeKind.ACTOR, label=f"Acteur {i:03d}")


def project(i: int) -> Node:
    return Node(key=f"project:{i}", kind=NodeKind.PROJECT, label=f"Projet {i:03d}")


def partner(a: int, p: int) -> Link:
    return Link(f"actor:{a}", f"project:{p}", LinkNature.PARTNER, "partenaire")


def test_distances_come_from_the_centre() -> None:
    network = build_network(
        actor(1),
        [project(1), project(2), actor(2), actor(3), project(3)],
        [
            partner(1, 1),
            partner(2, 1),
            partner(2, 2),
            Link("project:1", "project:3", LinkNature.TWIN, "jumeau"),
            partner(3, 3),  # three steps away: left out
        ],
    )
    assert network.distance == {"actor:1": 0, "project:1": 1, "actor:2": 2, "project:3": 2}
    assert [(link.source, link.target) for link in network.links] == [
        ("actor:1", "project:1"),
        ("actor:2", "project:1"),
        ("project:1", "project:3"),
    ]


def test_a_link_to_an_unknown_node_is_dropped() -> None:
    network = build_network(actor(1), [project(1)], [partner(1, 1), partner(1, 2)])
    assert set(network.nodes) == {"actor:1", "project:1"}


def test_caps_leave_the_rest_to_the_table() -> None:
    projects = [project(i) for i in range(30)]
    actors = [actor(i) for i in range(2, 80)]
    links = [partner(1, i) for i in range(30)] + [partner(a, a % 30) for a in range(2, 80)]
    network = build_network(actor(1), [*projects, *actors], links)
    drawing = layout(network)
    rings = [sum(1 for p in drawing.nodes if p.ring == ring) for ring in (0, 1, 2)]
    assert rings == [1, RING_1_MAX, RING_2_MAX]
    assert len(drawing.hidden) == len(network.nodes) - len(drawing.nodes)
    assert not drawing.drawn_keys & {n.key for n in drawing.hidden}
    # a drawn link joins two drawn nodes
    assert all(s.link.source in drawing.drawn_keys and s.link.target in drawing.drawn_keys for s in drawing.segments)


def test_ring_two_nodes_sit_near_their_parent() -> None:
    links = [partner(1, p) for p in range(4)] + [partner(10 + p, p) for p in range(4)]
    nodes = [project(p) for p in range(4)] + [actor(10 + p) for p in range(4)]
    drawing = layout(build_network(actor(1), nodes, links))
    where = {p.node.key: p for p in drawing.nodes}
    for p in range(4):
        parent, child = where[f"project:{p}"], where[f"actor:{10 + p}"]
        # same side of the picture, on the same ray (half-way vectors point the same way)
        middle = drawing.size / 2
        dot = (parent.x - middle) * (child.x - middle) + (parent.y - middle) * (child.y - middle)
        assert dot > 0


@st.composite
def networks(draw: st.DrawFn) -> tuple[Node, list[Node], list[Link]]:
    n_projects = draw(st.integers(0, 25))
    n_actors = draw(st.integers(0, 40))
    pairs = draw(st.lists(st.tuples(st.integers(0, n_actors), st.integers(0, max(0, n_projects - 1))), max_size=120))
    nodes = [project(i) for i in range(n_projects)] + [actor(i) for i in range(1, n_actors + 1)]
    links = [partner(a, p) for a, p in pairs if n_projects]
    return actor(0), nodes, links


@settings(max_examples=60, deadline=None)
@given(networks(), st.randoms(use_true_random=False))
def test_layout_is_deterministic_and_stays_in_the_picture(
    data: tuple[Node, list[Node], list[Link]], rnd: random.Random
) -> None:
    center, nodes, links = data
    drawing = layout(build_network(center, nodes, links))
    shuffled_nodes, shuffled_links = nodes[:], links[:]
    rnd.shuffle(shuffled_nodes)
    rnd.shuffle(shuffled_links)
    assert layout(build_network(center, shuffled_nodes, shuffled_links)) == drawing  # same input, same picture
    for placed in drawing.nodes:
        assert 0 <= placed.x <= drawing.size and 0 <= placed.y <= drawing.size
        assert -90 <= placed.rotation <= 90  # labels never upside down
    keys = [p.node.key for p in drawing.nodes]
    assert len(keys) == len(set(keys)) and keys[0] == center.key
