"""The demonstration database: `endwatch demo` loads the bundled case only into a database made for it,
and what only a demonstration may do (accounts with published passwords, the replay's own principal)
works only there.

A database becomes a demonstration when the demo finds it empty (no audited write, no account) and
marks it so (an audited write); a database holding anything else is never marked, so the demo refuses it.
"""

from __future__ import annotations

from endwatch.errors import RuleViolation
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork

DEMO_KEY = "demonstration"
_RULE = "demo-database"


def is_demo(uow: UnitOfWork) -> bool:
    """True when the database was made by `endwatch demo`."""
    with uow:
        return uow.system.get(DEMO_KEY) == "yes"


def claim_for_demo(uow: UnitOfWork, principal: Principal) -> bool:
    """Make sure the database is a demonstration: mark it when it is still empty (True), accept it when it
    is marked already (False). RuleViolation `demo-database`, writing nothing, when it holds other records."""
    with write(uow, principal, Action.SYSTEM_CONFIGURE) as w:
        if uow.system.get(DEMO_KEY) == "yes":
            return False
        # Every write is audited, so an empty trail and no account mean nothing was ever stored here.
        if uow.audit.version() > 0 or uow.accounts.count_users() > 0:
            raise RuleViolation(_RULE, "this database already holds records that are not the demonstration's:"
                                " load the demo into a new database (another ENDWATCH_HOME or"
                                " ENDWATCH_DATABASE_URL)", ["setting demonstration"])
        uow.system.set(DEMO_KEY, "yes")
        w.record(action="system.demo", entity="system", key=DEMO_KEY, after={"demonstration": True},
                 reason="an empty database made into a demonstration by `endwatch demo`")
    return True


def require_demo(uow: UnitOfWork, what: str) -> None:
    """RuleViolation `demo-database` unless the database is a demonstration (`what` says what was refused)."""
    if not is_demo(uow):
        raise RuleViolation(_RULE, f"{what} only on a demonstration database (one made by `endwatch demo`):"
                            " this one is not", ["setting demonstration"])
