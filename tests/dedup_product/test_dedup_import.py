"""CSV import of projects: dry-run report, all-or-nothing import, malformed files, the upload page."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session, col, func, select

from hub.accounts.models import Role
from hub.accounts.viewer import Viewer
from hub.db import Database
from hub.dedup.importer import import_projects, parse_csv
from hub.projects.models import Project
from tests.factories import csrf_from, make_viewer, sign_in

HEADER = "titre;resume;secteurs;phase;departement;patients_associes\n"
GOOD = (
    HEADER
    + "Jardin thérapeutique connecté pour résidents d’EHPAD;Des capteurs suivent l’activité au jardin.;;idea;05;oui\n"
    + "Cabine de téléconsultation itinérante en zone de montagne;Un camion équipé passe dans les villages.;;"
    "experimentation;73;non\n"
)


def _count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Project)).one())


def _admin(session: Session) -> Viewer:
    return make_viewer(session, "admin@example.fr", roles=(Role.ADMIN,))


def test_dry_run_reports_duplicates_and_writes_nothing_then_the_real_run_imports(database: Database) -> None:
    with database.session() as session:
        admin = _admin(session)
        existing = session.exec(select(Project).where(col(Project.summary) != "").order_by(col(Project.id))).first()
        assert existing is not None
        copy = f"{existing.title};{existing.summary.replace(';', ',')};;idea;;non\n"
        data = (GOOD + copy + copy).encode()
        before = _count(session)
        report = import_projects(session, data, admin, dry_run=True)
        assert not report.has_errors and report.created == 0 and _count(session) == before
        assert [line.line for line in report.lines] == [2, 3, 4, 5]
        assert any("du catalogue" in text for text in report.lines[2].duplicates)
        assert any("ligne 5 du fichier" in text for text in report.lines[2].duplicates)
        assert report.lines[0].duplicates == []
        report = import_projects(session, data, admin, dry_run=False)
        assert report.created == 4 and _count(session) == before + 4
        imported = session.exec(select(Project).where(col(Project.title).like("Jardin thérapeutique%"))).one()
        assert imported.source == "import" and imported.has_patient_involvement and imported.region_id == "reg-93"


def test_one_wrong_line_and_nothing_is_imported(database: Database) -> None:
    with database.session() as session:
        admin = _admin(session)
        before = _count(session)
        data = (GOOD + "Ab;;inconnu;lune;99;peut-être\n").encode()
        report = import_projects(session, data, admin, dry_run=False)
        assert report.has_errors and report.created == 0 and _count(session) == before
        wrong = report.lines[2]
        assert wrong.line == 4
        assert set(wrong.errors) >= {"titre", "phase", "patients_associes"}
        assert "trop court" in wrong.errors["titre"]
        data = (GOOD + "Un projet au secteur inconnu;;secteur-qui-n-existe-pas;idea;;non\n").encode()
        report = import_projects(session, data, admin, dry_run=False)
        assert report.lines[2].errors == {"secteurs": "Secteur inconnu : secteur-qui-n-existe-pas."}
        assert _count(session) == before
        assert "Rien n’a été importé" in report.as_text()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("titre;résumé\nProjet de télésurveillance à domicile;Été\n".encode("latin-1"), "pas encodé en UTF-8"),
        (b"nom;resume\nProjet;Texte\n", "Colonne obligatoire absente"),
        (b"titre|resume\nProjet|Texte\n", "Séparateur non reconnu"),
        (b"titre;resume\nProjet de test;un;deux\n", "Ligne 2 : 3 valeurs pour 2 colonnes"),
        (b"", "vide"),
        (b"titre\n", "aucune ligne"),
        (b"titre\nx\x00y\n", "caractères invalides"),
        (b"titre\n" + b"Projet\n" * 200_000, "la limite est de 1 Mo"),
    ],
)
def test_malformed_files_say_what_is_wrong_and_where(content: bytes, expected: str) -> None:
    rows, errors = parse_csv(content, max_bytes=1024 * 1024)
    assert rows == []
    assert any(expected in message for message in errors), errors


def test_upload_page_for_administrators_with_a_size_limit(client: TestClient[Litestar], database: Database) -> None:
    with database.session() as session:
        _admin(session)
        before = _count(session)
        session.commit()
    sign_in(client, "admin@example.fr")
    form = client.get("/administration/import")
    assert form.status_code == 200 and 'for="fichier"' in form.text
    token = csrf_from(form.text)
    report = client.post(
        "/administration/import",
        data={"_csrf_token": token, "essai": "on"},
        files={"fichier": ("projets.csv", GOOD.encode(), "text/csv")},
    )
    assert report.status_code == 200, report.text[:1000]
    assert "Essai à blanc réussi" in report.text and "<caption>Rapport ligne par ligne</caption>" in report.text
    bad = client.post(
        "/administration/import",
        data={"_csrf_token": token},
        files={"fichier": ("projets.csv", "titre;résumé\nÉté;x\n".encode("cp1252"), "text/csv")},
    )
    assert bad.status_code == 422 and "UTF-8" in bad.text
    real = client.post(
        "/administration/import", data={"_csrf_token": token}, files={"fichier": ("p.csv", GOOD.encode(), "text/csv")}
    )
    assert real.status_code == 200 and "2 projets importés" in real.text
    huge = client.post(
        "/administration/import",
        data={"_csrf_token": token},
        files={"fichier": ("gros.csv", b"titre\n" + b"x" * (6 * 1024 * 1024), "text/csv")},
    )
    assert huge.status_code == 413 and "trop volumineux" in huge.text
    with database.session() as session:
        assert _count(session) == before + 2
