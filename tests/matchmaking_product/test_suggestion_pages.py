"""Partner suggestions in the product: the panel, feedback, consortium gaps, the methodology page and the API."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient
from markupsafe import escape
from sqlmodel import col, func, select

from hub.accounts.models import Role
from hub.accounts.services import viewer_for
from hub.db import Database, utcnow
from hub.directory.models import Actor
from hub.matchmaking.services import load_graph
from hub.projects.models import Project, ProjectPartner, ProjectStatus
from tests.factories import csrf_from, make_account, make_project, make_viewer, sign_in

SUGGESTED = re.compile(r'data-suggestion="actor-(\d+)"')
TELEHEALTH = {
    "title": "Téléconsultation en EHPAD pour les résidents atteints de maladies cardiaques",
    "summary": "Un chariot de téléconsultation et une infirmière de coordination pour suivre les résidents.",
    "sectors": ["telemedecine", "cardio"],
    "departement": "35",
    "phase": "experimentation",
}


def _panel(html: str) -> str:
    """The "Partenaires suggérés" section of a page."""
    start = html.index('id="partenaires-suggeres"')
    return html[start : html.index("</section>", start)]


def _seeded_project_with_partners(database: Database) -> Project:
    with database.session() as session:
        project = session.exec(
            select(Project)
            .join(ProjectPartner, col(ProjectPartner.project_id) == col(Project.id))
            .group_by(col(Project.id))
            .having(func.count() >= 2)
            .order_by(col(Project.id))
        ).first()
        assert project is not None
        return project


def _own_project(client: TestClient[Litestar], database: Database, email: str = "porteuse@example.fr") -> Project:
    """A project without partners, created by a signed-in person (who may then sort its suggestions)."""
    with database.session() as session:
        account = make_account(session, email)
        project = make_project(session, viewer_for(session, account), **TELEHEALTH)
        session.commit()
    sign_in(client, email)
    return project


def test_a_seeded_project_shows_suggested_partners_with_reasons(
    client: TestClient[Litestar], database: Database
) -> None:
    project = _seeded_project_with_partners(database)
    panel = _panel(client.get(f"/projets/{project.slug}").text)
    ids = SUGGESTED.findall(panel)
    assert 1 <= len(ids) <= 5
    with database.session() as session:
        members = set(session.exec(select(ProjectPartner.actor_id).where(col(ProjectPartner.project_id) == project.id)))
    assert not members & {int(i) for i in ids}, "current partners are never suggested"
    assert "algorithme" in panel and 'href="/methodologie/suggestions">Pourquoi ?' in panel
    reasons = re.findall(r"<ul class=\"fr-text--sm fr-mb-1w\">\s*<li>([^<]+)</li>", panel)
    assert len(reasons) == len(ids), "every suggestion carries at least one reason"
    assert "Masquer cette suggestion" not in panel, "visitors cannot sort suggestions"
    assert not re.search(r"\(([^,()]+), \1\)", panel), "a project title is named once in a reason"


def test_a_project_without_partners_gets_suggestions_and_its_missing_roles(
    client: TestClient[Litestar], database: Database
) -> None:
    project = _own_project(client, database)
    panel = _panel(client.get(f"/projets/{project.slug}").text)
    assert len(SUGGESTED.findall(panel)) == 5
    assert "Même secteur" in panel or "Même territoire" in panel
    assert "Rôles qui manquent au consortium" in panel
    api = client.get(f"/api/v1/projects/{project.id}/suggestions").json()
    assert api["ready"] and api["algorithm"] and len(api["suggestions"]) == 5
    assert all(s["reasons"] for s in api["suggestions"])
    assert [gap["role"] for gap in api["missing_roles"]] == ["patients", "experimentation_site", "research", "industry"]
    assert all(gap["candidates"] for gap in api["missing_roles"])
    consortium = client.get(f"/projets/{project.slug}/consortium")
    assert consortium.status_code == 200
    assert consortium.text.count(">Manque<") == 4
    assert "Manque : Partenaire industriel (entreprise)" in consortium.text
    with database.session() as session:
        companies = set(session.exec(select(Actor.id).where(col(Actor.kind) == "company")))
    industry = next(gap for gap in api["missing_roles"] if gap["role"] == "industry")
    assert {c["actor_id"] for c in industry["candidates"]} <= companies


def test_a_role_held_by_a_partner_is_not_missing(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        account = make_account(session, "chercheuse@example.fr")
        lab = session.exec(select(Actor).where(col(Actor.kind) == "research_unit").order_by(col(Actor.id))).first()
        assert lab is not None and lab.id is not None
        project = make_project(
            session, viewer_for(session, account), partners=[{"actor_id": lab.id, "role": "recherche"}], **TELEHEALTH
        )
        session.commit()
    roles = [gap["role"] for gap in client.get(f"/api/v1/projects/{project.id}/suggestions").json()["missing_roles"]]
    assert roles == ["patients", "experimentation_site", "industry"]
    assert "Présent</span> Équipe de recherche" in client.get(f"/projets/{project.slug}/consortium").text


def test_an_editor_dismisses_a_suggestion_for_good_or_marks_one_useful(
    client: TestClient[Litestar], database: Database
) -> None:
    project = _own_project(client, database)
    page = client.get(f"/projets/{project.slug}").text
    first = SUGGESTED.findall(_panel(page))[0]
    with database.session() as session:
        name = session.get(Actor, int(first))
        assert name is not None
    assert f'Masquer cette suggestion<span class="fr-sr-only"> : {escape(name.name)}</span>' in page
    response = client.post(
        f"/projets/{project.slug}/suggestions",
        data={"id": first, "verdict": "dismissed", "kind": "actor", "_csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/projets/{project.slug}#partenaires-suggeres"
    for _ in range(2):
        panel = _panel(client.get(f"/projets/{project.slug}").text)
        assert first not in SUGGESTED.findall(panel) and len(SUGGESTED.findall(panel)) == 5
        assert "1 suggestion masquée" in panel
    api = client.get(f"/api/v1/projects/{project.id}/suggestions").json()
    assert int(first) not in [s["actor_id"] for s in api["suggestions"]]
    assert int(first) not in [c["actor_id"] for gap in api["missing_roles"] for c in gap["candidates"]]
    second = SUGGESTED.findall(panel)[0]
    page = client.get(f"/projets/{project.slug}").text
    client.post(
        f"/projets/{project.slug}/suggestions",
        data={"id": second, "verdict": "useful", "_csrf_token": csrf_from(page)},
    )
    panel = _panel(client.get(f"/projets/{project.slug}").text)
    assert SUGGESTED.findall(panel)[0] == second and "Jugée utile" in panel, "a useful suggestion stays, with a badge"
    mine = client.get("/compte/suggestions")
    assert (
        mine.status_code == 200 and project.title in mine.text and f'data-suggestion="actor-{first}"' not in mine.text
    )


def test_only_editors_may_sort_suggestions(client: TestClient[Litestar], database: Database) -> None:
    project = _seeded_project_with_partners(database)
    anonymous_page = client.get("/connexion").text
    first = SUGGESTED.findall(_panel(client.get(f"/projets/{project.slug}").text))[0]
    form = {"id": first, "verdict": "dismissed", "_csrf_token": csrf_from(anonymous_page)}
    anonymous = client.post(f"/projets/{project.slug}/suggestions", data=form, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/connexion?suite=")
    with database.session() as session:
        make_account(session, "curieux@example.fr")
        session.commit()
    sign_in(client, "curieux@example.fr")
    page = client.get(f"/projets/{project.slug}").text
    assert "Masquer cette suggestion" not in page
    forged = client.post(f"/projets/{project.slug}/suggestions", data={**form, "_csrf_token": csrf_from(page)})
    assert forged.status_code == 403
    assert first in SUGGESTED.findall(_panel(client.get(f"/projets/{project.slug}").text))


def test_actor_page_suggests_partners_and_projects(client: TestClient[Litestar], database: Database) -> None:
    project = _seeded_project_with_partners(database)
    with database.session() as session:
        actor = session.exec(
            select(Actor)
            .join(ProjectPartner, col(ProjectPartner.actor_id) == col(Actor.id))
            .where(col(ProjectPartner.project_id) == project.id)
        ).first()
        assert actor is not None
    panel = _panel(client.get(f"/annuaire/{actor.slug}").text)
    assert SUGGESTED.findall(panel) and "Projets qui pourraient vous intéresser" in panel
    api = client.get(f"/api/v1/actors/{actor.id}/suggestions").json()
    assert api["actor"]["id"] == actor.id and api["suggestions"] and api["projects"]
    assert actor.id not in [s["actor_id"] for s in api["suggestions"]]
    with database.session() as session:
        make_account(session, "admin@example.fr", roles=(Role.ADMIN,))
        session.commit()
    sign_in(client, "admin@example.fr")
    page = client.get(f"/annuaire/{actor.slug}").text
    first_project = re.findall(r'data-suggestion="project-(\d+)"', page)[0]
    response = client.post(
        f"/annuaire/{actor.slug}/suggestions",
        data={"kind": "project", "id": first_project, "verdict": "dismissed", "_csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert f'data-suggestion="project-{first_project}"' not in client.get(f"/annuaire/{actor.slug}").text


def test_methodology_page_explains_the_algorithm(client: TestClient[Litestar]) -> None:
    response = client.get("/methodologie/suggestions")
    assert response.status_code == 200
    assert "<h1>Comment le hub suggère des partenaires</h1>" in response.text
    for words in ("algorithme", "Les données utilisées", "Masquer cette suggestion", "Association de patients"):
        assert words in response.text


def test_unknown_ids_are_clear_404s(client: TestClient[Litestar]) -> None:
    assert client.get("/projets/projet-qui-n-existe-pas/consortium").status_code == 404
    for path in ("/api/v1/projects/99999999/suggestions", "/api/v1/actors/99999999/suggestions"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 404
    assert client.get("/compte/suggestions", follow_redirects=False).status_code == 303


def test_volunteer_establishments_come_first_as_experimentation_sites(
    client: TestClient[Litestar], database: Database
) -> None:
    with database.session() as session:
        project = make_project(session, make_viewer(session), **TELEHEALTH)
        session.commit()
    url = f"/api/v1/projects/{project.id}/suggestions"
    sites = next(g for g in client.get(url).json()["missing_roles"] if g["role"] == "experimentation_site")
    last = sites["candidates"][-1]
    with database.session() as session:
        actor = session.get(Actor, last["actor_id"])
        assert actor is not None and not actor.is_experimentation_volunteer
        actor.is_experimentation_volunteer, actor.updated_at = True, utcnow()
        session.add(actor)
        session.commit()
    sites = next(g for g in client.get(url).json()["missing_roles"] if g["role"] == "experimentation_site")
    assert sites["candidates"][0]["actor_id"] == last["actor_id"]
    assert "volontaire pour accueillir des expérimentations" in sites["candidates"][0]["reasons"]


def test_the_graph_knows_each_project_s_year_as_its_period(database: Database) -> None:
    with database.session() as session:
        dated = session.exec(
            select(Project).where(col(Project.year).is_not(None), col(Project.status) == ProjectStatus.ACTIVE).limit(20)
        ).all()
        assert dated, "the seed dates its projects"
        graph = load_graph(session)
    tables = graph._tables
    for project in dated:
        index = graph.projects.index(project.id)
        assert tables.periods.names[int(tables.project_periods[index])] == str(project.year)
