"""Database set-up, import and export of the exchange format, and the reference-case demo."""

from __future__ import annotations

from pathlib import Path

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, as_json, command, emit, out, principal
from endwatch.services.accounts import users
from endwatch.services.registry.exports import export_folder
from endwatch.services.registry.imports import import_folder
from endwatch.services.registry.serial_holds import held_items

db_app = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command("init")
@command
def init() -> None:
    """Create the database (SQLite by default) and bring its schema up to date."""
    ew = app_(create=True)
    ew.migrate()
    out.print(f"database ready: {ew.database_label()}")
    if not users.list_users(ew.reader()):
        out.print("no accounts yet: create the first administrator with"
                  " `endwatch user add NAME --role administrator`, then `endwatch login NAME`")


@db_app.command("upgrade")
@command
def db_upgrade() -> None:
    """Apply every migration not yet applied (to a database `endwatch init` created)."""
    ew = app_(allow_older=True)
    ew.migrate()
    out.print(f"database up to date: {ew.database_label()}")
    held = held_items(ew.reader())
    if held:
        out.print(f"{len(held)} delivered items share a serial key with another item and are held for review:"
                  " `endwatch serials review` lists them")


@db_app.command("status")
@command
def db_status() -> None:
    """Show the schema revision of the database and the newest one this version knows."""
    applied, heads = app_().schema_status()
    state = "up to date" if heads <= applied else "needs `endwatch db upgrade`"
    out.print(f"{app_().database_label()}: {len(applied)} migrations applied; newest {sorted(heads)}: {state}")


@app.command("import")
@command
def import_(
    folder: Path = typer.Argument(..., help="Folder of exchange-format CSV files."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would change; write nothing."),
    reason: str = typer.Option("", "--reason", help="Why (recorded in the audit trail)."),
    historical: str | None = typer.Option(
        None, "--historical", metavar="SOURCE",
        help="Rows with a blank historical_source are historical records of SOURCE (records that predate"
        " endwatch, e.g. an older registry): accepted as decided there, marked historical everywhere."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Import a folder in the exchange format: all of it, or nothing if anything is wrong."""
    if dry_run:  # reads only, no lock taken; the same checks and permission as the real run
        report = import_folder(app_(), principal(), folder, dry_run=True, historical=historical)
    else:  # checked on a snapshot, then written under the lock: others wait only for the writing
        report = import_folder(app_(), principal(), folder, reason=reason, historical=historical)
    if fmt is Format.json:
        print(as_json(report))
        return
    title = f"{'would import (dry run)' if dry_run else 'imported'}: {folder}"
    emit([vars(f) for f in report.files], fmt, title, ["file", "new", "changed", "unchanged"])
    if not report.changes:
        out.print("nothing to change: the registry already holds every record")


@app.command("export")
@command
def export(folder: Path = typer.Argument(..., help="Folder to write the CSV files to.")) -> None:
    """Export the whole registry to a folder in the exchange format."""
    counts = export_folder(app_().reader(), folder)
    for name, n in counts.items():
        out.print(f"{name}: {n} records")
