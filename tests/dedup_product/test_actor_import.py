"""CSV import of actors: line-by-line report, duplicates in the file and in the directory, all or nothing."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session, col, func, select

from hub.accounts.models import Role
from hub.accounts.viewer import Viewer
from hub.db import Database
from hub.dedup.actor_import import import_actors
from hub.directory.models import Actor, ActorMembership
from tests.factories import csrf_from, make_viewer, sign_in

HEADER = "nom;type;siret;departement;secteurs;phases;volontaire_experimentation\n"
GOOD = (
    HEADER
    + "Living lab Santé Autonomie du Gers;Living lab;;32;;Expérimentation|Conception;oui\n"
    + "Incubateur Santé Numérique Creuse;incubator;;23;;;non\n"
)


def _count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Actor)).one())


def _admin(session: Session) -> Viewer:
    return make_viewer(session, "admin@example.fr", roles=(Role.ADMIN,))


def test_dry_run_then_real_run_imports_unclaimed_actors(database: Database) -> None:
    with database.session() as session:
        admin = _admin(session)
        before = _count(session)
        report = import_actors(session, GOOD.encode(), admin, dry_run=True)
        assert not report.has_errors, report.as_text()
        assert report.created == 0
        assert _count(session) == before
        assert "2 acteurs seraient importés" in report.as_text()

        report = import_actors(session, GOOD.encode(), admin, dry_run=False)
        assert report.created == 2, report.as_text()
        assert _count(session) == before + 2
        gers = session.exec(select(Actor).where(col(Actor.name) == "Living lab Santé Autonomie du Gers")).one()
        assert gers.kind == "living_lab"
        assert gers.departement_id == "dep-32"
        assert gers.is_experimentation_volunteer
        assert gers.source == "import"
        assert not gers.is_claimed
        members = session.exec(select(ActorMembership).where(col(ActorMembership.actor_id) == gers.id)).all()
        assert members == []


def test_listed_identifiers_are_errors_and_similar_names_are_reported(database: Database) -> None:
    with database.session() as session:
        admin = _admin(session)
        listed = session.exec(
            select(Actor).where(
                col(Actor.siret).is_not(None), col(Actor.siret) != "", col(Actor.departement_id).is_not(None)
            )
        ).first()
        assert listed is not None and listed.departement_id is not None
        departement = listed.departement_id.removeprefix("dep-")
        data = (
            HEADER
            + f"Une autre structure;Entreprise;{listed.siret};{departement};;;non\n"
            + f"{listed.name} SAS;Entreprise;;{departement};;;non\n"
            + "Maison de santé connectée de Figeac;Établissement de santé;;46;;;non\n"
            + "Maison de santé connectée Figeac;Établissement de santé;;46;;;non\n"
        ).encode()
        before = _count(session)
        report = import_actors(session, data, admin, dry_run=False)
        assert report.has_errors
        assert report.created == 0
        assert _count(session) == before
        assert "siret" in report.lines[0].errors
        assert "Déjà dans l’annuaire" in report.lines[0].errors["siret"]
        assert any("de l’annuaire" in text and listed.name[:40] in text for text in report.lines[1].duplicates)
        assert any("ligne 5 du fichier" in text for text in report.lines[2].duplicates)
        assert any("ligne 4 du fichier" in text for text in report.lines[3].duplicates)


def test_bad_lines_name_their_column_and_nothing_is_written(database: Database) -> None:
    with database.session() as session:
        admin = _admin(session)
        before = _count(session)
        data = (
            HEADER
            + "Living lab correct;Living lab;;33;;;non\n"
            + "X;Vaisseau spatial;123;99;secteur-inconnu;Lune;peut-être\n"
        ).encode()
        report = import_actors(session, data, admin, dry_run=False)
        errors = report.lines[1].errors
        assert {"type", "phases", "volontaire_experimentation", "nom"} <= set(errors), errors
        assert report.lines[0].errors == {}
        assert _count(session) == before
        missing = import_actors(session, b"nom;commune\nA;B\n", admin, dry_run=True)
        assert missing.file_errors and "type" in missing.file_errors[0]


def test_the_upload_page_imports_actors(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        _admin(session)
        before = _count(session)
        session.commit()
    sign_in(client, "admin@example.fr")
    form = client.get("/administration/import")
    assert 'id="type-acteurs"' in form.text
    token = csrf_from(form.text)
    real = client.post(
        "/administration/import",
        data={"_csrf_token": token, "type": "acteurs"},
        files={"fichier": ("acteurs.csv", GOOD.encode(), "text/csv")},
    )
    assert real.status_code == 200, real.text[:1000]
    assert "2 acteurs importés" in real.text
    with database.session() as session:
        assert _count(session) == before + 2
    wrong = client.post(
        "/administration/import",
        data={"_csrf_token": token, "type": "licornes"},
        files={"fichier": ("acteurs.csv", GOOD.encode(), "text/csv")},
    )
    assert wrong.status_code == 422
    assert "des projets ou des acteurs" in wrong.text
