"""Referent assignments (set by administrators), white zones, referent counts and the referents' queues."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlmodel import Session, col, select

from hub.accounts.models import Account, Person, Role
from hub.accounts.services import grant_role
from hub.accounts.viewer import Viewer
from hub.changelog.services import record_change
from hub.db import utcnow
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.referents.models import (
    REFERENT_ROLE_LABELS,
    QueueItem,
    QueueStatus,
    ReferentAssignment,
)
from hub.referents.routing import current_assignments, today
from hub.referents.shapes import AssignmentInput, CloseInput, EndInput
from hub.sectors.models import Sector
from hub.territories.models import Territory, TerritoryLevel
from hub.validation import validate

DATE_MESSAGE = "Saisissez une date valide (jour, mois et année)."


def _validate_dates(model: Any, data: Mapping[str, Any]) -> Any:
    """pydantic's date errors have no French message in hub.validation: name the expected format here."""
    try:
        return validate(model, data)
    except InvalidInput as exc:
        errors = {
            field: (DATE_MESSAGE if field in ("starts_on", "ends_on") and message == "Valeur invalide." else message)
            for field, message in exc.errors.items()
        }
        raise InvalidInput(errors) from exc


def parse_assignment(data: Mapping[str, Any]) -> AssignmentInput:
    """An assignment from a form or a JSON body (empty end date: no end), or InvalidInput in French."""
    cleaned = dict(data)
    if cleaned.get("ends_on") in ("", None):
        cleaned.pop("ends_on", None)
    result: AssignmentInput = _validate_dates(AssignmentInput, cleaned)
    return result


def parse_end(data: Mapping[str, Any]) -> EndInput:
    """The end date of a term, or InvalidInput in French."""
    result: EndInput = _validate_dates(EndInput, data)
    return result


def require_admin(viewer: Viewer) -> None:
    """Only administrators name referents and end their terms."""
    if not viewer.is_admin:
        raise PermissionDenied("Seuls les administrateurs nomment les référents.")


def _overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)


def _check(session: Session, data: AssignmentInput) -> tuple[Account, Territory]:
    """Every refusal at once, before anything is written."""
    errors: dict[str, str] = {}
    account = session.exec(select(Account).where(col(Account.email) == data.email)).first()
    if account is None or not account.is_active:
        errors["email"] = "Aucun compte actif n’utilise cette adresse : la personne doit d’abord créer son compte."
    territory = session.get(Territory, data.territory)
    if territory is None:
        errors["territory"] = "Territoire inconnu : choisissez une région ou un département dans la liste."
    if data.sectors:
        known = set(session.exec(select(Sector.code).where(col(Sector.code).in_(data.sectors))).all())
        unknown = [code for code in data.sectors if code not in known]
        if unknown:
            errors["sectors"] = f"Secteur inconnu : {', '.join(unknown[:3])}. Choisissez dans la liste."
    elif territory is not None and territory.level != TerritoryLevel.REGION:
        errors["sectors"] = (
            "Choisissez au moins un secteur. Un référent sans secteur est un référent régional : "
            "choisissez alors une région."
        )
    if data.ends_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = "La fin du mandat ne peut pas précéder son début."
    if not errors and territory is not None:
        clash = _clashing(session, data, territory.id)
        if clash:
            errors["sectors"] = clash
    if errors:
        raise InvalidInput(errors)
    assert account is not None
    assert territory is not None
    return account, territory


def _clashing(session: Session, data: AssignmentInput, territory_id: str) -> str:
    """A message when another assignment holds the same seat (territory × sector × role) during the term."""
    same_seat = session.exec(
        select(ReferentAssignment).where(
            col(ReferentAssignment.territory_id) == territory_id, col(ReferentAssignment.role) == data.role
        )
    ).all()
    role = REFERENT_ROLE_LABELS[data.role].lower()
    for other in same_seat:
        if not _overlaps(data.starts_on, data.ends_on, other.starts_on, other.ends_on):
            continue
        term = f"du {other.starts_on:%d/%m/%Y}" + (f" au {other.ends_on:%d/%m/%Y}" if other.ends_on else " sans fin")
        if not data.sectors and not other.sectors:
            return f"Ce territoire a déjà un référent régional {role} sur cette période ({term})."
        shared = [code for code in data.sectors if code in other.sectors]
        if shared:
            labels = sector_labels(session)
            names = ", ".join(labels.get(code, code) for code in shared[:3])
            return f"Le secteur {names} a déjà un référent {role} sur ce territoire pendant cette période ({term})."
    return ""


def create_assignment(session: Session, viewer: Viewer, data: AssignmentInput) -> ReferentAssignment:
    """Name a referent (administrators only); the account receives the referent role. Logged."""
    require_admin(viewer)
    account, territory = _check(session, data)
    assert account.id is not None
    assignment = ReferentAssignment(
        account_id=account.id,
        territory_id=territory.id,
        sectors=list(data.sectors),
        role=data.role,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        created_by_id=viewer.account_id,
    )
    session.add(assignment)
    grant_role(session, account.id, Role.REFERENT)
    session.flush()
    assert assignment.id is not None
    record_change(
        session,
        object_type="referent_assignment",
        object_id=assignment.id,
        action="create",
        account_id=viewer.account_id,
        changes={
            "account_id": [None, account.id],
            "territory_id": [None, territory.id],
            "sectors": [None, list(data.sectors)],
            "role": [None, str(data.role)],
            "starts_on": [None, data.starts_on.isoformat()],
            "ends_on": [None, data.ends_on.isoformat() if data.ends_on else None],
        },
    )
    return assignment


def get_assignment(session: Session, assignment_id: int) -> ReferentAssignment:
    """One assignment, or NotFound."""
    assignment = session.get(ReferentAssignment, assignment_id)
    if assignment is None:
        raise NotFound("Cette nomination de référent n’existe pas.")
    return assignment


def end_assignment(session: Session, viewer: Viewer, assignment_id: int, data: EndInput) -> ReferentAssignment:
    """Set the last day of a term (administrators only; it may only be shortened). Logged."""
    require_admin(viewer)
    assignment = get_assignment(session, assignment_id)
    if assignment.ends_on is not None and assignment.ends_on < today():
        raise Conflict("Ce mandat est déjà terminé.")
    if data.ends_on < assignment.starts_on:
        raise InvalidInput({"ends_on": "La fin du mandat ne peut pas précéder son début."})
    if assignment.ends_on is not None and data.ends_on > assignment.ends_on:
        raise InvalidInput({"ends_on": "Le mandat finit déjà plus tôt : on ne peut ici que l’écourter."})
    before = assignment.ends_on
    assignment.ends_on, assignment.ended_by_id, assignment.ended_at = data.ends_on, viewer.account_id, utcnow()
    session.add(assignment)
    session.flush()
    assert assignment.id is not None
    record_change(
        session,
        object_type="referent_assignment",
        object_id=assignment.id,
        action="update",
        account_id=viewer.account_id,
        changes={"ends_on": [before.isoformat() if before else None, data.ends_on.isoformat()]},
    )
    return assignment


# -- reading assignments ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentRow:
    """An assignment as lists show it: the person's public name, the territory and sector labels."""

    assignment: ReferentAssignment
    name: str
    profession: str
    email: str
    territory_name: str
    sector_labels: list[str]

    @property
    def role_label(self) -> str:
        """Titulaire or Suppléant."""
        return REFERENT_ROLE_LABELS[self.assignment.role]


def sector_labels(session: Session) -> dict[str, str]:
    """Sector code -> label."""
    return dict(session.exec(select(Sector.code, Sector.label)).all())


def list_assignments(
    session: Session,
    *,
    current_only: bool = True,
    territory: str | None = None,
    sector: str | None = None,
    on: date | None = None,
) -> list[AssignmentRow]:
    """Assignments (current ones by default), by territory then role; names only as each person makes them public."""
    on = on or today()
    statement = select(ReferentAssignment).order_by(
        col(ReferentAssignment.territory_id), col(ReferentAssignment.role), col(ReferentAssignment.starts_on)
    )
    if current_only:
        statement = statement.where(col(ReferentAssignment.starts_on) <= on).where(
            (col(ReferentAssignment.ends_on).is_(None)) | (col(ReferentAssignment.ends_on) >= on)
        )
    if territory:
        scope = [
            territory,
            *list(session.exec(select(Territory.id).where(col(Territory.parent_id) == territory)).all()),
        ]
        parent = session.exec(select(Territory.parent_id).where(col(Territory.id) == territory)).first()
        statement = statement.where(col(ReferentAssignment.territory_id).in_(scope + ([parent] if parent else [])))
    assignments = [a for a in session.exec(statement).all() if not sector or sector in a.sectors or not a.sectors]
    account_ids = {a.account_id for a in assignments}
    people = {p.account_id: p for p in session.exec(select(Person).where(col(Person.account_id).in_(account_ids)))}
    emails = dict(session.exec(select(Account.id, Account.email).where(col(Account.id).in_(account_ids))).all())
    names = dict(session.exec(select(Territory.id, Territory.name)).all())
    labels = sector_labels(session)
    rows = []
    for a in assignments:
        person = people.get(a.account_id)
        public = person is not None and person.is_public
        rows.append(
            AssignmentRow(
                assignment=a,
                name=person.display_name if person is not None and public else "Nom non public",
                profession=person.profession if person is not None and public and person.show_profession else "",
                email=emails.get(a.account_id, ""),
                territory_name=names.get(a.territory_id, a.territory_id),
                sector_labels=[labels.get(code, code) for code in a.sectors],
            )
        )
    return rows


def assignments_of(session: Session, account_id: int, on: date | None = None) -> list[ReferentAssignment]:
    """The current assignments of one person."""
    on = on or today()
    return [
        a
        for a in session.exec(select(ReferentAssignment).where(col(ReferentAssignment.account_id) == account_id)).all()
        if a.is_current(on)
    ]


# -- white zones and counts ------------------------------------------------------------------------------------------


class WhiteZone(NamedTuple):
    """A territory and the sectors nobody covers there (codes, in the vocabulary's order)."""

    territory_id: str
    name: str
    level: str
    parent_id: str | None
    sectors: list[str]


def _level(level: str | TerritoryLevel) -> TerritoryLevel:
    try:
        return TerritoryLevel(level)
    except ValueError:
        raise InvalidInput({"level": "Niveau inconnu : « region » ou « departement »."}) from None


def _coverage(session: Session, on: date | None) -> dict[str, set[str]]:
    """Territory id -> sectors held by a current sectoral referent there (any seat)."""
    covered: dict[str, set[str]] = {}
    for assignment in current_assignments(session, None, on):
        covered.setdefault(assignment.territory_id, set()).update(assignment.sectors)
    return covered


def white_zones(
    session: Session,
    level: str | TerritoryLevel = TerritoryLevel.DEPARTEMENT,
    *,
    sector: str | None = None,
    region: str | None = None,
    on: date | None = None,
) -> list[WhiteZone]:
    """Territories of `level` with the sectors that have no current referent (titulaire or suppléant).

    A département is covered for a sector by a referent of the département or of its région. A région is
    covered for a sector by a referent of the région or of one of its départements. A référent régional
    (no sector) is the routing fallback and covers no sector here. Only territories with a gap are listed.
    """
    wanted = _level(level)
    territories = session.exec(
        select(Territory.id, Territory.name, Territory.parent_id)
        .where(col(Territory.level) == wanted)
        .order_by(col(Territory.code))
    ).all()
    codes = [s.code for s in session.exec(select(Sector).order_by(col(Sector.family), col(Sector.label))).all()]
    if sector:
        codes = [code for code in codes if code == sector]
    covered = _coverage(session, on)
    children: dict[str, set[str]] = {}
    if wanted == TerritoryLevel.REGION:
        for child_id, parent_id in session.exec(
            select(Territory.id, Territory.parent_id).where(col(Territory.level) == TerritoryLevel.DEPARTEMENT)
        ).all():
            if parent_id:
                children.setdefault(parent_id, set()).update(covered.get(child_id, set()))
    zones = []
    for territory_id, name, parent_id in territories:
        if region and territory_id != region and parent_id != region:
            continue
        around = (
            children.get(territory_id, set())
            if wanted == TerritoryLevel.REGION
            else covered.get(parent_id or "", set())
        )
        held = covered.get(territory_id, set()) | around
        missing = [code for code in codes if code not in held]
        if missing:
            zones.append(WhiteZone(territory_id, name, str(wanted), parent_id, missing))
    return zones


def count_referents_by_territory(
    session: Session, level: str | TerritoryLevel, on: date | None = None
) -> dict[str, int]:
    """Per territory of `level` (every one, zero included), the number of people currently referent there:
    a département counts its own referents and its région's; a région its own and its départements'."""
    wanted = _level(level)
    territories = session.exec(select(Territory.id, Territory.parent_id, Territory.level)).all()
    parent_of = {tid: parent for tid, parent, _ in territories}
    people: dict[str, set[int]] = {tid: set() for tid, _, lvl in territories if lvl == wanted}
    for assignment in current_assignments(session, None, on):
        where = assignment.territory_id
        if where in people:
            people[where].add(assignment.account_id)
        if wanted == TerritoryLevel.REGION and parent_of.get(where) in people:
            people[parent_of[where] or ""].add(assignment.account_id)
        if wanted == TerritoryLevel.DEPARTEMENT:
            for tid, parent in parent_of.items():
                if parent == where and tid in people:
                    people[tid].add(assignment.account_id)
    return {tid: len(accounts) for tid, accounts in people.items()}


# -- queues ----------------------------------------------------------------------------------------------------------


def queue_for(
    session: Session, viewer: Viewer, *, status: str = QueueStatus.OPEN, national: bool = False
) -> Sequence[QueueItem]:
    """The viewer's queue, oldest first (administrators may ask for the national team's queue instead)."""
    statement = select(QueueItem).where(col(QueueItem.status) == status)
    if national:
        if not viewer.is_admin:
            raise PermissionDenied("La file de l’équipe nationale est réservée aux administrateurs.")
        statement = statement.where(col(QueueItem.assignee_id).is_(None))
    else:
        statement = statement.where(col(QueueItem.assignee_id) == viewer.account_id)
    order = col(QueueItem.created_at) if status == QueueStatus.OPEN else col(QueueItem.closed_at).desc()
    return session.exec(statement.order_by(order, col(QueueItem.id)).limit(500)).all()


def close_item(session: Session, viewer: Viewer, item_id: int, data: CloseInput) -> QueueItem:
    """Close one item with its outcome (its assignee, or an administrator)."""
    item = session.get(QueueItem, item_id)
    if item is None:
        raise NotFound("Cet élément de la file n’existe pas.")
    if not viewer.is_admin and item.assignee_id != viewer.account_id:
        raise PermissionDenied("Cet élément est dans la file d’une autre personne.")
    if item.status != QueueStatus.OPEN:
        raise Conflict("Cet élément est déjà traité.")
    item.status, item.outcome, item.closed_at, item.closed_by_id = (
        QueueStatus.CLOSED,
        data.outcome,
        utcnow(),
        viewer.account_id,
    )
    session.add(item)
    session.flush()
    return item


def parse_close(data: Mapping[str, Any]) -> CloseInput:
    """A close form, or InvalidInput."""
    return validate(CloseInput, data)


def age_label(item: QueueItem, now: datetime) -> str:
    """« aujourd’hui », « 1 jour », « 12 jours »."""
    days = item.age_days(now)
    if days == 0:
        return "Arrivé aujourd’hui"
    return f"Depuis {days} jour" + ("s" if days > 1 else "")
