"""Public registers per project and per convention, their CSV exports (the same figures), and GDPR erasure."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from hub.accounts.models import Account, Person
from hub.accounts.services import viewer_for
from hub.cli import main
from hub.db import Database, make_engine
from hub.ledger.erasure import TOMBSTONE_NAME, erase_person
from hub.ledger.models import ConventionApprover, DeclarationOfInterests, LedgerHolder
from hub.ledger.services import decide_deposit, decide_use, request_deposit, request_use
from hub.ledger.verification import verify_ledger
from hub.migrate import upgrade
from hub.projects.models import Project
from seed.load import load_all
from tests.factories import PASSWORD, csrf_from, sign_in
from tests.ledger.conftest import Bank, build_bank
from tests.ledger.pages import ADMIN, DEPOSITOR, bank_with_logins, csv_rows, table_rows


@pytest.fixture
def bank(database: Database) -> Bank:
    """A bank with two accepted deposits, one used partly by a validated use, one pending deposit, one pending use."""
    bank = bank_with_logins(database)
    first = request_deposit(database, "r1", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=90)
    decide_deposit(database, "r2", approver_id=bank.approver, transfer_id=first["transfer_id"], accept=True)
    second = request_deposit(
        database, "r3", account_id=bank.depositors[1], convention_id=bank.convention_id, minutes=120
    )
    decide_deposit(database, "r4", approver_id=bank.approver, transfer_id=second["transfer_id"], accept=True)
    request_deposit(database, "r5", account_id=bank.depositors[2], convention_id=bank.convention_id, minutes=30)
    use = request_use(
        database,
        "r6",
        account_id=bank.drawer,
        convention_id=bank.convention_id,
        project_id=bank.project_id,
        minutes=150,
    )
    decide_use(database, "r7", approver_id=bank.lead, link_id=use["link_id"], accept=True)
    request_use(
        database, "r8", account_id=bank.drawer, convention_id=bank.convention_id, project_id=bank.project_id, minutes=20
    )
    return bank


def slug_of(database: Database, project_id: int) -> str:
    """The project's slug."""
    with database.session() as session:
        project = session.get(Project, project_id)
        assert project is not None
        return project.slug


def test_convention_register_figures_and_csv(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    page = client.get(f"/banque-d-heures/conventions/{bank.convention_id}")
    assert page.status_code == 200
    html = page.text
    for label, minutes in (("deposited", 210), ("used", 150), ("pending", 30), ("available", 40)):
        assert f'data-minutes="{minutes}"' in html, label
    assert "3 h 30" in html and "2 h 30" in html and "40 min" in html
    assert "Validatrice" in html  # the approvers
    rows = table_rows(html, "versements")
    assert [row[2] for row in rows] == ["90", "120", "30"]
    assert [row[7] for row in rows] == ["90", "60", "0"]  # oldest first: 90 from the first, 60 from the second
    download = client.get(f"/banque-d-heures/conventions/{bank.convention_id}/versements.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    header, *csv_body = csv_rows(download.text)
    assert header[0] == "Date du versement" and header[-1] == "Minutes utilisées"
    assert csv_body == rows
    assert sum(int(r[2]) for r in csv_body if r[4] == "Validé") == 210


def test_project_register_figures_stakes_and_csv(client: TestClient[Litestar], database: Database, bank: Bank) -> None:
    slug = slug_of(database, bank.project_id)
    html = client.get(f"/banque-d-heures/projets/{slug}").text
    assert 'data-minutes="150"' in html and 'data-minutes="20"' in html
    assert "1 unité par heure utilisée" in html
    uses = table_rows(html, "utilisations")
    assert [row[4] for row in uses] == ["90", "60", "20"]
    assert [row[6] for row in uses] == ["Validé", "Validé", "En attente de validation"]
    assert all(row[7].startswith("Pseudonyme ") for row in uses[:2])  # the lead approved, under their pseudonym
    stakes = table_rows(html, "interessements")
    assert sorted(row[1] for row in stakes) == ["1", "1"]
    assert sorted(row[2] for row in stakes) == ["50,0 %", "50,0 %"]
    header, *csv_uses = csv_rows(client.get(f"/banque-d-heures/projets/{slug}/utilisations.csv").text)
    assert header[:2] == ["Date de la demande", "Date de la décision"]
    assert csv_uses == uses
    header, *csv_stakes = csv_rows(client.get(f"/banque-d-heures/projets/{slug}/interessements.csv").text)
    assert header == ["Détenteur", "Unités d’intéressement", "Part"]
    assert csv_stakes == stakes
    home = client.get("/banque-d-heures").text
    assert f'href="/banque-d-heures/projets/{slug}"' in home


def test_registers_are_public_and_unknown_ones_are_404(client: TestClient[Litestar], bank: Bank) -> None:
    assert client.get("/banque-d-heures").status_code == 200
    assert client.get("/banque-d-heures/conventions/999999").status_code == 404
    assert client.get("/banque-d-heures/projets/pas-de-projet").status_code == 404
    assert client.get("/banque-d-heures/conventions/999999/versements.csv").status_code == 404


def test_erasure_keeps_the_ledger_verifiable_and_hides_the_name(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    with database.transaction() as session:
        holder = session.exec(select(LedgerHolder).where(col(LedgerHolder.account_id) == bank.depositors[0])).one()
        holder.shows_name = True  # she chose to appear by name
        session.add(holder)
        pseudonym = holder.pseudonym
    slug = slug_of(database, bank.project_id)
    assert "Soignant0" in str(table_rows(client.get(f"/banque-d-heures/projets/{slug}").text, "interessements"))
    assert verify_ledger(database) is None

    sign_in(client, ADMIN)
    page = client.get("/administration/personnes/effacement")
    assert page.status_code == 200
    refused = client.post(
        "/administration/personnes/effacement",
        data={"_csrf_token": csrf_from(page.text), "email": DEPOSITOR},
        follow_redirects=False,
    )
    assert refused.status_code == 422  # no confirmation: nothing erased
    assert "Cochez la case" in refused.text
    response = client.post(
        "/administration/personnes/effacement",
        data={"_csrf_token": csrf_from(page.text), "email": DEPOSITOR, "confirmation": "on"},
        follow_redirects=False,
    )
    assert response.status_code == 303

    assert verify_ledger(database) is None
    project_html = client.get(f"/banque-d-heures/projets/{slug}").text
    convention_html = client.get(f"/banque-d-heures/conventions/{bank.convention_id}").text
    for html in (project_html, convention_html):
        assert "Soignant0" not in html.split('id="contenu"')[1]
        assert f"{TOMBSTONE_NAME} ({pseudonym})" in html
    csv_text = client.get(f"/banque-d-heures/projets/{slug}/interessements.csv").text
    assert "Soignant0" not in csv_text and pseudonym in csv_text
    with database.session() as session:
        person = session.exec(select(Person).where(col(Person.account_id) == bank.depositors[0])).one()
        account = session.get(Account, bank.depositors[0])
        assert person.display_name == TOMBSTONE_NAME
        assert account is not None and not account.is_active and DEPOSITOR not in account.email
        assert (
            session.exec(
                select(DeclarationOfInterests).where(col(DeclarationOfInterests.person_id) == person.id)
            ).first()
            is None
        )
        assert session.get(LedgerHolder, pseudonym).account_id is None  # type: ignore[union-attr]


def test_a_person_erases_themself_after_confirming(
    client: TestClient[Litestar], database: Database, bank: Bank
) -> None:
    sign_in(client, DEPOSITOR)
    account_page = client.get("/compte").text
    assert 'href="/compte/suppression"' in account_page
    page = client.get("/compte/suppression")
    unconfirmed = client.post("/compte/suppression", data={"_csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert unconfirmed.status_code == 422
    assert client.get("/compte").status_code == 200  # still there, still signed in
    done = client.post(
        "/compte/suppression", data={"_csrf_token": csrf_from(page.text), "confirmation": "on"}, follow_redirects=False
    )
    assert done.status_code == 200
    assert "Votre compte est supprimé" in done.text
    assert client.get("/compte", follow_redirects=False).status_code == 303  # signed out
    login = client.get("/connexion")
    again = client.post(
        "/connexion",
        data={"email": DEPOSITOR, "password": PASSWORD, "_csrf_token": csrf_from(login.text)},
        follow_redirects=False,
    )
    assert again.status_code != 303
    assert verify_ledger(database) is None


def test_erasure_removes_approver_designations_and_only_self_or_admin_may_erase(database: Database, bank: Bank) -> None:
    from hub.errors import PermissionDenied

    with database.transaction() as session:
        someone = viewer_for(session, session.get(Account, bank.drawer))  # type: ignore[arg-type]
        with pytest.raises(PermissionDenied):
            erase_person(session, bank.approver, by=someone)
        admin = viewer_for(session, session.get(Account, bank.admin))  # type: ignore[arg-type]
        assert erase_person(session, bank.approver, by=admin) is True
        assert erase_person(session, bank.approver, by=admin) is False  # already a tombstone
        approvers = session.exec(
            select(ConventionApprover).where(col(ConventionApprover.account_id) == bank.approver)
        ).all()
        assert approvers == []
    assert verify_ledger(database) is None


def test_cli_verify_passes_after_an_erasure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    database = Database(engine)
    with database.transaction() as session:
        load_all(session)
        bank = build_bank(session)
    result = request_deposit(
        database, "e1", account_id=bank.depositors[0], convention_id=bank.convention_id, minutes=45
    )
    decide_deposit(database, "e2", approver_id=bank.approver, transfer_id=result["transfer_id"], accept=True)
    with database.transaction() as session:
        admin = viewer_for(session, session.get(Account, bank.admin))  # type: ignore[arg-type]
        assert erase_person(session, bank.depositors[0], by=admin)
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))
    assert main(["ledger", "verify"]) == 0
    assert "verified" in capsys.readouterr().out
    engine.dispose()
