"""Is the configured database there, reachable and initialised? One clear sentence when it is not.

Commands other than `endwatch init` and `endwatch demo` must never create a database by accident (a
missing ENDWATCH_HOME would otherwise leave an empty ~/.endwatch/endwatch.db behind and fail later with
"no such table"), so opening one checks first and names the setting, the URL without its password and
the fix.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from endwatch.db.engine import schema_status
from endwatch.errors import ConfigurationError

INIT_HINT = "create it with `endwatch init` (or `endwatch demo` for the demonstration database)"


def _which_setting() -> str:
    if os.environ.get("ENDWATCH_DATABASE_URL"):
        return "ENDWATCH_DATABASE_URL"
    return "ENDWATCH_HOME" if os.environ.get("ENDWATCH_HOME") else "ENDWATCH_HOME (unset: the default ~/.endwatch)"


def label(url: str) -> str:
    """The URL for messages: without its password; the text as given when it is not a URL at all."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(not a database URL)"


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, or None (another database, or in memory)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return None
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def check_url(url: str) -> None:
    """Refuse a URL SQLAlchemy cannot read, naming the setting."""
    try:
        sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise ConfigurationError(f"{_which_setting()} is not a database URL (expected for example"
                                 " sqlite:////path/endwatch.db or postgresql+psycopg://user@host/db)") from None


def check_file_exists(url: str) -> None:
    """Before an engine is made: a SQLite file that does not exist is an error, never created silently."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise ConfigurationError(f"no endwatch database at {path} (from {_which_setting()}): {INIT_HINT},"
                                 " or point ENDWATCH_HOME or ENDWATCH_DATABASE_URL at an existing one")


def check_ready(engine: sa.Engine, url: str, *, allow_older: bool = False) -> None:
    """Connect once and read the schema revision: unreachable, not a database, never initialised, or (unless
    `allow_older`, for commands that upgrade it) an older schema is a ConfigurationError naming the URL
    (without password) and the fix."""
    where = label(url)
    try:
        applied, heads = schema_status(engine)
    except sa.exc.OperationalError as exc:
        raise ConfigurationError(f"cannot open the database {where} (from {_which_setting()}): "
                                 f"{first_line(exc)}; check that the server is running and the URL is right"
                                 ) from None
    except sa.exc.DatabaseError as exc:
        raise ConfigurationError(f"{where} is not an endwatch database ({first_line(exc)});"
                                 f" check {_which_setting()}") from None
    if not applied:
        raise ConfigurationError(f"the database {where} has not been initialised: {INIT_HINT}")
    if not allow_older and not heads <= applied:
        raise ConfigurationError(f"the database {where} has an older schema than this endwatch:"
                                 " run `endwatch db upgrade`")


def first_line(exc: sa.exc.DBAPIError) -> str:
    """The driver's own message, first line only (no SQL, no SQLAlchemy background link)."""
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
