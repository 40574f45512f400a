"""Plain-French sentences that explain why a partner or a project is suggested."""

from __future__ import annotations

from collections.abc import Sequence

from hub.matchmaking.roles import role_label


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def worked_with_members(n: int) -> str:
    """The candidate already worked with n partners of the project."""
    return f"a déjà travaillé avec {_count(n, 'partenaire du projet', 'partenaires du projet')}"


def worked_with_your_partners(n: int) -> str:
    """The suggested actor already worked with n of the asking actor's partners."""
    return f"a déjà travaillé avec {_count(n, 'de vos partenaires', 'de vos partenaires')}"


def your_partners_inside(n: int) -> str:
    """n of the asking actor's partners take part in the suggested project."""
    return f"{_count(n, 'de vos partenaires y participe', 'de vos partenaires y participent')}"


def close_projects(labels: Sequence[str]) -> str:
    """The candidate runs projects on the same subject."""
    return f"mène des projets proches ({', '.join(labels)})"


def close_to_your_projects(labels: Sequence[str]) -> str:
    """The suggested project resembles the asking actor's own projects."""
    return f"proche de vos projets ({', '.join(labels)})"


def same_sector(names: Sequence[str]) -> str:
    """Candidate and project share sectors."""
    return f"même secteur : {', '.join(names)}"


def same_territory(name: str) -> str:
    """Candidate and project are in the same region (short local circuits)."""
    return f"même territoire : {name}"


def same_country(name: str) -> str:
    """Candidate and project are in the same country, when no region matches."""
    return f"même pays : {name}"


def same_period(name: str) -> str:
    """Most of the candidate's projects belong to the project's period (year, call...)."""
    return f"actif sur la même période : {name}"


def brings_missing(role: str) -> str:
    """The candidate fills a role the consortium lacks."""
    return f"apporte ce qui manque : {role_label(role)}"


def wants_what_you_bring(role: str) -> str:
    """The suggested project lacks what the asking actor brings."""
    return f"cherche ce que vous apportez : {role_label(role)}"


def verified() -> str:
    """The lab vouches for the candidate's listing."""
    return "structure vérifiée par le lab e-santé"


def active_in(n: int) -> str:
    """Fallback reason: how many projects the candidate already takes part in."""
    return f"déjà engagé dans {_count(n, 'projet', 'projets')}" if n else "nouveau venu dans le réseau"


def gathers(n: int) -> str:
    """Fallback reason for a project: how many partners it already gathers."""
    return f"réunit déjà {_count(n, 'partenaire', 'partenaires')}" if n else "cherche ses premiers partenaires"
