"""Field feedback: raise an obstacle to an institution, support it, answer it in public, follow its status."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from hub.accounts.models import AccountRole, Person, Role
from hub.accounts.viewer import Viewer
from hub.directory.models import Actor, ActorKind
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.exchanges.mail import Mail
from hub.exchanges.services import notify
from hub.feedback.models import (
    CATEGORY_LABELS,
    STATUS_LABELS,
    AuthorCapacity,
    FeedbackAnswer,
    FeedbackStatus,
    FeedbackStatusChange,
    FeedbackSupport,
    FieldFeedback,
)
from hub.feedback.shapes import AnswerInput, FeedbackInput, StatusInput
from hub.listing import Page
from hub.referents.routing import can_curate, resolve, route
from hub.sectors.models import Sector
from hub.territories.models import Territory, TerritoryLevel, departement_id

HIDDEN_LABEL = "Masqué par la modération"


def list_institutions(session: Session) -> Sequence[Actor]:
    """The institutions feedback can be addressed to: public bodies of the directory, the curated national and
    regional authorities (HAS, ANSM, CNIL, ARS...) first, then the other public bodies, each by name."""
    curated_first = case((col(Actor.source) == "curated", 0), else_=1)
    return session.exec(
        select(Actor)
        .where(col(Actor.kind) == ActorKind.PUBLIC_BODY, col(Actor.verification_status) != "withdrawn")
        .order_by(curated_first, col(Actor.name), col(Actor.id))
    ).all()


def get_institution(session: Session, slug: str) -> Actor:
    """A public body by its directory slug, or NotFound."""
    actor = session.exec(select(Actor).where(col(Actor.slug) == slug)).first()
    if actor is None or actor.kind != ActorKind.PUBLIC_BODY:
        raise NotFound("Cet organisme public n’existe pas dans l’annuaire.")
    return actor


def get_institution_by_id(session: Session, actor_id: int) -> Actor:
    """A public body by id, or NotFound."""
    actor = session.get(Actor, actor_id)
    if actor is None or actor.kind != ActorKind.PUBLIC_BODY:
        raise NotFound("Cet organisme public n’existe pas dans l’annuaire.")
    return actor


def default_capacity(viewer: Viewer) -> AuthorCapacity:
    """The capacity suggested from the person's roles."""
    if Role.HEALTH_PROFESSIONAL in viewer.roles:
        return AuthorCapacity.HEALTH_PROFESSIONAL
    if Role.PATIENT_REPRESENTATIVE in viewer.roles:
        return AuthorCapacity.PATIENT
    return AuthorCapacity.ENTREPRENEUR


def decision_maker_ids(session: Session, institution_id: int) -> list[int]:
    """Accounts holding the decision-maker role whose profile names this institution as their organisation."""
    rows = session.exec(
        select(Person.account_id)
        .join(AccountRole, col(AccountRole.account_id) == col(Person.account_id))
        .where(col(Person.organisation_id) == institution_id, col(AccountRole.role) == Role.DECISION_MAKER)
    ).all()
    return sorted(set(rows))


def is_decision_maker_for(session: Session, viewer: Viewer | None, institution_id: int) -> bool:
    """Administrators, and decision-makers whose profile links them to the institution."""
    if viewer is None:
        return False
    if viewer.is_admin:
        return True
    if Role.DECISION_MAKER not in viewer.roles:
        return False
    organisation = session.exec(select(Person.organisation_id).where(col(Person.account_id) == viewer.account_id))
    return organisation.first() == institution_id


def can_moderate(session: Session, viewer: Viewer | None, item: FieldFeedback) -> bool:
    """Administrators, and referents covering the item's sector and territory."""
    sectors = [item.sector_code] if item.sector_code else []
    return can_curate(session, viewer, sector_codes=sectors, territory_id=item.territory_id)


def _territory(session: Session, code: str) -> Territory | None:
    territory = session.get(Territory, departement_id(code.upper()))
    return territory if territory is not None and territory.level == TerritoryLevel.DEPARTEMENT else None


def create_feedback(session: Session, viewer: Viewer, data: FeedbackInput) -> tuple[FieldFeedback, list[Mail]]:
    """Raise an obstacle to an institution: recorded as « Reçu », routed to the competent referent, and the
    institution's decision-makers are told."""
    errors: dict[str, str] = {}
    institution = session.get(Actor, data.institution_id)
    if institution is None or institution.kind != ActorKind.PUBLIC_BODY:
        errors["institution_id"] = "Choisissez un organisme public de la liste (HAS, ANSM, CNIL, ARS…)."
    if data.sector_code and session.get(Sector, data.sector_code) is None:
        errors["sector_code"] = "Secteur inconnu : choisissez-le dans la liste."
    territory = _territory(session, data.departement) if data.departement else None
    if data.departement and territory is None:
        errors["departement"] = "Département inconnu : saisissez son code INSEE (par exemple 33 ou 2A)."
    if errors:
        raise InvalidInput(errors)
    assert institution is not None
    assert institution.id is not None
    item = FieldFeedback(
        author_id=viewer.account_id,
        show_author=data.show_author,
        author_capacity=data.author_capacity,
        institution_id=institution.id,
        category=data.category,
        title=data.title,
        body=data.body,
        sector_code=data.sector_code or None,
        territory_id=territory.id if territory is not None else institution.region_id,
    )
    session.add(item)
    session.flush()
    assert item.id is not None
    session.add(
        FeedbackStatusChange(
            feedback_id=item.id, from_status=None, to_status=FeedbackStatus.RECEIVED, changed_by_id=viewer.account_id
        )
    )
    url = f"/remontees/{item.id}"
    route(
        session,
        kind="field_feedback",
        subject_type="field_feedback",
        subject_id=item.id,
        title=item.title,
        url=url,
        sector_codes=[item.sector_code] if item.sector_code else [],
        territory_id=item.territory_id,
    )
    mails = notify(
        session,
        decision_maker_ids(session, institution.id),
        f"Nouvelle remontée du terrain adressée à {institution.name} : « {item.title} ».",
        url,
        "Une remontée du terrain est adressée à votre organisme",
        f"Bonjour,\n\nUne remontée du terrain est adressée à {institution.name} : « {item.title} ».\n"
        f"Vous pouvez y répondre publiquement : {url}",
    )
    return item, mails


def get_feedback(session: Session, feedback_id: int) -> FieldFeedback:
    """One item (hidden ones too: pages show them as masked), or NotFound."""
    item = session.get(FieldFeedback, feedback_id)
    if item is None:
        raise NotFound("Cette remontée n’existe pas.")
    return item


def support_counts(session: Session, feedback_ids: Sequence[int]) -> dict[int, int]:
    """How many people support each item."""
    if not feedback_ids:
        return {}
    rows = session.exec(
        select(FeedbackSupport.feedback_id, func.count())
        .where(col(FeedbackSupport.feedback_id).in_(list(feedback_ids)))
        .group_by(col(FeedbackSupport.feedback_id))
    ).all()
    return dict(rows)


def has_supported(session: Session, viewer: Viewer | None, feedback_id: int) -> bool:
    """Whether the viewer already supports the item."""
    if viewer is None:
        return False
    return session.get(FeedbackSupport, (feedback_id, viewer.account_id)) is not None


def support(session: Session, viewer: Viewer, item: FieldFeedback) -> FeedbackSupport:
    """« Moi aussi »: one support per person; not one's own item, not a masked one."""
    assert item.id is not None
    if item.author_id == viewer.account_id:
        raise Conflict("Vous êtes l’auteur de cette remontée : votre voix est déjà comptée.")
    if item.is_hidden:
        raise Conflict("Cette remontée est masquée par la modération : elle ne peut pas être soutenue.")
    if has_supported(session, viewer, item.id):
        raise Conflict("Vous soutenez déjà cette remontée : chaque personne ne compte qu’une fois.")
    row = FeedbackSupport(feedback_id=item.id, account_id=viewer.account_id)
    session.add(row)
    session.flush()
    return row


def _audience(session: Session, item: FieldFeedback) -> list[int]:
    assert item.id is not None
    supporters = session.exec(
        select(FeedbackSupport.account_id).where(col(FeedbackSupport.feedback_id) == item.id)
    ).all()
    return sorted({item.author_id, *supporters})


def _set_status(session: Session, viewer: Viewer, item: FieldFeedback, status: FeedbackStatus, note: str) -> None:
    assert item.id is not None
    session.add(
        FeedbackStatusChange(
            feedback_id=item.id, from_status=item.status, to_status=status, changed_by_id=viewer.account_id, note=note
        )
    )
    item.status = status
    session.add(item)


def _require_decision_maker(session: Session, viewer: Viewer, item: FieldFeedback) -> Actor:
    institution = session.get(Actor, item.institution_id)
    assert institution is not None
    if not is_decision_maker_for(session, viewer, item.institution_id):
        raise PermissionDenied(
            f"Seuls les décideurs de {institution.name} (rôle « Décideur public » et organisme indiqué dans leur "
            "profil) peuvent répondre à cette remontée ou changer son statut."
        )
    if item.is_hidden:
        raise Conflict("Cette remontée est masquée par la modération.")
    return institution


def answer_feedback(
    session: Session, viewer: Viewer, item: FieldFeedback, data: AnswerInput, now: datetime
) -> tuple[FeedbackAnswer, list[Mail]]:
    """A decision-maker of the institution answers in public; the item becomes « Répondu » (unless already
    further), its queue item is closed, and the author and supporters are told."""
    institution = _require_decision_maker(session, viewer, item)
    assert item.id is not None
    assert institution.id is not None
    answer = FeedbackAnswer(
        feedback_id=item.id, author_id=viewer.account_id, institution_id=institution.id, body=data.body
    )
    session.add(answer)
    if item.status in (FeedbackStatus.RECEIVED, FeedbackStatus.UNDER_REVIEW):
        _set_status(session, viewer, item, FeedbackStatus.ANSWERED, "")
    item.updated_at = now
    session.add(item)
    session.flush()
    resolve(session, subject_type="field_feedback", subject_id=item.id, outcome="répondu", closed_by=viewer.account_id)
    url = f"/remontees/{item.id}"
    mails = notify(
        session,
        _audience(session, item),
        f"{institution.name} a répondu à la remontée « {item.title} ».",
        url,
        "Un organisme public a répondu à une remontée du terrain",
        f"Bonjour,\n\n{institution.name} a répondu publiquement à la remontée « {item.title} ».\nLire la réponse : {url}",
    )
    return answer, mails


def change_status(
    session: Session, viewer: Viewer, item: FieldFeedback, data: StatusInput, now: datetime
) -> list[Mail]:
    """A decision-maker moves the item to « En cours d’examen », « Répondu » (once answered) or « Suite donnée »;
    each change is kept in the history and the author and supporters are told."""
    _require_decision_maker(session, viewer, item)
    assert item.id is not None
    if data.status == item.status:
        raise InvalidInput({"status": f"La remontée a déjà le statut « {STATUS_LABELS[data.status]} »."})
    if data.status == FeedbackStatus.RECEIVED:
        raise InvalidInput({"status": "Une remontée ne revient pas au statut « Reçu »."})
    if data.status == FeedbackStatus.ANSWERED and not visible_answers(session, item.id):
        raise InvalidInput({"status": "Publiez d’abord une réponse : le statut « Répondu » la suppose."})
    _set_status(session, viewer, item, data.status, data.note)
    item.updated_at = now
    url = f"/remontees/{item.id}"
    label = STATUS_LABELS[data.status]
    return notify(
        session,
        _audience(session, item),
        f"La remontée « {item.title} » a le statut « {label} ».",
        url,
        "Une remontée du terrain que vous suivez a changé de statut",
        f"Bonjour,\n\nLa remontée « {item.title} » a désormais le statut « {label} ».\nSon suivi : {url}",
    )


def visible_answers(session: Session, feedback_id: int) -> Sequence[FeedbackAnswer]:
    """The answers shown to everyone, oldest first."""
    return session.exec(
        select(FeedbackAnswer)
        .where(col(FeedbackAnswer.feedback_id) == feedback_id, col(FeedbackAnswer.is_hidden).is_(False))
        .order_by(col(FeedbackAnswer.created_at), col(FeedbackAnswer.id))
    ).all()


def all_answers(session: Session, feedback_id: int) -> Sequence[FeedbackAnswer]:
    """Every answer, masked ones included (pages show those as masked)."""
    return session.exec(
        select(FeedbackAnswer)
        .where(col(FeedbackAnswer.feedback_id) == feedback_id)
        .order_by(col(FeedbackAnswer.created_at), col(FeedbackAnswer.id))
    ).all()


def history(session: Session, feedback_id: int) -> Sequence[FeedbackStatusChange]:
    """The status history, oldest first."""
    return session.exec(
        select(FeedbackStatusChange)
        .where(col(FeedbackStatusChange.feedback_id) == feedback_id)
        .order_by(col(FeedbackStatusChange.created_at), col(FeedbackStatusChange.id))
    ).all()


@dataclass(frozen=True)
class FeedbackFilters:
    """Filters of the feedback list (all optional)."""

    institution_id: int | None = None
    category: str | None = None
    status: str | None = None


def list_feedback(
    session: Session, filters: FeedbackFilters, *, page: int = 1, per_page: int = 20
) -> Page[FieldFeedback]:
    """Items newest first; masked ones stay listed (shown as masked) so that counts remain honest."""
    query = select(FieldFeedback)
    if filters.institution_id is not None:
        query = query.where(col(FieldFeedback.institution_id) == filters.institution_id)
    if filters.category:
        query = query.where(col(FieldFeedback.category) == filters.category)
    if filters.status:
        query = query.where(col(FieldFeedback.status) == filters.status)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    items = session.exec(
        query.order_by(col(FieldFeedback.created_at).desc(), col(FieldFeedback.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(items=items, total=total, page=page, per_page=per_page)


def institution_counts(session: Session) -> dict[int, int]:
    """How many visible items each institution received."""
    rows = session.exec(
        select(FieldFeedback.institution_id, func.count())
        .where(col(FieldFeedback.is_hidden).is_(False))
        .group_by(col(FieldFeedback.institution_id))
    ).all()
    return dict(rows)


@dataclass(frozen=True)
class Digest:
    """What was raised about one institution: counts by category and status, and the items."""

    institution: Actor
    items: list[FieldFeedback]
    supports: dict[int, int]
    by_category: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    hidden: int = 0

    @property
    def total(self) -> int:
        """Visible items (masked ones are counted apart)."""
        return sum(self.by_status.values())


def institution_digest(session: Session, institution: Actor) -> Digest:
    """The digest of an institution; masked items are left out of the counts and counted apart."""
    assert institution.id is not None
    items = list(
        session.exec(
            select(FieldFeedback)
            .where(col(FieldFeedback.institution_id) == institution.id)
            .order_by(col(FieldFeedback.created_at).desc(), col(FieldFeedback.id).desc())
        ).all()
    )
    visible = [i for i in items if not i.is_hidden]
    categories = Counter(str(i.category) for i in visible)
    statuses = Counter(str(i.status) for i in visible)
    return Digest(
        institution=institution,
        items=items,
        supports=support_counts(session, [i.id for i in items if i.id is not None]),
        by_category={str(c): categories.get(str(c), 0) for c in CATEGORY_LABELS},
        by_status={str(s): statuses.get(str(s), 0) for s in STATUS_LABELS},
        hidden=len(items) - len(visible),
    )


def author_names(session: Session, items: Sequence[FieldFeedback | FeedbackAnswer]) -> dict[int, str]:
    """Display names of the authors of items and answers, by account id."""
    ids = {i.author_id for i in items}
    if not ids:
        return {}
    rows = session.exec(select(Person.account_id, Person.display_name).where(col(Person.account_id).in_(ids))).all()
    return dict(rows)


def institution_names(session: Session, ids: Sequence[int]) -> dict[int, Actor]:
    """Institutions by id."""
    if not ids:
        return {}
    rows = session.exec(select(Actor).where(col(Actor.id).in_(set(ids)))).all()
    return {a.id: a for a in rows if a.id is not None}


def set_hidden(session: Session, feedback_id: int, hidden: bool) -> None:
    """Mask an item for abuse, or show it again (the moderation service logs the decision)."""
    item = session.get(FieldFeedback, feedback_id)
    if item is not None:
        item.is_hidden = hidden
        session.add(item)


def set_answer_hidden(session: Session, answer_id: int, hidden: bool) -> None:
    """Mask an answer, or show it again (the moderation service logs the decision)."""
    answer = session.get(FeedbackAnswer, answer_id)
    if answer is not None:
        answer.is_hidden = hidden
        session.add(answer)
