"""Workshops and contests: setting them up, registrations, submissions, the jury's scores, follow-ups and results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from hub.accounts.models import Account, Person
from hub.accounts.viewer import Viewer
from hub.contests import grid
from hub.contests.models import (
    RESOURCE_LABELS,
    Criterion,
    Event,
    EventKind,
    EventNeed,
    FollowUp,
    JuryMember,
    Registration,
    Resource,
    Score,
    Submission,
)
from hub.contests.shapes import EventInput, FollowUpInput, JuryInput, ScoreInput
from hub.db import utcnow
from hub.directory.models import ActorMembership, MembershipStatus
from hub.directory.services import memberships_of
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.needs.models import Need, NeedStatus
from hub.projects.models import Project, ProjectPartner, ProjectStatus
from hub.projects.services import can_edit_project

PARIS = ZoneInfo("Europe/Paris")
ADMIN_ONLY = "Seuls les administrateurs du lab e-santé organisent les ateliers et les concours."


def today(now: datetime | None = None) -> date:
    """The current day in Paris: deadlines are whole days, as people read them."""
    return (now or utcnow()).astimezone(PARIS).date()


def _fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def require_admin(viewer: Viewer) -> None:
    """Events, juries and follow-ups are the lab's business."""
    if not viewer.is_admin:
        raise PermissionDenied(ADMIN_ONLY)


# -- events --------------------------------------------------------------------------------------------------------


def list_events(session: Session, kind: str | None = None) -> Sequence[Event]:
    """Every event, the most recent start first."""
    statement = select(Event)
    if kind:
        statement = statement.where(col(Event.kind) == kind)
    return session.exec(statement.order_by(col(Event.starts_on).desc(), col(Event.id).desc())).all()


def get_event(session: Session, event_id: int) -> Event:
    """The event with this id, or NotFound."""
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound("Cet atelier ou ce concours n’existe pas.")
    return event


def create_event(session: Session, viewer: Viewer, data: EventInput, on: date) -> Event:
    """An administrator sets up a workshop or a contest, stating its needs, calendar, grid and resources upfront."""
    require_admin(viewer)
    errors: dict[str, str] = {}
    if data.ends_on < data.starts_on:
        errors["ends_on"] = "La date de fin doit suivre la date de début."
    if data.registration_closes_on < on:
        errors["registration_closes_on"] = "La clôture des inscriptions est déjà passée."
    elif data.registration_closes_on > data.starts_on:
        errors["registration_closes_on"] = "Les inscriptions doivent fermer au plus tard le premier jour."
    if data.kind == EventKind.CONTEST and data.submission_closes_on is None:
        errors["submission_closes_on"] = "Un concours a une date limite de dépôt des candidatures."
    elif data.kind == EventKind.CONTEST and data.submission_closes_on is not None:
        if data.submission_closes_on < on:
            errors["submission_closes_on"] = "La date limite de dépôt est déjà passée."
        elif data.submission_closes_on > data.ends_on:
            errors["submission_closes_on"] = "Le dépôt des candidatures doit fermer au plus tard le dernier jour."
    need_ids = list(dict.fromkeys(data.need_ids))
    if need_ids:
        needs = {n.id: n for n in session.exec(select(Need).where(col(Need.id).in_(need_ids))).all()}
        unknown = [i for i in need_ids if i not in needs]
        closed = [i for i, n in needs.items() if n.status in (NeedStatus.DUPLICATE, NeedStatus.OUT_OF_SCOPE)]
        if unknown:
            errors["need_ids"] = f"Besoin inconnu : n° {unknown[0]}."
        elif closed:
            errors["need_ids"] = f"Le besoin n° {closed[0]} est un doublon ou hors périmètre."
    if errors:
        raise InvalidInput(errors)
    event = Event(
        kind=data.kind,
        title=data.title,
        description=data.description,
        location=data.location,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        registration_closes_on=data.registration_closes_on,
        submission_closes_on=data.submission_closes_on if data.kind == EventKind.CONTEST else None,
        capacity=data.capacity,
        weights={str(c): data.weights[c] for c in Criterion},
        resources=[{"kind": str(r.kind), "details": r.details} for r in data.resources],
        created_by_id=viewer.account_id,
    )
    session.add(event)
    session.flush()
    assert event.id is not None
    session.add_all(EventNeed(event_id=event.id, need_id=need_id) for need_id in need_ids)
    session.flush()
    return event


def event_needs(session: Session, event_id: int) -> Sequence[Need]:
    """The needs an event addresses."""
    return session.exec(
        select(Need)
        .join(EventNeed, col(EventNeed.need_id) == col(Need.id))
        .where(col(EventNeed.event_id) == event_id)
        .order_by(col(Need.id))
    ).all()


def resource_lines(event: Event) -> list[tuple[str, str, str]]:
    """(kind, French label, details) of each resource the event can allocate."""
    lines = []
    for item in event.resources:
        kind = str(item.get("kind", ""))
        label = RESOURCE_LABELS.get(Resource(kind), kind) if kind in set(Resource) else kind
        lines.append((kind, label, str(item.get("details", ""))))
    return lines


# -- registrations -------------------------------------------------------------------------------------------------


def registration_count(session: Session, event_id: int) -> int:
    """How many people registered."""
    return int(
        session.exec(select(func.count()).select_from(Registration).where(col(Registration.event_id) == event_id)).one()
    )


def is_registered(session: Session, viewer: Viewer | None, event_id: int) -> bool:
    """Whether the viewer holds a place."""
    return viewer is not None and session.get(Registration, (event_id, viewer.account_id)) is not None


def register(session: Session, viewer: Viewer, event: Event, on: date) -> Registration:
    """Take a place, until the registrations close and while places remain."""
    assert event.id is not None
    if on > event.registration_closes_on:
        raise Conflict(f"Les inscriptions ont fermé le {_fr(event.registration_closes_on)}.")
    if is_registered(session, viewer, event.id):
        raise Conflict("Vous êtes déjà inscrit.")
    # Lock the event row (PostgreSQL) so that two last-minute registrations cannot both take the last place.
    session.exec(select(Event.id).where(col(Event.id) == event.id).with_for_update()).one()
    if event.capacity is not None and registration_count(session, event.id) >= event.capacity:
        raise Conflict(f"Complet : les {event.capacity} places sont prises.")
    registration = Registration(event_id=event.id, account_id=viewer.account_id)
    session.add(registration)
    session.flush()
    return registration


def unregister(session: Session, viewer: Viewer, event: Event) -> None:
    """Give one's place back."""
    assert event.id is not None
    registration = session.get(Registration, (event.id, viewer.account_id))
    if registration is None:
        raise Conflict("Vous n’êtes pas inscrit.")
    session.delete(registration)
    session.flush()


# -- submissions ---------------------------------------------------------------------------------------------------


def _open_contest(event: Event) -> None:
    if event.kind != EventKind.CONTEST:
        raise Conflict("Un atelier ne reçoit pas de candidatures : seuls les concours en reçoivent.")
    if event.results_published_at is not None:
        raise Conflict("Les résultats de ce concours sont publiés : il est clos.")


def submit(session: Session, viewer: Viewer, event: Event, project_id: int, on: date) -> Submission:
    """Submit a project to a contest until its deadline (by someone who may edit the project; once per project)."""
    assert event.id is not None
    _open_contest(event)
    assert event.submission_closes_on is not None
    if on > event.submission_closes_on:
        raise Conflict(
            f"La date limite de dépôt des candidatures était le {_fr(event.submission_closes_on)} : "
            "ce concours ne reçoit plus de candidatures."
        )
    project = session.get(Project, project_id)
    if project is None or project.status != ProjectStatus.ACTIVE:
        raise InvalidInput({"project_id": "Choisissez un projet en cours du catalogue."})
    if not can_edit_project(session, viewer, project):
        raise PermissionDenied("Seuls le porteur du projet, son créateur ou un administrateur peuvent le présenter.")
    existing = session.exec(
        select(Submission.id).where(col(Submission.event_id) == event.id, col(Submission.project_id) == project_id)
    ).first()
    if existing is not None:
        raise Conflict("Ce projet est déjà candidat à ce concours.")
    submission = Submission(event_id=event.id, project_id=project_id, submitted_by_id=viewer.account_id)
    session.add(submission)
    session.flush()
    return submission


def waiting_follow_ups(session: Session, event_ids: Sequence[int]) -> dict[int, int]:
    """Per event, how many submissions have no follow-up yet (one query)."""
    rows = session.exec(
        select(Submission.event_id, func.count())
        .where(col(Submission.event_id).in_(event_ids), col(Submission.follow_up).is_(None))
        .group_by(col(Submission.event_id))
    ).all()
    return {event_id: int(count) for event_id, count in rows}


def get_submission(session: Session, submission_id: int) -> Submission:
    """The submission with this id, or NotFound."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound("Cette candidature n’existe pas.")
    return submission


def submissions_of(session: Session, event_id: int) -> Sequence[tuple[Submission, Project]]:
    """The submissions of a contest with their projects, in the order they came."""
    return session.exec(
        select(Submission, Project)
        .join(Project, col(Project.id) == col(Submission.project_id))
        .where(col(Submission.event_id) == event_id)
        .order_by(col(Submission.created_at), col(Submission.id))
    ).all()


def submittable_projects(session: Session, viewer: Viewer, event_id: int) -> list[Project]:
    """Active projects the viewer may edit and that are not yet candidates."""
    actor_ids = [
        actor.id
        for membership, actor in memberships_of(session, viewer.account_id)
        if membership.status == MembershipStatus.APPROVED and actor.id is not None
    ]
    taken = select(Submission.project_id).where(col(Submission.event_id) == event_id)
    statement = select(Project).where(col(Project.status) == ProjectStatus.ACTIVE, col(Project.id).not_in(taken))
    statement = statement.where(
        (col(Project.created_by_id) == viewer.account_id) | col(Project.carrier_id).in_(actor_ids or [-1])
    )
    return list(session.exec(statement.order_by(col(Project.title)).limit(100)).all())


# -- the jury ------------------------------------------------------------------------------------------------------


def jurors_of(session: Session, event_id: int) -> Sequence[tuple[JuryMember, str]]:
    """The jury members and their display names."""
    rows = session.exec(
        select(JuryMember, Person.display_name)
        .join(Person, col(Person.account_id) == col(JuryMember.account_id), isouter=True)
        .where(col(JuryMember.event_id) == event_id)
        .order_by(col(JuryMember.created_at))
    ).all()
    return [(member, name or "Membre du hub") for member, name in rows]


def is_juror(session: Session, viewer: Viewer | None, event_id: int) -> bool:
    """Whether the viewer sits on the event's jury."""
    return viewer is not None and session.get(JuryMember, (event_id, viewer.account_id)) is not None


def appoint_juror(session: Session, viewer: Viewer, event: Event, data: JuryInput) -> JuryMember:
    """An administrator appoints a person (by the e-mail of their account) to the jury of a contest."""
    require_admin(viewer)
    assert event.id is not None
    _open_contest(event)
    account = session.exec(select(Account).where(col(Account.email) == data.email.lower())).first()
    if account is None or not account.is_active:
        raise InvalidInput({"email": "Aucun compte actif n’a cette adresse e-mail."})
    assert account.id is not None
    if session.get(JuryMember, (event.id, account.id)) is not None:
        raise Conflict("Cette personne fait déjà partie du jury.")
    member = JuryMember(event_id=event.id, account_id=account.id, appointed_by_id=viewer.account_id)
    session.add(member)
    session.flush()
    return member


def conflict_of_interest(session: Session, account_id: int, project: Project, submission: Submission) -> str | None:
    """Why this person may not score this project (their organisation carries it or is a partner), or None."""
    actor_ids = {project.carrier_id} if project.carrier_id else set()
    actor_ids |= set(
        session.exec(select(ProjectPartner.actor_id).where(col(ProjectPartner.project_id) == project.id)).all()
    )
    person = session.exec(select(Person).where(col(Person.account_id) == account_id)).first()
    if person is not None and person.organisation_id in actor_ids:
        return (
            "Conflit d’intérêts : votre organisation porte ce projet ou en est partenaire ; "
            "vous ne pouvez pas l’évaluer."
        )
    represented = session.exec(
        select(ActorMembership.actor_id).where(
            col(ActorMembership.account_id) == account_id,
            col(ActorMembership.status) == MembershipStatus.APPROVED,
            col(ActorMembership.actor_id).in_(actor_ids or {-1}),
        )
    ).first()
    if represented is not None:
        return "Conflit d’intérêts : vous représentez une structure qui porte ce projet ou en est partenaire."
    if account_id in (project.created_by_id, submission.submitted_by_id):
        return "Conflit d’intérêts : vous avez créé ou présenté ce projet ; vous ne pouvez pas l’évaluer."
    return None


def my_score(session: Session, viewer: Viewer | None, submission_id: int) -> Score | None:
    """The viewer's score of a submission, if any."""
    if viewer is None:
        return None
    return session.exec(
        select(Score).where(col(Score.submission_id) == submission_id, col(Score.juror_id) == viewer.account_id)
    ).first()


def score(session: Session, viewer: Viewer, submission: Submission, data: ScoreInput) -> Score:
    """A jury member scores a submission against the grid: once, and never a project of their own organisation."""
    assert submission.id is not None
    event = get_event(session, submission.event_id)
    if not is_juror(session, viewer, submission.event_id):
        raise PermissionDenied("Seuls les membres du jury de ce concours peuvent évaluer les candidatures.")
    _open_contest(event)
    project = session.get(Project, submission.project_id)
    assert project is not None
    reason = conflict_of_interest(session, viewer.account_id, project, submission)
    if reason:
        raise PermissionDenied(reason)
    if my_score(session, viewer, submission.id) is not None:
        raise Conflict("Vous avez déjà évalué cette candidature : chaque membre du jury la note une seule fois.")
    row = Score(
        submission_id=submission.id,
        juror_id=viewer.account_id,
        values={str(c): data.values[c] for c in Criterion},
        comment=data.comment,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Standing:
    """A submission as the results show it: its project, the jury's weighted mean, how many scored."""

    submission: Submission
    project: Project
    score: Fraction | None
    score_text: str
    jurors: int
    means: dict[str, str]


def standings(session: Session, event: Event) -> list[Standing]:
    """Every submission with its weighted score, best first (unscored ones last)."""
    assert event.id is not None
    pairs = submissions_of(session, event.id)
    ids = [s.id for s, _ in pairs]
    by_submission: dict[int, list[dict[str, int]]] = {i: [] for i in ids if i is not None}
    for row in session.exec(select(Score).where(col(Score.submission_id).in_(ids))).all():
        by_submission[row.submission_id].append(dict(row.values))
    result = []
    for submission, project in pairs:
        scores = by_submission.get(submission.id or 0, [])
        value = grid.submission_score(event.weights, scores)
        means = grid.criterion_means(scores, [str(c) for c in Criterion])
        result.append(
            Standing(
                submission,
                project,
                value,
                grid.display(value),
                len(scores),
                {c: grid.display(m) for c, m in means.items()},
            )
        )
    return sorted(result, key=lambda s: (s.score is None, -(s.score or 0)))


# -- follow-ups and results ----------------------------------------------------------------------------------------


def set_follow_up(session: Session, viewer: Viewer, submission: Submission, data: FollowUpInput) -> Submission:
    """The lab gives a submission its follow-up and the reason; "retenu et accompagné" names the resources given."""
    require_admin(viewer)
    event = get_event(session, submission.event_id)
    _open_contest(event)
    offered = {str(item.get("kind")) for item in event.resources}
    allocated = list(dict.fromkeys(str(r) for r in data.allocated))
    if data.follow_up == FollowUp.RETAINED_SUPPORTED:
        if not allocated:
            raise InvalidInput({"allocated": "Indiquez les moyens attribués à ce projet retenu et accompagné."})
        missing = [r for r in allocated if r not in offered]
        if missing:
            raise InvalidInput(
                {"allocated": "Ce concours n’annonçait pas cette ressource : choisissez parmi les siennes."}
            )
    elif allocated:
        raise InvalidInput({"allocated": "Seul un projet retenu et accompagné reçoit des moyens."})
    submission.follow_up = data.follow_up
    submission.follow_up_reason = data.reason
    submission.allocated = allocated
    submission.decided_by_id, submission.decided_at = viewer.account_id, utcnow()
    session.add(submission)
    session.flush()
    return submission


def publish_results(session: Session, viewer: Viewer, event: Event) -> Event:
    """Publish a contest's results; refused while one submission has no follow-up (no idea left without answer)."""
    require_admin(viewer)
    assert event.id is not None
    _open_contest(event)
    pending = [p.title for s, p in submissions_of(session, event.id) if s.follow_up is None]
    if pending:
        raise Conflict(
            f"Publication impossible : {len(pending)} candidature(s) n’ont pas encore de suite "
            f"(par exemple « {pending[0][:80]} »). Chaque idée doit recevoir une réponse."
        )
    event.results_published_at = utcnow()
    session.add(event)
    session.flush()
    return event
