"""Reviewers' decisions on likely duplicates: merge (and unmerge), link as twins, mark distinct; all logged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, delete, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from hub.accounts.models import Role
from hub.accounts.viewer import Viewer
from hub.changelog.services import diff, record_change
from hub.db import utcnow
from hub.dedup.models import DuplicatePair, DuplicateReview, PairStatus, ProjectMerge, ProjectTwin, ReviewStatus
from hub.dedup.services import pair_fingerprint
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.freshness import lock_catalogue
from hub.projects.models import Project, ProjectNeedLink, ProjectPartner, ProjectSector, ProjectStatus
from hub.referents.routing import can_curate, place_of, resolve

# The fields a reviewer chooses one by one when merging (the rest of the row is the survivor's).
MERGE_FIELDS = (
    "title",
    "summary",
    "description",
    "carrier_id",
    "phase",
    "regulatory_status",
    "reimbursement_status",
    "has_patient_involvement",
    "has_professional_involvement",
    "region_id",
    "departement_id",
    "year",
    "source_url",
)
MERGE_FIELD_LABELS = {
    "title": "Titre",
    "summary": "Résumé",
    "description": "Description",
    "carrier_id": "Porteur",
    "phase": "Phase",
    "regulatory_status": "Statut réglementaire",
    "reimbursement_status": "Remboursement",
    "has_patient_involvement": "Patients associés",
    "has_professional_involvement": "Professionnels associés",
    "region_id": "Région",
    "departement_id": "Département",
    "year": "Année",
    "source_url": "Source",
}
# Every column restored by an unmerge, so that both projects come back exactly as they were.
_RESTORED = (*MERGE_FIELDS, "status", "successor_id", "updated_at")
_BUSY = "Un autre relecteur traite ces projets en ce moment. Rechargez la page dans un instant."
_ALREADY = "Cette paire a déjà été traitée par un autre relecteur. Rechargez la page pour voir la décision."


def require_reviewer(viewer: Viewer | None, session: Session | None = None, project_ids: Iterable[int] = ()) -> Viewer:
    """Administrators review every duplicate; a referent reviews those touching a project of their area.

    Without `session` and `project_ids` (the list page, the CSV import) only administrators pass.
    """
    if viewer is not None and (viewer.is_admin or (session is not None and may_review(session, viewer, project_ids))):
        return viewer
    raise PermissionDenied(
        "Seuls les administrateurs et les référents du secteur et du territoire concernés peuvent traiter ces doublons."
    )


def may_review(session: Session, viewer: Viewer, project_ids: Iterable[int]) -> bool:
    """Whether `viewer` may decide on pairs of these projects: administrators, or the referents of one of them."""
    if viewer.is_admin:
        return True
    if not viewer.has_role(Role.REFERENT):
        return False
    for project_id in project_ids:
        project = session.get(Project, project_id)
        if project is not None:
            sectors, territory = place_of(session, project)
            if can_curate(session, viewer, sector_codes=sectors, territory_id=territory):
                return True
    return False


def _pair_projects(session: Session, pair_id: int) -> tuple[int, ...]:
    pair = session.get(DuplicatePair, pair_id)
    return (pair.project_a_id, pair.project_b_id) if pair is not None else ()


def _locked_pair(session: Session, pair_id: int, *, status: PairStatus | None = PairStatus.OPEN) -> DuplicatePair:
    """The pair, locked until commit and read afresh: a second reviewer waits, then is refused (409).

    PostgreSQL: SELECT ... FOR UPDATE. SQLite ignores FOR UPDATE but serialises writers: a no-op write
    takes the write lock first; a reviewer whose snapshot is stale gets "database is locked" -> 409.
    """
    try:
        if session.get_bind().dialect.name == "sqlite":
            session.execute(
                update(DuplicatePair).where(col(DuplicatePair.id) == pair_id).values(status=DuplicatePair.status)
            )
        pair = session.exec(
            select(DuplicatePair)
            .where(col(DuplicatePair.id) == pair_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
    except OperationalError as exc:
        raise Conflict(_BUSY) from exc
    if pair is None:
        raise NotFound("Cette paire de projets n’existe pas.")
    if status is not None and pair.status != status:
        raise Conflict(_ALREADY)
    return pair


def _locked_project(session: Session, project_id: int) -> Project:
    lock_catalogue(session)  # the catalogue counter before the project row: one lock order for every writer
    project = session.exec(
        select(Project).where(col(Project.id) == project_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if project is None:
        raise NotFound("Ce projet n’existe pas dans le catalogue.")
    return project


def _decide(session: Session, pair: DuplicatePair, status: PairStatus, viewer: Viewer) -> None:
    pair.status, pair.decided_by_id, pair.decided_at = status, viewer.account_id, utcnow()
    session.add(pair)
    session.flush()
    review = session.get(DuplicateReview, pair.review_id)
    if review is not None:
        waiting = session.exec(
            select(DuplicatePair.id).where(
                col(DuplicatePair.review_id) == review.id, col(DuplicatePair.status) == PairStatus.OPEN
            )
        ).first()
        review.status = ReviewStatus.OPEN if waiting else ReviewStatus.CLOSED
        review.updated_at = utcnow()
        session.add(review)
        if not waiting:
            resolve(session, subject_type="duplicate_review", subject_id=pair.review_id, outcome="Doublons examinés")


def _log_pair(session: Session, pair: DuplicatePair, action: str, viewer: Viewer, note: str = "") -> None:
    for own, other in ((pair.project_a_id, pair.project_b_id), (pair.project_b_id, pair.project_a_id)):
        record_change(
            session,
            object_type="project",
            object_id=own,
            action=action,
            account_id=viewer.account_id,
            changes={"other_project_id": [None, other]},
            note=note,
        )


def mark_distinct(session: Session, pair_id: int, viewer: Viewer | None) -> DuplicatePair:
    """Two different projects: not proposed again unless one of the texts changes substantially."""
    reviewer = require_reviewer(viewer, session, _pair_projects(session, pair_id))
    pair = _locked_pair(session, pair_id)
    pair.fingerprint = pair_fingerprint(session, pair)
    _decide(session, pair, PairStatus.DISTINCT, reviewer)
    _log_pair(session, pair, "mark_distinct", reviewer)
    return pair


def link_twins(session: Session, pair_id: int, viewer: Viewer | None) -> ProjectTwin:
    """Two teams doing the same thing in different places: both pages show the other project."""
    reviewer = require_reviewer(viewer, session, _pair_projects(session, pair_id))
    pair = _locked_pair(session, pair_id)
    twin = session.get(ProjectTwin, (pair.project_a_id, pair.project_b_id)) or ProjectTwin(
        project_a_id=pair.project_a_id, project_b_id=pair.project_b_id, created_by_id=reviewer.account_id
    )
    session.add(twin)
    _decide(session, pair, PairStatus.TWINS, reviewer)
    _log_pair(session, pair, "link_twin", reviewer)
    return twin


def reopen_pair(session: Session, pair_id: int, viewer: Viewer | None) -> DuplicatePair:
    """Undo a twins or distinct decision: the pair waits for a decision again (a merge is undone by unmerge)."""
    reviewer = require_reviewer(viewer, session, _pair_projects(session, pair_id))
    pair = _locked_pair(session, pair_id, status=None)
    if pair.status not in (PairStatus.TWINS, PairStatus.DISTINCT):
        raise Conflict("Seules les décisions « jumeaux » et « différents » se rouvrent ; une fusion s’annule.")
    if pair.status == PairStatus.TWINS:
        session.exec(
            delete(ProjectTwin).where(
                col(ProjectTwin.project_a_id) == pair.project_a_id, col(ProjectTwin.project_b_id) == pair.project_b_id
            )
        )
    previous = pair.status
    pair.fingerprint = {}
    _decide(session, pair, PairStatus.OPEN, reviewer)
    _log_pair(session, pair, "reopen_duplicate", reviewer, note=f"décision annulée : {previous}")
    return pair


def project_state(session: Session, project: Project) -> dict[str, Any]:
    """Everything a merge changes on a project: its columns and its links (JSON-ready)."""
    assert project.id is not None
    values: dict[str, Any] = {}
    for name in _RESTORED:
        value = getattr(project, name)
        values[name] = value.isoformat() if name == "updated_at" else (str(value) if hasattr(value, "value") else value)
    values["sectors"] = sorted(
        session.exec(select(ProjectSector.sector_code).where(col(ProjectSector.project_id) == project.id)).all()
    )
    values["needs"] = sorted(
        str(n) for n in session.exec(select(ProjectNeedLink.need).where(col(ProjectNeedLink.project_id) == project.id))
    )
    values["partners"] = sorted(
        [p.actor_id, str(p.role)]
        for p in session.exec(select(ProjectPartner).where(col(ProjectPartner.project_id) == project.id)).all()
    )
    return values


def default_choices(survivor: Project, other: Project) -> dict[str, str]:
    """For each merge field, whose value survives by default: the survivor's, unless it is empty."""
    return {
        name: "other"
        if getattr(survivor, name) in (None, "", "unknown") and getattr(other, name) not in (None, "", "unknown")
        else "survivor"
        for name in MERGE_FIELDS
    }


def merge_projects(
    session: Session,
    survivor_id: int,
    merged_id: int,
    viewer: Viewer | None,
    *,
    choices: Mapping[str, str] | None = None,
    pair_id: int | None = None,
) -> ProjectMerge:
    """Merge `merged_id` into `survivor_id`: chosen fields, union of links, merged status, snapshot for unmerge."""
    reviewer = require_reviewer(viewer, session, (survivor_id, merged_id))
    if survivor_id == merged_id:
        raise Conflict("Un projet ne peut pas être fusionné avec lui-même.")
    if pair_id is None:
        # A merge decided outside a review item still settles the pair, if the two were proposed.
        pair_id = session.exec(
            select(DuplicatePair.id).where(
                col(DuplicatePair.project_a_id) == min(survivor_id, merged_id),
                col(DuplicatePair.project_b_id) == max(survivor_id, merged_id),
                col(DuplicatePair.status) == PairStatus.OPEN,
            )
        ).first()
    pair = _locked_pair(session, pair_id) if pair_id is not None else None
    if pair is not None and {pair.project_a_id, pair.project_b_id} != {survivor_id, merged_id}:
        raise InvalidInput({"survivor": "Choisissez l’un des deux projets de la paire."})
    first, second = sorted((survivor_id, merged_id))
    locked = {first: _locked_project(session, first), second: _locked_project(session, second)}
    survivor, merged = locked[survivor_id], locked[merged_id]
    for project in (survivor, merged):
        if project.status != ProjectStatus.ACTIVE:
            raise Conflict(f"Le projet « {project.title[:80]} » est déjà fusionné ou retiré : il ne peut plus l’être.")
    picked = default_choices(survivor, merged) | dict(choices or {})
    unknown = sorted(set(picked) - set(MERGE_FIELDS))
    if unknown or any(v not in ("survivor", "other") for v in picked.values()):
        raise InvalidInput({"choices": "Choix de champ invalide."})
    before = {"survivor": project_state(session, survivor), "merged": project_state(session, merged)}
    for name in MERGE_FIELDS:
        if picked[name] == "other":
            setattr(survivor, name, getattr(merged, name))
    now = utcnow()
    survivor.updated_at = merged.updated_at = now
    merged.status, merged.successor_id = ProjectStatus.MERGED, survivor.id
    _move_links(session, survivor, merged)
    session.add_all([survivor, merged])
    merge = ProjectMerge(
        survivor_id=survivor_id, merged_id=merged_id, pair_id=pair_id, snapshot=before, merged_by_id=reviewer.account_id
    )
    session.add(merge)
    if pair is not None:
        _decide(session, pair, PairStatus.MERGED, reviewer)
    session.flush()
    for role, project in (("survivor", survivor), ("merged", merged)):
        assert project.id is not None
        record_change(
            session,
            object_type="project",
            object_id=project.id,
            action="merge",
            account_id=reviewer.account_id,
            changes=diff(before[role], project_state(session, project)),
            note=f"fusion n° {merge.id}",
        )
    return merge


def _move_links(session: Session, survivor: Project, merged: Project) -> None:
    """Sectors, needs and partners of the merged project move to the survivor (union; the carrier stays out)."""
    sectors = set(session.exec(select(ProjectSector.sector_code).where(col(ProjectSector.project_id) == survivor.id)))
    needs = set(session.exec(select(ProjectNeedLink.need).where(col(ProjectNeedLink.project_id) == survivor.id)))
    partners = set(session.exec(select(ProjectPartner.actor_id).where(col(ProjectPartner.project_id) == survivor.id)))
    assert survivor.id is not None
    for sector in session.exec(select(ProjectSector).where(col(ProjectSector.project_id) == merged.id)).all():
        if sector.sector_code not in sectors:
            session.add(ProjectSector(project_id=survivor.id, sector_code=sector.sector_code))
        session.delete(sector)
    for need in session.exec(select(ProjectNeedLink).where(col(ProjectNeedLink.project_id) == merged.id)).all():
        if need.need not in needs:
            session.add(ProjectNeedLink(project_id=survivor.id, need=need.need))
        session.delete(need)
    for partner in session.exec(select(ProjectPartner).where(col(ProjectPartner.project_id) == merged.id)).all():
        if partner.actor_id not in partners and partner.actor_id != survivor.carrier_id:
            session.add(ProjectPartner(project_id=survivor.id, actor_id=partner.actor_id, role=partner.role))
        session.delete(partner)
    # A carrier chosen from the merged project cannot stay a partner of the survivor.
    for partner in session.exec(
        select(ProjectPartner).where(
            col(ProjectPartner.project_id) == survivor.id, col(ProjectPartner.actor_id) == survivor.carrier_id
        )
    ).all():
        session.delete(partner)
    session.flush()


def unmerge(session: Session, merge_id: int, viewer: Viewer | None) -> ProjectMerge:
    """Restore both projects exactly as they were before the merge (fields and links); the pair reopens."""
    recorded = session.get(ProjectMerge, merge_id)
    reviewer = require_reviewer(
        viewer, session, (recorded.survivor_id, recorded.merged_id) if recorded is not None else ()
    )
    try:
        if session.get_bind().dialect.name == "sqlite":  # take the write lock first (see _locked_pair)
            session.execute(
                update(ProjectMerge).where(col(ProjectMerge.id) == merge_id).values(pair_id=ProjectMerge.pair_id)
            )
        merge = session.exec(
            select(ProjectMerge)
            .where(col(ProjectMerge.id) == merge_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
    except OperationalError as exc:
        raise Conflict(_BUSY) from exc
    if merge is None:
        raise NotFound("Cette fusion n’existe pas.")
    if merge.undone_at is not None:
        raise Conflict("Cette fusion a déjà été annulée.")
    later = session.exec(
        select(ProjectMerge.id).where(
            col(ProjectMerge.undone_at).is_(None),
            col(ProjectMerge.id) > merge_id,
            or_(
                col(ProjectMerge.survivor_id).in_([merge.survivor_id, merge.merged_id]),
                col(ProjectMerge.merged_id).in_([merge.survivor_id, merge.merged_id]),
            ),
        )
    ).first()
    if later is not None:
        raise Conflict(f"Annulez d’abord la fusion n° {later}, plus récente, qui concerne ces projets.")
    first, second = sorted((merge.survivor_id, merge.merged_id))
    locked = {first: _locked_project(session, first), second: _locked_project(session, second)}
    for role, project_id in (("survivor", merge.survivor_id), ("merged", merge.merged_id)):
        project = locked[project_id]
        current = project_state(session, project)
        _restore(session, project, merge.snapshot[role])
        session.flush()
        record_change(
            session,
            object_type="project",
            object_id=project_id,
            action="unmerge",
            account_id=reviewer.account_id,
            changes=diff(current, project_state(session, project)),
            note=f"annulation de la fusion n° {merge.id}",
        )
    merge.undone_at, merge.undone_by_id = utcnow(), reviewer.account_id
    session.add(merge)
    if merge.pair_id is not None:
        pair = session.get(DuplicatePair, merge.pair_id)
        if pair is not None:
            _decide(session, pair, PairStatus.OPEN, reviewer)
    return merge


def _restore(session: Session, project: Project, state: Mapping[str, Any]) -> None:
    assert project.id is not None
    for name in _RESTORED:
        value = state[name]
        setattr(project, name, datetime.fromisoformat(value) if name == "updated_at" else value)
    session.add(project)
    for model in (ProjectSector, ProjectNeedLink, ProjectPartner):
        session.exec(delete(model).where(col(model.project_id) == project.id))
    session.flush()
    session.add_all(ProjectSector(project_id=project.id, sector_code=code) for code in state["sectors"])
    session.add_all(ProjectNeedLink(project_id=project.id, need=need) for need in state["needs"])
    session.add_all(
        ProjectPartner(project_id=project.id, actor_id=actor_id, role=role) for actor_id, role in state["partners"]
    )
    session.flush()


class LinkedProject(NamedTuple):
    """A twin project as its page links to it."""

    slug: str
    title: str


class MergedRecord(NamedTuple):
    """A project merged into the one shown: the merge (to undo it) and the merged record's title."""

    id: int
    merged_at: datetime
    title: str


def project_duplicates(session: Session, project: Project) -> dict[str, Any]:
    """What a project page shows about duplicates: its twins and the projects merged into it (the columns shown)."""
    assert project.id is not None
    this_one = project.id
    twins = session.connection().execute(  # the projects on the other side of this project's twin links
        sa_select(col(Project.slug), col(Project.title))
        .join(
            ProjectTwin,
            or_(
                and_(col(ProjectTwin.project_a_id) == this_one, col(ProjectTwin.project_b_id) == col(Project.id)),
                and_(col(ProjectTwin.project_b_id) == this_one, col(ProjectTwin.project_a_id) == col(Project.id)),
            ),
        )
        .order_by(col(Project.title))
    )
    merges = session.connection().execute(
        sa_select(col(ProjectMerge.id), col(ProjectMerge.merged_at), col(Project.title))
        .join(Project, col(Project.id) == col(ProjectMerge.merged_id))
        .where(col(ProjectMerge.survivor_id) == project.id, col(ProjectMerge.undone_at).is_(None))
        .order_by(col(ProjectMerge.id))
    )
    return {
        "twins": [LinkedProject(*row) for row in twins],
        "merges": [
            MergedRecord(merge_id, merged_at, title) for merge_id, merged_at, title in merges if merge_id is not None
        ],
    }
