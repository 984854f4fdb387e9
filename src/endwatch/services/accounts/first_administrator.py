"""The first administrator: the one account created without a principal, on a database that has no account.

Everything else an account does needs a principal; the first one cannot have one yet. So, while the account
table is empty, anyone who can run endwatch on the database may create an administrator, audited as that
administrator creating itself. Once any account exists this is refused, and an administrator adds the rest.
"""

from __future__ import annotations

from endwatch.errors import RuleViolation
from endwatch.services.accounts.store import UserRecord
from endwatch.services.accounts.users import create_account
from endwatch.services.authz import Action, Principal, Role
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork


def add_first_administrator(uow: UnitOfWork, username: str, password: str) -> UserRecord:
    """Create the first account, an administrator, acting as itself. RuleViolation `first-administrator`
    (nothing written) once any account exists: then an administrator adds accounts, signed in."""
    itself = Principal(username, Role.ADMINISTRATOR)
    # The write lock is held from the first read, so two first administrators cannot both be created.
    with write(uow, itself, Action.USERS_MANAGE) as w:
        if uow.accounts.count_users() > 0:
            raise RuleViolation("first-administrator", "accounts exist already, so an administrator adds new ones:"
                                " sign in with `endwatch login` (or set ENDWATCH_TOKEN) first")
        return create_account(w, username, password, Role.ADMINISTRATOR.value,
                              reason="the first administrator, created by itself on a database without accounts")
