"""Signing in on the command line (`endwatch login`): a password for an expiring token of one's own.

The command line is a process per command, so it keeps no session in memory: signing in issues an API token
that expires (`lifetime`, ENDWATCH_SESSION_HOURS), which the command line stores for later commands. Failed
sign-ins are counted by the web's rules (signin_limits.SignInRules), in the database so that every process
sees them; they are not audited (a failed sign-in changes nothing in the registry) and the username is kept
only as the SHA-256 of its canonical form.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from endwatch.services.accounts.signin_limits import SignInRules, canonical_username
from endwatch.services.accounts.users import AuthenticationFailed, IssuedToken, authenticate, issue_token, sha256
from endwatch.services.uow import Database

SESSION_LABEL = "command-line session"


def _seconds(times: Sequence[str]) -> list[float]:
    return [datetime.fromisoformat(t).timestamp() for t in times]


def sign_in(db: Database, username: str, password: str, lifetime: timedelta, where: str = "",
            rules: SignInRules | None = None) -> IssuedToken:
    """Check the password of a person's account and issue a token of their own expiring after `lifetime`,
    labelled as a command-line session (`where` says on which machine).

    TooManyAttempts, before the password is even checked, once `rules.per_username` sign-ins for the
    username failed within the window; AuthenticationFailed ("wrong username or password", never which)
    otherwise, counted as a failure. A success forgets the username's failures.
    """
    rules = rules or SignInRules()
    key = sha256(canonical_username(username))
    with db.reader() as r:
        now = r.now()
        failures = r.accounts.signin_failures_since(key, (now - timedelta(seconds=rules.window_seconds)).isoformat())
    rules.check_failures(_seconds(failures), now.timestamp())
    try:
        principal = authenticate(db.reader(), username, password)
    except AuthenticationFailed:
        _count_failure(db, key, rules)
        raise
    label = f"{SESSION_LABEL} on {where}" if where else SESSION_LABEL
    issued = issue_token(db.uow(), principal, principal.username, label, lifetime)
    with db.uow() as uow:
        uow.accounts.clear_signin_failures(key)
        uow.commit()
    return issued


def _count_failure(db: Database, key: str, rules: SignInRules) -> None:
    with db.uow() as uow:
        now = uow.now()
        uow.accounts.add_signin_failure(key, now.isoformat())
        # Failures older than the window count for nothing: forget them, so the table stays small.
        uow.accounts.clear_signin_failures(before=(now - timedelta(seconds=rules.window_seconds)).isoformat())
        uow.commit()
