"""Reading and writing needs from the field: raise, support, comment, qualify, and link projects that answer them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from hub.accounts.models import Person
from hub.accounts.viewer import Viewer
from hub.db import utcnow
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.listing import Page, check_page_exists
from hub.needs.models import Need, NeedAnswer, NeedComment, NeedSector, NeedStatus, NeedSupport
from hub.needs.shapes import CommentInput, NeedInput, QualificationInput
from hub.projects.models import Project, ProjectStatus
from hub.projects.services import can_edit_project
from hub.referents import routing
from hub.sectors.models import Sector
from hub.territories.models import Territory, TerritoryLevel

SUBJECT = "need"
QUALIFY_REFUSAL = (
    "Seuls les référents du secteur et du territoire de ce besoin, ou les administrateurs, peuvent le qualifier."
)
OUTCOMES = {
    NeedStatus.DUPLICATE: "doublon",
    NeedStatus.OUT_OF_SCOPE: "hors périmètre",
    NeedStatus.TAKEN_UP: "pris en charge",
}


@dataclass(frozen=True)
class NeedFilters:
    """The list's filters (all optional): a sector code, a territory id ('reg-75' includes its départements)."""

    sector: str | None = None
    territory: str | None = None
    status: str | None = None


def url_of(need: Need) -> str:
    """The page of a need."""
    return f"/besoins/{need.id}"


def territory_of(need: Need) -> str | None:
    """The most local territory of a need (for routing and curation)."""
    return need.departement_id or need.region_id


def list_needs(session: Session, filters: NeedFilters, *, page: int = 1, per_page: int = 20) -> Page[Need]:
    """One page of needs, most supported first, then newest."""
    statement = select(Need)
    if filters.status:
        statement = statement.where(col(Need.status) == filters.status)
    if filters.territory:
        column = col(Need.region_id) if filters.territory.startswith("reg-") else col(Need.departement_id)
        statement = statement.where(column == filters.territory)
    if filters.sector:
        statement = statement.where(
            col(Need.id).in_(select(NeedSector.need_id).where(col(NeedSector.sector_code) == filters.sector))
        )
    total = int(session.exec(select(func.count()).select_from(statement.subquery())).one())
    check_page_exists(page, per_page, total)
    supports = (
        select(func.count())
        .select_from(NeedSupport)
        .where(col(NeedSupport.need_id) == col(Need.id))
        .correlate(Need)
        .scalar_subquery()
    )
    items = session.exec(
        statement.order_by(supports.desc(), col(Need.created_at).desc(), col(Need.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(items=items, total=total, page=page, per_page=per_page)


def get_need(session: Session, need_id: int) -> Need:
    """The need with this id, or NotFound."""
    need = session.get(Need, need_id)
    if need is None:
        raise NotFound("Ce besoin n’existe pas.")
    return need


def sectors_of(session: Session, need_ids: Sequence[int]) -> dict[int, list[Sector]]:
    """The sectors of several needs in one query, alphabetical."""
    found: dict[int, list[Sector]] = {need_id: [] for need_id in need_ids}
    rows = session.exec(
        select(NeedSector.need_id, Sector)
        .join(Sector, col(Sector.code) == col(NeedSector.sector_code))
        .where(col(NeedSector.need_id).in_(need_ids))
        .order_by(col(Sector.label))
    ).all()
    for need_id, sector in rows:
        found[need_id].append(sector)
    return found


def support_counts(session: Session, need_ids: Sequence[int]) -> dict[int, int]:
    """How many people said "moi aussi", per need, in one query."""
    counts = dict.fromkeys(need_ids, 0)
    rows = session.exec(
        select(NeedSupport.need_id, func.count())
        .where(col(NeedSupport.need_id).in_(need_ids))
        .group_by(col(NeedSupport.need_id))
    ).all()
    counts.update({need_id: int(count) for need_id, count in rows})
    return counts


def has_supported(session: Session, viewer: Viewer | None, need_id: int) -> bool:
    """Whether the viewer already said "moi aussi"."""
    if viewer is None:
        return False
    return session.get(NeedSupport, (need_id, viewer.account_id)) is not None


def _check(session: Session, data: NeedInput) -> tuple[str | None, str | None]:
    errors: dict[str, str] = {}
    known = set(session.exec(select(Sector.code).where(col(Sector.code).in_(data.sectors))).all())
    unknown = [code for code in data.sectors if code not in known]
    if unknown:
        errors["sectors"] = f"Secteur inconnu : {', '.join(unknown[:3])}."
    dep_id = reg_id = None
    if data.territory:
        territory = session.get(Territory, data.territory)
        if territory is None:
            errors["territory"] = "Territoire inconnu : choisissez une région ou un département dans la liste."
        elif territory.level == TerritoryLevel.DEPARTEMENT:
            dep_id, reg_id = territory.id, territory.parent_id
        else:
            reg_id = territory.id
    if errors:
        raise InvalidInput(errors)
    return dep_id, reg_id


def create_need(session: Session, viewer: Viewer, data: NeedInput) -> Need:
    """Raise a need; it goes to the queue of the referent in charge of its sectors and territory."""
    dep_id, reg_id = _check(session, data)
    need = Need(
        title=data.title,
        description=data.description,
        affected=[str(group) for group in data.affected],
        departement_id=dep_id,
        region_id=reg_id,
        author_id=viewer.account_id,
    )
    session.add(need)
    session.flush()
    assert need.id is not None
    session.add_all(NeedSector(need_id=need.id, sector_code=code) for code in data.sectors)
    session.flush()
    routing.route(
        session,
        kind="need",
        subject_type=SUBJECT,
        subject_id=need.id,
        title=need.title,
        url=url_of(need),
        sector_codes=list(data.sectors),
        territory_id=territory_of(need),
    )
    return need


def support(session: Session, viewer: Viewer, need: Need) -> NeedSupport:
    """Say "moi aussi" (once per person; not on one's own need nor on a duplicate)."""
    assert need.id is not None
    if need.author_id == viewer.account_id:
        raise Conflict("Vous avez déclaré ce besoin : votre voix est déjà comptée.")
    if need.status == NeedStatus.DUPLICATE:
        raise Conflict("Ce besoin est un doublon : apportez votre soutien au besoin d’origine.")
    if has_supported(session, viewer, need.id):
        raise Conflict("Vous avez déjà dit « moi aussi » pour ce besoin : on ne peut le soutenir qu’une fois.")
    row = NeedSupport(need_id=need.id, account_id=viewer.account_id)
    session.add(row)
    session.flush()
    return row


def withdraw_support(session: Session, viewer: Viewer, need: Need) -> None:
    """Take back one's "moi aussi"."""
    assert need.id is not None
    row = session.get(NeedSupport, (need.id, viewer.account_id))
    if row is None:
        raise Conflict("Vous n’avez pas dit « moi aussi » pour ce besoin.")
    session.delete(row)
    session.flush()


def add_comment(session: Session, viewer: Viewer, need: Need, data: CommentInput) -> NeedComment:
    """Comment on a need (plain text, shown escaped)."""
    assert need.id is not None
    comment = NeedComment(need_id=need.id, author_id=viewer.account_id, body=data.body)
    session.add(comment)
    session.flush()
    return comment


def comments_of(session: Session, need_id: int) -> Sequence[tuple[NeedComment, str]]:
    """The comments of a need, oldest first, with their authors' display names."""
    rows = session.exec(
        select(NeedComment, Person.display_name)
        .join(Person, col(Person.account_id) == col(NeedComment.author_id), isouter=True)
        .where(col(NeedComment.need_id) == need_id)
        .order_by(col(NeedComment.created_at), col(NeedComment.id))
    ).all()
    return [(comment, name or "Membre du hub") for comment, name in rows]


def author_name(session: Session, need: Need) -> str:
    """The display name of the person who raised the need."""
    name = session.exec(select(Person.display_name).where(col(Person.account_id) == need.author_id)).first()
    return name or "Membre du hub"


def can_qualify(session: Session, viewer: Viewer | None, need: Need) -> bool:
    """Referents covering the need's sectors and territory, and administrators."""
    if viewer is None:
        return False
    assert need.id is not None
    codes = [s.code for s in sectors_of(session, [need.id])[need.id]]
    return routing.can_curate(session, viewer, sector_codes=codes, territory_id=territory_of(need))


def qualify(session: Session, viewer: Viewer, need: Need, data: QualificationInput) -> Need:
    """A referent qualifies a need: duplicate of another one, out of scope (with the reason), or taken up.

    The open queue items about the need are closed with the outcome."""
    if not can_qualify(session, viewer, need):
        raise PermissionDenied(QUALIFY_REFUSAL)
    assert need.id is not None
    errors: dict[str, str] = {}
    target: Need | None = None
    if data.status == NeedStatus.OPEN:
        errors["status"] = "Choisissez une qualification : doublon, hors périmètre ou pris en charge."
    elif data.status == NeedStatus.DUPLICATE:
        if data.duplicate_of is None:
            errors["duplicate_of"] = "Indiquez le numéro du besoin dont celui-ci est le doublon."
        elif data.duplicate_of == need.id:
            errors["duplicate_of"] = "Un besoin ne peut pas être le doublon de lui-même."
        else:
            target = session.get(Need, data.duplicate_of)
            if target is None:
                errors["duplicate_of"] = f"Le besoin n° {data.duplicate_of} n’existe pas."
            elif target.status == NeedStatus.DUPLICATE:
                errors["duplicate_of"] = (
                    f"Le besoin n° {target.id} est lui-même un doublon du n° {target.duplicate_of_id} : "
                    "indiquez plutôt celui-ci."
                )
    elif data.status == NeedStatus.OUT_OF_SCOPE and len(data.reason) < 10:
        errors["reason"] = "Expliquez en quelques mots pourquoi ce besoin est hors périmètre (10 caractères au moins)."
    if errors:
        raise InvalidInput(errors)
    was_open = need.status == NeedStatus.OPEN
    need.status = data.status
    need.duplicate_of_id = target.id if target is not None else None
    need.status_reason = data.reason
    need.qualified_by_id, need.qualified_at = viewer.account_id, utcnow()
    need.updated_at = utcnow()
    session.add(need)
    session.flush()
    if was_open:
        routing.resolve(
            session,
            subject_type=SUBJECT,
            subject_id=need.id,
            outcome=OUTCOMES[data.status],
            closed_by=viewer.account_id,
        )
    return need


def duplicates_of(session: Session, need_id: int) -> Sequence[Need]:
    """The needs qualified as duplicates of this one."""
    return session.exec(select(Need).where(col(Need.duplicate_of_id) == need_id).order_by(col(Need.id))).all()


# -- projects that answer needs ------------------------------------------------------------------------------------


def answering_projects(session: Session, need_id: int) -> Sequence[Project]:
    """The active projects that declared they answer this need."""
    return session.exec(
        select(Project)
        .join(NeedAnswer, col(NeedAnswer.project_id) == col(Project.id))
        .where(col(NeedAnswer.need_id) == need_id, col(Project.status) == ProjectStatus.ACTIVE)
        .order_by(col(Project.title))
    ).all()


def answered_needs(session: Session, project_id: int) -> Sequence[Need]:
    """The needs a project declared it answers."""
    return session.exec(
        select(Need)
        .join(NeedAnswer, col(NeedAnswer.need_id) == col(Need.id))
        .where(col(NeedAnswer.project_id) == project_id)
        .order_by(col(Need.id))
    ).all()


def _require_editor(session: Session, viewer: Viewer, project: Project) -> None:
    if not can_edit_project(session, viewer, project):
        raise PermissionDenied(
            "Seuls le porteur du projet, son créateur ou un administrateur peuvent déclarer les besoins auxquels il répond."
        )


def declare_answer(session: Session, viewer: Viewer, project: Project, need_id: int) -> NeedAnswer:
    """The project declares it answers a need (not a duplicate nor an out-of-scope one; once)."""
    _require_editor(session, viewer, project)
    assert project.id is not None
    if project.status != ProjectStatus.ACTIVE:
        raise Conflict("Ce projet a été fusionné ou retiré.")
    need = session.get(Need, need_id)
    if need is None:
        raise InvalidInput({"need_id": f"Le besoin n° {need_id} n’existe pas."})
    if need.status == NeedStatus.DUPLICATE:
        raise InvalidInput(
            {"need_id": f"Ce besoin est un doublon : déclarez plutôt le besoin n° {need.duplicate_of_id}."}
        )
    if need.status == NeedStatus.OUT_OF_SCOPE:
        raise InvalidInput({"need_id": "Ce besoin a été jugé hors périmètre du lab e-santé."})
    if session.get(NeedAnswer, (need_id, project.id)) is not None:
        raise Conflict("Ce projet répond déjà à ce besoin.")
    answer = NeedAnswer(need_id=need_id, project_id=project.id, declared_by_id=viewer.account_id)
    session.add(answer)
    session.flush()
    return answer


def remove_answer(session: Session, viewer: Viewer, project: Project, need_id: int) -> None:
    """The project no longer claims to answer the need."""
    _require_editor(session, viewer, project)
    assert project.id is not None
    answer = session.get(NeedAnswer, (need_id, project.id))
    if answer is None:
        raise NotFound("Ce projet ne déclare pas répondre à ce besoin.")
    session.delete(answer)
    session.flush()


def answerable_needs(session: Session, limit: int = 200) -> Sequence[Need]:
    """Needs a project may declare it answers (open or taken up), newest first."""
    return session.exec(
        select(Need)
        .where(col(Need.status).in_([NeedStatus.OPEN, NeedStatus.TAKEN_UP]))
        .order_by(col(Need.created_at).desc(), col(Need.id).desc())
        .limit(limit)
    ).all()
