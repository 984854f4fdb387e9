"""The one gate every write passes, whatever the entry point (page, API, command line, import, a job):

    principal -> the one policy (services/authz) -> a transaction that holds the write lock from its
    first statement -> load -> the domain rule -> write -> audit entry -> row digests -> commit.

Row digests: whatever rows the write created, changed or deleted in an audited table (database
triggers note them, db/audit/capture.py) are digested into its last audit entry before it commits, so
`endwatch audit verify` can tell every row the application wrote from one written around it. No use
case records them itself.

`write` is that pipeline for a single use case. `write_planned` is the same pipeline for long jobs
(import, detection, re-assessment): the work is computed on a read snapshot, without the lock, and
written under the lock only if nothing was written meanwhile (else computed again, the last time under
the lock), so that other writers wait seconds, not minutes.
No entry point has a rule, a permission or a lock of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeGuard, TypeVar, cast

from endwatch.domain.audit import AuditEntry
from endwatch.domain.text import text as text_rule
from endwatch.errors import InvalidInput, Problem
from endwatch.services.audit.trail import record
from endwatch.services.authz import Action, Principal, require
from endwatch.services.uow import Database, UnitOfWork

P = TypeVar("P")
# A reason is free text (domain/text.py): line breaks and tabs, no other control character.
_REASON = text_rule(100_000)
R = TypeVar("R")


@dataclass(frozen=True)
class Write:
    """A write in progress: its unit of work (the write lock held) and the principal it is made by."""

    uow: UnitOfWork
    principal: Principal

    def record(self, *, action: str, entity: str, key: str, before: Any = None, after: Any = None,
               reason: str = "") -> AuditEntry:
        """Append the audit entry describing a change made in this write (committed with it, or not at all)."""
        problem = _REASON.problem(reason)
        if problem is not None:  # a NUL cannot even be stored on PostgreSQL: refused, and the write rolled back
            raise InvalidInput([Problem(f"reason {problem}", column="reason")])
        p = self.principal
        if p.delegate is not None:
            why = f"on behalf of {p.username} by {p.delegate}: {p.delegate_reason or 'no reason given'}"
            reason = f"{reason} ({why})" if reason else why
        return record(self.uow, actor=p.username, action=action, entity=entity, key=key, before=before,
                      after=after, reason=reason, delegate=p.delegate)


@contextmanager
def write(uow: UnitOfWork, principal: Principal, action: Action) -> Iterator[Write]:
    """Authorise `principal` for `action`, then run the block in one transaction holding the write lock;
    commit when the block ends normally (a `return` inside it included). Anything raised rolls it all back.

    Raises Forbidden before anything is read, and Busy when the lock cannot be had in time.
    """
    require(principal, action)
    with uow:
        uow.audit.start_row_capture()
        w = Write(uow, principal)
        yield w
        uow.audit.seal_rows(lambda: w.record(action="rows.write", entity="rows", key="",
                                             reason="rows written without an entry of their own"))
        uow.commit()


# Whether the writes since a plan was made (the trail's head then; the tables they touched) leave it valid.
Unaffected = Callable[[P, UnitOfWork, int, set[str]], bool]


def write_planned(db: Database, principal: Principal, action: Action, plan: Callable[[UnitOfWork], P],
                  apply: Callable[[Write, P], R], *, attempts: int = 2,
                  unaffected_by: Collection[str] = (), unaffected: Unaffected[P] | None = None) -> R:
    """Compute `plan` on a read snapshot, then `apply` it in a write (as `write` does) when no other write
    was committed in between; otherwise plan again, and after `attempts` snapshots plan under the lock.

    `unaffected_by` names tables whose writes cannot change the plan (rows only added there, of no
    concern to it: a sighting recorded meanwhile is simply not part of this detection run): a write
    meanwhile that touched only those tables (the trail's row digests say which) leaves the plan valid.
    `unaffected(plan, uow, version, tables)`, when given, decides the other cases under the lock, from the
    rows written since (`uow.audit.rows_written_since`): for a job whose plan depends on some rows of a table
    only (an import, on the parties it names), so that a steady stream of unrelated writes does not make it
    plan again and again, and at last under the lock.
    `plan` only reads; `apply` writes what the plan says, checking nothing a concurrent write could have
    changed (that is what the version check is for).
    """
    require(principal, action)
    ignored = frozenset(unaffected_by)
    for _ in range(attempts):
        with db.reader() as snapshot:
            version = snapshot.audit.version()
            planned = plan(snapshot)
        with write(db.uow(), principal, action) as w:
            if _still_valid(w.uow, version, ignored, planned, unaffected):
                return apply(w, planned)
    with write(db.uow(), principal, action) as w:
        return apply(w, plan(w.uow))


def _still_valid(uow: UnitOfWork, version: int, ignored: frozenset[str], planned: P,
                 unaffected: Unaffected[P] | None) -> bool:
    """No write since `version` (the trail's head when the plan was made) touched what the plan depends on."""
    if uow.audit.version() == version:
        return True
    tables = uow.audit.tables_written_since(version)
    if tables <= ignored:
        return True
    return unaffected is not None and unaffected(planned, uow, version, tables - ignored)


def is_database(target: UnitOfWork | Database) -> TypeGuard[Database]:
    """Whether `target` hands out units of work (a Database) rather than being one."""
    return callable(getattr(target, "reader", None))


def plan_then_write(target: UnitOfWork | Database, principal: Principal, action: Action,
                    plan: Callable[[UnitOfWork], P], apply: Callable[[Write, P], R], *, attempts: int = 2,
                    unaffected_by: Collection[str] = (), unaffected: Unaffected[P] | None = None) -> R:
    """`write_planned` on a Database; on a unit of work the caller already made, plan and apply in its one
    write (the lock held throughout: for callers that want one transaction, like a benchmark's worker)."""
    if is_database(target):
        return write_planned(target, principal, action, plan, apply, attempts=attempts, unaffected_by=unaffected_by,
                             unaffected=unaffected)
    with write(cast(UnitOfWork, target), principal, action) as w:
        return apply(w, plan(w.uow))
