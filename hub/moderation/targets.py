"""What can be reported or moderated: a registry of target types, each knowing how to find its objects.

A target is a (target_type, target_id) pair. Each domain registers its own types with `register_target_type`
(feedback does it in hub/feedback/reporting.py; a domain with comments would do the same from its routes
module); the directory's actors, the catalogue's projects, the introduction messages, the needs and their comments
are registered here (those have no masking flag of their own: a moderator corrects or removes them from their page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from hub.accounts.viewer import Viewer
from hub.db import utcnow
from hub.directory.models import Actor, ActorSector
from hub.errors import HubError, InvalidInput, NotFound
from hub.exchanges import introductions
from hub.needs.models import Need, NeedComment, NeedSector
from hub.projects.models import Project, ProjectSector

EXCERPT_CHARS = 500


@dataclass(frozen=True)
class TargetInfo:
    """A reportable object as moderators see it: its name, page, excerpt and where it belongs (for routing)."""

    label: str
    url: str
    excerpt: str = ""
    sector_codes: tuple[str, ...] = ()
    territory_id: str | None = None


# Loads the target the viewer may see, or None when it does not exist or is hidden from them.
Loader = Callable[[Session, Viewer | None, int], TargetInfo | None]
# Hides (True) or shows again (False) the target; only for types whose content the hub can mask.
Hider = Callable[[Session, int, bool], None]


@dataclass(frozen=True)
class TargetType:
    """A kind of object that can be reported."""

    code: str
    label: str
    load: Loader
    hide: Hider | None = None


_TYPES: dict[str, TargetType] = {}


def register_target_type(target_type: TargetType) -> None:
    """Make a type reportable (registering the same code again replaces it)."""
    _TYPES[target_type.code] = target_type


def target_types() -> dict[str, TargetType]:
    """Every registered type, by code."""
    return dict(_TYPES)


def get_type(code: str) -> TargetType:
    """The registered type, or a 400 refusal naming the known ones."""
    found = _TYPES.get(code)
    if found is None:
        known = ", ".join(sorted(_TYPES))
        raise HubError(f"Ce type de contenu ne peut pas être signalé. Types connus : {known}.")
    return found


def load_target(session: Session, viewer: Viewer | None, code: str, target_id: int) -> TargetInfo:
    """The target, or InvalidInput on target_id when it does not exist (400 when the type is unknown)."""
    info = get_type(code).load(session, viewer, target_id)
    if info is None:
        raise InvalidInput(
            {"target_id": "Ce contenu n’existe pas ou n’est plus visible : il ne peut pas être signalé."}
        )
    return info


def excerpt(text: str) -> str:
    """The start of a text, for moderators."""
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _actor(session: Session, viewer: Viewer | None, target_id: int) -> TargetInfo | None:
    actor = session.get(Actor, target_id)
    if actor is None:
        return None
    sectors = session.exec(select(ActorSector.sector_code).where(col(ActorSector.actor_id) == target_id)).all()
    return TargetInfo(
        label=f"Fiche de l’annuaire « {actor.name} »",
        url=f"/annuaire/{actor.slug}",
        excerpt=excerpt(actor.description),
        sector_codes=tuple(sorted(sectors)),
        territory_id=actor.departement_id or actor.region_id,
    )


def _project(session: Session, viewer: Viewer | None, target_id: int) -> TargetInfo | None:
    project = session.get(Project, target_id)
    if project is None:
        return None
    sectors = session.exec(select(ProjectSector.sector_code).where(col(ProjectSector.project_id) == target_id)).all()
    return TargetInfo(
        label=f"Projet « {project.title} »",
        url=f"/projets/{project.slug}",
        excerpt=excerpt(project.summary),
        sector_codes=tuple(sorted(sectors)),
        territory_id=project.departement_id or project.region_id,
    )


def _introduction(session: Session, viewer: Viewer | None, target_id: int) -> TargetInfo | None:
    # A private message: only its sender and its recipients may report it (and read it); it goes to administrators.
    if viewer is None:
        return None
    try:
        request = introductions.get_introduction(session, viewer, target_id, utcnow())
    except NotFound:
        return None
    return TargetInfo(
        label=f"Message d’une demande de mise en relation (n° {target_id})",
        url=f"/mises-en-relation/{target_id}",
        excerpt=excerpt(request.message),
    )


def _need_place(session: Session, need: Need) -> tuple[tuple[str, ...], str | None]:
    sectors = session.exec(select(NeedSector.sector_code).where(col(NeedSector.need_id) == need.id)).all()
    return tuple(sorted(sectors)), need.departement_id or need.region_id


def _need(session: Session, viewer: Viewer | None, target_id: int) -> TargetInfo | None:
    need = session.get(Need, target_id)
    if need is None:
        return None
    sectors, territory = _need_place(session, need)
    return TargetInfo(
        label=f"Besoin « {need.title} »",
        url=f"/besoins/{target_id}",
        excerpt=excerpt(need.description),
        sector_codes=sectors,
        territory_id=territory,
    )


def _need_comment(session: Session, viewer: Viewer | None, target_id: int) -> TargetInfo | None:
    comment = session.get(NeedComment, target_id)
    need = session.get(Need, comment.need_id) if comment is not None else None
    if comment is None or need is None:
        return None
    sectors, territory = _need_place(session, need)
    return TargetInfo(
        label=f"Commentaire sur le besoin « {need.title} »",
        url=f"/besoins/{need.id}",
        excerpt=excerpt(comment.body),
        sector_codes=sectors,
        territory_id=territory,
    )


register_target_type(TargetType("actor", "Fiche de l’annuaire", _actor))
register_target_type(TargetType("project", "Projet du catalogue", _project))
register_target_type(TargetType("introduction", "Message de mise en relation", _introduction))
register_target_type(TargetType("need", "Besoin du terrain", _need))
register_target_type(TargetType("need_comment", "Commentaire sur un besoin", _need_comment))
