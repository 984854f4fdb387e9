"""What the accounts services need from storage: records and the repository protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class UserRecord:
    """A user account as stored. `party_id` ties an exporter account to its company; `jobs` are the
    scheduled jobs (action names) a service account may run, empty for a person's account."""

    username: str
    password_hash: str
    role: str
    party_id: str | None
    active: bool
    created_at: str
    jobs: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenRecord:
    """An API token as stored: its public id and the SHA-256 of its secret, never the secret itself.
    `expires_at` is set for a command-line session's token (`endwatch login`); other tokens never expire."""

    id: str
    token_hash: str
    username: str
    label: str
    created_at: str
    revoked_at: str | None
    expires_at: str | None = None


@dataclass(frozen=True)
class SessionRecord:
    """A server-side web session, keyed by the SHA-256 of the cookie value."""

    id_hash: str
    username: str
    csrf_token: str
    created_at: str
    expires_at: str


class AccountRepository(Protocol):
    def get_user(self, username: str) -> UserRecord | None: ...
    def list_users(self) -> list[UserRecord]: ...
    def count_users(self) -> int: ...
    def save_user(self, user: UserRecord) -> None: ...
    def add_token(self, token: TokenRecord) -> None: ...
    def get_token(self, token_id: str) -> TokenRecord | None: ...
    def token_by_hash(self, token_hash: str) -> TokenRecord | None: ...
    def tokens_of(self, username: str) -> list[TokenRecord]: ...
    def revoke_token(self, token_id: str, revoked_at: str) -> None: ...
    def revoke_tokens_of(self, username: str, revoked_at: str) -> list[str]:
        """Revoke every token of the user not yet revoked; the ids of those revoked now."""
        ...
    def add_session(self, session: SessionRecord) -> None: ...
    def get_session(self, id_hash: str) -> SessionRecord | None: ...
    def delete_session(self, id_hash: str) -> None: ...
    def delete_sessions_of(self, username: str) -> None: ...
    def add_signin_failure(self, username_key: str, failed_at: str) -> None: ...
    def signin_failures_since(self, username_key: str, since: str) -> list[str]:
        """When sign-ins for the key failed at or after `since` (ISO times, oldest first)."""
        ...
    def clear_signin_failures(self, username_key: str | None = None, *, before: str | None = None) -> None:
        """Forget the key's failures (every key's with None), or only those before `before`."""
        ...
