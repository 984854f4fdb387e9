"""Join the areas' branches (detection and enforcement, assessment, accounts) into one line again.

The areas' first migrations branched off the registry so that the areas could be built side by side.
From here on there is a single head: new migrations take `down_revision = "0006_merge_areas"`.

Revision ID: 0006_merge_areas
Revises: 0003_assessment, 0004_enforcement, 0005_accounts
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0006_merge_areas"
down_revision: str | Sequence[str] | None = ("0003_assessment", "0004_enforcement", "0005_accounts")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: a merge point only."""


def downgrade() -> None:
    """Nothing to change: a merge point only."""
