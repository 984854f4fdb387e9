"""An administrator acting on a person's behalf (`endwatch --on-behalf-of USER --reason TEXT ...`)."""

from __future__ import annotations

from endwatch.errors import NotFound, RuleViolation
from endwatch.services.accounts.users import principal_of
from endwatch.services.authz import Principal, on_behalf_of, require_may_act_for_others
from endwatch.services.uow import UnitOfWork


def act_on_behalf(uow: UnitOfWork, principal: Principal, username: str, reason: str) -> Principal:
    """The principal `principal` (an administrator, in person) acts as on the active user `username`'s behalf,
    naming the administrator as its delegate (authz.on_behalf_of). Forbidden, before any account is read,
    for anyone else; NotFound for an unknown user; RuleViolation `user-active` for a disabled one."""
    require_may_act_for_others(principal)
    with uow:
        user = uow.accounts.get_user(username)
    if user is None:
        raise NotFound("user", username)
    if not user.active:
        raise RuleViolation("user-active", f"user {username!r} is disabled", [f"user {username}"])
    return on_behalf_of(principal, principal_of(user), reason)
