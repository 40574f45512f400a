"""Every table of the hub, imported in one place for Alembic and for tests."""

from hub.accounts.models import Account, AccountRole, LoginAttempt, Person, UserSession
from hub.changelog.models import ChangeLogEntry
from hub.db import metadata
from hub.directory.models import Actor, ActorMembership, ActorPhaseLink, ActorSector
from hub.indexing.models import SearchOutboxEntry
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
    "ChangeLogEntry",
    "LoginAttempt",
    "Person",
    "Project",
    "ProjectNeedLink",
    "ProjectPartner",
    "ProjectSector",
    "SearchOutboxEntry",
    "Sector",
    "Territory",
    "UserSession",
    "metadata",
]
