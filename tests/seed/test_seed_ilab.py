"""i-Lab rows become projects whose carriers and partners are real actors, with bad identifiers dropped."""

from __future__ import annotations

import pytest

from seed.ilab import DATASET_URL, clean_text, clean_website, parse_ilab, structure_kind, summarise


def _row(**fields: str) -> dict[str, str]:
    base = dict.fromkeys(
        [
            "Dossier Aide",
            "Moto",
            "Résumé",
            "Grand-Prix",
            "Identifiant",
            "Année de concours",
            "Type de candidature",
            "Domaine technologique",
            "Id région",
            "Région",
            "Projet",
            "Déjà lauréat en",
            "Jury",
            "N° SIRET",
            "N° SIREN",
            "Libellé entreprise",
            "Site web entreprise",
            "Lienc vers scanR",
            "Id de l'unité de recherche liée au projet",
            "Unité de recherche liée au projet",
            "Sigle de l'unité de recherche liée au projet",
            "Id de la structure liée au projet",
            "Structure liée au projet",
        ],
        "",
    )
    base.update(fields)
    return base


def test_company_carrier_lab_and_structure_partners() -> None:
    result = parse_ilab(
        [
            _row(
                Identifiant="X1",
                Moto="Télésurveillance des patients insuffisants cardiaques",
                **{
                    "Année de concours": "2016",
                    "Type de candidature": "création-développement",
                    "Id région": "R11",
                    "N° SIREN": "423354448",
                    "Libellé entreprise": "VIGICELL",
                    "Site web entreprise": "www.vigicell.fr",
                    "Id de l'unité de recherche liée au projet": "199712651U,200319327Z",
                    "Unité de recherche liée au projet": "Laboratoire d'Informatique de Paris 6,LTCI, Télécom",
                    "Sigle de l'unité de recherche liée au projet": "LIP6,LTCI",
                    "Id de la structure liée au projet": "0753639Y,267500452,",
                    "Structure liée au projet": "CNRS - Centre national de la recherche scientifique,"
                    "AP-HP - Assistance publique - Hôpitaux de Paris",
                },
            )
        ]
    )
    (project,) = result.projects
    assert project.carrier == ("ilab-company", "423354448")
    assert project.phase == "development"
    assert project.region_code == "11"
    assert project.year == 2016
    roles = {(p.source_ref, p.role) for p in project.partners}
    assert roles == {
        ("199712651U", "recherche"),
        ("200319327Z", "recherche"),
        ("0753639Y", "accompagnement"),
        ("267500452", "etablissement"),
    }
    actors = {(a.source, a.source_ref): a for a in result.actors}
    company = actors[("ilab-company", "423354448")]
    assert company.website == "http://www.vigicell.fr"
    assert company.sectors == project.sectors
    assert {"cardio", "telemedecine"} <= set(project.sectors)
    assert actors[("ilab-research-unit", "200319327Z")].name == "LTCI, Télécom"
    assert actors[("ilab-structure", "267500452")].kind == "health_establishment"
    assert actors[("ilab-structure", "0753639Y")].kind == "public_body"


def test_invalid_siren_is_dropped_and_lab_becomes_carrier() -> None:
    result = parse_ilab(
        [
            _row(
                Identifiant="X2",
                Moto="Nouvelle thérapie",
                **{
                    "N° SIREN": "423354449",
                    "Type de candidature": "en émergence",
                    "Id région": "D988",
                    "Id de l'unité de recherche liée au projet": "199712651U",
                    "Unité de recherche liée au projet": "LIP6",
                },
            )
        ]
    )
    (project,) = result.projects
    assert project.carrier == ("ilab-research-unit", "199712651U")
    assert project.phase == "conception"
    assert project.region_code is None
    assert result.quality["siren_invalid"] == 1
    assert not [a for a in result.actors if a.source == "ilab-company"]


def test_missing_identifier_and_title_get_stable_fallbacks() -> None:
    row = _row(
        **{"Résumé": "Un dispositif pour mesurer la glycémie sans piqûre au quotidien.", "Année de concours": "2019"}
    )
    first, second = parse_ilab([row]), parse_ilab([row])
    ref = first.projects[0].source_ref
    assert ref.startswith("sans-id-")
    assert ref == second.projects[0].source_ref
    assert first.projects[0].title.startswith("Projet lauréat i-Lab 2019 : Un dispositif")
    assert first.projects[0].source_url == DATASET_URL
    assert first.quality["identifiant_missing"] == 1
    assert first.projects[0].carrier is None


def test_text_cleaning_and_summary() -> None:
    assert (
        clean_text("MASSAR s'\x92inscrit_x000D_ dans  l'accompagnement ") == "MASSAR s'’inscrit dans l'accompagnement"
    )
    assert clean_text("   ") is None
    long_text = "Première phrase courte mais assez longue pour compter. " * 3 + "mot " * 100
    summary = summarise(long_text)
    assert summary is not None
    assert len(summary) <= 300
    assert summary.endswith(".")
    words = summarise("mot " * 200)
    assert words is not None
    assert words.endswith("…")
    assert len(words) <= 301
    assert clean_website("nmrtec.com") == "http://nmrtec.com"
    assert clean_website("non communiqué") is None


@pytest.mark.parametrize(
    ("name", "identifier", "kind"),
    [
        ("IncubAlliance", "43207744400029", "incubator"),
        ("SATT Connectus Alsace", "53921055900024", "public_support"),
        (
            "INSERM - Institut national de la santé et de la recherche médicale>Inserm Transfert",
            "43403361900025",
            "public_support",
        ),
        ("HCL - Hospices civils de Lyon", "266900273", "health_establishment"),
        ("IGR - Institut Gustave Roussy", "775741101", "health_establishment"),
        ("Inria - Institut national de recherche en informatique et en automatique", "0780491K", "public_body"),
        ("Université de Lorraine", "0542493S", "university"),
        ("Institut national polytechnique de Toulouse", "0311381H", "university"),
        ("Institut Pasteur", "0755366A", "research_unit"),
        ("Agence nationale de la recherche", "0755611S", "funder"),
        ("ELDIM", "38374552800042", "company"),
    ],
)
def test_structure_kind(name: str, identifier: str, kind: str) -> None:
    assert structure_kind(name, identifier) == kind
