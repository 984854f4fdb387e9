"""`endwatch checks ...`: the check programme (show, set from a file) and the plan of checks due."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path

import typer

from endwatch.cli import app
from endwatch.cli.common import AS_OF_OPTION, Format, app_, as_json, command, emit, identity, out, parse_date
from endwatch.cli.common import principal as principal_
from endwatch.cli.common import today as today_
from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import Principal, Role
from endwatch.services.monitoring import plan as plans
from endwatch.services.monitoring import programme as programmes

checks_app = typer.Typer(help="End-use checks: the check programme and the plan of checks due.", no_args_is_help=True)
app.add_typer(checks_app, name="checks")
programme_app = typer.Typer(help="The check programme: rules deciding which checks are due, versioned by date.",
                            no_args_is_help=True)
checks_app.add_typer(programme_app, name="programme")


class PlanFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _reader() -> Principal:
    """Who reads: the signed-in principal when there is one (an exporter then sees only its own checks), else
    the local operator with an auditor's reading rights (read-only commands need no sign-in, as everywhere on
    the command line)."""
    found = identity()
    if found is None:
        return Principal("command line", Role.AUDITOR)
    return found.holder.check_live(app_().clock())


@programme_app.command("show")
@command
def programme_show(
    as_of: str | None = AS_OF_OPTION,
    all_versions: bool = typer.Option(False, "--all", help="Every version, not only the one in force."),
    fmt: Format = typer.Option(Format.json, "--format", "-f", help="JSON (the file form `set` reads) or a table."),
) -> None:
    """The programme in force on a day (the file form, ready to edit and `set` again), or every version."""
    ew = app_()
    if all_versions:
        versions = programmes.programme_versions(ew.reader())
        emit([{"effective_from": v.effective_from, "rules": len(v.body.get("rules", [])), "set_by": v.set_by,
               "set_at": v.set_at, "reason": v.reason} for v in versions], fmt, "check programme versions")
        return
    day = parse_date(as_of, "--as-of") or today_()
    current = programmes.programme_in_force(ew.reader(), day)
    if current is None:
        out.print(f"no check programme in force on {day.isoformat()} (set one with `endwatch checks programme set"
                  " FILE`)")
        return
    if fmt is Format.json:
        print(json.dumps(current.to_json(), indent=2, ensure_ascii=False))
        return
    emit([{"rule": r.id, "kind": r.kind.value, "when": json.dumps(current.to_json()["rules"][i]["when"]),
           "within_days": r.within_days, "every_months": r.every_months, "lasts_years": r.lasts_years}
          for i, r in enumerate(current.rules)], fmt, f"check programme from {current.effective_from}")


@programme_app.command("set")
@command
def programme_set(
    file: Path = typer.Argument(..., metavar="FILE", help="The programme as JSON (docs/monitoring.md)."),
    reason: str = typer.Option("", "--reason", help="Why the programme changes (kept in the audit trail)."),
) -> None:
    """Set a version of the programme from a file, effective from its `effective_from` (validated first:
    on any problem nothing is written)."""
    who = principal_()  # who acts is settled first: without a sign-in, nothing else is looked at
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput([Problem(f"cannot read the file: {getattr(exc, 'strerror', None) or exc}",
                                    str(file))]) from None
    parsed = programmes.parse(text, str(file))
    version = programmes.set_programme(app_().uow(), who, parsed, reason)
    out.print(f"check programme set: {len(parsed.rules)} rule(s) in force from {version.effective_from.isoformat()}")


@checks_app.command("plan")
@command
def plan(
    as_of: str | None = AS_OF_OPTION,
    fmt: PlanFormat = typer.Option(PlanFormat.table, "--format", "-f", help="table, csv or json."),
) -> None:
    """The checks the programme asks for: overdue, due and coming, by destination and end user."""
    day = parse_date(as_of, "--as-of") or today_()
    result = plans.plan(app_().reader(), _reader(), day)
    records = plans.rows(result.checks)
    if fmt is PlanFormat.json:
        print(as_json({"as_of": result.as_of, "programme_from": result.programme_from, "checks": records,
                       "designated_items": result.designated_items,
                       "designated_items_overdue": result.designated_items_overdue}))
        return
    if fmt is PlanFormat.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]) if records else ["destination"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in records)
        print(buffer.getvalue(), end="")
        return
    if result.programme_from is None:
        out.print(f"no check programme in force on {day.isoformat()}: nothing is planned")
        return
    emit(records, Format.table, f"checks as of {day.isoformat()} (programme from {result.programme_from})",
         ["destination", "end_user_id", "kind", "number", "rule", "due_on", "status", "days_overdue", "items",
          "last_done"])
    share = result.overdue_share
    if share is not None:
        out.print(f"designated items whose inventory is overdue: {result.designated_items_overdue} of"
                  f" {result.designated_items} ({share:.0%})")
