"""Who is calling and whether they may: the ONE place authorisation is enforced, for pages and API alike.

Every route depends on `requires(action)`. It resolves the caller (bearer token, else session cookie,
else the public), asks services.authz whether the caller's role may perform the action, and checks the
CSRF token of every state-changing request made with a session cookie. Record-level filtering (exporters
see only their own company's records) is applied by the route through services.authz.visible/check_visible.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from endwatch.bootstrap import Endwatch
from endwatch.services.accounts import users
from endwatch.services.accounts.users import AuthenticationFailed, WebSession
from endwatch.services.authz import PUBLIC, Action, Principal, permits, require
from endwatch.web.errors import CsrfRejected
from endwatch.web.fields import form_without_nul

SESSION_COOKIE = "endwatch_session"
SIGNIN_COOKIE = "endwatch_signin"  # double-submit CSRF token for the sign-in form (no session yet)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer = HTTPBearer(auto_error=False, description="An API token from `endwatch user token USERNAME`.")


@dataclass(frozen=True)
class Caller:
    """The resolved caller of one request."""

    principal: Principal
    session: WebSession | None = None

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token if self.session else ""


def endwatch_of(request: Request) -> Endwatch:
    ew: Endwatch = request.app.state.endwatch
    return ew


def resolve_caller(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Caller:
    """Bearer token first (a bad one is an error, never a silent fall back to public), then the session."""
    ew = endwatch_of(request)
    if credentials is not None:
        from endwatch.web.cache import cached  # here, not at the top: cache.py imports this module

        # Revoking a token or disabling a user is a write (audited), so it changes the state version at once;
        # a token's expiry is not, so it is checked on every request.
        secret = credentials.credentials
        holder = cached(request, ("token", users.sha256(secret)), lambda: users.token_holder(ew.reader(), secret))
        return Caller(holder.check_live(ew.clock()))
    if request.headers.get("authorization"):
        raise AuthenticationFailed("use the header 'Authorization: Bearer <token>'")
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            session = users.session_for(ew.reader(), cookie)
        except AuthenticationFailed:
            return Caller(PUBLIC)  # a stale cookie: treat as signed out
        return Caller(session.principal, session)
    return Caller(PUBLIC)


def optional_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    """The caller, whoever it is (used only by the sign-in and sign-out pages)."""
    caller = resolve_caller(request, credentials)
    request.state.caller = caller
    return caller


async def check_csrf(request: Request, caller: Caller) -> None:
    """State-changing requests carried by a session cookie must present the session's CSRF token."""
    if request.method in SAFE_METHODS or caller.session is None:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, caller.session.csrf_token):
        raise CsrfRejected("the form's security token is missing or stale; reload the page and try again")


def requires(action: Action) -> Callable[..., Awaitable[Caller]]:
    """A dependency admitting only callers whose role may perform `action`.

    The public gets 401 (sign in), a signed-in caller without the permission 403.
    """

    async def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Caller:
        caller = resolve_caller(request, credentials)
        request.state.caller = caller  # for rendering the page's navigation
        if caller.principal.is_public and not permits(caller.principal.role, action):
            raise AuthenticationFailed("sign in to see this")
        require(caller.principal, action)
        await check_csrf(request, caller)
        await form_without_nul(request)
        return caller

    dependency.endwatch_action = action  # type: ignore[attr-defined]  # lets tests list each route's action
    return dependency
