"""Load the seed into the database: idempotent (a second run changes nothing), with progress shown."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import insert
from sqlmodel import Session, col, select

from hub.accounts.models import Account, Role
from hub.accounts.services import grant_role, sign_up
from hub.accounts.shapes import SignUpInput
from hub.db import utcnow
from hub.directory.models import Actor, ActorPhaseLink, ActorSector, VerificationStatus
from hub.projects.models import Project, ProjectPartner, ProjectSector
from hub.referents.models import ReferentAssignment, ReferentRole
from hub.sectors.models import Sector
from hub.slugs import RESERVED_SLUGS, slugify
from hub.territories.models import Territory
from seed import sources

Progress = Callable[[str, int, int], None]
BATCH = 500


def text_progress(stream: TextIO = sys.stderr) -> Progress:
    """A one-line progress bar on a terminal, one line per step otherwise."""

    def report(label: str, done: int, total: int) -> None:
        width = 30
        filled = width if total == 0 else int(width * done / total)
        line = f"{label:<28} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if stream.isatty():
            stream.write("\r" + line + ("\n" if done >= total else ""))
        elif done >= total:
            stream.write(line + "\n")
        stream.flush()

    return report


def clip(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a word boundary with an ellipsis rather than mid-word."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–") + "…"


def _silent(label: str, done: int, total: int) -> None:
    return None


@dataclass
class LoadReport:
    """What a load added (zero everywhere on a second run)."""

    added: dict[str, int] = field(default_factory=dict)
    demo_accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (role label, e-mail, password)

    @property
    def changed(self) -> bool:
        """Whether the load wrote anything."""
        return any(self.added.values())


def _in_batches(rows: Sequence[dict[str, Any]], label: str, progress: Progress) -> Iterable[Sequence[dict[str, Any]]]:
    total = len(rows)
    progress(label, 0, total)
    for start in range(0, total, BATCH):
        yield rows[start : start + BATCH]
        progress(label, min(total, start + BATCH), total)


def load_territories(session: Session, progress: Progress) -> int:
    """Régions first, then départements (they point to their région)."""
    known = set(session.exec(select(Territory.id)).all())
    records = sorted(sources.iter_territories(), key=lambda t: (t.level != "region", t.id))
    rows = [
        {
            "id": t.id,
            "level": t.level,
            "code": t.code,
            "name": t.name,
            "parent_id": t.parent_id,
            "zone": t.zone,
            "geometry": t.geometry,
        }
        for t in records
        if t.id not in known
    ]
    for batch in _in_batches(rows, "Territoires", progress):
        session.execute(insert(Territory), list(batch))
    return len(rows)


def load_sectors(session: Session, progress: Progress) -> int:
    """The sector vocabulary."""
    known = set(session.exec(select(Sector.code)).all())
    rows = [
        {"code": s.code, "label": s.label, "family": s.family, "description": s.description}
        for s in sources.iter_sectors()
        if s.code not in known
    ]
    for batch in _in_batches(rows, "Secteurs", progress):
        session.execute(insert(Sector), list(batch))
    return len(rows)


class _Slugs:
    """Unique slugs for a whole batch, without one query per row."""

    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = set(taken) | set(RESERVED_SLUGS)

    def make(self, text: str) -> str:
        base = slugify(text)
        slug, suffix = base, 2
        while slug in self.taken:
            slug, suffix = f"{base}-{suffix}", suffix + 1
        self.taken.add(slug)
        return slug


def _territory_ids(departement: str | None, region: str | None, known: set[str]) -> tuple[str | None, str | None]:
    dep_id = f"dep-{departement}" if departement and f"dep-{departement}" in known else None
    reg_id = f"reg-{region}" if region and f"reg-{region}" in known else None
    return dep_id, reg_id


def load_actors(session: Session, progress: Progress) -> int:
    """Actors from i-Lab, the CHU sites and the curated national and regional structures."""
    existing = set(session.exec(select(Actor.source, Actor.source_ref)).all())
    slugs = _Slugs(session.exec(select(Actor.slug)).all())
    territories = set(session.exec(select(Territory.id)).all())
    sectors = set(session.exec(select(Sector.code)).all())
    now = utcnow()
    records = [r for r in sources.iter_actors() if (r.source, r.source_ref) not in existing]
    rows: list[dict[str, Any]] = []
    for r in records:
        dep_id, reg_id = _territory_ids(r.departement_code, r.region_code, territories)
        rows.append(
            {
                "slug": slugs.make(r.name),
                "name": clip(r.name, 200),
                "kind": r.kind,
                "siren": r.siren,
                "siret": r.siret,
                "finess": r.finess,
                "rna": r.rna,
                "rnsr": r.rnsr,
                "ror": r.ror,
                "address": (r.address or "")[:200],
                "postcode": (r.postcode or "")[:5],
                "commune": (r.commune or "")[:100],
                "departement_id": dep_id,
                "region_id": reg_id,
                "latitude": r.latitude,
                "longitude": r.longitude,
                "is_experimentation_volunteer": r.is_experimentation_volunteer,
                "experimentation_offer": r.experimentation_offer or "",
                "description": r.description or "",
                "website": (r.website or "")[:300],
                "verification_status": VerificationStatus.DECLARED.value,
                "is_claimed": False,
                "source": r.source,
                "source_ref": r.source_ref,
                "source_url": (r.source_url or "")[:300],
                "created_at": now,
                "updated_at": now,
            }
        )
    for batch in _in_batches(rows, "Acteurs", progress):
        session.execute(insert(Actor), list(batch))
    ids = _actor_ids(session)
    sector_rows = [
        {"actor_id": ids[(r.source, r.source_ref)], "sector_code": code}
        for r in records
        for code in dict.fromkeys(r.sectors)
        if code in sectors
    ]
    phase_rows = [
        {"actor_id": ids[(r.source, r.source_ref)], "phase": phase}
        for r in records
        for phase in dict.fromkeys(r.phases)
    ]
    for batch in _in_batches(sector_rows, "Secteurs des acteurs", progress):
        session.execute(insert(ActorSector), list(batch))
    for batch in _in_batches(phase_rows, "Phases des acteurs", progress):
        session.execute(insert(ActorPhaseLink), list(batch))
    return len(rows)


def _actor_ids(session: Session) -> dict[tuple[str, str], int]:
    return {
        (source, ref): actor_id
        for actor_id, source, ref in session.exec(select(Actor.id, Actor.source, Actor.source_ref)).all()
        if ref and actor_id
    }


def load_projects(session: Session, progress: Progress) -> int:
    """i-Lab laureates in health as projects, with their company as carrier and their partners."""
    existing = set(session.exec(select(Project.source, Project.source_ref)).all())
    slugs = _Slugs(session.exec(select(Project.slug)).all())
    territories = set(session.exec(select(Territory.id)).all())
    sectors = set(session.exec(select(Sector.code)).all())
    actor_ids = _actor_ids(session)
    records = [r for r in sources.iter_projects() if (r.source, r.source_ref) not in existing]
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for r in records:
        dep_id, reg_id = _territory_ids(r.departement_code, r.region_code, territories)
        rows.append(
            {
                "slug": slugs.make(r.title),
                "title": clip(r.title, 200),
                "summary": clip(r.summary or "", 600),
                "description": r.description or "",
                "carrier_id": actor_ids.get(r.carrier) if r.carrier else None,
                "phase": r.phase,
                "regulatory_status": "unknown",
                "reimbursement_status": "unknown",
                "has_patient_involvement": False,
                "has_professional_involvement": False,
                "region_id": reg_id,
                "departement_id": dep_id,
                "status": "active",
                "year": r.year,
                "source": r.source,
                "source_ref": r.source_ref,
                "source_url": (r.source_url or "")[:300],
                "created_at": now,
                "updated_at": now,
            }
        )
    for batch in _in_batches(rows, "Projets", progress):
        session.execute(insert(Project), list(batch))
    project_ids = {
        (source, ref): project_id
        for project_id, source, ref in session.exec(select(Project.id, Project.source, Project.source_ref)).all()
        if ref and project_id
    }
    sector_rows = [
        {"project_id": project_ids[(r.source, r.source_ref)], "sector_code": code}
        for r in records
        for code in dict.fromkeys(r.sectors)
        if code in sectors
    ]
    partner_rows: list[dict[str, Any]] = []
    for r in records:
        project_id = project_ids[(r.source, r.source_ref)]
        carrier_id = actor_ids.get(r.carrier) if r.carrier else None
        seen: set[int] = set()
        for partner in r.partners:
            actor_id = actor_ids.get((partner.source, partner.source_ref))
            if actor_id is None or actor_id == carrier_id or actor_id in seen:
                continue
            seen.add(actor_id)
            partner_rows.append({"project_id": project_id, "actor_id": actor_id, "role": partner.role})
    for batch in _in_batches(sector_rows, "Secteurs des projets", progress):
        session.execute(insert(ProjectSector), list(batch))
    for batch in _in_batches(partner_rows, "Partenaires des projets", progress):
        session.execute(insert(ProjectPartner), list(batch))
    return len(rows)


DEMO_ACCOUNTS = (
    (Role.ADMIN, "administration", "Camille Administratrice (fictive)", "Administratrice du lab e-santé"),
    (Role.REFERENT, "referent", "Karim Référent (fictif)", "Référent sectoriel"),
    (Role.DECISION_MAKER, "decideur", "Hélène Décideuse (fictive)", "Chargée de mission en agence régionale de santé"),
    (Role.HEALTH_PROFESSIONAL, "soignant", "Inès Infirmière (fictive)", "Infirmière"),
    (Role.PATIENT_REPRESENTATIVE, "patient", "Paul Patient (fictif)", "Représentant d’une association de patients"),
    (Role.MEMBER, "startup", "Sofia Startup (fictive)", "Fondatrice d’une jeune entreprise"),
)
DEMO_DOMAIN = "demo.lab-esante.invalid"


def load_demo_accounts(session: Session, passwords_file: Path) -> list[tuple[str, str, str]]:
    """One fictional account per role; passwords are generated once and kept in var/ (never in production)."""
    saved: dict[str, str] = {}
    if passwords_file.exists():
        for line in passwords_file.read_text().splitlines():
            email, _, password = line.partition(" ")
            saved[email] = password
    created: list[tuple[str, str, str]] = []
    for role, local, name, profession in DEMO_ACCOUNTS:
        email = f"{local}@{DEMO_DOMAIN}"
        if session.exec(select(Account.id).where(col(Account.email) == email)).first() is not None:
            if email in saved:
                created.append((str(role), email, saved[email]))
            continue
        password = saved.get(email) or secrets.token_urlsafe(12)
        base_role = (
            role if role in (Role.MEMBER, Role.HEALTH_PROFESSIONAL, Role.PATIENT_REPRESENTATIVE) else Role.MEMBER
        )
        account = sign_up(
            session,
            SignUpInput(
                email=email,
                password=password,
                password_confirm=password,
                display_name=name,
                profession=profession,
                role=base_role,
            ),
            is_demo=True,
        )
        assert account.id is not None
        grant_role(session, account.id, role)
        saved[email] = password
        created.append((str(role), email, password))
    passwords_file.parent.mkdir(parents=True, exist_ok=True)
    passwords_file.touch(mode=0o600)
    passwords_file.write_text("".join(f"{email} {password}\n" for email, password in sorted(saved.items())))
    return created


def load_demo_referent_assignment(session: Session) -> None:
    """The fictional demo referent covers cardiovascular care and telemedicine in Nouvelle-Aquitaine (once)."""
    account_id = session.exec(select(Account.id).where(col(Account.email) == f"referent@{DEMO_DOMAIN}")).first()
    if account_id is None or session.get(Territory, "reg-75") is None:
        return
    if session.exec(select(ReferentAssignment.id).where(col(ReferentAssignment.account_id) == account_id)).first():
        return
    session.add(
        ReferentAssignment(
            account_id=account_id,
            territory_id="reg-75",
            sectors=["cardio", "telemedecine"],
            role=ReferentRole.TITULAIRE,
            starts_on=date(2026, 1, 1),
        )
    )
    session.flush()


def load_all(session: Session, *, progress: Progress = _silent, demo_passwords_file: Path | None = None) -> LoadReport:
    """Load everything that is missing, in one transaction (all or nothing)."""
    session.info["hub.activity.quiet"] = True  # seed rows are not network news (hub/activity/recording.py)
    report = LoadReport()
    report.added["territories"] = load_territories(session, progress)
    report.added["sectors"] = load_sectors(session, progress)
    report.added["actors"] = load_actors(session, progress)
    report.added["projects"] = load_projects(session, progress)
    if demo_passwords_file is not None:
        before = session.exec(select(Account.id).where(col(Account.is_demo))).all()
        report.demo_accounts = load_demo_accounts(session, demo_passwords_file)
        load_demo_referent_assignment(session)
        report.added["demo_accounts"] = len(session.exec(select(Account.id).where(col(Account.is_demo))).all()) - len(
            before
        )
    return report
