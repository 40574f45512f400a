"""One head after issues 6, 7 and 8: their migrations were written side by side from ed18a48ca850.

Revision ID: 7f8467e6ba67
Revises: 3f1c2a7d9b10, 5d2e8b7c4f31, 5e1f0c7a9b21, a7c3e91d5b20, a7c3e9d2b5f1, b2d4f6a8c0e1, c4e8a1f7d2b3
Create Date: 2026-11-28 16:36:53.236899
"""

from collections.abc import Sequence

revision: str = "7f8467e6ba67"
down_revision: str | Sequence[str] | None = (
    "3f1c2a7d9b10",  # referents and their queue
    "5d2e8b7c4f31",  # strategic orientations
    "5e1f0c7a9b21",  # field feedback and moderation
    "a7c3e91d5b20",  # activity feed
    "a7c3e9d2b5f1",  # research results, advisers, places
    "b2d4f6a8c0e1",  # convention depositors
    "c4e8a1f7d2b3",  # needs and contests
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do: this revision only joins the branches."""


def downgrade() -> None:
    """Nothing to do: this revision only joins the branches."""
