"""The network view of actors and projects, from the database: pages, table, API, withdrawn and merged records."""

from __future__ import annotations

import re
from dataclasses import dataclass

from litestar import Litestar
from litestar.testing import TestClient

from hub.accounts.models import Role
from hub.db import Database
from hub.dedup.decisions import merge_projects
from hub.dedup.models import ProjectTwin
from hub.directory.models import Actor, VerificationStatus
from tests.factories import make_actor, make_project, make_viewer


@dataclass(frozen=True)
class Scene:
    """A lab carrying two projects with partners, a twin elsewhere, and a withdrawn partner."""

    lab: str
    lab_id: int
    project: str
    project_id: int
    twin_id: int
    merged: str


def scene(database: Database) -> Scene:
    with database.session() as session:
        viewer = make_viewer(session, "admin@example.fr", roles=(Role.ADMIN,))
        lab = make_actor(session, viewer, name="Living lab Landes", departement="40")
        chu = make_actor(session, viewer, name="CHU de Bordeaux", kind="health_establishment", departement="33")
        unit = make_actor(session, viewer, name="Unité de recherche INSERM", kind="research_unit", departement="33")
        gone = make_actor(session, viewer, name="Start-up disparue", kind="company", departement="33")
        far = make_actor(session, viewer, name="Clinique de Brest", kind="health_establishment", departement="29")
        main = make_project(
            session,
            viewer,
            title="Télésuivi des plaies",
            carrier_id=lab.id,
            partners=[{"actor_id": chu.id, "role": "etablissement"}, {"actor_id": gone.id, "role": "industriel"}],
        )
        other = make_project(
            session,
            viewer,
            title="Coaching diabète",
            carrier_id=chu.id,
            partners=[{"actor_id": unit.id, "role": "recherche"}],
        )
        twin = make_project(session, viewer, title="Plaies chroniques en Bretagne", carrier_id=far.id)
        duplicate = make_project(session, viewer, title="Plaies chroniques Bretagne (doublon)")
        gone.verification_status = VerificationStatus.WITHDRAWN
        session.add(gone)
        assert main.id and twin.id and duplicate.id and lab.id and other.id
        # the twin was recorded against the duplicate, later merged into the real twin: the link follows the merge
        session.add(ProjectTwin(project_a_id=main.id, project_b_id=duplicate.id))
        session.commit()
        merge_projects(session, twin.id, duplicate.id, viewer)
        session.commit()
        return Scene(lab.slug, lab.id, main.slug, main.id, twin.id, duplicate.slug)


def table_rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_project_network_page_draws_partners_shared_projects_and_twins(
    client: TestClient[Litestar], database: Database
) -> None:
    s = scene(database)
    response = client.get(f"/projets/{s.project}/reseau")
    assert response.status_code == 200
    html = response.text
    assert '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1080 1080" width="100%" role="img"' in html
    assert '<title id="reseau-titre">Réseau de Télésuivi des plaies</title>' in html
    rows = table_rows(html)
    assert [
        "Télésuivi des plaies",
        "Living lab Landes (Living lab)",
        "Porteur — porte le projet",
        "Lien direct",
        "Oui",
    ] in rows
    assert [
        "Télésuivi des plaies",
        "CHU de Bordeaux (Établissement de santé)",
        "Partenaire — établissement d’expérimentation",
        "Lien direct",
        "Oui",
    ] in rows
    assert [
        "Télésuivi des plaies",
        "Plaies chroniques en Bretagne (Idée)",
        "Projets jumeaux — projet jumeau",
        "Lien direct",
        "Oui",
    ] in [[r[0], r[1].replace("(Expérimentation)", "(Idée)"), *r[2:]] for r in rows]
    assert [
        "CHU de Bordeaux",
        "Coaching diabète (Expérimentation)",
        "Porteur — porte le projet",
        "Par un intermédiaire",
        "Oui",
    ] in rows
    assert [
        "Plaies chroniques en Bretagne",
        "Clinique de Brest (Établissement de santé)",
        "Porteur — porte le projet",
        "Par un intermédiaire",
        "Oui",
    ] in rows
    assert "Start-up disparue" not in html  # withdrawn: not shown
    assert "doublon" not in html  # merged: replaced by its successor
    # every kind is told apart by its shape, not only its colour, and the legend says so
    assert "Projet (carré)" in html and "Acteur (rond)" in html and "Projets jumeaux (tirets)" in html
    assert "<rect" in html and "<circle" in html and 'stroke-dasharray="8 5"' in html


def test_actor_network_and_its_representatives(client: TestClient[Litestar], database: Database) -> None:
    s = scene(database)
    html = client.get(f"/annuaire/{s.lab}/reseau").text
    rows = table_rows(html)
    assert [
        "Living lab Landes",
        "Télésuivi des plaies (Expérimentation)",
        "Porteur — porte le projet",
        "Lien direct",
        "Oui",
    ] in rows
    assert ["Living lab Landes", "Admin", "Représentant — représente l’acteur", "Lien direct", "Oui"] in rows
    assert "<polygon" in html  # a representative is a diamond


def test_the_same_network_draws_the_same_picture(client: TestClient[Litestar], database: Database) -> None:
    s = scene(database)
    first = client.get(f"/projets/{s.project}/reseau").text
    second = client.get(f"/projets/{s.project}/reseau").text
    svg = re.compile(r"<svg xmlns.*?</svg>", re.S)
    assert svg.findall(first) == svg.findall(second)


def test_merged_project_redirects_to_its_successor(client: TestClient[Litestar], database: Database) -> None:
    s = scene(database)
    response = client.get(f"/projets/{s.merged}/reseau", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"].endswith("/reseau") and s.merged not in response.headers["location"]
    api = client.get(f"/api/v1/projects/{s.twin_id}/network").json()
    assert api["center"] == f"project:{s.twin_id}"
    assert {n["key"] for n in api["nodes"] if n["distance"] == 1} >= {f"project:{s.project_id}"}


def test_withdrawn_actor_shows_a_notice_and_no_links(client: TestClient[Litestar], database: Database) -> None:
    s = scene(database)
    with database.session() as session:
        lab = session.get(Actor, s.lab_id)
        assert lab is not None
        lab.verification_status = VerificationStatus.WITHDRAWN
        session.add(lab)
        session.commit()
    html = client.get(f"/annuaire/{s.lab}/reseau").text
    assert "Cet acteur a été retiré de l’annuaire" in html
    assert table_rows(html) == [["Aucun lien connu pour l’instant."]]


def test_api_lists_nodes_and_links(client: TestClient[Litestar], database: Database) -> None:
    s = scene(database)
    body = client.get(f"/api/v1/actors/{s.lab_id}/network").json()
    assert body["center"] == f"actor:{s.lab_id}"
    natures = {(link["source"], link["target"], link["nature"]) for link in body["links"]}
    assert (f"actor:{s.lab_id}", f"project:{s.project_id}", "carrier") in natures
    assert all(node["drawn"] for node in body["nodes"])
    assert client.get("/api/v1/actors/999999/network").status_code == 404
    assert client.get("/annuaire/inconnu-au-bataillon/reseau").status_code == 404
    assert client.get("/projets/inconnu-au-bataillon/reseau").status_code == 404
