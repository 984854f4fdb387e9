"""Accounts: users with argon2 password hashes, revocable API tokens, server-side web sessions.

Secrets (passwords, tokens, session cookies) are never stored: passwords as argon2 hashes, tokens and
session ids as SHA-256 hashes (they are long random strings, so a fast hash is enough). A service account
runs scheduled jobs: it has no password, never signs in, and acts only through its API tokens.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from endwatch.domain import text as rules
from endwatch.errors import EndwatchError, InvalidInput, NotFound, Problem, RuleViolation
from endwatch.services.accounts.signin_limits import canonical_username
from endwatch.services.accounts.store import SessionRecord, TokenRecord, UserRecord
from endwatch.services.authz import ACCOUNT_ROLES, JOBS, Action, Principal, Role
from endwatch.services.gate import Write, write
from endwatch.services.uow import UnitOfWork
from endwatch.services.validation import Checker

SESSION_LIFETIME = timedelta(hours=8)
MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")
# The password hash of an account that cannot sign in (a service account): no password verifies against it.
NO_PASSWORD = "!no-password"
_hasher = PasswordHasher()
_dummy: list[str] = []


# What a typed username may hold at all (users.username is varchar(100)).
USERNAME_RULE = rules.name(100)

def _dummy_hash() -> str:
    # Verified against when the username is unknown, so both failures take about the same time.
    if not _dummy:
        _dummy.append(_hasher.hash("endwatch-no-such-user"))
    return _dummy[0]


class AuthenticationFailed(EndwatchError):
    """Wrong credentials, an unknown or disabled user, a revoked token or an expired session."""

    code = "unauthenticated"


def sha256(text: str) -> str:
    """Hex SHA-256 of a secret, as stored."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _public(user: UserRecord) -> dict[str, object]:
    # What the audit trail records about a user: never the password hash.
    return {"username": user.username, "role": user.role, "party_id": user.party_id, "active": user.active,
            "jobs": list(user.jobs)}


def principal_of(user: UserRecord) -> Principal:
    """The principal a user acts as (a service account with its jobs)."""
    return Principal(user.username, Role(user.role), user.party_id, frozenset(Action(j) for j in user.jobs))


def _check_account(username: str, password: str | None, role: str, party_id: str | None,
                   jobs: tuple[str, ...]) -> None:
    # Every problem with a new account at once (InvalidInput), before anything is read or written.
    c = Checker()
    if not _USERNAME.match(username or ""):
        c.fail("username", "use 2-100 characters: lower-case letters, digits, '.', '_' or '-'")
    roles = [r.value for r in ACCOUNT_ROLES]
    if role not in roles:
        c.fail("role", f"{role!r} is not one of {', '.join(roles)}")
    if role == Role.SERVICE.value:
        if password:
            c.fail("password", "a service account has no password: it acts only through its API tokens")
        allowed = sorted(j.value for j in JOBS)
        if not jobs:
            c.fail("jobs", f"a service account runs at least one job: {', '.join(allowed)}")
        for job in jobs:
            if job not in allowed:
                c.fail("jobs", f"{job!r} is not a job a service account may run ({', '.join(allowed)})")
    else:
        if len(password or "") < MIN_PASSWORD:
            c.fail("password", f"must be at least {MIN_PASSWORD} characters")
        if jobs:
            c.fail("jobs", "only service accounts (--role service) run jobs")
    if role == Role.EXPORTER.value and not party_id:
        c.fail("party_id", "an exporter account must name its company (a party id)")
    if role != Role.EXPORTER.value and party_id:
        c.fail("party_id", "only exporter accounts belong to a company")
    c.raise_if_any()


def create_account(w: Write, username: str, password: str | None, role: str, party_id: str | None = None,
                   jobs: Iterable[str] = (), reason: str = "") -> UserRecord:
    """Inside an open write: check and store a new account, and audit it."""
    wanted = tuple(sorted(set(jobs)))
    _check_account(username, password, role, party_id, wanted)
    uow = w.uow
    if uow.accounts.get_user(username) is not None:
        raise RuleViolation("user-unique", f"a user named {username!r} already exists", [f"user {username}"])
    if party_id and uow.parties.get(party_id) is None:
        raise InvalidInput([Problem(f"unknown party {party_id!r}", column="party_id")])
    hashed = _hasher.hash(password) if password else NO_PASSWORD
    user = UserRecord(username, hashed, role, party_id, True, uow.now().isoformat(), wanted)
    uow.accounts.save_user(user)
    w.record(action="user.add", entity="user", key=username, after=_public(user), reason=reason)
    return user


def add_user(
    uow: UnitOfWork, principal: Principal, username: str, password: str | None, role: str,
    party_id: str | None = None, jobs: Iterable[str] = (),
) -> UserRecord:
    """Create an account. Exporters must name their company (a known party); other roles must not.
    A service account (role `service`) has no password and runs the given jobs (authz.JOBS) only."""
    wanted = tuple(sorted(set(jobs)))
    _check_account(username, password, role, party_id, wanted)
    with write(uow, principal, Action.USERS_MANAGE) as w:
        return create_account(w, username, password, role, party_id, wanted)


def set_active(uow: UnitOfWork, principal: Principal, username: str, active: bool) -> UserRecord:
    """Enable or disable an account. Disabling ends its web sessions and revokes its API tokens (command-line
    sessions included) for good: enabling it again revives none, its holder needs new ones."""
    with write(uow, principal, Action.USERS_MANAGE) as w:
        before = uow.accounts.get_user(username)
        if before is None:
            raise NotFound("user", username)
        after = UserRecord(before.username, before.password_hash, before.role, before.party_id, active,
                           before.created_at, before.jobs)
        uow.accounts.save_user(after)
        # On enabling a disabled account too: a token still live then was issued before it was disabled (a
        # disabled account is issued none), by a version of endwatch that did not revoke tokens on disabling.
        revoked: list[str] = []
        if not (active and before.active):
            revoked = uow.accounts.revoke_tokens_of(username, uow.now().isoformat())
        if not active:
            uow.accounts.delete_sessions_of(username)
        w.record(action="user.enable" if active else "user.disable", entity="user",
                 key=username, before=_public(before), after={**_public(after), "tokens_revoked": revoked})
    return after


def list_users(uow: UnitOfWork) -> list[UserRecord]:
    """Every account, by username."""
    with uow:
        return uow.accounts.list_users()


def authenticate(uow: UnitOfWork, username: str, password: str) -> Principal:
    """The principal for a correct username (in any spacing, case or width: canonical_username) and password
    of an active person's account, else AuthenticationFailed, which never says which of them was wrong.
    A username no account could have (a control character, a NUL) is InvalidInput, on every database alike."""
    refused = USERNAME_RULE.problem(username)
    if refused:
        raise InvalidInput([Problem(f"the username {refused}", column="username")])
    with uow:
        user = uow.accounts.get_user(canonical_username(username))
    # Without a password to verify (no such user, a service account), verify against a dummy all the same,
    # so that every failure takes about as long.
    can_sign_in = user is not None and user.password_hash != NO_PASSWORD
    try:
        _hasher.verify(user.password_hash if user is not None and can_sign_in else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        raise AuthenticationFailed("wrong username or password") from None
    if user is None or not can_sign_in or not user.active:
        raise AuthenticationFailed("wrong username or password")
    return principal_of(user)


@dataclass(frozen=True)
class IssuedToken:
    """A newly issued token: `secret` is shown once and never stored."""

    record: TokenRecord
    secret: str


def _own_or_managed(principal: Principal, username: str) -> Action:
    # A person handles their own tokens; only an administrator handles another's.
    return Action.TOKENS_OWN if username == principal.username and principal.delegate is None else Action.USERS_MANAGE


def issue_token(uow: UnitOfWork, principal: Principal, username: str, label: str = "",
                lifetime: timedelta | None = None) -> IssuedToken:
    """Issue an API token for an active user: the principal's own, or (an administrator) another's; it
    expires after `lifetime` when one is given (a command-line session), else only when revoked.
    The returned secret is the bearer token."""
    token_id = secrets.token_hex(6)
    secret = f"ew_{token_id}_{secrets.token_urlsafe(32)}"
    with write(uow, principal, _own_or_managed(principal, username)) as w:
        user = uow.accounts.get_user(username)
        if user is None:
            raise NotFound("user", username)
        if not user.active:
            raise RuleViolation("user-active", f"user {username!r} is disabled", [f"user {username}"])
        now = uow.now()
        expires = (now + lifetime).isoformat() if lifetime is not None else None
        rec = TokenRecord(token_id, sha256(secret), username, label, now.isoformat(), None, expires)
        uow.accounts.add_token(rec)
        w.record(action="token.issue", entity="api_token", key=token_id,
                 after={"id": token_id, "username": username, "label": label}
                 | ({"expires_at": expires} if expires else {}))
    return IssuedToken(rec, secret)


def revoke_token(uow: UnitOfWork, principal: Principal, token_id: str) -> TokenRecord:
    """Revoke a token by its id (one's own, or as an administrator anyone's); it stops working at once.
    Revoking twice is refused."""
    with write(uow, principal, Action.TOKENS_OWN) as w:
        rec = uow.accounts.get_token(token_id)
        if rec is None or not principal.may(_own_or_managed(principal, rec.username)):
            raise NotFound("api token", token_id)  # another's token, to all but an administrator: as if none
        if rec.revoked_at is not None:
            raise RuleViolation("token-revoked", f"token {token_id} was already revoked", [f"api token {token_id}"])
        when = uow.now().isoformat()
        uow.accounts.revoke_token(token_id, when)
        w.record(action="token.revoke", entity="api_token", key=token_id,
                 after={"id": token_id, "username": rec.username, "revoked_at": when})
    return TokenRecord(rec.id, rec.token_hash, rec.username, rec.label, rec.created_at, when, rec.expires_at)


def tokens_of(uow: UnitOfWork, username: str) -> list[TokenRecord]:
    """A user's tokens, revoked ones included."""
    with uow:
        return uow.accounts.tokens_of(username)


@dataclass(frozen=True)
class TokenHolder:
    """Who a bearer token acts as, and the token as stored (its id, label and expiry)."""

    principal: Principal
    token: TokenRecord

    def expired(self, now: datetime) -> bool:
        """True once the token's expiry (a command-line session's) has come."""
        return self.token.expires_at is not None and datetime.fromisoformat(self.token.expires_at) <= now

    def check_live(self, now: datetime) -> Principal:
        """The principal, unless the token has expired by `now` (AuthenticationFailed, saying so)."""
        if self.expired(now):
            raise AuthenticationFailed("this token has expired (a command-line session ends after"
                                       " ENDWATCH_SESSION_HOURS): sign in again with `endwatch login`")
        return self.principal


def token_holder(uow: UnitOfWork, secret: str) -> TokenHolder:
    """The principal a bearer token acts as, with the token; AuthenticationFailed for an unknown, revoked
    or expired token, or one of a disabled user."""
    with uow:
        rec = uow.accounts.token_by_hash(sha256(secret))
        user = uow.accounts.get_user(rec.username) if rec else None
        now = uow.now()
    if rec is None or rec.revoked_at is not None or user is None or not user.active:
        raise AuthenticationFailed("invalid or revoked API token")
    holder = TokenHolder(principal_of(user), rec)
    holder.check_live(now)
    return holder


def principal_for_token(uow: UnitOfWork, secret: str) -> Principal:
    """The principal a bearer token acts as; AuthenticationFailed for unknown, revoked, expired or disabled."""
    return token_holder(uow, secret).principal


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser: the cookie value (secret), the user, and the CSRF token for its forms."""

    cookie: str
    principal: Principal
    csrf_token: str


def start_session(uow: UnitOfWork, principal: Principal) -> WebSession:
    """Open a server-side session for an authenticated principal."""
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    with uow:
        now = uow.now()
        uow.accounts.add_session(SessionRecord(sha256(cookie), principal.username, csrf, now.isoformat(),
                                               (now + SESSION_LIFETIME).isoformat()))
        uow.commit()
    return WebSession(cookie, principal, csrf)


def session_for(uow: UnitOfWork, cookie: str) -> WebSession:
    """The live session behind a cookie value; AuthenticationFailed when unknown, expired or disabled."""
    with uow:
        rec = uow.accounts.get_session(sha256(cookie))
        user = uow.accounts.get_user(rec.username) if rec else None
        now = uow.now()
    if rec is None or user is None or not user.active or datetime.fromisoformat(rec.expires_at) <= now:
        raise AuthenticationFailed("your session has ended; please sign in again")
    return WebSession(cookie, principal_of(user), rec.csrf_token)


def end_session(uow: UnitOfWork, cookie: str) -> None:
    """Sign out: forget the session (a no-op for an unknown cookie)."""
    with uow:
        uow.accounts.delete_session(sha256(cookie))
        uow.commit()
