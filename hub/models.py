"""Every table of the hub, imported in one place for Alembic and for tests."""

import hub.activity.models
import hub.advisers.models
import hub.audit.models
import hub.contests.models
import hub.dashboard.models
import hub.feedback.models
import hub.freshness
import hub.moderation.models
import hub.needs.models
import hub.network.models
import hub.opendata.models
import hub.orientations.models
import hub.places.models

# Domains whose tables are registered by importing their models module.
import hub.referents.models
import hub.research.models  # noqa: F401
from hub.accounts.models import Account, AccountRole, LoginAttempt, Person, UserSession
from hub.changelog.models import ChangeLogEntry
from hub.db import metadata
from hub.dedup.models import DuplicatePair, DuplicateReview, DuplicateScanRun, ProjectMerge, ProjectTwin
from hub.directory.models import Actor, ActorMembership, ActorPhaseLink, ActorSector
from hub.exchanges.models import Availability, IntroductionRequest, Notification
from hub.indexing.models import SearchOutboxEntry
from hub.ledger.models import (
    Convention,
    ConventionApprover,
    DeclarationOfInterests,
    LedgerAccount,
    LedgerChainHead,
    LedgerEntry,
    LedgerHolder,
    LedgerRequest,
    LedgerTransfer,
    StakeRule,
)
from hub.matchmaking.models import SuggestionFeedback
from hub.projects.models import Project, ProjectNeedLink, ProjectPartner, ProjectSector
from hub.sectors.models import Sector
from hub.territories.models import Territory

__all__ = [
    "Account",
    "AccountRole",
    "Actor",
    "ActorMembership",
    "ActorPhaseLink",
    "ActorSector",
    "Availability",
    "ChangeLogEntry",
    "Convention",
    "ConventionApprover",
    "DeclarationOfInterests",
    "DuplicatePair",
    "DuplicateReview",
    "DuplicateScanRun",
    "IntroductionRequest",
    "LedgerAccount",
    "LedgerChainHead",
    "LedgerEntry",
    "LedgerHolder",
    "LedgerRequest",
    "LedgerTransfer",
    "LoginAttempt",
    "Notification",
    "Person",
    "Project",
    "ProjectMerge",
    "ProjectNeedLink",
    "ProjectPartner",
    "ProjectSector",
    "ProjectTwin",
    "SearchOutboxEntry",
    "Sector",
    "StakeRule",
    "SuggestionFeedback",
    "Territory",
    "UserSession",
    "metadata",
]
