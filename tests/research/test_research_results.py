"""Research valorisation through the real application: recording a result, the researcher changing their mind
(kept in a public history), companies' interest, the institution's pairings, and the refusals."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, func, select

from hub.db import Database
from hub.referents.models import QueueItem
from hub.research.models import Intent, ResearchIntentChange, ResearchInterest, ResearchPairing, ResearchResult
from tests.factories import sign_in
from tests.research.scenario import (
    ADMIN,
    COMPANY,
    INSTITUTION,
    OUTSIDER,
    RESEARCHER,
    Cast,
    api,
    cast,
    post_form,
    record,
    switch_to,
)


def _count(database: Database, model: type) -> int:
    with database.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-erreur"[^>]*>([^<]*)<', html)
    return found.group(1) if found else ""


def _history(html: str) -> list[list[str]]:
    table = html.split('id="historique"')[1].split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in rows
    ]


def _recorded(client: TestClient[Litestar], database: Database, **changes: str) -> tuple[Cast, int]:
    c = cast(database)
    sign_in(client, RESEARCHER)
    response = record(client, c, **changes)
    assert response.status_code == 303, response.text[:1500]
    return c, int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])


def test_a_researcher_records_a_result_with_unit_grant_holder_and_intent(
    client: TestClient[Litestar], database: Database
) -> None:
    c, result_id = _recorded(client, database, intent="institution")
    page = client.get(f"/valorisation/{result_id}").text
    assert "Laboratoire d’imagerie cardiaque" in page and "Université de Bordeaux-Test" in page
    assert "ANR-21-CE17-0001" in page
    assert re.search(r'id="intention">Laisser l’établissement valoriser', page)
    history = _history(page)
    assert len(history) == 1 and history[0][1:5] == ["Chercheuse", "Intention déclarée", "—", INTENT_INSTITUTION]
    # The new result goes to the queue of the referent in charge (the national team without referents).
    with database.session() as session:
        item = session.exec(
            select(QueueItem).where(
                col(QueueItem.subject_type) == "research_result", col(QueueItem.subject_id) == result_id
            )
        ).one()
        assert item.kind == "research_result" and item.url == f"/valorisation/{result_id}"
    assert f'href="/valorisation/{result_id}"' in client.get("/valorisation").text
    body = client.get(f"/api/v1/research-results/{result_id}").json()
    assert (
        body["intent"] == "institution"
        and body["research_unit_id"] == c.unit_id
        and body["ip_holder_id"] == c.holder_id
    )


INTENT_INSTITUTION = "Laisser l’établissement valoriser avec une entreprise partenaire"


def test_bad_input_gives_field_errors_and_writes_nothing(client: TestClient[Litestar], database: Database) -> None:
    c = cast(database)
    sign_in(client, RESEARCHER)
    before = _count(database, ResearchResult)
    response = record(client, c, title="", research_unit="Aucun labo de ce nom", ip_holder="")
    assert response.status_code == 422
    assert _field_error(response.text, "title").startswith("Ce champ est obligatoire")
    assert "Aucun acteur de l’annuaire" in _field_error(response.text, "research_unit")
    assert _field_error(response.text, "ip_holder") == "Ce champ est obligatoire."
    # A company is not a research unit.
    response = record(client, c, research_unit=c.company_slug)
    assert response.status_code == 422
    assert "n’est pas une unité de recherche" in _field_error(response.text, "research_unit")
    too_long = record(client, c, summary="x" * 4001)
    assert too_long.status_code == 422 and "trop long" in _field_error(too_long.text, "summary")
    assert _count(database, ResearchResult) == before
    problem = api(
        client,
        "/api/v1/research-results",
        {"title": "Titre", "research_unit_id": c.company_id, "ip_holder_id": c.holder_id},
    )
    assert problem.status_code == 422 and problem.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in problem.json()["errors"]} == {"research_unit_id"}
    assert _count(database, ResearchResult) == before


def test_the_researcher_changes_her_mind_at_any_time_and_every_change_is_kept(
    client: TestClient[Litestar], database: Database
) -> None:
    _, result_id = _recorded(client, database)
    for intent, note in [("carry", "Je crée ma société."), ("institution", ""), ("carry", "Finalement non.")]:
        response = post_form(client, f"/valorisation/{result_id}/intention", {"intent": intent, "intent_note": note})
        assert response.status_code == 303, response.text[:1000]
    history = _history(client.get(f"/valorisation/{result_id}").text)
    assert [row[2:5] for row in history] == [
        ["Intention déclarée", "—", "Indécis"],
        ["Changement d’intention", "Indécis", "Porter soi-même le projet"],
        ["Changement d’intention", "Porter soi-même le projet", INTENT_INSTITUTION],
        ["Changement d’intention", INTENT_INSTITUTION, "Porter soi-même le projet"],
    ]
    assert history[1][5] == "Je crée ma société." and all(row[1] == "Chercheuse" for row in history)
    same = post_form(client, f"/valorisation/{result_id}/intention", {"intent": "carry"})
    assert same.status_code == 422 and "déjà l’intention" in _field_error(same.text, "intent")
    assert _count(database, ResearchIntentChange) == 4
    # The API too, and its answer carries the history.
    body = api(client, f"/api/v1/research-results/{result_id}/intent", {"intent": "undecided"}).json()
    assert body["intent"] == "undecided" and [h["to"] for h in body["history"]][-1] == "Indécis"


def test_only_the_researcher_may_change_the_intent(client: TestClient[Litestar], database: Database) -> None:
    _, result_id = _recorded(client, database)
    for email in (INSTITUTION, COMPANY, OUTSIDER, ADMIN):
        switch_to(client, email)
        page = post_form(client, f"/valorisation/{result_id}/intention", {"intent": "institution"})
        assert page.status_code == 403, email
        assert "Seul le chercheur ou la chercheuse qui a déclaré ce résultat peut changer son intention" in page.text
        problem = api(client, f"/api/v1/research-results/{result_id}/intent", {"intent": "carry"})
        assert problem.status_code == 403 and "Seul le chercheur" in problem.json()["detail"]
        assert "Changer d’intention" not in client.get(f"/valorisation/{result_id}").text
    assert _count(database, ResearchIntentChange) == 1
    with database.session() as session:
        assert session.get(ResearchResult, result_id).intent == Intent.UNDECIDED  # type: ignore[union-attr]


def test_companies_express_interest_once_and_others_are_refused(
    client: TestClient[Litestar], database: Database
) -> None:
    _, result_id = _recorded(client, database)
    refused = post_form(client, f"/valorisation/{result_id}/interet", {"message": "Moi aussi"})
    assert refused.status_code == 403 and "Seules les entreprises" in refused.text
    switch_to(client, COMPANY)
    page = client.get(f"/valorisation/{result_id}").text
    assert "Manifester l’intérêt de votre entreprise" in page and "Au nom de CardioSoft SAS" in page
    response = post_form(client, f"/valorisation/{result_id}/interet", {"message": "<script>alert(1)</script>"})
    assert response.status_code == 303
    page = client.get(f"/valorisation/{result_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    again = post_form(client, f"/valorisation/{result_id}/interet", {"message": ""})
    assert again.status_code == 409 and "a déjà manifesté son intérêt" in again.text
    assert api(client, f"/api/v1/research-results/{result_id}/interests", {}).status_code == 409
    assert _count(database, ResearchInterest) == 1


def test_the_institution_pairs_and_the_researcher_takes_the_result_back(
    client: TestClient[Litestar], database: Database
) -> None:
    c, result_id = _recorded(client, database, intent="institution")
    # The researcher is not the institution (she does not represent the unit nor the holder).
    refused = post_form(client, f"/valorisation/{result_id}/appariement", {"company": c.company_slug})
    assert refused.status_code == 403 and "Seuls les membres de l’unité de recherche" in refused.text
    for email in (COMPANY, OUTSIDER):
        switch_to(client, email)
        assert (
            post_form(client, f"/valorisation/{result_id}/appariement", {"company": c.company_slug}).status_code == 403
        )
        assert (
            api(client, f"/api/v1/research-results/{result_id}/pairings", {"company_id": c.company_id}).status_code
            == 403
        )
    switch_to(client, INSTITUTION)
    not_company = post_form(client, f"/valorisation/{result_id}/appariement", {"company": c.unit_slug})
    assert not_company.status_code == 422 and "n’est pas une entreprise" in _field_error(not_company.text, "company")
    assert _count(database, ResearchPairing) == 0
    paired = post_form(
        client, f"/valorisation/{result_id}/appariement", {"company": c.company_slug, "pairing_note": "Licence"}
    )
    assert paired.status_code == 303
    second = post_form(client, f"/valorisation/{result_id}/appariement", {"company": c.company_slug})
    assert second.status_code == 409 and "déjà apparié avec CardioSoft SAS" in second.text
    with database.session() as session:
        pairing_id = session.exec(select(ResearchPairing.id).where(col(ResearchPairing.result_id) == result_id)).one()
    # The researcher changes her mind after the pairing and takes the result back.
    switch_to(client, RESEARCHER)
    assert post_form(client, f"/valorisation/{result_id}/intention", {"intent": "carry"}).status_code == 303
    no_reason = post_form(client, f"/valorisation/{result_id}/appariements/{pairing_id}/fin", {"reason": ""})
    assert no_reason.status_code == 422 and _field_error(no_reason.text, "reason")
    back = post_form(
        client, f"/valorisation/{result_id}/appariements/{pairing_id}/fin", {"reason": "Je reprends mon résultat."}
    )
    assert back.status_code == 303
    history = _history(client.get(f"/valorisation/{result_id}").text)
    assert [row[2] for row in history] == [
        "Intention déclarée",
        "Appariement",
        "Changement d’intention",
        "Fin de l’appariement",
    ]
    assert (
        history[1][1] == "Valorisation"
        and history[3][1] == "Chercheuse"
        and history[3][5] == "Je reprends mon résultat."
    )
    assert (
        post_form(client, f"/valorisation/{result_id}/appariements/{pairing_id}/fin", {"reason": "encore"}).status_code
        == 409
    )
    # Others may not end a pairing.
    switch_to(client, INSTITUTION)
    api(client, f"/api/v1/research-results/{result_id}/pairings", {"company_id": c.company_id})
    with database.session() as session:
        new_id = session.exec(
            select(ResearchPairing.id).where(
                col(ResearchPairing.ended_at).is_(None), col(ResearchPairing.result_id) == result_id
            )
        ).one()
    switch_to(client, COMPANY)
    assert (
        api(
            client, f"/api/v1/research-results/{result_id}/pairings/{new_id}/end", {"reason": "Nous partons"}
        ).status_code
        == 403
    )


def _actions(html: str) -> set[str]:
    """The forms a page offers (their target, without the result id)."""
    return {re.sub(r"/\d+", "/N", a) for a in re.findall(r'<form method="post" action="([^"]+)"', html)}


def test_nothing_depends_on_the_intent(client: TestClient[Litestar], database: Database) -> None:
    """Interest and pairing pages offer the same forms and accept the same actions whatever the intent."""
    c = cast(database)
    offered: dict[str, tuple[set[str], set[str], set[str]]] = {}
    for intent in Intent:
        switch_to(client, RESEARCHER)
        response = record(client, c, intent=str(intent), title=f"Résultat {intent}")
        result_id = int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])
        researcher_view = _actions(client.get(f"/valorisation/{result_id}").text)
        switch_to(client, COMPANY)
        company_view = _actions(client.get(f"/valorisation/{result_id}").text)
        assert post_form(client, f"/valorisation/{result_id}/interet", {}).status_code == 303, intent
        switch_to(client, INSTITUTION)
        institution_view = _actions(client.get(f"/valorisation/{result_id}").text)
        assert (
            post_form(client, f"/valorisation/{result_id}/appariement", {"company": c.company_slug}).status_code == 303
        )
        offered[str(intent)] = (researcher_view, company_view, institution_view)
    assert len({repr(v) for v in offered.values()}) == 1, offered
    assert "/valorisation/N/interet" in offered["carry"][1] and "/valorisation/N/appariement" in offered["carry"][2]
