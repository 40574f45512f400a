"""Review items: the catalogue scan, merge and unmerge, twins, distinct pairs, refused second decisions."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from markupsafe import escape
from sqlmodel import Session, col, func, select

from hub.accounts.models import Role
from hub.accounts.viewer import Viewer
from hub.changelog.services import list_changes
from hub.db import Database
from hub.dedup import Match
from hub.dedup.decisions import mark_distinct, merge_projects, project_state
from hub.dedup.models import DuplicatePair, DuplicateReview, DuplicateScanRun, ProjectTwin
from hub.dedup.services import SCAN_BATCH, record_matches, scan_catalogue
from hub.errors import Conflict
from hub.projects.models import Project
from hub.projects.services import project_to_input, update_project
from hub.projects.shapes import ProjectInput
from tests.factories import csrf_from, make_actor, make_project, make_viewer, sign_in

ADMIN = "admin@example.fr"


def _two_projects(session: Session, *, member: bool = False) -> tuple[Viewer, Project, Project, int]:
    """Two look-alike projects with different links, recorded as one open pair; returns the pair id."""
    admin = make_viewer(session, ADMIN, roles=(Role.ADMIN,))
    author = make_viewer(session, "auteur@example.fr") if member else admin  # one password hash less per test
    carrier = make_actor(session, author, name="Start-up Cœur Connecté", kind="company")
    partner_a = make_actor(session, author, name="CHU de Bordeaux (test)", kind="health_establishment")
    partner_b = make_actor(session, author, name="Living lab Autonomie (test)")
    a = make_project(
        session,
        author,
        title="Télésurveillance cardiaque à domicile par patch connecté",
        summary="Un patch connecté suit le rythme cardiaque des patients insuffisants cardiaques.",
        carrier_id=carrier.id,
        sectors=["cardio"],
        needs=["funding"],
        partners=[{"actor_id": partner_a.id, "role": "etablissement"}],
        departement="33",
    )
    b = make_project(
        session,
        author,
        title="Patch connecté de télésurveillance cardiaque à domicile",
        summary="Suivi du rythme cardiaque par patch pour les insuffisants cardiaques, avec une infirmière.",
        sectors=["objets_connectes"],
        needs=["patients", "funding"],
        partners=[{"actor_id": partner_b.id, "role": "recherche"}],
        description="Description détaillée du projet B.",
    )
    assert a.id is not None and b.id is not None
    record_matches(session, [Match(str(min(a.id, b.id)), str(max(a.id, b.id)), 0.93, ("titre très proche",))])
    pair = session.exec(select(DuplicatePair).where(col(DuplicatePair.project_a_id) == min(a.id, b.id))).one()
    assert pair.id is not None
    return admin, a, b, pair.id


def test_scan_creates_review_items_and_resumes_after_an_interruption(database: Database) -> None:
    class Interrupted(Exception):
        pass

    def stop_after_first_batch(label: str, done: int, total: int) -> None:
        if label == "Groupes de doublons" and done == SCAN_BATCH:
            raise Interrupted

    with database.session() as session:
        with pytest.raises(Interrupted):
            scan_catalogue(session, progress=stop_after_first_batch)
        run = session.exec(select(DuplicateScanRun)).one()
        assert run.finished_at is None and run.clusters_done == SCAN_BATCH < run.clusters_total
        seen: list[int] = []
        resumed = scan_catalogue(session, progress=lambda label, done, total: seen.append(done))
        assert resumed.id == run.id and resumed.finished_at is not None
        assert resumed.clusters_done == resumed.clusters_total and min(d for d in seen if d) > SCAN_BATCH
        pairs = session.exec(select(func.count()).select_from(DuplicatePair)).one()
        assert pairs == resumed.pairs_found > 0
        reviews = session.exec(select(func.count()).select_from(DuplicateReview)).one()
        assert reviews == resumed.clusters_total
        # Same catalogue: nothing to do; a forced new run records nothing new (idempotent).
        assert scan_catalogue(session).id == run.id
        again = scan_catalogue(session, restart=True)
        assert again.id != run.id and again.pairs_recorded == 0
        assert session.exec(select(func.count()).select_from(DuplicatePair)).one() == pairs


def test_merge_moves_links_redirects_and_unmerge_restores_exactly(
    client: TestClient[Litestar], database: Database
) -> None:
    with database.session() as session:
        _admin, a, b, pair_id = _two_projects(session)
        before = {a.id: project_state(session, a), b.id: project_state(session, b)}
        session.commit()
    sign_in(client, ADMIN)
    listing = client.get("/administration/doublons")
    assert listing.status_code == 200 and "<caption>" in listing.text and a.title in listing.text
    form = client.get(f"/administration/doublons/paires/{pair_id}/fusion?survivant={a.id}")
    assert form.status_code == 200 and 'name="champ_title"' in form.text
    # The survivor's description is empty, so the other's is proposed by default.
    assert 'id="champ-description-other" name="champ_description" value="other" checked' in form.text
    token = csrf_from(form.text)
    data = {"_csrf_token": token, "survivor": str(a.id), "champ_title": "other", "champ_description": "other"}
    merged = client.post(f"/administration/doublons/paires/{pair_id}/fusion", data=data, follow_redirects=False)
    assert merged.status_code == 303, merged.text[:1000]
    with database.session() as session:
        survivor, gone = session.get(Project, a.id), session.get(Project, b.id)
        assert survivor is not None and gone is not None
        assert survivor.title == b.title and survivor.description == "Description détaillée du projet B."
        assert survivor.summary == before[a.id]["summary"]
        assert gone.status == "merged" and gone.successor_id == a.id
        state = project_state(session, survivor)
        assert state["sectors"] == ["cardio", "objets_connectes"]
        assert state["needs"] == ["funding", "patients"]
        assert len(state["partners"]) == 2 and project_state(session, gone)["partners"] == []
        assert next(c.action for c in list_changes(session, "project", gone.id or 0)) == "merge"
    redirect = client.get(f"/projets/{b.slug}", follow_redirects=False)
    assert redirect.status_code == 301 and redirect.headers["location"] == f"/projets/{a.slug}"
    page = client.get(f"/projets/{a.slug}").text
    with database.session() as session:
        from hub.dedup.models import ProjectMerge

        merge_id, merged_at = session.exec(select(ProjectMerge.id, ProjectMerge.merged_at)).one()
    # the merged record's title with its date, and (for an administrator) the form that undoes this merge
    assert "Fiches fusionnées dans ce projet" in page
    assert f"<li>{escape(b.title)} (le {merged_at.day} " in page
    assert f'action="/administration/fusions/{merge_id}/annuler"' in page

    again = client.post(f"/administration/doublons/paires/{pair_id}/fusion", data=data, follow_redirects=False)
    assert again.status_code == 409 and "déjà été traitée" in again.text
    assert client.get(f"/administration/doublons/paires/{pair_id}/fusion").status_code == 409

    undo_form = csrf_from(client.get(f"/projets/{a.slug}").text)
    undone = client.post(f"/administration/fusions/{merge_id}/annuler", data={"_csrf_token": undo_form})
    assert undone.status_code == 200
    with database.session() as session:
        for project_id in (a.id, b.id):
            project = session.get(Project, project_id)
            assert project is not None
            assert project_state(session, project) == before[project_id]
        assert session.get(DuplicatePair, pair_id).status == "open"  # type: ignore[union-attr]
        assert next(c.action for c in list_changes(session, "project", a.id or 0)) == "unmerge"
    assert client.get(f"/projets/{b.slug}", follow_redirects=False).status_code == 200
    twice = client.post(f"/administration/fusions/{merge_id}/annuler", data={"_csrf_token": undo_form})
    assert twice.status_code == 409


def test_merge_refuses_itself_an_already_merged_project_and_non_administrators(
    client: TestClient[Litestar], database: Database
) -> None:
    with database.session() as session:
        admin, a, b, pair_id = _two_projects(session, member=True)
        assert a.id is not None and b.id is not None
        with pytest.raises(Conflict, match="lui-même"):
            merge_projects(session, a.id, a.id, admin)
        merge_projects(session, a.id, b.id, admin)
        third = make_project(session, admin, title="Un troisième projet sans rapport avec les autres")
        assert third.id is not None
        with pytest.raises(Conflict, match="déjà fusionné"):
            merge_projects(session, third.id, b.id, admin)
        with pytest.raises(Conflict, match="déjà été traitée"):
            mark_distinct(session, pair_id, admin)
        session.commit()
    sign_in(client, "auteur@example.fr")
    assert client.get("/administration/doublons").status_code == 403


def test_twins_show_on_both_pages_and_can_be_undone(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        _, a, b, pair_id = _two_projects(session)
        session.commit()
    sign_in(client, ADMIN)
    review = client.get("/administration/doublons")
    token = csrf_from(review.text)
    linked = client.post(f"/administration/doublons/paires/{pair_id}/jumeaux", data={"_csrf_token": token})
    assert linked.status_code == 200 and "Projets jumeaux" in linked.text
    assert b.title in client.get(f"/projets/{a.slug}").text.split("Projets jumeaux")[1]
    assert a.title in client.get(f"/projets/{b.slug}").text.split("Projets jumeaux")[1]
    refused = client.post(f"/administration/doublons/paires/{pair_id}/distincts", data={"_csrf_token": token})
    assert refused.status_code == 409
    reopened = client.post(f"/administration/doublons/paires/{pair_id}/rouvrir", data={"_csrf_token": token})
    assert reopened.status_code == 200
    with database.session() as session:
        assert session.exec(select(ProjectTwin)).all() == []
        assert session.get(DuplicatePair, pair_id).status == "open"  # type: ignore[union-attr]
        assert {c.action for c in list_changes(session, "project", a.id or 0)} >= {"link_twin", "reopen_duplicate"}


def test_distinct_pair_is_not_proposed_again_unless_a_text_changes_substantially(database: Database) -> None:
    with database.session() as session:
        admin, a, b, pair_id = _two_projects(session)
        assert a.id is not None and b.id is not None
        mark_distinct(session, pair_id, admin)
        match = Match(str(min(a.id, b.id)), str(max(a.id, b.id)), 0.9, ("titre très proche",))
        assert record_matches(session, [match]) == 0
        pair = session.get(DuplicatePair, pair_id)
        assert pair is not None and pair.status == "distinct"
        # A small edit (one word) does not bring the pair back.
        values = project_to_input(session, b) | {"summary": b.summary + " Bientôt."}
        values = {k: v for k, v in values.items() if k in ProjectInput.model_fields}
        update_project(session, b, ProjectInput.model_validate(values), admin)
        assert record_matches(session, [match]) == 0
        values |= {"title": "Application de rééducation du genou", "summary": "Exercices guidés après une prothèse."}
        update_project(session, b, ProjectInput.model_validate(values), admin)
        assert record_matches(session, [match]) == 1
        assert session.get(DuplicatePair, pair_id).status == "open"  # type: ignore[union-attr]


def test_a_referent_reviews_the_duplicates_of_their_area_only(client: TestClient[Litestar], database: Database) -> None:
    from datetime import date

    from hub.referents.services import create_assignment
    from hub.referents.shapes import AssignmentInput

    with database.session() as session:
        admin, a, _, pair_id = _two_projects(session)  # project a: Gironde, cardiovascular
        make_viewer(session, "referente-gironde@example.fr")
        make_viewer(session, "referent-bretagne@example.fr")
        for email, territory in (
            ("referente-gironde@example.fr", "dep-33"),
            ("referent-bretagne@example.fr", "reg-53"),
        ):
            create_assignment(
                session,
                admin,
                AssignmentInput(
                    email=email, territory=territory, sectors=["cardio"], role="titulaire", starts_on=date(2026, 1, 1)
                ),
            )
        session.commit()
    sign_in(client, "referent-bretagne@example.fr")
    listing = client.get("/administration/doublons")
    assert listing.status_code == 200
    assert a.title not in listing.text
    token = csrf_from(listing.text)
    refused = client.post(f"/administration/doublons/paires/{pair_id}/jumeaux", data={"_csrf_token": token})
    assert refused.status_code == 403
    client.post("/deconnexion", data={"_csrf_token": token})

    sign_in(client, "referente-gironde@example.fr")
    listing = client.get("/administration/doublons")
    assert a.title in listing.text
    token = csrf_from(listing.text)
    linked = client.post(f"/administration/doublons/paires/{pair_id}/jumeaux", data={"_csrf_token": token})
    assert linked.status_code == 200
    with database.session() as session:
        assert session.get(DuplicatePair, pair_id).status == "twins"  # type: ignore[union-attr]
    assert client.get("/administration/import").status_code == 403  # imports stay with administrators
