"""Database errors in endwatch's own words: what a driver raises becomes the EndwatchError it means.

Services never see a driver error. The rules are checked before anything is written; these translations
are the last line, for what only the database can see in time (two writers racing past a check, a value
the database cannot hold, a lock held too long). Nothing was written when any of them is raised.
"""

from __future__ import annotations

import re
import sqlite3

import psycopg
import sqlalchemy as sa

from endwatch.errors import Busy, EndwatchError, InvalidInput, Problem, RuleViolation

# Unique keys whose breach is a registry rule of its own (by constraint name, or by the columns SQLite names).
_RULES: dict[str, tuple[str, str]] = {
    "uq_deliveries_serial": ("serial-unique", "a delivered item with this serial already exists for the product"
                                              " family"),
    "uq_enforcement_proposals_open_case": ("proposal-pending", "the case already has a proposal awaiting a"
                                                               " decision"),
}
_SQLITE_COLUMNS: dict[str, str] = {
    "deliveries.manufacturer_id, deliveries.family, deliveries.serial_norm": "uq_deliveries_serial",
    "enforcement_proposals.case_id": "uq_enforcement_proposals_open_case",
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")
_LOCKED = ("database is locked", "database table is locked", "lock timeout", "could not obtain lock",
           "canceling statement due to lock timeout", "deadlock detected", "could not serialize access")
BUSY_RETRY_AFTER = 5


def _driver_error(exc: BaseException) -> BaseException | None:
    """The driver's own error behind `exc` (SQLAlchemy wraps it; bulk paths meet it bare), or None."""
    if isinstance(exc, sa.exc.DBAPIError):
        return exc.orig if exc.orig is not None else exc
    if isinstance(exc, sqlite3.Error | psycopg.Error):
        return exc
    return None


def _is(orig: BaseException, sqlite_kind: type[BaseException], psycopg_kind: type[BaseException],
        wrapped: BaseException, sa_kind: type[BaseException]) -> bool:
    return isinstance(orig, sqlite_kind | psycopg_kind) or isinstance(wrapped, sa_kind)


def _constraint(orig: BaseException) -> tuple[str | None, str]:
    """(constraint name when the driver says it, what the database said)."""
    said = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    diag = getattr(orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name), said
    found = _SQLITE_UNIQUE.search(said)
    return (_SQLITE_COLUMNS.get(found.group(1).strip()) if found else None), said


def translate(exc: BaseException) -> EndwatchError | None:
    """The EndwatchError a database error means, or None when it is not one endwatch can explain."""
    orig = _driver_error(exc)
    if orig is None:
        return None
    said = str(orig).lower()
    if any(marker in said for marker in _LOCKED):
        return Busy("the database is busy with another write; nothing was written, try again in a few seconds",
                    BUSY_RETRY_AFTER)
    if _is(orig, sqlite3.IntegrityError, psycopg.IntegrityError, exc, sa.exc.IntegrityError):
        name, text = _constraint(orig)
        if name in _RULES:
            rule, detail = _RULES[name]
            return RuleViolation(rule, detail + " (another write got there first)", [])
        if "foreign key" in said:
            return RuleViolation("reference", "the write names a record that does not exist (or no longer does)",
                                 [])
        if "unique" in said or "duplicate key" in said:
            return RuleViolation("unique", "a record with the same key already exists (another write got there"
                                 " first)", [])
        if "not null" in said or "null value" in said:
            return InvalidInput([Problem(f"a required value is missing ({text})")])
        return RuleViolation("integrity", text, [])
    if _is(orig, sqlite3.DataError, psycopg.DataError, exc, sa.exc.DataError):
        _, text = _constraint(orig)
        return InvalidInput([Problem(f"the database cannot store a value as given: {text}")])
    return None
