"""The open-data datasets of the public catalogue: their fields (the data dictionary), licence and attribution.

Pure declarations: the dictionary page, the JSON API and the exporters all read these, so a field
cannot be exported without being documented (a test checks that every exported key is listed).
"""

from __future__ import annotations

from dataclasses import dataclass

LICENCE_NAME = "Licence Ouverte / Open Licence version 2.0"
LICENCE_ID = "etalab-2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
PRODUCER = "lab e-santé"

ILAB = "« MESR – Lauréats i-Lab » (ministère de l’Enseignement supérieur et de la Recherche), Licence Ouverte 2.0"
FINESS = "« © Union européenne / Eurostat GISCO » (healthcare services 2020), source FINESS (DREES), Licence Ouverte"
CURATED = "Structures nationales et régionales recensées par l’équipe du lab e-santé à partir de leurs sites publics"
TERRITORIES = "« IGN – Admin Express COG 2018, INSEE » et « Etalab – découpage administratif (INSEE) », Licence Ouverte"
CONTRIBUTORS = "Fiches créées ou complétées par les membres du hub"

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "CSV (séparateur virgule, UTF-8, listes séparées par « | »)"),
    "json": ("application/json", "JSON (un objet avec les métadonnées et la liste « records »)"),
    "geojson": ("application/geo+json", "GeoJSON (RFC 7946, points en WGS 84)"),
}


@dataclass(frozen=True, slots=True)
class FieldDoc:
    """One field of a dataset as the data dictionary shows it."""

    name: str
    type: str
    description: str
    example: str


@dataclass(frozen=True, slots=True)
class Dataset:
    """One downloadable dataset: its file stem, title, fields and upstream sources."""

    name: str
    title: str
    description: str
    fields: tuple[FieldDoc, ...]
    attribution: tuple[str, ...]
    excluded: str  # what is left out, and why: stated on the page and in the files

    @property
    def field_names(self) -> list[str]:
        """The exported keys, in column order."""
        return [f.name for f in self.fields]


TEXT, INT, BOOL, DATETIME, DECIMAL = (
    "texte",
    "entier",
    "booléen (true / false)",
    "date et heure (ISO 8601, UTC)",
    "nombre décimal",
)
CODES = "liste de codes (séparés par « | » en CSV)"

_TERRITORY_FIELDS = (
    FieldDoc("region", TEXT, "Code INSEE de la région (COG 2018).", "75"),
    FieldDoc("region_name", TEXT, "Nom de la région.", "Nouvelle-Aquitaine"),
    FieldDoc("departement", TEXT, "Code INSEE du département, s’il est connu.", "33"),
    FieldDoc("departement_name", TEXT, "Nom du département.", "Gironde"),
)
_POSITION_FIELD = FieldDoc(
    "position_source",
    TEXT,
    "GeoJSON seulement : d’où vient le point. « adresse » : coordonnées de l’acteur ; « porteur » : coordonnées de "
    "l’acteur qui porte le projet ; « departement » ou « region » : centre géométrique du territoire (position "
    "approchée) ; vide : aucune position connue (géométrie nulle).",
    "departement",
)
_RECORD_END = (
    FieldDoc("source", TEXT, "Origine de la fiche : hub (créée sur le hub), ilab, finess-chu, curated…", "ilab"),
    FieldDoc(
        "source_url",
        TEXT,
        "Adresse de la donnée d’origine, quand elle existe.",
        "https://data.enseignementsup-recherche.gouv.fr/",
    ),
    FieldDoc("created_at", DATETIME, "Date d’inscription de la fiche dans le hub.", "2026-11-28T15:18:26+00:00"),
    FieldDoc("updated_at", DATETIME, "Date de la dernière modification.", "2026-11-28T15:18:26+00:00"),
)

ACTORS = Dataset(
    name="acteurs",
    title="Annuaire des acteurs de l’innovation en santé numérique",
    description="Les organisations du réseau (entreprises, établissements de santé, laboratoires, living labs, "
    "structures d’accompagnement…) avec leur territoire, leurs secteurs et les phases de projet qu’elles rejoignent.",
    fields=(
        FieldDoc("id", INT, "Identifiant stable de l’acteur dans le hub (clé de jointure avec les projets).", "1204"),
        FieldDoc("slug", TEXT, "Identifiant lisible, utilisé dans l’adresse de la fiche.", "chu-de-bordeaux"),
        FieldDoc("url", TEXT, "Adresse de la fiche publique.", "https://lab-esante.example/annuaire/chu-de-bordeaux"),
        FieldDoc("name", TEXT, "Nom de l’organisation.", "CHU de Bordeaux"),
        FieldDoc("acronym", TEXT, "Sigle.", "CHU"),
        FieldDoc("kind", TEXT, "Type d’acteur (code).", "health_establishment"),
        FieldDoc("kind_label", TEXT, "Type d’acteur (libellé).", "Établissement de santé"),
        FieldDoc("siren", TEXT, "Numéro SIREN de l’organisation (9 chiffres).", "263300058"),
        FieldDoc("siret", TEXT, "Numéro SIRET de l’établissement (14 chiffres).", "26330005800010"),
        FieldDoc("finess", TEXT, "Numéro FINESS de l’établissement de santé.", "330781196"),
        FieldDoc("rna", TEXT, "Numéro RNA de l’association.", "W331234567"),
        FieldDoc("rnsr", TEXT, "Numéro RNSR de la structure de recherche.", "200012345A"),
        FieldDoc("ror", TEXT, "Identifiant ROR de l’organisation de recherche.", "057qpr032"),
        FieldDoc(
            "address", TEXT, "Adresse postale de l’organisation (jamais celle d’une personne).", "12 rue Dubernat"
        ),
        FieldDoc("postcode", TEXT, "Code postal.", "33400"),
        FieldDoc("commune", TEXT, "Commune.", "Talence"),
        *_TERRITORY_FIELDS,
        FieldDoc("latitude", DECIMAL, "Latitude (WGS 84) de l’organisation, si elle est connue.", "44.8069"),
        FieldDoc("longitude", DECIMAL, "Longitude (WGS 84) de l’organisation, si elle est connue.", "-0.6052"),
        FieldDoc("sectors", CODES, "Secteurs de l’acteur (codes du vocabulaire des secteurs).", "cardio|telemedecine"),
        FieldDoc("phases", CODES, "Phases de projet que l’acteur rejoint.", "experimentation|deployment"),
        FieldDoc(
            "is_experimentation_volunteer", BOOL, "L’acteur se porte volontaire comme lieu d’expérimentation.", "true"
        ),
        FieldDoc(
            "experimentation_offer",
            TEXT,
            "Ce que l’acteur propose pour des expérimentations.",
            "Service de cardiologie, 40 lits",
        ),
        FieldDoc("description", TEXT, "Présentation de l’acteur.", "Centre hospitalier universitaire…"),
        FieldDoc("website", TEXT, "Site internet.", "https://www.chu-bordeaux.fr"),
        FieldDoc(
            "verification_status", TEXT, "declared (déclaré) ou verified (vérifié par l’équipe du hub).", "verified"
        ),
        FieldDoc("is_claimed", BOOL, "La fiche est gérée par des représentants de l’organisation.", "false"),
        *_RECORD_END,
        _POSITION_FIELD,
    ),
    attribution=(ILAB, FINESS, CURATED, TERRITORIES, CONTRIBUTORS),
    excluded="Les fiches retirées de l’annuaire ne sont pas exportées. Aucune donnée personnelle : ni les membres "
    "qui représentent un acteur, ni leurs coordonnées, ni les coordonnées partagées lors des mises en relation.",
)

PROJECTS = Dataset(
    name="projets",
    title="Catalogue des projets d’innovation en santé numérique",
    description="Les projets en cours du catalogue, avec leur phase, leurs secteurs, leur porteur et leurs "
    "partenaires (identifiants des acteurs de l’annuaire).",
    fields=(
        FieldDoc("id", INT, "Identifiant stable du projet dans le hub.", "842"),
        FieldDoc(
            "slug", TEXT, "Identifiant lisible, utilisé dans l’adresse de la fiche.", "telesurveillance-cardiaque"
        ),
        FieldDoc(
            "url",
            TEXT,
            "Adresse de la fiche publique.",
            "https://lab-esante.example/projets/telesurveillance-cardiaque",
        ),
        FieldDoc("title", TEXT, "Titre du projet.", "Télésurveillance de l’insuffisance cardiaque"),
        FieldDoc("summary", TEXT, "Résumé en une phrase.", "Un suivi à domicile des patients insuffisants cardiaques."),
        FieldDoc("description", TEXT, "Description du projet.", "Le projet…"),
        FieldDoc(
            "carrier_id",
            INT,
            "Identifiant de l’acteur qui porte le projet (jeu « acteurs »), s’il est en ligne.",
            "1204",
        ),
        FieldDoc("carrier_name", TEXT, "Nom de l’acteur porteur.", "CardioLien"),
        FieldDoc(
            "partner_ids",
            "liste d’entiers (séparés par « | » en CSV)",
            "Identifiants des acteurs partenaires (jeu « acteurs »).",
            "17|342",
        ),
        FieldDoc("sectors", CODES, "Secteurs du projet (codes du vocabulaire des secteurs).", "cardio|telemedecine"),
        FieldDoc("phase", TEXT, "Phase du projet (code).", "experimentation"),
        FieldDoc("phase_label", TEXT, "Phase du projet (libellé).", "Expérimentation"),
        FieldDoc("regulatory_status", TEXT, "Statut de dispositif médical (code).", "md_class_iia"),
        FieldDoc("reimbursement_status", TEXT, "Situation vis-à-vis du remboursement (code).", "in_preparation"),
        FieldDoc("needs", CODES, "Ce que le projet recherche (codes).", "partners|experimentation_site"),
        FieldDoc(
            "has_patient_involvement", BOOL, "Des patients ou usagers sont associés depuis la conception.", "true"
        ),
        FieldDoc(
            "has_professional_involvement",
            BOOL,
            "Des professionnels de santé sont associés depuis la conception.",
            "true",
        ),
        *_TERRITORY_FIELDS,
        FieldDoc("year", INT, "Année de référence du projet (par exemple l’année du prix i-Lab).", "2021"),
        FieldDoc(
            "replaces",
            CODES,
            "Identifiants lisibles (slug) des fiches fusionnées dans ce projet : elles ne sont plus exportées.",
            "telesurveillance-ic",
        ),
        *_RECORD_END,
        _POSITION_FIELD,
    ),
    attribution=(ILAB, TERRITORIES, CONTRIBUTORS),
    excluded="Seuls les projets en cours sont exportés : un projet fusionné dans un autre n’a plus de ligne, son "
    "identifiant figure dans la colonne « replaces » du projet qui le remplace ; les projets retirés ne sont pas "
    "exportés. Un porteur ou un partenaire retiré de l’annuaire n’est pas cité. Aucune donnée personnelle : pas "
    "d’auteur de fiche, pas de coordonnées.",
)

DATASETS = {dataset.name: dataset for dataset in (ACTORS, PROJECTS)}
