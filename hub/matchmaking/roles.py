"""What a project may lack in its consortium, and which kinds of actor bring it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# A need (as a project declares it) is met by any of these actor kinds. Kind names follow the directory's ActorKind.
NEED_PROVIDERS: Mapping[str, frozenset[str]] = {
    "patients": frozenset({"patient_organisation"}),
    "experimentation_site": frozenset({"health_establishment", "living_lab"}),
    "research": frozenset({"research_unit", "university"}),
    "professionals": frozenset({"health_establishment", "professional_body"}),
    "funding": frozenset({"funder"}),
    "regulatory_help": frozenset({"public_support", "innovation_centre", "grades"}),
    "industry": frozenset({"company"}),
}

# The roles the report wants in every consortium; a project that declares no needs is checked against these.
CORE_NEEDS: tuple[str, ...] = ("patients", "experimentation_site", "research")

NEED_LABELS: Mapping[str, str] = {
    "patients": "une association de patients",
    "experimentation_site": "un lieu d’expérimentation",
    "research": "une équipe de recherche",
    "professionals": "des professionnels de santé",
    "funding": "un financeur",
    "regulatory_help": "une aide réglementaire",
    "industry": "un partenaire industriel",
}

KIND_LABELS: Mapping[str, str] = {
    "patient_organisation": "une association de patients",
    "health_establishment": "un établissement de santé",
    "living_lab": "un living lab",
    "research_unit": "une unité de recherche",
    "university": "une université ou école",
    "company": "une entreprise",
    "funder": "un financeur",
    "professional_body": "une organisation professionnelle",
    "public_support": "une structure d’accompagnement",
    "innovation_centre": "un centre d’innovation",
    "grades": "un groupement régional e-santé",
}


def role_kinds(role: str) -> frozenset[str]:
    """Actor kinds that fill a role, the role being a need name ("patients") or an actor kind ("company")."""
    return NEED_PROVIDERS.get(role, frozenset({role}))


def role_label(role: str) -> str:
    """Plain-French name of a role, with its article, for a reason shown to users."""
    return NEED_LABELS.get(role) or KIND_LABELS.get(role) or role.replace("_", " ")


def provides(kind: str | None, is_volunteer: bool, need: str) -> bool:
    """Whether an actor of this kind meets a need; an establishment that refuses experiments is no test site."""
    if kind is None or kind not in role_kinds(need):
        return False
    return is_volunteer or need != "experimentation_site"


def unmet_needs(needs: Iterable[str], member_kinds: Iterable[tuple[str | None, bool]]) -> tuple[str, ...]:
    """Needs that no current member (kind, is_volunteer) meets, in a stable order."""
    members = list(member_kinds)
    return tuple(sorted(need for need in set(needs) if not any(provides(kind, vol, need) for kind, vol in members)))
