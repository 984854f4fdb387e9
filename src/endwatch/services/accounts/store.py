"""What the accounts services need from storage: records and the repository protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class UserRecord:
    """A user account as stored. `party_id` ties an exporter account to its company."""

    username: str
    password_hash: str
    role: str
    party_id: str | None
    active: bool
    created_at: str


@dataclass(frozen=True)
class TokenRecord:
    """An API token as stored: its public id and the SHA-256 of its secret, never the secret itself."""

    id: str
    token_hash: str
    username: str
    label: str
    created_at: str
    revoked_at: str | None


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
    def save_user(self, user: UserRecord) -> None: ...
    def add_token(self, token: TokenRecord) -> None: ...
    def get_token(self, token_id: str) -> TokenRecord | None: ...
    def token_by_hash(self, token_hash: str) -> TokenRecord | None: ...
    def tokens_of(self, username: str) -> list[TokenRecord]: ...
    def revoke_token(self, token_id: str, revoked_at: str) -> None: ...
    def add_session(self, session: SessionRecord) -> None: ...
    def get_session(self, id_hash: str) -> SessionRecord | None: ...
    def delete_session(self, id_hash: str) -> None: ...
    def delete_sessions_of(self, username: str) -> None: ...
