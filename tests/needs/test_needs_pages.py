"""Needs from the field through the real application: raise (routed to the referent), list with filters, support
once ("moi aussi", withdrawable), comment (escaped, length-limited), qualify (referents in charge only)."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Role
from hub.db import Database
from hub.needs.models import Need, NeedComment, NeedStatus, NeedSupport
from hub.referents.models import QueueItem, QueueLevel, QueueStatus
from tests.factories import csrf_from, sign_in
from tests.needs.scenario import NEED, field_error, need_count, people, raise_need, referent, switch_to

SCRIPT = '<script>alert("x")</script>'


def _post_need(client: TestClient[Litestar], **changes: object) -> object:
    form = client.get("/besoins/nouveau")
    assert form.status_code == 200
    return client.post(
        "/besoins/nouveau", data=NEED | {"_csrf_token": csrf_from(form.text)} | changes, follow_redirects=False
    )


def test_a_need_raised_in_the_form_is_listed_and_routed_to_the_referent_in_charge(
    client: TestClient[Litestar], database: Database
) -> None:
    referent(database, "karim@example.fr")
    people(database, "ines@example.fr")
    sign_in(client, "ines@example.fr")
    response = _post_need(client)
    assert response.status_code == 303, response.text[:2000]  # type: ignore[attr-defined]
    url = response.headers["location"].split("?")[0]  # type: ignore[attr-defined]
    need_id = int(url.rsplit("/", 1)[1])
    page = client.get(url).text
    assert NEED["title"] in page and "En attente de qualification" in page
    assert "Patients" in page and "Professionnels de santé" in page and "Gironde" in page
    assert "Dermatologie" in page
    with database.session() as session:
        item = session.exec(
            select(QueueItem).where(col(QueueItem.subject_type) == "need", col(QueueItem.subject_id) == need_id)
        ).one()
        assert item.kind == "need" and item.url == f"/besoins/{need_id}" and item.level == QueueLevel.TITULAIRE
        assert item.territory_id == "dep-33" and item.sectors == ["dermatologie"]
    # The list shows it with each filter that matches it, and hides it otherwise.
    for query in ("", "?sector=dermatologie", "?territory=dep-33", "?territory=reg-75", "?status=open"):
        assert NEED["title"] in client.get(f"/besoins{query}").text, query
    for query in ("?sector=cardio", "?territory=dep-40", "?territory=reg-11", "?status=taken_up"):
        assert NEED["title"] not in client.get(f"/besoins{query}").text, query


def test_unknown_filters_are_refused(client: TestClient[Litestar]) -> None:
    assert client.get("/besoins?sector=inconnu").status_code == 400
    assert client.get("/besoins?territory=dep-999").status_code == 400
    assert client.get("/besoins?couleur=bleu").status_code == 400
    assert client.get("/besoins?status=ferme").status_code == 400


def test_bad_input_comes_back_next_to_each_field_and_nothing_is_written(
    client: TestClient[Litestar], database: Database
) -> None:
    people(database, "ines@example.fr")
    sign_in(client, "ines@example.fr")
    before = need_count(database)
    response = _post_need(client, title="x" * 201, description="court", sectors=[], affected=[], territory="dep-999")
    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert "trop long" in field_error(html, "title")
    assert "20 caractères" in field_error(html, "description")
    assert "Choisissez au moins un secteur" in html
    assert "Indiquez qui est concerné" in html
    assert 'value="' + "x" * 201 + '"' in html  # the typed value is kept
    assert need_count(database) == before
    unknown = _post_need(client, territory="dep-999")
    assert unknown.status_code == 422 and "Territoire inconnu" in unknown.text  # type: ignore[attr-defined]
    assert need_count(database) == before


def test_support_once_then_withdraw_then_support_again(client: TestClient[Litestar], database: Database) -> None:
    need_id = raise_need(database, "ines@example.fr")
    people(database, "paul@example.fr")
    sign_in(client, "paul@example.fr")
    page = client.get(f"/besoins/{need_id}").text
    assert "0 personne dit « moi aussi »" in page
    assert (
        client.post(
            f"/besoins/{need_id}/soutien", data={"_csrf_token": csrf_from(page)}, follow_redirects=False
        ).status_code
        == 303
    )
    page = client.get(f"/besoins/{need_id}").text
    assert "1 personne dit « moi aussi »" in page and "Retirer mon « moi aussi »" in page
    # A second "moi aussi" (a replayed form, say) is refused with the reason, and counts nothing.
    second = client.post(f"/besoins/{need_id}/soutien", data={"_csrf_token": csrf_from(page)})
    assert second.status_code == 409
    assert "déjà dit « moi aussi »" in field_error(second.text, "soutien")
    with database.session() as session:
        assert len(session.exec(select(NeedSupport).where(col(NeedSupport.need_id) == need_id)).all()) == 1
    client.post(f"/besoins/{need_id}/soutien/retirer", data={"_csrf_token": csrf_from(page)})
    assert "0 personne dit « moi aussi »" in client.get(f"/besoins/{need_id}").text
    client.post(f"/besoins/{need_id}/soutien", data={"_csrf_token": csrf_from(page)})
    assert "1 personne dit « moi aussi »" in client.get(f"/besoins/{need_id}").text
    # The author's own voice is already counted.
    switch_to(client, "ines@example.fr")
    page = client.get(f"/besoins/{need_id}").text
    assert ">Moi aussi</button>" not in page
    refused = client.post(f"/besoins/{need_id}/soutien", data={"_csrf_token": csrf_from(page)})
    assert refused.status_code == 409 and "déclaré ce besoin" in refused.text


def test_comments_are_plain_text_escaped_and_length_limited(client: TestClient[Litestar], database: Database) -> None:
    need_id = raise_need(database, "ines@example.fr", title=f"Plaies {SCRIPT}")
    people(database, "paul@example.fr")
    sign_in(client, "paul@example.fr")
    page = client.get(f"/besoins/{need_id}").text
    assert SCRIPT not in page and "&lt;script&gt;" in page
    assert SCRIPT not in client.get("/besoins").text
    token = csrf_from(page)
    ok = client.post(
        f"/besoins/{need_id}/commentaires", data={"body": SCRIPT, "_csrf_token": token}, follow_redirects=False
    )
    assert ok.status_code == 303
    page = client.get(f"/besoins/{need_id}").text
    assert SCRIPT not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    too_long = client.post(f"/besoins/{need_id}/commentaires", data={"body": "a" * 2001, "_csrf_token": token})
    assert too_long.status_code == 422 and "trop long" in field_error(too_long.text, "body")
    with database.session() as session:
        assert len(session.exec(select(NeedComment).where(col(NeedComment.need_id) == need_id)).all()) == 1


def test_only_the_referent_in_charge_qualifies_and_the_queue_item_is_closed(
    client: TestClient[Litestar], database: Database
) -> None:
    referent(database, "karim@example.fr")
    referent(database, "autre-secteur@example.fr", sectors=("cardio",))
    original = raise_need(database, "ines@example.fr", title="Partager une photo de plaie avec le médecin traitant")
    need_id = raise_need(database, "paul@example.fr")
    # A member, or a referent of another sector, sees no form and is refused.
    for email in ("ines@example.fr", "autre-secteur@example.fr"):
        switch_to(client, email)
        page = client.get(f"/besoins/{need_id}").text
        assert "Qualifier ce besoin" not in page
        refused = client.post(
            f"/besoins/{need_id}/qualification", data={"status": "taken_up", "_csrf_token": csrf_from(page)}
        )
        assert refused.status_code == 403 and "référents du secteur et du territoire" in refused.text
    switch_to(client, "karim@example.fr")
    page = client.get(f"/besoins/{need_id}").text
    assert "Qualifier ce besoin" in page
    token = csrf_from(page)
    # Out of scope needs its reason; a duplicate needs an existing need other than itself.
    no_reason = client.post(f"/besoins/{need_id}/qualification", data={"status": "out_of_scope", "_csrf_token": token})
    assert no_reason.status_code == 422 and "hors périmètre" in field_error(no_reason.text, "reason")
    itself = client.post(
        f"/besoins/{need_id}/qualification",
        data={"status": "duplicate", "duplicate_of": str(need_id), "_csrf_token": token},
    )
    assert itself.status_code == 422 and "lui-même" in field_error(itself.text, "duplicate_of")
    with database.session() as session:
        need = session.get(Need, need_id)
        assert need is not None and need.status == NeedStatus.OPEN
    done = client.post(
        f"/besoins/{need_id}/qualification",
        data={"status": "duplicate", "duplicate_of": str(original), "_csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get(f"/besoins/{need_id}").text
    assert "Doublon d’un autre besoin" in page and f'href="/besoins/{original}"' in page
    assert f'href="/besoins/{need_id}"' in client.get(f"/besoins/{original}").text  # grouped under the original
    with database.session() as session:
        item = session.exec(
            select(QueueItem).where(col(QueueItem.subject_type) == "need", col(QueueItem.subject_id) == need_id)
        ).one()
        assert item.status == QueueStatus.CLOSED and item.outcome == "doublon"
        need = session.get(Need, need_id)
        assert need is not None and need.duplicate_of_id == original
    # Nobody says "moi aussi" to a duplicate: support goes to the original.
    switch_to(client, "ines@example.fr")
    assert ">Moi aussi</button>" not in client.get(f"/besoins/{need_id}").text


def test_an_administrator_qualifies_a_need_out_of_scope_with_its_reason(
    client: TestClient[Litestar], database: Database
) -> None:
    need_id = raise_need(database, "ines@example.fr", territory="")
    people(database, "admin@example.fr", roles=(Role.ADMIN,))
    sign_in(client, "admin@example.fr")
    page = client.get(f"/besoins/{need_id}").text
    assert "Toute la France" in page
    reason = "Relève de l’assurance maladie, pas d’un projet d’innovation."
    response = client.post(
        f"/besoins/{need_id}/qualification",
        data={"status": "out_of_scope", "reason": reason, "_csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(f"/besoins/{need_id}").text
    assert "Hors périmètre" in page and reason.replace("’", "’") in page
    assert "Hors périmètre" in client.get("/besoins?status=out_of_scope").text
