"""A principal on every path: service accounts' jobs, expiring tokens, failed sign-ins, system settings.

Revision ID: 0010_cli_principals
Revises: 0009_audit_delegate

- users.jobs: the scheduled jobs a service account may run (empty for a person's account).
- api_tokens.expires_at: the token of a command-line session (`endwatch login`) expires; others do not.
- signin_failures: failed `endwatch login` attempts, by the SHA-256 of the canonical username.
- system_settings: facts about the database itself (whether `endwatch demo` made it).
Existing rows keep their meaning: no jobs, tokens without expiry, no setting (not a demonstration).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_cli_principals"
down_revision: str | Sequence[str] | None = "0009_audit_delegate"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("users", sa.Column("jobs", sa.Text(), server_default="", nullable=False))
    op.add_column("api_tokens", sa.Column("expires_at", sa.String(40), nullable=True))
    op.create_table(
        "signin_failures",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("username_key", sa.String(64), nullable=False),
        sa.Column("failed_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signin_failures")),
    )
    op.create_index(op.f("ix_signin_failures_username_key"), "signin_failures", ["username_key"])
    op.create_table(
        "system_settings",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_system_settings")),
    )


def downgrade() -> None:
    op.drop_table("system_settings")
    op.drop_index(op.f("ix_signin_failures_username_key"), table_name="signin_failures")
    op.drop_table("signin_failures")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("jobs")
