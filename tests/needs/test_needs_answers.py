"""Projects declare the needs they answer (editors of the project only); the need shows them."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

from hub.accounts.models import Role
from hub.accounts.services import viewer_for
from hub.db import Database
from hub.needs.models import Need, NeedStatus
from hub.needs.services import qualify
from hub.needs.shapes import QualificationInput
from tests.factories import csrf_from, make_account, make_actor, make_project, sign_in
from tests.needs.scenario import csrf_headers, field_error, people, raise_need, switch_to, viewer_of


def _project(database: Database, email: str = "porteuse@example.fr") -> tuple[int, str]:
    with database.session() as session:
        account = make_account(session, email)
        viewer = viewer_for(session, account)
        actor = make_actor(session, viewer, name="Start-up PlaieSuivi", kind="company", departement="33")
        project = make_project(session, viewer, title="PlaieSuivi : photos de plaies partagées", carrier_id=actor.id)
        session.commit()
        assert project.id is not None
        return project.id, project.slug


def test_an_editor_declares_the_needs_a_project_answers(client: TestClient[Litestar], database: Database) -> None:
    need_id = raise_need(database, "ines@example.fr")
    project_id, slug = _project(database)
    sign_in(client, "porteuse@example.fr")
    assert f'href="/projets/{slug}/besoins"' in client.get(f"/projets/{slug}").text
    page = client.get(f"/projets/{slug}/besoins").text
    assert f'<option value="{need_id}">' in page
    done = client.post(
        f"/projets/{slug}/besoins",
        data={"need_id": str(need_id), "_csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert f'href="/projets/{slug}"' in client.get(f"/besoins/{need_id}").text
    assert [n["id"] for n in client.get(f"/api/v1/projects/{project_id}/needs-answered").json()["items"]] == [need_id]
    twice = client.post(f"/projets/{slug}/besoins", data={"need_id": str(need_id), "_csrf_token": csrf_from(page)})
    assert twice.status_code == 409 and "répond déjà" in field_error(twice.text, "need_id")
    removed = client.post(
        f"/projets/{slug}/besoins/{need_id}/retirer", data={"_csrf_token": csrf_from(page)}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert "Aucun projet n’a encore déclaré y répondre" in client.get(f"/besoins/{need_id}").text


def test_someone_who_may_not_edit_the_project_is_refused(client: TestClient[Litestar], database: Database) -> None:
    need_id = raise_need(database, "ines@example.fr")
    project_id, slug = _project(database)
    people(database, "intrus@example.fr")
    sign_in(client, "intrus@example.fr")
    page = client.get(f"/projets/{slug}/besoins").text
    assert "Déclarer un besoin" not in page
    refused = client.post(f"/projets/{slug}/besoins", data={"need_id": str(need_id), "_csrf_token": csrf_from(page)})
    assert refused.status_code == 403
    api = client.post(
        f"/api/v1/projects/{project_id}/needs-answered", json={"need_id": need_id}, headers=csrf_headers(client)
    )
    assert api.status_code == 403 and "porteur du projet" in api.json()["detail"]


def test_a_duplicate_need_is_refused_with_the_original_to_declare_instead(
    client: TestClient[Litestar], database: Database
) -> None:
    original = raise_need(database, "ines@example.fr", title="Partager une photo de plaie avec le médecin")
    duplicate = raise_need(database, "paul@example.fr")
    people(database, "admin@example.fr", roles=(Role.ADMIN,))
    with database.session() as session:
        need = session.get(Need, duplicate)
        assert need is not None
        qualify(
            session,
            viewer_of(session, "admin@example.fr"),
            need,
            QualificationInput(status=NeedStatus.DUPLICATE, duplicate_of=original),
        )
        session.commit()
    project_id, _ = _project(database)
    switch_to(client, "porteuse@example.fr")
    api = client.post(
        f"/api/v1/projects/{project_id}/needs-answered", json={"need_id": duplicate}, headers=csrf_headers(client)
    )
    assert api.status_code == 422 and f"besoin n° {original}" in api.json()["errors"][0]["message"]
