"""The accounts repository over SQLAlchemy Core."""

from __future__ import annotations

import builtins
from typing import Any

import sqlalchemy as sa

from endwatch.db.accounts import tables as t
from endwatch.services.accounts.store import SessionRecord, TokenRecord, UserRecord


def _user(r: sa.Row[Any]) -> UserRecord:
    return UserRecord(r.username, r.password_hash, r.role, r.party_id, bool(r.active), r.created_at,
                      tuple(r.jobs.split()))


def _token(r: sa.Row[Any]) -> TokenRecord:
    return TokenRecord(r.id, r.token_hash, r.username, r.label, r.created_at, r.revoked_at, r.expires_at)


class SqlAccountRepository:
    """Users, API tokens and web sessions on one connection."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def get_user(self, username: str) -> UserRecord | None:
        row = self.conn.execute(sa.select(t.users).where(t.users.c.username == username)).first()
        return _user(row) if row else None

    def list_users(self) -> builtins.list[UserRecord]:
        return [_user(r) for r in self.conn.execute(sa.select(t.users).order_by(t.users.c.username))]

    def count_users(self) -> int:
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(t.users)).scalar_one())

    def save_user(self, user: UserRecord) -> None:
        values = {
            "password_hash": user.password_hash,
            "role": user.role,
            "party_id": user.party_id,
            "active": user.active,
            "created_at": user.created_at,
            "jobs": " ".join(user.jobs),
        }
        if self.get_user(user.username) is None:
            self.conn.execute(t.users.insert().values(username=user.username, **values))
        else:
            self.conn.execute(t.users.update().where(t.users.c.username == user.username).values(**values))

    def add_token(self, token: TokenRecord) -> None:
        self.conn.execute(
            t.api_tokens.insert().values(
                id=token.id, token_hash=token.token_hash, username=token.username, label=token.label,
                created_at=token.created_at, revoked_at=token.revoked_at, expires_at=token.expires_at,
            )
        )

    def get_token(self, token_id: str) -> TokenRecord | None:
        row = self.conn.execute(sa.select(t.api_tokens).where(t.api_tokens.c.id == token_id)).first()
        return _token(row) if row else None

    def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        row = self.conn.execute(sa.select(t.api_tokens).where(t.api_tokens.c.token_hash == token_hash)).first()
        return _token(row) if row else None

    def tokens_of(self, username: str) -> builtins.list[TokenRecord]:
        q = sa.select(t.api_tokens).where(t.api_tokens.c.username == username).order_by(t.api_tokens.c.created_at)
        return [_token(r) for r in self.conn.execute(q)]

    def revoke_token(self, token_id: str, revoked_at: str) -> None:
        self.conn.execute(t.api_tokens.update().where(t.api_tokens.c.id == token_id).values(revoked_at=revoked_at))

    def revoke_tokens_of(self, username: str, revoked_at: str) -> builtins.list[str]:
        live = (t.api_tokens.c.username == username) & t.api_tokens.c.revoked_at.is_(None)
        ids = sorted(self.conn.execute(sa.select(t.api_tokens.c.id).where(live)).scalars())
        if ids:
            self.conn.execute(t.api_tokens.update().where(t.api_tokens.c.id.in_(ids)).values(revoked_at=revoked_at))
        return ids

    def add_session(self, session: SessionRecord) -> None:
        self.conn.execute(
            t.web_sessions.insert().values(
                id_hash=session.id_hash, username=session.username, csrf_token=session.csrf_token,
                created_at=session.created_at, expires_at=session.expires_at,
            )
        )

    def get_session(self, id_hash: str) -> SessionRecord | None:
        row = self.conn.execute(sa.select(t.web_sessions).where(t.web_sessions.c.id_hash == id_hash)).first()
        if row is None:
            return None
        return SessionRecord(row.id_hash, row.username, row.csrf_token, row.created_at, row.expires_at)

    def delete_session(self, id_hash: str) -> None:
        self.conn.execute(t.web_sessions.delete().where(t.web_sessions.c.id_hash == id_hash))

    def delete_sessions_of(self, username: str) -> None:
        self.conn.execute(t.web_sessions.delete().where(t.web_sessions.c.username == username))

    def add_signin_failure(self, username_key: str, failed_at: str) -> None:
        self.conn.execute(t.signin_failures.insert().values(username_key=username_key, failed_at=failed_at))

    def signin_failures_since(self, username_key: str, since: str) -> builtins.list[str]:
        f = t.signin_failures.c
        q = sa.select(f.failed_at).where(f.username_key == username_key, f.failed_at >= since).order_by(f.failed_at)
        return [str(v) for v in self.conn.execute(q).scalars()]

    def clear_signin_failures(self, username_key: str | None = None, *, before: str | None = None) -> None:
        q = t.signin_failures.delete()
        if username_key is not None:
            q = q.where(t.signin_failures.c.username_key == username_key)
        if before is not None:
            q = q.where(t.signin_failures.c.failed_at < before)
        self.conn.execute(q)
