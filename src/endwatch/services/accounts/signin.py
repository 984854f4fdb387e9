"""Signing in on the command line (`endwatch login`): a password for an expiring token of one's own.

The command line is a process per command, so it keeps no session in memory: signing in issues an API token
that expires (`lifetime`, ENDWATCH_SESSION_HOURS), which the command line stores for later commands. Failed
sign-ins are counted by the web's rules (signin_limits.SignInLimiter) in the counts every process shares
(bootstrap's `signin_counts`, the web's too), written without the registry's write lock; they are not audited
(a failed sign-in changes nothing in the registry) and the username is kept only as the SHA-256 of its
canonical form.
"""

from __future__ import annotations

from datetime import timedelta

from endwatch.services.accounts.signin_limits import SignInCounts, SignInLimiter, SignInRules
from endwatch.services.accounts.users import AuthenticationFailed, IssuedToken, authenticate, issue_token
from endwatch.services.uow import Database

SESSION_LABEL = "command-line session"


def sign_in(db: Database, counts: SignInCounts, username: str, password: str, lifetime: timedelta,
            where: str = "", rules: SignInRules | None = None) -> IssuedToken:
    """Check the password of a person's account and issue a token of their own expiring after `lifetime`,
    labelled as a command-line session (`where` says on which machine).

    TooManyAttempts, before the password is even checked, once `rules.per_username` sign-ins for the
    username failed within the window (counted in `counts`, with the web's); AuthenticationFailed ("wrong
    username or password", never which) otherwise, counted as a failure. A success forgets the username's
    failures.
    """
    limiter = SignInLimiter(rules or SignInRules(), clock=lambda: db.reader().now().timestamp(), counts=counts)
    limiter.check(username)
    try:
        principal = authenticate(db.reader(), username, password)
    except AuthenticationFailed:
        limiter.failed(username)
        raise
    label = f"{SESSION_LABEL} on {where}" if where else SESSION_LABEL
    issued = issue_token(db.uow(), principal, principal.username, label, lifetime)
    limiter.succeeded(username)
    return issued
