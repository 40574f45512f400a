"""The decision-makers' figures: plain tables built from the grouped counts of `Aggregates`.

Read-only: nothing here writes. The whole page costs about fifteen queries, each a GROUP BY run by
the database, whatever the size of the catalogue; the code below only adds up grouped rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from hub.dashboard.aggregates import Aggregates
from hub.dashboard.scope import DashboardFilters, phase_label
from hub.dashboard.tables import Cell, Column, Figure, hours_text, months_between
from hub.dedup.models import PairStatus
from hub.exchanges.models import IntroductionStatus
from hub.projects.models import ProjectPhase
from hub.referents.services import white_zones
from hub.sectors.models import Sector
from hub.territories.services import TerritoryRef

UNKNOWN_TERRITORY = "Territoire non renseigné"
# Time to first partner, in whole days: (label, lowest, highest).
DELAY_CLASSES: tuple[tuple[str, int, int | None], ...] = (
    ("Le jour de l’inscription", 0, 0),
    ("De 1 à 7 jours", 1, 7),
    ("De 8 à 30 jours", 8, 30),
    ("De 31 à 90 jours", 31, 90),
    ("Plus de 90 jours", 91, None),
)
NO_PARTNER_YET = "Pas encore de partenaire"
DECISIONS = (PairStatus.MERGED.value, PairStatus.TWINS.value, PairStatus.DISTINCT.value)


@dataclass(frozen=True, slots=True)
class Reference:
    """The vocabularies the figures are labelled with, read once per request."""

    regions: Sequence[TerritoryRef]
    departements: Sequence[TerritoryRef]
    sectors: Sequence[Sector]

    def departements_of(self, region: str | None) -> list[TerritoryRef]:
        """The départements of a région (all of them for None)."""
        return [d for d in self.departements if region is None or d.parent_id == region]


@dataclass(frozen=True, slots=True)
class PartnerDelay:
    """Time from a project's registration to its first partner: median in whole days over `count` projects."""

    median_days: int | None
    count: int
    without_partner: int


def _add(totals: dict[str, int], key: str | None, count: int) -> None:
    if key is not None:
        totals[key] = totals.get(key, 0) + count


def _month_rows(*series: dict[str, int]) -> list[tuple[Cell, ...]]:
    """One row per month from the first to the last month present in any series, empty months as zero."""
    present = sorted({month for values in series for month in values})
    if not present:
        return []
    return [(m, *(values.get(m, 0) for values in series)) for m in months_between(present[0], present[-1])]


def territories_figure(data: Aggregates, reference: Reference) -> Figure:
    """Listed projects and actors per région, or per département of the chosen région."""
    region = data.filters.region
    territories = reference.departements_of(region) if region else list(reference.regions)
    projects: dict[str | None, int] = {}
    for territory, _, _, count in data.projects:
        projects[territory] = projects.get(territory, 0) + count
    actors: dict[str | None, int] = {}
    for territory, _, count in data.actors:
        actors[territory] = actors.get(territory, 0) + count
    rows: list[tuple[Cell, ...]] = [(t.code, t.name, projects.get(t.id, 0), actors.get(t.id, 0)) for t in territories]
    rows.append(("", UNKNOWN_TERRITORY, projects.get(None, 0), actors.get(None, 0)))
    where = "par département" if region else "par région"
    notes = ["Le filtre de phase ne s’applique qu’aux projets : les acteurs sont comptés quelle que soit la phase."]
    if region:
        notes.append(
            "Les projets et acteurs de la région dont le département n’est pas connu sont sur la dernière ligne."
        )
    return Figure(
        slug="territoires",
        title=f"Projets et acteurs {where}",
        description=f"Nombre de projets en cours et d’acteurs de l’annuaire (hors fiches retirées), {where}.",
        chart="bars",
        columns=(
            Column("code", "Code INSEE", "text"),
            Column("territory", "Département" if region else "Région", "text"),
            Column("projects", "Projets"),
            Column("actors", "Acteurs"),
        ),
        rows=tuple(rows),
        series=(2, 3),
        label_column=1,
        unit=("projet ou acteur", "projets ou acteurs"),
        notes=tuple(notes),
    )


def phases_figure(data: Aggregates, reference: Reference) -> Figure:
    """Listed projects per phase, from the idea to deployment."""
    counts: dict[str, int] = {}
    for _, phase, _, count in data.projects:
        _add(counts, phase, count)
    return Figure(
        slug="phases",
        title="Projets par phase",
        description="Nombre de projets en cours selon leur phase, de l’idée au déploiement.",
        chart="bars",
        columns=(Column("code", "Code", "text"), Column("phase", "Phase", "text"), Column("projects", "Projets")),
        rows=tuple((p.value, phase_label(p.value), counts.get(p.value, 0)) for p in ProjectPhase),
        series=(2,),
        label_column=1,
        unit=("projet", "projets"),
    )


def sectors_figure(data: Aggregates, reference: Reference) -> Figure:
    """Listed projects per sector (a project may concern several sectors), most frequent first."""
    counts = data.sectors
    ordered = sorted(reference.sectors, key=lambda s: (-counts.get(s.code, 0), s.label))
    rows: list[tuple[Cell, ...]] = [(s.code, s.label, counts.get(s.code, 0)) for s in ordered]
    rows.append(("", "Sans secteur", counts.get(None, 0)))
    return Figure(
        slug="secteurs",
        title="Projets par secteur",
        description="Nombre de projets en cours par secteur ; un projet peut relever de plusieurs secteurs.",
        chart="bars",
        columns=(Column("code", "Code", "text"), Column("sector", "Secteur", "text"), Column("projects", "Projets")),
        rows=tuple(rows),
        series=(2,),
        label_column=1,
        unit=("projet", "projets"),
        notes=(
            "Un projet qui relève de plusieurs secteurs est compté dans chacun : le total dépasse le nombre de projets.",
        ),
    )


def trend_figure(data: Aggregates, reference: Reference) -> Figure:
    """Projects and actors registered per month (those still listed today)."""
    projects: dict[str, int] = {}
    for _, _, month, count in data.projects:
        _add(projects, month, count)
    actors: dict[str, int] = {}
    for _, month, count in data.actors:
        _add(actors, month, count)
    return Figure(
        slug="inscriptions",
        title="Projets et acteurs inscrits par mois",
        description="Nombre de projets et d’acteurs enregistrés dans le hub chaque mois (mois en temps universel), parmi ceux qui sont encore en ligne.",
        chart="lines",
        columns=(Column("month", "Mois (AAAA-MM)", "text"), Column("projects", "Projets"), Column("actors", "Acteurs")),
        rows=tuple(_month_rows(projects, actors)),
        series=(1, 2),
        label_column=0,
        unit=("inscription", "inscriptions"),
        notes=(
            "Les données d’amorçage (lauréats i-Lab, CHU, structures) sont toutes datées du jour de leur chargement.",
        ),
    )


def duplicates_figure(data: Aggregates, reference: Reference) -> Figure:
    """Likely duplicate pairs found per month, and pairs decided per month by decision."""
    found: dict[str, int] = {}
    decided: dict[str, int] = {}
    by_decision: dict[str, dict[str, int]] = {status: {} for status in DECISIONS}
    for found_month, decided_month, status, count in data.pairs:
        _add(found, found_month, count)
        if status in by_decision and decided_month is not None:
            _add(decided, decided_month, count)
            _add(by_decision[status], decided_month, count)
    return Figure(
        slug="doublons",
        title="Doublons détectés et traités par mois",
        description="Paires de projets qui se ressemblent, détectées chaque mois, et paires tranchées chaque mois (fusion, projets jumeaux ou projets différents).",
        chart="lines",
        columns=(
            Column("month", "Mois (AAAA-MM)", "text"),
            Column("found", "Paires détectées"),
            Column("decided", "Paires traitées"),
            Column("merged", "dont fusionnées"),
            Column("twins", "dont jumeaux"),
            Column("distinct", "dont différents"),
        ),
        rows=tuple(_month_rows(found, decided, *by_decision.values())),
        series=(1, 2),
        label_column=0,
        unit=("paire", "paires"),
        notes=("Avec un filtre, une paire compte dès que l’un de ses deux projets y répond.",),
    )


def median_of_histogram(histogram: dict[int, int]) -> int | None:
    """The (lower) median of values given as value -> how many times; None when empty."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank, seen = (total + 1) // 2, 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None  # pragma: no cover - rank never exceeds total


def partner_delay(data: Aggregates) -> PartnerDelay:
    """The median time to first partner, how many projects it is measured on, and those still without one."""
    with_partner = {d: n for d, n in data.partner_days.items() if d is not None}
    return PartnerDelay(median_of_histogram(with_partner), sum(with_partner.values()), data.partner_days.get(None, 0))


def partner_delay_figure(data: Aggregates, reference: Reference) -> Figure:
    """How long projects registered in the hub waited for their first partner, in classes of days."""
    histogram = data.partner_days
    rows: list[tuple[Cell, ...]] = []
    for label, low, high in DELAY_CLASSES:
        count = sum(n for d, n in histogram.items() if d is not None and d >= low and (high is None or d <= high))
        rows.append((label, count))
    rows.append((NO_PARTNER_YET, histogram.get(None, 0)))
    return Figure(
        slug="premier-partenaire",
        title="Délai entre l’inscription d’un projet et son premier partenaire",
        description=(
            "Pour les projets inscrits directement dans le hub : nombre de jours entiers entre l’inscription du projet "
            "et le premier enregistrement qui lui donne au moins un partenaire (journal des modifications)."
        ),
        chart="bars",
        columns=(Column("delay", "Délai", "text"), Column("projects", "Projets")),
        rows=tuple(rows),
        series=(1,),
        label_column=0,
        unit=("projet", "projets"),
        notes=(
            "Les projets importés (lauréats i-Lab, import CSV) arrivent avec leurs partenaires : ils ne sont pas comptés.",
        ),
    )


def introductions_figure(data: Aggregates, reference: Reference) -> Figure:
    """Introduction requests made per month, and answers (accepted, declined) per month."""
    made: dict[str, int] = {}
    accepted: dict[str, int] = {}
    declined: dict[str, int] = {}
    for made_month, answered_month, status, count in data.introductions:
        _add(made, made_month, count)
        if status == IntroductionStatus.ACCEPTED:
            _add(accepted, answered_month, count)
        elif status == IntroductionStatus.DECLINED:
            _add(declined, answered_month, count)
    return Figure(
        slug="mises-en-relation",
        title="Mises en relation demandées et acceptées par mois",
        description="Demandes de mise en relation envoyées chaque mois, et réponses données chaque mois (acceptées ou déclinées).",
        chart="lines",
        columns=(
            Column("month", "Mois (AAAA-MM)", "text"),
            Column("made", "Demandes"),
            Column("accepted", "Acceptées"),
            Column("declined", "Déclinées"),
        ),
        rows=tuple(_month_rows(made, accepted, declined)),
        series=(1, 2),
        label_column=0,
        unit=("demande", "demandes"),
        notes=("Avec un filtre, une demande compte quand le projet qui la fait, ou le projet visé, y répond.",),
    )


def hours_figure(data: Aggregates, reference: Reference) -> Figure:
    """Minutes of professionals' time used on projects per month (posted uses, less their reversals)."""
    rows = [(month, minutes, hours_text(int(minutes))) for month, minutes in _month_rows(data.minutes)]
    return Figure(
        slug="heures",
        title="Heures de professionnels investies dans les projets, par mois",
        description="Temps de travail de professionnels utilisé par des projets (banque d’heures d’innovation), par mois de validation, corrections déduites.",
        chart="lines",
        columns=(
            Column("month", "Mois (AAAA-MM)", "text"),
            Column("minutes", "Minutes utilisées", "minutes"),
            Column("hours", "Heures utilisées", "text"),
        ),
        rows=tuple(rows),
        series=(1,),
        label_column=0,
        unit=("minute", "minutes"),
    )


def white_zones_figure(data: Aggregates, reference: Reference) -> Figure:
    """Département × sector pairs without a current referent ("zones blanches"), per région or per département."""
    region, sector = data.filters.region, data.filters.sector
    zones = white_zones(data.session, level="departement", sector=sector, region=region)
    missing = {zone.territory_id: len(zone.sectors) for zone in zones}
    sectors = 1 if sector else len(reference.sectors)
    rows: list[tuple[Cell, ...]]
    if region:
        rows = [(d.code, d.name, 1, sectors, missing.get(d.id, 0)) for d in reference.departements_of(region)]
    else:
        per_region: dict[str, tuple[int, int]] = {}
        for d in reference.departements:  # about a hundred départements, summed per région
            count, gaps = per_region.get(d.parent_id or "", (0, 0))
            per_region[d.parent_id or ""] = (count + 1, gaps + missing.get(d.id, 0))
        rows = []
        for r in reference.regions:
            count, gaps = per_region.get(r.id, (0, 0))
            rows.append((r.code, r.name, count, count * sectors, gaps))
    return Figure(
        slug="zones-blanches",
        title="Zones blanches : secteurs sans référent, " + ("par département" if region else "par région"),
        description=(
            "Nombre de couples département × secteur sans référent titulaire ni suppléant en fonction aujourd’hui "
            "(un référent de la région couvre ses départements)."
        ),
        chart="bars",
        columns=(
            Column("code", "Code INSEE", "text"),
            Column("territory", "Département" if region else "Région", "text"),
            Column("departements", "Départements"),
            Column("pairs", "Couples département × secteur"),
            Column("white_zones", "Zones blanches"),
        ),
        rows=tuple(rows),
        series=(4,),
        label_column=1,
        unit=("zone blanche", "zones blanches"),
        notes=("Le filtre de phase ne s’applique pas aux référents.",),
    )


Builder = Callable[[Aggregates, Reference], Figure]
BUILDERS: dict[str, Builder] = {
    "territoires": territories_figure,
    "phases": phases_figure,
    "secteurs": sectors_figure,
    "inscriptions": trend_figure,
    "doublons": duplicates_figure,
    "premier-partenaire": partner_delay_figure,
    "mises-en-relation": introductions_figure,
    "heures": hours_figure,
    "zones-blanches": white_zones_figure,
}


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Every figure of the page in order, and the key figures drawn from them."""

    figures: list[Figure]
    key: dict[str, int]
    partner_delay: PartnerDelay


def build_dashboard(session: Session, filters: DashboardFilters, reference: Reference) -> Dashboard:
    """Every figure of the dashboard, in page order, with the key figures (totals of the same tables)."""
    data = Aggregates(session, filters)
    figures = [builder(data, reference) for builder in BUILDERS.values()]
    by_slug = {f.slug: f for f in figures}
    duplicates, introductions, zones = by_slug["doublons"], by_slug["mises-en-relation"], by_slug["zones-blanches"]
    merges, twins = data.links
    key = {
        "projects": by_slug["phases"].total(2),
        "actors": by_slug["territoires"].total(3),
        "pairs_found": duplicates.total(1),
        "pairs_decided": duplicates.total(2),
        "pairs_open": sum(n for _, _, status, n in data.pairs if status == PairStatus.OPEN),
        "pairs_merges": merges,
        "pairs_twins": twins,
        "introductions": introductions.total(1),
        "introductions_accepted": introductions.total(2),
        "introductions_declined": introductions.total(3),
        "minutes": by_slug["heures"].total(1),
        "white_zones": zones.total(4),
        "territory_sector_pairs": zones.total(3),
    }
    return Dashboard(figures=figures, key=key, partner_delay=partner_delay(data))
