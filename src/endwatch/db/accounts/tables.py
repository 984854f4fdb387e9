"""Tables of the accounts area: users, API tokens (hashed), server-side web sessions and failed sign-ins."""

from __future__ import annotations

import sqlalchemy as sa

from endwatch.db.tables import BigId, metadata

users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(100), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.String(30), nullable=False),
    sa.Column("party_id", sa.String(100), sa.ForeignKey("parties.id")),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.String(40), nullable=False),
    # A service account's scheduled jobs (action names, space-separated); empty for a person's account.
    sa.Column("jobs", sa.Text, nullable=False, server_default=""),
)

# Only the SHA-256 of a token is stored: a leaked table does not leak working tokens.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("username", sa.String(100), sa.ForeignKey("users.username"), nullable=False, index=True),
    sa.Column("label", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40)),
    sa.Column("expires_at", sa.String(40)),  # a command-line session's token expires; others do not
)

# Sessions are keyed by the SHA-256 of the cookie value, for the same reason.
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(100), sa.ForeignKey("users.username"), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
)

# Failed sign-ins of the command line (`endwatch login`), counted per username across processes. The
# username is kept only as the SHA-256 of its canonical form: a password typed into the username prompt
# is never stored. Not audited: a failed sign-in changes nothing in the registry.
signin_failures = sa.Table(
    "signin_failures",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("username_key", sa.String(64), nullable=False, index=True),
    sa.Column("failed_at", sa.String(40), nullable=False),
)
