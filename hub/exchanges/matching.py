"""Pure matching of offered time with project needs: plain data in, matches with French reasons out (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Which phases of an offer fit a project phase: testing happens in experimentation, HAS and real-life evaluation
# once the product reaches the market, and users shape the product up to its development.
PHASES_FOR_PROJECT = {
    "idea": {"conception"},
    "conception": {"conception"},
    "development": {"conception", "experimentation"},
    "experimentation": {"experimentation"},
    "market_access": {"evaluation"},
    "deployment": {"evaluation"},
}
PHASE_NAMES = {"conception": "conception", "experimentation": "expérimentation", "evaluation": "évaluation"}
# The project need each capacity answers.
NEED_FOR = {"health_professional": "professionals", "patient_representative": "patients"}
NEED_REASONS = {
    "professionals": "Le projet recherche des professionnels de santé",
    "patients": "Le projet recherche des patients ou des usagers",
}


@dataclass(frozen=True)
class Offer:
    """What the matcher needs to know about an availability."""

    id: int
    offered_as: str
    phases: frozenset[str]
    sectors: frozenset[str]
    departement_id: str | None
    region_id: str | None
    work_mode: str  # remote, on_site or both


@dataclass(frozen=True)
class Need:
    """What the matcher needs to know about a project looking for people."""

    id: int
    needs: frozenset[str]
    phase: str
    sectors: frozenset[str]
    departement_id: str | None
    region_id: str | None


@dataclass(frozen=True)
class Match:
    """An offer that fits a need, with a score (higher is better) and the reasons in French."""

    offer_id: int
    project_id: int
    score: float
    reasons: tuple[str, ...]


def match(offer: Offer, need: Need, names: Mapping[str, str], sector_labels: Mapping[str, str]) -> Match | None:
    """Whether `offer` fits `need`: the project must need this capacity in a phase the person joins, and someone
    who only comes on site must be in the project's région; sectors and territory then raise the score."""
    wanted = NEED_FOR.get(offer.offered_as)
    if wanted not in need.needs:
        return None
    phases = PHASES_FOR_PROJECT.get(need.phase, set()) & offer.phases
    if not phases:
        return None
    same_departement = offer.departement_id is not None and offer.departement_id == need.departement_id
    same_region = offer.region_id is not None and offer.region_id == need.region_id
    both_located = offer.region_id is not None and need.region_id is not None
    if offer.work_mode == "on_site" and both_located and not same_region:
        return None
    reasons = [NEED_REASONS[wanted]]
    score = 1.0
    phase_names = ", ".join(PHASE_NAMES[p] for p in sorted(phases))
    reasons.append(f"Phase recherchée : {phase_names}")
    score += 2.0
    shared = sorted(offer.sectors & need.sectors)
    if shared:
        reasons.append("Secteur commun : " + ", ".join(sector_labels.get(code, code) for code in shared[:3]))
        score += min(len(shared), 3) * 1.5
    if same_departement and offer.departement_id:
        reasons.append(f"Même département : {names.get(offer.departement_id, offer.departement_id)}")
        score += 3.0
    elif same_region and offer.region_id:
        reasons.append(f"Même région : {names.get(offer.region_id, offer.region_id)}")
        score += 1.5
    if offer.work_mode in ("remote", "both"):
        reasons.append("Participation à distance possible")
        score += 0.5
    return Match(offer.id, need.id, score, tuple(reasons))


def best_projects(
    offer: Offer, needs: Iterable[Need], names: Mapping[str, str], sector_labels: Mapping[str, str], k: int = 10
) -> list[Match]:
    """The projects that fit an offer, best first (ties by project id, for stable pages)."""
    found = [m for m in (match(offer, need, names, sector_labels) for need in needs) if m is not None]
    return sorted(found, key=lambda m: (-m.score, m.project_id))[:k]


def best_offers(
    need: Need, offers: Iterable[Offer], names: Mapping[str, str], sector_labels: Mapping[str, str], k: int = 10
) -> list[Match]:
    """The offers that fit a project, best first (ties by offer id)."""
    found = [m for m in (match(offer, need, names, sector_labels) for offer in offers) if m is not None]
    return sorted(found, key=lambda m: (-m.score, m.offer_id))[:k]
