"""The grouped queries behind the dashboard: each table is scanned once per page, by the database (GROUP BY).

One `Aggregates` serves one request. Each property runs its query the first time a figure needs it;
the figures then only add up a few hundred grouped rows (territory × phase × month, and the like),
never the records themselves.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from hub.changelog.models import ChangeLogEntry
from hub.dashboard.scope import (
    DashboardFilters,
    any_in_scope,
    month_of,
    project_conditions,
    projects_in_scope,
    whole_days_between,
)
from hub.dedup.models import DuplicatePair, ProjectMerge, ProjectTwin
from hub.directory.models import Actor, ActorSector, VerificationStatus
from hub.exchanges.models import IntroductionRequest, TargetKind
from hub.ledger.models import LedgerTransfer, TransferKind, TransferStatus
from hub.projects.models import Project, ProjectSector


class Aggregates:
    """Grouped counts for one set of filters, each read at most once."""

    def __init__(self, session: Session, filters: DashboardFilters) -> None:
        self.session = session
        self.filters = filters

    def _actor_conditions(self) -> list[Any]:
        conditions: list[Any] = [col(Actor.verification_status) != VerificationStatus.WITHDRAWN]
        if self.filters.region:
            conditions.append(col(Actor.region_id) == self.filters.region)
        if self.filters.sector:
            in_sector = select(ActorSector.actor_id).where(col(ActorSector.sector_code) == self.filters.sector)
            conditions.append(col(Actor.id).in_(in_sector))
        return conditions

    @cached_property
    def projects(self) -> list[tuple[str | None, str, str, int]]:
        """Listed projects by (territory, phase, registration month); the territory is the département when a
        région is chosen, else the région."""
        territory = col(Project.departement_id) if self.filters.region else col(Project.region_id)
        month = month_of(self.session, col(Project.created_at))
        rows = self.session.exec(
            select(territory, col(Project.phase), month, func.count())
            .where(*project_conditions(self.filters))
            .group_by(territory, col(Project.phase), month)
        ).all()
        return [(t, str(p), str(m), int(n)) for t, p, m, n in rows]

    @cached_property
    def actors(self) -> list[tuple[str | None, str, int]]:
        """Listed actors by (territory, registration month)."""
        territory = col(Actor.departement_id) if self.filters.region else col(Actor.region_id)
        month = month_of(self.session, col(Actor.created_at))
        rows = self.session.exec(
            select(territory, month, func.count()).where(*self._actor_conditions()).group_by(territory, month)
        ).all()
        return [(t, str(m), int(n)) for t, m, n in rows]

    @cached_property
    def sectors(self) -> dict[str | None, int]:
        """Listed projects per sector code; None counts the projects without any sector."""
        code = col(ProjectSector.sector_code)
        statement = (
            select(code, func.count())
            .select_from(Project)
            .outerjoin(ProjectSector, col(ProjectSector.project_id) == col(Project.id))
            .where(*project_conditions(self.filters))
            .group_by(code)
        )
        if self.filters.sector:
            statement = statement.where(code == self.filters.sector)
        return {c: int(n) for c, n in self.session.exec(statement).all()}

    @cached_property
    def pairs(self) -> list[tuple[str, str | None, str, int]]:
        """Duplicate pairs by (month found, month decided or None, decision)."""
        found = month_of(self.session, col(DuplicatePair.created_at))
        decided = month_of(self.session, col(DuplicatePair.decided_at))
        rows = self.session.exec(
            select(found, decided, col(DuplicatePair.status), func.count())
            .where(*any_in_scope(self.filters, col(DuplicatePair.project_a_id), col(DuplicatePair.project_b_id)))
            .group_by(found, decided, col(DuplicatePair.status))
        ).all()
        return [(str(f), None if d is None else str(d), str(s), int(n)) for f, d, s, n in rows]

    @cached_property
    def links(self) -> tuple[int, int]:
        """Merges in force (not undone) and twin links, in one query."""
        merges = (
            select(func.count())
            .select_from(ProjectMerge)
            .where(
                col(ProjectMerge.undone_at).is_(None),
                *any_in_scope(self.filters, col(ProjectMerge.survivor_id), col(ProjectMerge.merged_id)),
            )
            .scalar_subquery()
        )
        twins = (
            select(func.count())
            .select_from(ProjectTwin)
            .where(*any_in_scope(self.filters, col(ProjectTwin.project_a_id), col(ProjectTwin.project_b_id)))
            .scalar_subquery()
        )
        merged, twinned = self.session.exec(select(merges, twins)).one()
        return int(merged), int(twinned)

    @cached_property
    def introductions(self) -> list[tuple[str, str | None, str, int]]:
        """Introduction requests by (month made, month answered or None, status).

        With a filter, a request counts when the project that sends it, or the project it targets, is in scope.
        """
        conditions: list[Any] = []
        if self.filters.is_active:
            scope = projects_in_scope(self.filters)
            conditions.append(
                or_(
                    col(IntroductionRequest.sender_project_id).in_(scope),
                    and_(
                        col(IntroductionRequest.target_kind) == TargetKind.PROJECT,
                        col(IntroductionRequest.target_id).in_(scope),
                    ),
                )
            )
        made = month_of(self.session, col(IntroductionRequest.created_at))
        answered = month_of(self.session, col(IntroductionRequest.decided_at))
        rows = self.session.exec(
            select(made, answered, col(IntroductionRequest.status), func.count())
            .where(*conditions)
            .group_by(made, answered, col(IntroductionRequest.status))
        ).all()
        return [(str(m), None if a is None else str(a), str(s), int(n)) for m, a, s, n in rows]

    @cached_property
    def minutes(self) -> dict[str, int]:
        """Net minutes used on projects per month: posted uses (month posted) less their posted reversals."""
        is_use = col(LedgerTransfer.kind) == TransferKind.USE
        uses = select(LedgerTransfer.id).where(is_use)
        when = case((is_use, col(LedgerTransfer.decided_at)), else_=col(LedgerTransfer.created_at))
        month = month_of(self.session, when)
        signed = case((is_use, col(LedgerTransfer.amount)), else_=-col(LedgerTransfer.amount))
        rows = self.session.exec(
            select(month, func.sum(signed))
            .where(
                col(LedgerTransfer.status) == TransferStatus.POSTED,
                or_(
                    is_use,
                    and_(col(LedgerTransfer.kind) == TransferKind.REVERSAL, col(LedgerTransfer.reverses_id).in_(uses)),
                ),
                when.is_not(None),
                *any_in_scope(self.filters, col(LedgerTransfer.project_id)),
            )
            .group_by(month)
        ).all()
        return {str(m): int(total or 0) for m, total in rows}

    @cached_property
    def partner_days(self) -> dict[int | None, int]:
        """Projects registered in the hub by whole days to their first partner (None: no partner yet)."""
        # The change log records partners as [before, after]; an entry whose "after" has a first element gave the
        # project at least one partner. SQLAlchemy's JSON path reads it on both databases (json_extract / #>>).
        changes: Any = col(ChangeLogEntry.changes)
        # A correlated MIN per project: one probe of the (object_type, object_id) index each, a plan that stays
        # the same whatever the planner's statistics (a join on a grouped sub-select did not, on PostgreSQL).
        first_partner_at = (
            select(func.min(col(ChangeLogEntry.created_at)))
            .where(
                col(ChangeLogEntry.object_type) == "project",
                col(ChangeLogEntry.object_id) == col(Project.id),
                changes[("partners", 1, 0)].as_string().is_not(None),
            )
            .scalar_subquery()
        )
        per_project = (
            select(whole_days_between(self.session, col(Project.created_at), first_partner_at).label("days"))
            .where(col(Project.source) == "hub", *project_conditions(self.filters))
            .subquery()
        )
        rows = self.session.exec(select(per_project.c.days, func.count()).group_by(per_project.c.days)).all()
        return {None if d is None else max(0, int(d)): int(n) for d, n in rows}
