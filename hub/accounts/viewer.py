"""Who is looking at a page: an account and its roles, or nobody."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.accounts.models import Role


@dataclass(frozen=True)
class Viewer:
    """A signed-in person as the services see them (no HTTP types)."""

    account_id: int
    email: str
    display_name: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    session_token_hash: str = ""

    @property
    def is_admin(self) -> bool:
        """Administrators may do everything, and every such action is logged."""
        return Role.ADMIN in self.roles

    def has_role(self, role: Role) -> bool:
        """Whether the account holds `role` (administrators hold every role)."""
        return self.is_admin or role in self.roles
