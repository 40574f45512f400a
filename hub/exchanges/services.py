"""Availabilities (the access point), their matches with projects, reminders and in-hub notifications."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from hub.accounts.models import Account, AccountRole, Person, Role
from hub.accounts.viewer import Viewer
from hub.db import Database, utcnow
from hub.errors import InvalidInput, NotFound, PermissionDenied
from hub.exchanges import matching
from hub.exchanges.mail import Mail, deliver
from hub.exchanges.models import (
    Availability,
    IntroductionRequest,
    IntroductionStatus,
    Notification,
    OfferedAs,
    Visibility,
)
from hub.exchanges.shapes import AvailabilityInput
from hub.projects.models import Project, ProjectNeedLink, ProjectSector, ProjectStatus
from hub.sectors.models import Sector
from hub.settings import Settings
from hub.territories.models import Territory, TerritoryLevel, departement_id
from hub.territories.services import territory_names

REMINDER_DAYS = 7  # the owner is told this many days before an availability ends
MAX_DURATION_DAYS = 731  # two years: offers must be renewed so that the access point stays truthful
ROLE_REFUSAL = (
    "Seuls les professionnels de santé et les représentants de patients ou d’usagers peuvent déclarer une "
    "disponibilité. Si c’est votre cas, demandez ce rôle à un administrateur."
)


def today() -> date:
    """Today's date in UTC (availabilities start and end on whole days)."""
    return utcnow().date()


def capacity(viewer: Viewer) -> OfferedAs | None:
    """In which capacity the person may offer time, if any."""
    if Role.HEALTH_PROFESSIONAL in viewer.roles:
        return OfferedAs.HEALTH_PROFESSIONAL
    if Role.PATIENT_REPRESENTATIVE in viewer.roles:
        return OfferedAs.PATIENT_REPRESENTATIVE
    return None


def require_capacity(viewer: Viewer) -> OfferedAs:
    """The capacity of a person allowed to declare availabilities, or PermissionDenied."""
    found = capacity(viewer)
    if found is None:
        raise PermissionDenied(ROLE_REFUSAL)
    return found


def create_availability(session: Session, viewer: Viewer, data: AvailabilityInput, on: date) -> Availability:
    """Declare time offered to projects; dates, sectors and département are checked with French messages."""
    offered_as = require_capacity(viewer)
    errors: dict[str, str] = {}
    if data.ends_on < data.starts_on:
        errors["ends_on"] = "La date de fin doit être postérieure ou égale à la date de début."
    elif data.ends_on < on:
        errors["ends_on"] = "La date de fin est déjà passée."
    elif (data.ends_on - data.starts_on).days > MAX_DURATION_DAYS:
        errors["ends_on"] = "Une disponibilité dure au plus deux ans : vous pourrez la renouveler ensuite."
    if data.sectors:
        known = set(session.exec(select(Sector.code).where(col(Sector.code).in_(data.sectors))).all())
        unknown = [code for code in data.sectors if code not in known]
        if unknown:
            errors["sectors"] = f"Secteur inconnu : {', '.join(unknown[:3])}."
    dep_id = region = None
    if data.departement:
        territory = session.get(Territory, departement_id(data.departement.upper()))
        if territory is None or territory.level != TerritoryLevel.DEPARTEMENT:
            errors["departement"] = "Département inconnu : saisissez son code INSEE (par exemple 33 ou 2A)."
        else:
            dep_id, region = territory.id, territory.parent_id
    if errors:
        raise InvalidInput(errors)
    availability = Availability(
        account_id=viewer.account_id,
        offered_as=offered_as,
        hours_per_month=data.hours_per_month,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        phases=[str(p) for p in data.phases],
        sectors=list(data.sectors),
        skills=data.skills,
        work_mode=data.work_mode,
        departement_id=dep_id,
        region_id=region,
        visibility=data.visibility,
    )
    session.add(availability)
    session.flush()
    return availability


def my_availabilities(session: Session, account_id: int) -> Sequence[Availability]:
    """A person's availabilities, latest end first (expired and withdrawn ones included)."""
    return session.exec(
        select(Availability)
        .where(col(Availability.account_id) == account_id)
        .order_by(col(Availability.ends_on).desc(), col(Availability.id).desc())
    ).all()


def withdraw_availability(session: Session, viewer: Viewer, availability_id: int) -> Availability:
    """The owner stops offering this time (it disappears from every list)."""
    availability = session.get(Availability, availability_id)
    if availability is None or (availability.account_id != viewer.account_id and not viewer.is_admin):
        raise NotFound("Cette disponibilité n’existe pas.")
    availability.is_withdrawn = True
    session.add(availability)
    return availability


def is_current(availability: Availability, on: date) -> bool:
    """Shown until its end date, unless withdrawn."""
    return not availability.is_withdrawn and availability.ends_on >= on


def _introduced_to(session: Session, viewer: Viewer, owner_ids: Iterable[int]) -> set[int]:
    """The owners with whom the viewer has an accepted introduction (either one asked)."""
    owners = set(owner_ids)
    if not owners:
        return set()
    rows = session.exec(
        select(IntroductionRequest.sender_id, IntroductionRequest.decided_by_id).where(
            col(IntroductionRequest.status) == IntroductionStatus.ACCEPTED,
            or_(
                and_(
                    col(IntroductionRequest.sender_id) == viewer.account_id,
                    col(IntroductionRequest.decided_by_id).in_(owners),
                ),
                and_(
                    col(IntroductionRequest.decided_by_id) == viewer.account_id,
                    col(IntroductionRequest.sender_id).in_(owners),
                ),
            ),
        )
    ).all()
    return {a if a != viewer.account_id else b for a, b in rows if a is not None and b is not None}


def visible_filter(
    session: Session, viewer: Viewer | None, availabilities: Sequence[Availability]
) -> list[Availability]:
    """The availabilities this viewer may see: public ones, members-only ones to signed-in people, the others to
    people they were introduced to; owners and administrators see everything."""
    if viewer is not None and viewer.is_admin:
        return list(availabilities)
    introduced: set[int] = set()
    if viewer is not None:
        restricted = [a.account_id for a in availabilities if a.visibility == Visibility.INTRODUCED]
        introduced = _introduced_to(session, viewer, restricted)
    me = viewer.account_id if viewer is not None else None

    def allowed(a: Availability) -> bool:
        if a.account_id == me or a.visibility == Visibility.PUBLIC:
            return True
        if a.visibility == Visibility.MEMBERS:
            return viewer is not None
        return a.account_id in introduced

    shown = [a for a in availabilities if allowed(a)]
    return shown


def current_availabilities(session: Session, on: date) -> Sequence[Availability]:
    """Every availability still offered on `on`."""
    return session.exec(
        select(Availability).where(col(Availability.is_withdrawn).is_(False), col(Availability.ends_on) >= on)
    ).all()


def get_visible_availability(session: Session, viewer: Viewer | None, availability_id: int, on: date) -> Availability:
    """One current availability the viewer may see, or NotFound (hidden ones are not revealed to exist)."""
    availability = session.get(Availability, availability_id)
    if availability is None or not is_current(availability, on) or not visible_filter(session, viewer, [availability]):
        raise NotFound("Cette disponibilité n’existe pas ou n’est plus proposée.")
    return availability


def _offer(a: Availability) -> matching.Offer:
    assert a.id is not None
    return matching.Offer(
        a.id,
        str(a.offered_as),
        frozenset(a.phases),
        frozenset(a.sectors),
        a.departement_id,
        a.region_id,
        str(a.work_mode),
    )


def _needs(session: Session, projects: Sequence[Project]) -> list[matching.Need]:
    ids = [p.id for p in projects if p.id is not None]
    needs: dict[int, set[str]] = {i: set() for i in ids}
    sectors: dict[int, set[str]] = {i: set() for i in ids}
    for project_id, need in session.exec(
        select(ProjectNeedLink.project_id, ProjectNeedLink.need).where(col(ProjectNeedLink.project_id).in_(ids))
    ).all():
        needs[project_id].add(str(need))
    for project_id, code in session.exec(
        select(ProjectSector.project_id, ProjectSector.sector_code).where(col(ProjectSector.project_id).in_(ids))
    ).all():
        sectors[project_id].add(code)
    return [
        matching.Need(
            p.id, frozenset(needs[p.id]), str(p.phase), frozenset(sectors[p.id]), p.departement_id, p.region_id
        )
        for p in projects
        if p.id is not None
    ]


def _labels(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    return territory_names(session), dict(session.exec(select(Sector.code, Sector.label)).all())


@dataclass(frozen=True)
class ProjectMatch:
    """A project that fits a person's availability, with the reasons."""

    project: Project
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PersonMatch:
    """An available person that fits a project, with the reasons (contact details are never part of it)."""

    availability: Availability
    display_name: str
    profession: str
    reasons: tuple[str, ...]


def matching_projects(session: Session, availability: Availability, k: int = 10) -> list[ProjectMatch]:
    """Active projects that need what this availability offers, best first."""
    wanted = matching.NEED_FOR.get(str(availability.offered_as))
    projects = session.exec(
        select(Project)
        .join(ProjectNeedLink, col(ProjectNeedLink.project_id) == col(Project.id))
        .where(col(Project.status) == ProjectStatus.ACTIVE, col(ProjectNeedLink.need) == wanted)
    ).all()
    by_id = {p.id: p for p in projects}
    names, sector_labels = _labels(session)
    found = matching.best_projects(_offer(availability), _needs(session, projects), names, sector_labels, k)
    return [ProjectMatch(by_id[m.project_id], m.reasons) for m in found]


def matching_people(
    session: Session, viewer: Viewer | None, project: Project, on: date, k: int = 10
) -> list[PersonMatch]:
    """Available people whose offer fits the project, among those the viewer may see, best first."""
    if project.status != ProjectStatus.ACTIVE:
        return []
    shown = [
        a
        for a in visible_filter(session, viewer, current_availabilities(session, on))
        if a.account_id != (viewer.account_id if viewer else None)
    ]
    if not shown:
        return []
    by_id = {a.id: a for a in shown}
    names, sector_labels = _labels(session)
    found = matching.best_offers(_needs(session, [project])[0], [_offer(a) for a in shown], names, sector_labels, k)
    people = {
        p.account_id: p
        for p in session.exec(select(Person).where(col(Person.account_id).in_([a.account_id for a in shown]))).all()
    }
    result = []
    for m in found:
        availability = by_id[m.offer_id]
        person = people.get(availability.account_id)
        profession = person.profession if person is not None and person.show_profession else ""
        result.append(
            PersonMatch(availability, person.display_name if person else "Membre du hub", profession, m.reasons)
        )
    return result


# -- notifications and reminders -----------------------------------------------------------------------------------


def emails_of(session: Session, account_ids: Iterable[int]) -> dict[int, str]:
    """The e-mail addresses of active accounts."""
    ids = set(account_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Account.id, Account.email).where(col(Account.id).in_(ids), col(Account.is_active).is_(True))
    ).all()
    return {account_id: email for account_id, email in rows if account_id is not None}


def administrator_ids(session: Session) -> list[int]:
    """The accounts holding the administrator role."""
    return sorted(set(session.exec(select(AccountRole.account_id).where(col(AccountRole.role) == Role.ADMIN)).all()))


def notify(session: Session, account_ids: Iterable[int], text: str, link: str, subject: str, body: str) -> list[Mail]:
    """Leave a notification in the hub for each account and return the matching e-mails (sent after commit)."""
    ids = sorted(set(account_ids))
    for account_id in ids:
        session.add(Notification(account_id=account_id, text=text[:500], link=link))
    emails = emails_of(session, ids)
    return [Mail(to=emails[i], subject=subject, body=body) for i in ids if i in emails]


def list_notifications(session: Session, viewer: Viewer, limit: int = 100) -> Sequence[Notification]:
    """A person's notifications, newest first."""
    return session.exec(
        select(Notification)
        .where(col(Notification.account_id) == viewer.account_id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit)
    ).all()


def mark_all_read(session: Session, viewer: Viewer, now: datetime) -> int:
    """Mark every unread notification of the person as read."""
    unread = session.exec(
        select(Notification).where(
            col(Notification.account_id) == viewer.account_id, col(Notification.read_at).is_(None)
        )
    ).all()
    for notification in unread:
        notification.read_at = now
        session.add(notification)
    return len(unread)


def expiry_reminders(session: Session, now: datetime) -> tuple[int, list[Mail]]:
    """Notify owners whose availability ends within REMINDER_DAYS (once each): (how many, e-mails to send)."""
    on = now.date()
    due = session.exec(
        select(Availability).where(
            col(Availability.is_withdrawn).is_(False),
            col(Availability.reminder_sent_at).is_(None),
            col(Availability.ends_on) >= on,
            col(Availability.ends_on) <= on + timedelta(days=REMINDER_DAYS),
        )
    ).all()
    mails: list[Mail] = []
    for availability in due:
        end = availability.ends_on.strftime("%d/%m/%Y")
        mails += notify(
            session,
            [availability.account_id],
            f"Votre disponibilité se termine le {end}. Déclarez-en une nouvelle pour rester visible des projets.",
            "/compte/disponibilites",
            "Votre disponibilité sur le lab e-santé se termine bientôt",
            f"Bonjour,\n\nLa disponibilité que vous avez déclarée se termine le {end} ; après cette date, elle ne sera "
            "plus montrée aux projets.\nPour continuer, déclarez une nouvelle disponibilité : /compte/disponibilites",
        )
        availability.reminder_sent_at = now
        session.add(availability)
    return len(due), mails


def send_expiry_reminders(database: Database, settings: Settings, now: datetime) -> int:
    """Send the reminders due at `now` (for the CLI or a worker): commit the notifications, then send the e-mails.
    Returns how many availabilities were reminded."""
    with database.transaction() as session:
        count, mails = expiry_reminders(session, now)
    deliver(settings, mails)
    return count
