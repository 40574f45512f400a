"""Search documents built from the database: what each actor, project and public profile looks like to the index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlmodel import Session, col, select

from hub.accounts.models import Person
from hub.directory.models import Actor, ActorPhaseLink, ActorSector, VerificationStatus
from hub.projects.models import Project, ProjectNeedLink, ProjectSector, ProjectStatus

KINDS = ("actor", "project", "person")


def split_id(document_id: str) -> tuple[str, int]:
    """'project:12' -> ('project', 12); ValueError for anything else."""
    kind, _, raw = document_id.partition(":")
    if kind not in KINDS or not raw.isdigit():
        raise ValueError(f"not a document id: {document_id!r}")
    return kind, int(raw)


def _code(territory_id: str | None) -> str | None:
    return territory_id.split("-", 1)[1] if territory_id else None


def _links(session: Session, model: Any, key: str, value: str, ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if ids:
        for owner, item in session.exec(
            select(getattr(model, key), getattr(model, value)).where(col(getattr(model, key)).in_(ids))
        ).all():
            found[owner].append(str(item))
    return found


def actor_documents(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Documents of the listed actors (withdrawn ones have none: they leave the index)."""
    actors = session.exec(
        select(Actor).where(col(Actor.id).in_(ids), col(Actor.verification_status) != VerificationStatus.WITHDRAWN)
    ).all()
    sectors = _links(session, ActorSector, "actor_id", "sector_code", ids)
    phases = _links(session, ActorPhaseLink, "actor_id", "phase", ids)
    return {
        actor.id: {
            "id": f"actor:{actor.id}",
            "kind": "actor",
            "title": actor.name + (f" ({actor.acronym})" if actor.acronym else ""),
            "summary": actor.commune,
            "description": " ".join(filter(None, [actor.description, actor.experimentation_offer])),
            "url": f"/annuaire/{actor.slug}",
            "sectors": sectors.get(actor.id, []),
            "region": _code(actor.region_id),
            "departement": _code(actor.departement_id),
            "phase": phases.get(actor.id, []),
            "needs": [],
            "is_experimentation_volunteer": actor.is_experimentation_volunteer,
        }
        for actor in actors
        if actor.id is not None
    }


def project_documents(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Documents of the listed projects (merged and withdrawn ones leave the index)."""
    projects = session.exec(
        select(Project).where(col(Project.id).in_(ids), col(Project.status) == ProjectStatus.ACTIVE)
    ).all()
    sectors = _links(session, ProjectSector, "project_id", "sector_code", ids)
    needs = _links(session, ProjectNeedLink, "project_id", "need", ids)
    return {
        project.id: {
            "id": f"project:{project.id}",
            "kind": "project",
            "title": project.title,
            "summary": project.summary,
            "description": project.description,
            "url": f"/projets/{project.slug}",
            "sectors": sectors.get(project.id, []),
            "region": _code(project.region_id),
            "departement": _code(project.departement_id),
            "phase": [str(project.phase)],
            "needs": needs.get(project.id, []),
            "is_experimentation_volunteer": False,
        }
        for project in projects
        if project.id is not None
    }


def person_documents(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Documents of public profiles only: the public part (name, profession if shown); private ones leave the index."""
    people = session.exec(select(Person).where(col(Person.id).in_(ids), col(Person.is_public))).all()
    return {
        person.id: {
            "id": f"person:{person.id}",
            "kind": "person",
            "title": person.display_name,
            "summary": person.profession if person.show_profession else "",
            "description": "",
            "url": "",
            "sectors": [],
            "phase": [],
            "needs": [],
        }
        for person in people
        if person.id is not None
    }


BUILDERS = {"actor": actor_documents, "project": project_documents, "person": person_documents}


def build_documents(session: Session, document_ids: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """(documents to upsert, ids to delete) for the given document ids, from the current database state."""
    wanted: dict[str, list[int]] = defaultdict(list)
    for document_id in document_ids:
        kind, number = split_id(document_id)
        wanted[kind].append(number)
    upserts: list[dict[str, Any]] = []
    deletes: list[str] = []
    for kind, numbers in wanted.items():
        built = BUILDERS[kind](session, numbers)
        for number in numbers:
            if number in built:
                upserts.append(built[number])
            else:
                deletes.append(f"{kind}:{number}")
    return upserts, deletes


def iter_all_documents(session: Session, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Every document the index should hold, in batches (for a full rebuild)."""
    for kind, model in (("actor", Actor), ("project", Project), ("person", Person)):
        ids = list(session.exec(select(model.id).order_by(col(model.id))).all())
        for start in range(0, len(ids), batch):
            chunk = [i for i in ids[start : start + batch] if i is not None]
            yield from BUILDERS[kind](session, chunk).values()


def count_all_documents(session: Session) -> int:
    """An upper bound of the documents a rebuild will index (for the progress bar)."""
    from sqlalchemy import func

    return sum(int(session.exec(select(func.count()).select_from(model)).one()) for model in (Actor, Project, Person))
