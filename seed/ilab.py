"""i-Lab laureates (MESR open data) turned into projects and the companies, labs and structures behind them."""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from seed.classify import TECHNOLOGY_CODES, classify, domain_fallback, normalise
from seed.identifiers import clean_siren, clean_siret
from seed.records import PHASES, REGION_CODES, ActorRecord, PartnerRef, ProjectRecord

DATASET_URL = "https://data.enseignementsup-recherche.gouv.fr/explore/dataset/fr-esr-laureats-concours-national-i-lab/"
PHASE_BY_CANDIDACY = {"en émergence": "conception", "création-développement": "development"}
# Overseas regions made of a single département: the region code tells the département too.
SINGLE_DEPARTEMENT_REGIONS = {"01": "971", "02": "972", "03": "973", "04": "974", "06": "976"}
# Typical phases each kind of actor supports (used for seeded structures; companies get their projects' phases).
KIND_PHASES: dict[str, tuple[str, ...]] = {
    "incubator": ("conception", "development"),
    "living_lab": ("conception", "experimentation"),
    "innovation_centre": ("conception", "experimentation", "development"),
    "health_establishment": ("experimentation", "deployment"),
    "grades": ("experimentation", "deployment"),
    "competitiveness_cluster": ("development", "deployment"),
    "public_support": ("development",),
    "funder": ("development",),
}
_RNSR = re.compile(r"^\d{9}[A-Z]$")
_STRUCTURE_ID = re.compile(r"^(?:\d{7}[A-Z]|\d{9}|\d{14}|grid\.\d+\.[0-9a-z]+)$")
# Names are joined with "," but a name may itself contain ", " (with a space): split only on bare commas.
_NAME_SEPARATOR = re.compile(r",(?! )")
_C1_CONTROLS = re.compile("[\x80-\x9f]")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?](?=\s)")

# Ordered rules: the first pattern that matches a structure's (accent-free, lowercase) name gives its kind.
_STRUCTURE_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("incubator", r"incub|paris biotech sante|crealys|unitec"),
        (
            "public_support",
            r"\bsatt\b|transfert|valorisation de la recherche|technopole|genopole|alphanov"
            r"|centre regional d'innovation",
        ),
        (
            "health_establishment",
            r"hopita|hospit|hospices|\bchu\b|\bchru\b|centre hospitalier|assistance publique|\bap-hp\b"
            r"|gustave-? ?roussy|leon-?berard|jean-?perrin|institut du cancer|cancer center",
        ),
        (
            "funder",
            r"agence nationale de la recherche|ligue nationale contre le cancer"
            r"|association pour la recherche sur le cancer",
        ),
        (
            "public_body",
            r"\bcnrs\b|centre national de la recherche scientifique|\binserm\b|\bcea\b"
            r"|commissariat a l'energie atomique|\binria\b|\binrae?\b"
            r"|institut national de (?:la )?recherche|institut de recherche pour le developpement"
            r"|institut francais de recherche pour l'exploitation"
            r"|recherche agronomique pour le developpement|agence nationale de recherches sur le sida"
            r"|\banrs\b|etablissement francais du sang|instituts americains de la sante|ministere",
        ),
        (
            "university",
            r"universit|ecole|college de france|polytechni|sciences appliquees|\binsa\b|telecom|\bmines\b"
            r"|centralesupelec|agroparistech|institut superieur|institut d'optique|etudes superieures"
            r"|administration des affaires|\bpres\b|institute of technology",
        ),
        (
            "research_unit",
            r"laboratoire|institut|centre national de genotypage|cyceron|clinatec|bioaster"
            r"|mediterranee infection|museum|gradient|kettering",
        ),
    )
)


@dataclass
class IlabResult:
    """Everything read from the i-Lab file: projects, the actors they reference, and data-quality counts."""

    projects: list[ProjectRecord]
    actors: list[ActorRecord]
    quality: Counter[str] = field(default_factory=Counter)


@dataclass
class _Row:
    ref: str
    year: int | None
    title: str
    summary: str | None
    description: str | None
    phase: str
    region: str | None
    departement: str | None
    sectors: tuple[str, ...]
    siren: str | None
    siret: str | None
    company_name: str | None
    website: str | None
    scanr: str | None
    units: list[tuple[str, str | None, str | None]]
    structures: list[tuple[str, str | None]]


def _c1_to_cp1252(match: re.Match[str]) -> str:
    try:
        return match.group().encode("latin-1").decode("cp1252")
    except UnicodeDecodeError:
        return ""


def clean_text(raw: str | None) -> str | None:
    """One-line text without Excel artefacts (_x000D_, Windows-1252 leftovers); None when empty."""
    if raw is None:
        return None
    text = _C1_CONTROLS.sub(_c1_to_cp1252, raw.replace("_x000D_", " "))
    text = _SPACES.sub(" ", text).strip()
    return text or None


def summarise(text: str | None, limit: int = 300) -> str | None:
    """The opening of a text, at most `limit` characters, cut after a sentence or else between words."""
    if text is None or len(text) <= limit:
        return text
    window = text[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if ends and ends[-1] >= limit // 3:
        return window[: ends[-1]]
    space = window.rfind(" ")
    return (window[:space] if space > 0 else window).rstrip(" ,;:-–") + "…"


def clean_website(raw: str | None) -> str | None:
    """An http(s) URL, adding the scheme the spreadsheet often omits; None when it does not look like a site."""
    value = (raw or "").strip()
    if not value or " " in value or "." not in value:
        return None
    if not value.lower().startswith(("http://", "https://")):
        value = "http://" + value
    return value


def structure_kind(name: str, identifier: str) -> str:
    """Kind of a structure linked to a laureate, from its name, else from its SIREN's public/private prefix."""
    text = normalise(name)
    for kind, pattern in _STRUCTURE_KIND_RULES:
        if pattern.search(text):
            return kind
    if identifier.isdigit():
        # SIRENs starting with 1 or 2 belong to the State and public bodies; others are private.
        return "public_body" if identifier[0] in "12" else "company"
    return "public_support"


def _split_names(raw: str) -> list[str]:
    return [n.strip().replace(">", " – ") for n in _NAME_SEPARATOR.split(raw) if n.strip()]


def _source_ref(raw: Mapping[str, str], year: int | None, quality: Counter[str]) -> str:
    ref = (raw.get("Identifiant") or "").strip()
    if ref:
        return ref
    # 489 rows (2016-2024) have no identifier: derive a stable one from the row's own content.
    quality["identifiant_missing"] += 1
    basis = "|".join(
        [str(year), raw.get("Moto", ""), raw.get("Résumé", ""), raw.get("N° SIREN", ""), raw.get("Projet", "")]
    )
    return "sans-id-" + hashlib.sha1(basis.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]


def _project_sectors(title: str, summary: str | None, description: str | None, domain: str) -> tuple[str, ...]:
    codes = set(classify([title, summary]))
    if not codes:
        codes = set(classify([title, description]))
    fallback = domain_fallback(domain)
    if fallback and not codes & TECHNOLOGY_CODES:
        codes.add(fallback)
    return tuple(sorted(codes))


def _parse_row(raw: Mapping[str, str], quality: Counter[str]) -> _Row:
    year_text = (raw.get("Année de concours") or "").strip()
    year = int(year_text) if year_text.isdigit() else None
    description = clean_text(raw.get("Résumé"))
    summary = summarise(description)
    title = clean_text(raw.get("Moto")) or clean_text(raw.get("Projet"))
    if title is None:
        words = (description or "").split()
        title = f"Projet lauréat i-Lab {year or ''}".strip()
        if words:
            title += " : " + " ".join(words[:12]) + ("…" if len(words) > 12 else "")
    region_raw = (raw.get("Id région") or "").strip()
    region = region_raw[1:] if region_raw.startswith("R") and region_raw[1:] in REGION_CODES else None

    siren_raw = (raw.get("N° SIREN") or "").strip()
    siret_raw = (raw.get("N° SIRET") or "").strip()
    siren, siret = clean_siren(siren_raw), clean_siret(siret_raw)
    quality["siren_invalid"] += bool(siren_raw and siren is None)
    quality["siret_invalid"] += bool(siret_raw and siret is None)
    if siret and siren and not siret.startswith(siren):
        quality["siret_siren_mismatch"] += 1
        siret = None
    if siret and siren is None:
        quality["siren_from_siret"] += 1
        siren = siret[:9]

    unit_ids = [u.strip() for u in (raw.get("Id de l'unité de recherche liée au projet") or "").split(",")]
    unit_ids = [u for u in unit_ids if u]
    unit_names = _split_names(raw.get("Unité de recherche liée au projet") or "")
    unit_acronyms = _split_names(raw.get("Sigle de l'unité de recherche liée au projet") or "")
    aligned = len(unit_names) == len(unit_ids)
    units: list[tuple[str, str | None, str | None]] = []
    for i, unit in enumerate(unit_ids):
        if not _RNSR.match(unit):
            quality["rnsr_invalid"] += 1
            continue
        name = unit_names[i] if aligned else (unit_names[0] if len(unit_ids) == 1 and unit_names else None)
        acronym = unit_acronyms[i] if len(unit_acronyms) == len(unit_ids) else None
        units.append((unit, name, acronym))

    structure_ids = [s.strip() for s in (raw.get("Id de la structure liée au projet") or "").split(",")]
    structure_ids = [s for s in structure_ids if s]
    structure_names = _split_names(raw.get("Structure liée au projet") or "")
    structures: list[tuple[str, str | None]] = []
    for i, ident in enumerate(structure_ids):
        if not _STRUCTURE_ID.match(ident):
            quality["structure_id_invalid"] += 1
            continue
        if len(structure_names) == len(structure_ids):
            structures.append((ident, structure_names[i]))
        else:
            structures.append((ident, structure_names[0] if len(structure_ids) == 1 and structure_names else None))

    scanr = (raw.get("Lienc vers scanR") or "").strip()
    return _Row(
        ref=_source_ref(raw, year, quality),
        year=year,
        title=title,
        summary=summary,
        description=description,
        phase=PHASE_BY_CANDIDACY.get((raw.get("Type de candidature") or "").strip(), "conception"),
        region=region,
        departement=SINGLE_DEPARTEMENT_REGIONS.get(region or ""),
        sectors=_project_sectors(title, summary, description, (raw.get("Domaine technologique") or "").strip()),
        siren=siren,
        siret=siret,
        company_name=clean_text(raw.get("Libellé entreprise")),
        website=clean_website(raw.get("Site web entreprise")),
        scanr=scanr if scanr.startswith("http") else None,
        units=units,
        structures=structures,
    )


def _structure_siren(ident: str) -> str | None:
    """SIREN of a structure whose identifier is a SIREN or a SIRET (others are UAI or GRID codes)."""
    if not ident.isdigit():
        return None
    if len(ident) == 14:
        siret = clean_siret(ident)
        return siret[:9] if siret else None
    return clean_siren(ident)


def _best_name(names: Counter[str]) -> str | None:
    if not names:
        return None
    return sorted(names.items(), key=lambda item: (-item[1], item[0]))[0][0]


def _main_region(regions: list[str | None], minimum: int = 1) -> str | None:
    """The region of most of an actor's projects, when at least `minimum` of them and three quarters agree."""
    known = Counter(r for r in regions if r)
    if not known or len(regions) < minimum:
        return None
    region, count = sorted(known.items(), key=lambda item: (-item[1], item[0]))[0]
    return region if count * 4 >= len(regions) * 3 else None


def _years_text(years: Iterable[int | None]) -> str:
    ordered = sorted({y for y in years if y})
    if not ordered:
        return ""
    words = [str(y) for y in ordered]
    return " en " + (words[0] if len(words) == 1 else ", ".join(words[:-1]) + " et " + words[-1])


def _projects_text(count: int) -> str:
    return f"{count} projet lauréat i-Lab" if count == 1 else f"{count} projets lauréats i-Lab"


def _actor(source: str, ref: str, name: str, kind: str, **fields: object) -> ActorRecord:
    values: dict[str, object] = {
        "siren": None,
        "siret": None,
        "finess": None,
        "rna": None,
        "rnsr": None,
        "ror": None,
        "address": None,
        "postcode": None,
        "commune": None,
        "departement_code": None,
        "region_code": None,
        "latitude": None,
        "longitude": None,
        "sectors": (),
        "phases": KIND_PHASES.get(kind, ()),
        "is_experimentation_volunteer": False,
        "experimentation_offer": None,
        "description": None,
        "website": None,
        "source_url": DATASET_URL,
    }
    values.update(fields)
    return ActorRecord(source=source, source_ref=ref, name=name, kind=kind, **values)  # type: ignore[arg-type]


def parse_ilab(raw_rows: Iterable[Mapping[str, str]]) -> IlabResult:
    """Projects and actors from i-Lab rows (dicts keyed by the CSV header), in a stable order."""
    quality: Counter[str] = Counter()
    rows = [_parse_row(raw, quality) for raw in raw_rows]
    seen: Counter[str] = Counter()
    for row in rows:  # guard against repeated identifiers: later copies get a numbered suffix
        seen[row.ref] += 1
        if seen[row.ref] > 1:
            row.ref = f"{row.ref}-{seen[row.ref]}"
    rows.sort(key=lambda r: (r.year or 0, r.ref))

    by_siren: dict[str, list[_Row]] = defaultdict(list)
    unit_names: dict[str, Counter[str]] = defaultdict(Counter)
    unit_acronyms: dict[str, Counter[str]] = defaultdict(Counter)
    unit_rows: dict[str, list[_Row]] = defaultdict(list)
    structure_names: dict[str, Counter[str]] = defaultdict(Counter)
    structure_rows: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        if row.siren:
            by_siren[row.siren].append(row)
        for unit, name, acronym in row.units:
            unit_rows[unit].append(row)
            unit_names[unit].update([name] if name else [])
            unit_acronyms[unit].update([acronym] if acronym else [])
        for ident, sname in row.structures:
            structure_rows[ident].append(row)
            structure_names[ident].update([sname] if sname else [])

    actors: list[ActorRecord] = []
    for siren, company_rows in sorted(by_siren.items()):
        latest = company_rows[-1]
        phases = {r.phase for r in company_rows}
        actors.append(
            _actor(
                "ilab-company",
                siren,
                next((r.company_name for r in reversed(company_rows) if r.company_name), None)
                or f"Entreprise lauréate i-Lab {siren}",
                "company",
                siren=siren,
                siret=next((r.siret for r in reversed(company_rows) if r.siret), None),
                region_code=latest.region,
                departement_code=latest.departement,
                sectors=tuple(sorted({c for r in company_rows for c in r.sectors})),
                phases=tuple(p for p in PHASES if p in phases),
                description=f"Entreprise lauréate du concours i-Lab{_years_text(r.year for r in company_rows)}.",
                website=next((r.website for r in reversed(company_rows) if r.website), None),
                source_url=next((r.scanr for r in reversed(company_rows) if r.scanr), None) or DATASET_URL,
            )
        )

    for unit, linked in sorted(unit_rows.items()):
        name = _best_name(unit_names[unit]) or f"Unité de recherche {unit}"
        acronym = _best_name(unit_acronyms[unit])
        if acronym and normalise(acronym) not in normalise(name):
            name = f"{name} ({acronym})"
        actors.append(
            _actor(
                "ilab-research-unit",
                unit,
                name,
                "research_unit",
                rnsr=unit,
                region_code=_main_region([r.region for r in linked]),
                sectors=tuple(sorted({c for r in linked for c in r.sectors})),
                description=f"Unité de recherche (RNSR {unit}) associée à {_projects_text(len(linked))}.",
            )
        )

    structure_kinds: dict[str, str] = {}
    for ident, linked in sorted(structure_rows.items()):
        name = _best_name(structure_names[ident]) or f"Structure {ident}"
        kind = structure_kinds[ident] = structure_kind(name, ident)
        national = kind in {"public_body", "funder"} or ident.startswith("grid.")
        actors.append(
            _actor(
                "ilab-structure",
                ident,
                name,
                kind,
                siren=_structure_siren(ident),
                siret=clean_siret(ident) if len(ident) == 14 else None,
                # A laureate's region is where the company is, not where a partner school sits: one project is not
                # enough to place a structure (PSL would land in Occitanie), so ask for two that agree.
                region_code=None if national else _main_region([r.region for r in linked], minimum=2),
                description=f"Structure liée à {_projects_text(len(linked))}.",
            )
        )

    role_by_kind = {"health_establishment": "etablissement", "company": "industriel"}
    projects: list[ProjectRecord] = []
    for row in rows:
        carrier: tuple[str, str] | None = None
        if row.siren:
            carrier = ("ilab-company", row.siren)
        elif row.units:
            carrier = ("ilab-research-unit", row.units[0][0])
        partners: dict[tuple[str, str], PartnerRef] = {}
        for unit, _, _ in row.units:
            if carrier != ("ilab-research-unit", unit):
                partners.setdefault(("ilab-research-unit", unit), PartnerRef("ilab-research-unit", unit, "recherche"))
        for ident, _ in row.structures:
            role = role_by_kind.get(structure_kinds[ident], "accompagnement")
            partners.setdefault(("ilab-structure", ident), PartnerRef("ilab-structure", ident, role))
        projects.append(
            ProjectRecord(
                source="ilab",
                source_ref=row.ref,
                title=row.title,
                summary=row.summary,
                description=row.description,
                carrier=carrier,
                partners=tuple(partners.values()),
                sectors=row.sectors,
                phase=row.phase,
                region_code=row.region,
                departement_code=row.departement,
                year=row.year,
                source_url=row.scanr or DATASET_URL,
            )
        )
    return IlabResult(projects=projects, actors=actors, quality=quality)
