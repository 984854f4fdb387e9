"""`endwatch audit`: read and verify the hash-chained audit trail."""

from __future__ import annotations

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, as_json, command, emit, err, out
from endwatch.services.audit import verify as audit_service
from endwatch.services.audit.trail import snapshot

audit_app = typer.Typer(help="The append-only, hash-chained audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


# A broken database can hold millions of altered rows: the table names this many, then counts the rest.
SHOWN_PROBLEMS = 50


@audit_app.command("verify")
@command
def verify(fmt: Format = FORMAT_OPTION) -> None:
    """Re-hash every entry (name the first one edited, deleted, inserted or moved), then check every
    registry row against the trail (name each row changed, added or deleted outside the application).
    Exit 1 if anything is wrong."""
    report = audit_service.verify(app_().reader)
    rows = audit_service.verify_rows(app_().reader)
    if fmt is Format.json:
        print(as_json({**snapshot(report), "rows": {"ok": rows.ok, "tables": rows.tables, "rows": rows.rows,
                       "problems": [{**snapshot(p), "description": p.describe()} for p in rows.problems]}}))
    else:
        if report.ok:
            out.print(f"audit trail intact: {report.entries} entries, every hash and link verified")
        else:
            err.print(f"[bold red]audit trail broken at entry {report.first_bad}[/bold red]: {report.problem}")
        if rows.ok:
            out.print(f"records intact: {rows.rows} rows in {rows.tables} tables, each as the trail records it")
        else:
            err.print(f"[bold red]records altered outside the application: {len(rows.problems)}[/bold red]")
            for problem in rows.problems[:SHOWN_PROBLEMS]:
                err.print(f"  {problem.describe()}", markup=False, highlight=False)
            if len(rows.problems) > SHOWN_PROBLEMS:
                err.print(f"  ... and {len(rows.problems) - SHOWN_PROBLEMS} more (--format json lists them all)")
    if not (report.ok and rows.ok):
        raise typer.Exit(1)


@audit_app.command("log")
@command
def log(
    entity: str = typer.Option(..., "--entity", help="Kind of record: party, product, policy, application, permit."),
    key: str = typer.Option(..., "--key", help="The record's id or number."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Every audit entry about one record, oldest first."""
    entries = audit_service.history(app_().reader, entity, key)
    rows = [{"seq": e.seq, "recorded_at": e.recorded_at, "actor": e.actor, "action": e.action, "reason": e.reason,
             "after": e.after} for e in entries]
    emit(rows, fmt, f"audit trail of {entity} {key}", ["seq", "recorded_at", "actor", "action", "reason"]
         if fmt is Format.table else None)
