"""What every command shares: the configured endwatch, the acting principal, output in table or JSON, errors."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from endwatch.bootstrap import Endwatch, open_existing
from endwatch.cli import session_file
from endwatch.errors import ConfigurationError, EndwatchError, InvalidInput, RuleViolation
from endwatch.services.accounts.delegation import act_on_behalf
from endwatch.services.accounts.users import AuthenticationFailed, TokenHolder, token_holder
from endwatch.services.audit.trail import snapshot
from endwatch.services.authz import Principal
from endwatch.settings import Settings, load_settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"


FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="Output as a table or as JSON.")
AS_OF_OPTION = typer.Option(None, "--as-of", help="Answer as things stood on this date (YYYY-MM-DD); default today.")


_app: Endwatch | None = None


def app_(*, create: bool = False, allow_older: bool = False) -> Endwatch:
    """The endwatch configured from the environment (built once per process). Its database must exist and
    be initialised (ConfigurationError otherwise); only `init` and `demo` pass `create` to make one, and
    commands that upgrade the schema pass `allow_older`."""
    global _app
    if _app is None:
        _app = open_existing(settings_or_fail(), create=create, allow_older=allow_older)
    return _app


def settings_or_fail() -> Settings:
    """The settings from the environment; a wrong value is a ConfigurationError naming its variable."""
    try:
        return load_settings()
    except ValidationError as exc:
        wrong = "; ".join(f"ENDWATCH_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
                          f" (got {e.get('input')!r})" for e in exc.errors())
        raise ConfigurationError(f"a setting is wrong: {wrong}") from None


SIGN_IN = "sign in with `endwatch login` (or set ENDWATCH_TOKEN to an API token)"


@dataclass(frozen=True)
class Identity:
    """Who the command line acts as, and how it was found: the token's holder and where the token came from."""

    holder: TokenHolder
    source: str  # "ENDWATCH_TOKEN" or "session"
    session_path: Path | None = None


@dataclass
class _Delegation:
    user: str | None = None
    reason: str | None = None


_delegation = _Delegation()


def set_delegation(user: str | None, reason: str | None) -> None:
    """Act on `user`'s behalf (the global `--on-behalf-of USER --reason TEXT`), or in one's own name (None)."""
    _delegation.user, _delegation.reason = user, reason


def identity() -> Identity | None:
    """The holder of ENDWATCH_TOKEN, else of the session `endwatch login` saved; None when there is neither.

    A token that does not work is an error, never a quiet fall back to the next source: AuthenticationFailed.
    """
    ew = app_()
    token = os.environ.get("ENDWATCH_TOKEN", "").strip()
    if not token and ew.settings.token is not None:
        token = ew.settings.token.get_secret_value().strip()
    if token:
        return Identity(token_holder(ew.reader(), token), "ENDWATCH_TOKEN")
    saved = session_file.load(ew.settings.home)
    if saved is None:
        return None
    path = session_file.path_in(ew.settings.home)
    if saved.database != ew.database_label():
        raise AuthenticationFailed(f"your command-line session ({path}) was opened on {saved.database}, not on"
                                   f" {ew.database_label()}: sign in with `endwatch login`")
    try:
        return Identity(token_holder(ew.reader(), saved.token), "session", path)
    except AuthenticationFailed:
        raise AuthenticationFailed(f"your command-line session ({path}) has ended (it expired or was revoked, or"
                                   " the account was disabled): sign in again with `endwatch login`") from None


def principal() -> Principal:
    """Who this command acts as: the holder of the API token in ENDWATCH_TOKEN, else of the session opened
    with `endwatch login`; with `--on-behalf-of USER --reason TEXT`, an administrator acting for USER.

    Every command that writes asks for it, and the services check what that principal may do; there is
    no other way to name who is acting. Read-only commands need none.
    """
    found = identity()
    if found is None:
        raise AuthenticationFailed(f"this command writes, so it needs to know who you are: {SIGN_IN}")
    own = found.holder.check_live(app_().clock())
    if _delegation.user is None:
        return own
    return act_on_behalf(app_().reader(), own, _delegation.user, _delegation.reason or "")


def today() -> date:
    """Today in the authority's time zone (ENDWATCH_TIME_ZONE), by the configured clock."""
    return app_().today()


def parse_date(text: str | None, option: str) -> date | None:
    """Parse an ISO date given on the command line, naming the option when it is wrong."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date in ISO form (YYYY-MM-DD)", param_hint=option) from None


def as_json(value: Any) -> str:
    """Pretty JSON of any domain value."""
    return json.dumps(snapshot(value), indent=2, ensure_ascii=False)


def emit(rows: Sequence[dict[str, Any]], fmt: Format, title: str | None = None,
         columns: Sequence[str] | None = None) -> None:
    """Print records as a rich table or as one JSON array."""
    if fmt is Format.json:
        print(as_json(list(rows)))
        return
    cols = list(columns or (rows[0].keys() if rows else []))
    cells = [[_cell(row.get(c)) for c in cols] for row in rows]
    table = Table(title=title, show_lines=False)
    for i, c in enumerate(cols):
        if is_identifier_column(c):
            # An identifier is never cut or wrapped: people copy it into the next command.
            widest = max([len(c), *(len(r[i]) for r in cells)])
            table.add_column(c.replace("_", " "), no_wrap=True, min_width=widest, overflow="ignore")
        else:
            # Other columns wrap, but never below a readable width (the table grows wider instead).
            longest = max([0, *(len(r[i]) for r in cells)])
            table.add_column(c.replace("_", " "), overflow="fold",
                             min_width=min(max(longest, len(c)), max(len(c), 12)))
    for r in cells:
        table.add_row(*r)
    # Rich drops columns that do not fit; rather than lose any, the table grows wider than the terminal.
    needed = sum(col.min_width or 0 for col in table.columns) + 3 * len(table.columns) + 1
    width = out.width
    out.width = max(needed, width)  # print() cannot widen beyond the console, so the console widens a moment
    try:
        out.print(table)
    finally:
        out.width = width
    if not rows:
        out.print("[dim](none)[/dim]")


_IDENTIFIER_COLUMNS = frozenset({"id", "number", "serial", "permit", "application", "case", "sighting", "finding",
                                  "username", "user", "key", "reference", "rule", "check", "request", "partner",
                                  "exchange", "permits", "applications"})


def is_identifier_column(name: str) -> bool:
    """Columns that hold identifiers (kept whole in tables): id, number, serial, permit, *_id, *_number."""
    return name in _IDENTIFIER_COLUMNS or name.endswith(("_id", "_number", "_serial"))


def _cell(value: Any) -> str:
    value = snapshot(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@contextmanager
def handled() -> Iterator[None]:
    """Turn endwatch errors into a readable message and exit code 1 (nothing was written)."""
    try:
        yield
    except InvalidInput as exc:
        err.print(f"[bold red]error:[/bold red] {len(exc.problems)} problem(s); nothing was written")
        for p in exc.problems:
            err.print(f"  {p}", markup=False, highlight=False)
        raise typer.Exit(1) from None
    except RuleViolation as exc:
        err.print(f"[bold red]refused by rule {exc.rule}:[/bold red] ", end="")
        err.print(exc.detail, markup=False, highlight=False)
        if exc.records:
            err.print("  records: " + ", ".join(exc.records), markup=False, highlight=False)
        err.print("  nothing was written")
        raise typer.Exit(1) from None
    except EndwatchError as exc:
        err.print("[bold red]error:[/bold red] ", end="")
        err.print(exc.message, markup=False, highlight=False)
        raise typer.Exit(1) from None


def command(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: run a command body with endwatch errors handled."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with handled():
            return fn(*args, **kwargs)

    return wrapper


def fail(message: str) -> None:
    """Stop with a usage-level error message."""
    err.print(f"[bold red]error:[/bold red] {message}")
    sys.exit(1)
