"""The demonstration database: `endwatch demo` loads the bundled case only into a database made for it,
and what only a demonstration may do (accounts with published passwords, the replay's own principal)
works only there.

A database becomes a demonstration when the demo finds it empty (no audited write, no account) and
marks it so (an audited write); a database holding anything else is never marked, so the demo refuses it.
"""

from __future__ import annotations

from datetime import date

from endwatch.errors import RuleViolation
from endwatch.services.authz import Action, Principal
from endwatch.services.gate import write
from endwatch.services.uow import UnitOfWork

DEMO_KEY = "demonstration"
TODAY_KEY = "demonstration.today"  # the day a replayed demonstration lives in (its own "today")
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


def recorded_today(uow: UnitOfWork) -> date | None:
    """The day a demonstration database was replayed to live in, or None (any other database: the real date)."""
    with uow:
        if uow.system.get(DEMO_KEY) != "yes":
            return None
        text = uow.system.get(TODAY_KEY)
    return date.fromisoformat(text) if text else None


def set_today(uow: UnitOfWork, principal: Principal, day: date) -> None:
    """Record the demonstration's own today (audited): records and assessments made later read as of it.
    RuleViolation `demo-database` on any other database."""
    require_demo(uow, "a recorded today")
    with write(uow, principal, Action.SYSTEM_CONFIGURE) as w:
        before = uow.system.get(TODAY_KEY)
        if before == day.isoformat():
            return
        uow.system.set(TODAY_KEY, day.isoformat())
        w.record(action="system.today", entity="system", key=TODAY_KEY, before={"today": before},
                 after={"today": day.isoformat()},
                 reason="the demonstration replayed to this day reads as of it")
