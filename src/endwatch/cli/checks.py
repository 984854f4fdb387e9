"""`endwatch checks ...`: the check programme (show, set from a file) and the plan of checks due."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from endwatch.cli import app
from endwatch.cli.common import (
    AS_OF_OPTION,
    FORMAT_OPTION,
    Format,
    app_,
    as_json,
    command,
    emit,
    identity,
    out,
    parse_date,
)
from endwatch.cli.common import principal as principal_
from endwatch.cli.common import today as today_
from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import Principal, Role
from endwatch.services.monitoring import checks, found, reconcile, series
from endwatch.services.monitoring import plan as plans
from endwatch.services.monitoring import programme as programmes
from endwatch.services.monitoring.store import Check
from endwatch.web.uploads import sniff

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


def _check_row(c: Check) -> dict[str, Any]:
    return {"id": c.id, "kind": c.kind, "permits": [k for s, k in c.subjects if s == "permit"],
            "applications": [k for s, k in c.subjects if s == "application"], "planned_on": c.planned_on,
            "done_on": c.done_on, "inspector": c.inspector, "place": c.place,
            "grade": f"{c.reliability}{c.credibility}", "by_authority": c.by_authority, "outcome": c.outcome,
            "reasons": c.reasons}


@checks_app.command("record")
@command
def record(
    as_of: str | None = typer.Option(None, "--as-of", help="The day to record (default today)."),
    start: str | None = typer.Option(None, "--from", help="Back-fill: the first day of a range to record."),
    end: str | None = typer.Option(None, "--to", help="Back-fill: the last day of the range (default today)."),
    month_ends: bool = typer.Option(False, "--month-ends", help="Back-fill only each month's last day."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Record the plan's figures of a day in the series (run it daily; recording a day again replaces its
    figures): designated items, those whose inventory is overdue, overdue checks by age. With --from/--to,
    each day (or month end) of a range, each computed as of its day."""
    who = principal_()  # who acts is settled first: without a sign-in, nothing else is looked at
    if as_of is not None and (start is not None or end is not None):
        raise InvalidInput([Problem("give --as-of for one day, or --from and --to for a range, not both",
                                    column="--as-of")])
    if end is not None and start is None:
        raise InvalidInput([Problem("--to ends a range that --from starts: give --from too", column="--from")])
    if month_ends and start is None:
        raise InvalidInput([Problem("--month-ends back-fills a range: give --from", column="--month-ends")])
    today = today_()
    if start is not None:
        first = parse_date(start, "--from")
        assert first is not None
        recorded = series.record(app_(), who, today, first, parse_date(end, "--to") or today, month_ends)
    else:
        recorded = series.record(app_(), who, today, parse_date(as_of, "--as-of") or today)
    emit([{"day": d.day, "designated_items": d.designated_items,
           "designated_items_overdue": d.designated_items_overdue,
           "overdue_share": None if d.overdue_share is None else round(d.overdue_share, 4),
           **{label: n for (label, _, _), n in zip(plans.AGES, d.overdue_by_age, strict=True)}}
          for d in recorded], fmt, f"{len(recorded)} day(s) recorded")


@checks_app.command("open")
@command
def open_(
    kind: str = typer.Option(..., "--kind", help="pre-licence, pre-shipment, post-shipment or inventory."),
    permit: list[str] = typer.Option([], "--permit", help="A permit the check covers (repeatable)."),
    application: list[str] = typer.Option([], "--application", help="An application (pre-licence checks)."),
    on: str = typer.Option(..., "--on", help="The day the check is planned for (YYYY-MM-DD)."),
    inspector: str = typer.Option(..., "--inspector", help="Who checks."),
    place: str = typer.Option("", "--place", help="Where: the site the items are declared to be at."),
    not_authority: bool = typer.Option(False, "--not-authority",
                                       help="Checked by others than the authority's own staff."),
    reliability: str = typer.Option("A", "--reliability", help="Grade of the check as a source, A-F."),
    credibility: str = typer.Option("1", "--credibility", help="Grade of what it reports, 1-6."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Plan a check: its kind, the permits (or applications) it covers, when, who and where. The authority's own
    staff are graded A1 unless said otherwise."""
    who = principal_()
    day = parse_date(on, "--on")
    assert day is not None
    subjects = tuple([("permit", p) for p in permit] + [("application", a) for a in application])
    check = checks.open_check(app_().uow(), who, Check(None, kind, subjects, day, inspector, place,
                                                       not not_authority,
                                                       reliability, credibility))
    emit([_check_row(check)], fmt, "check opened",
         ["id", "kind", "permits", "applications", "planned_on", "inspector", "grade"] if fmt is Format.table else None)


@checks_app.command("result")
@command
def result(
    check_id: int = typer.Argument(..., metavar="CHECK"),
    on: str = typer.Option(..., "--on", help="The day the check was done."),
    outcome: str = typer.Option(..., "--outcome", help="favourable or unfavourable."),
    reasons: str = typer.Option("", "--reasons", help="Why (required when unfavourable)."),
    serial: list[str] = typer.Option([], "--serial", help="A serial found (repeatable)."),
    file: Path | None = typer.Option(None, "--file", help="Found items as CSV or XLSX (docs/monitoring.md)."),
    sighting: list[str] = typer.Option([], "--sighting", help="A recorded sighting whose item was found."),
    place: str = typer.Option("", "--place", help="Where the typed serials were found; blank: the check's place."),
    user_id: str | None = typer.Option(None, "--user-id", help="Party id of who held the typed serials."),
    user: str = typer.Option("", "--user", help="Who held the typed serials, in words."),
    condition: str = typer.Option("", "--condition", help="The typed serials' condition."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Record what a check found and its outcome, then show its reconciliation per permit."""
    who = principal_()
    day = parse_date(on, "--on")
    assert day is not None
    ew = app_()
    items = found.typed(serial, place=place, user_id=user_id, user=user, condition=condition)
    if file is not None:
        items += found.from_file(file, str(file))
    if sighting:
        items += found.from_sightings(ew.reader(), sighting)
    checks.record_result(ew.uow(), who, check_id, day, outcome, reasons, items)
    _show_reconciliation(reconcile.reconcile(ew.reader(), who, check_id), fmt)


@checks_app.command("list")
@command
def list_(fmt: Format = FORMAT_OPTION) -> None:
    """Every check (an exporter's token: those on its own permits and applications)."""
    emit([_check_row(c) for c in checks.list_checks(app_().reader(), _reader())], fmt, "checks",
         ["id", "kind", "permits", "applications", "planned_on", "done_on", "outcome", "inspector"]
         if fmt is Format.table else None)


@checks_app.command("show")
@command
def show(check_id: int = typer.Argument(..., metavar="CHECK"), fmt: Format = FORMAT_OPTION) -> None:
    """One check and its reconciliation: each expected item verified, missing, with another user or at another
    place, and the unexpected serials found."""
    _show_reconciliation(reconcile.reconcile(app_().reader(), _reader(), check_id), fmt)


@checks_app.command("findings")
@command
def findings(check_id: int = typer.Argument(..., metavar="CHECK"), fmt: Format = FORMAT_OPTION) -> None:
    """Record every unverified item of a done check as a sighting graded as the check is, and let detection
    decide them (findings, cases, re-assessment); filing again adds nothing."""
    filed = reconcile.file_findings(app_().uow(), principal_(), check_id)
    rows = [{"sighting": r.finding.sighting_id, "verdict": r.finding.verdict, "confidence": r.finding.confidence,
             "permit": r.finding.permit_number, "case": r.case_id}
            for r in (filed.run.results if filed.run else []) if r.finding.sighting_id in filed.sightings]
    emit(rows, fmt, f"check {check_id}: {len(filed.sightings)} sighting(s) recorded",
         ["sighting", "verdict", "confidence", "permit", "case"] if fmt is Format.table else None)


@checks_app.command("photo")
@command
def photo(check_id: int = typer.Argument(..., metavar="CHECK"), file: Path = typer.Argument(..., metavar="FILE"),
          description: str = typer.Option("", "--description")) -> None:
    """Add a photo taken at a check (JPEG, PNG, WebP or PDF, told by its content) to the evidence store."""
    who = principal_()
    try:
        head = file.open("rb").read(16)
    except OSError as exc:
        raise InvalidInput([Problem(f"cannot read: {exc.strerror}", str(file))]) from None
    if sniff(head) is None:
        raise InvalidInput([Problem("not a JPEG, PNG, WebP or PDF file (told by its content)", str(file))])
    attached = checks.add_photo(app_().uow(), who, app_().settings.home / "evidence", check_id, file, description)
    out.print(f"photo {attached.filename} ({attached.sha256[:12]}) added to check {check_id}")


def _show_reconciliation(rec: reconcile.Reconciliation, fmt: Format) -> None:
    rows = [{"permit": line.permit_number, "status": line.status, "serial": line.serial,
             "found_serial": line.found_serial, "tier": line.tier, "declared_user": line.declared_user,
             "found_user": line.found_user, "found_place": line.found_place, "condition": line.condition,
             "note": line.note} for line in rec.lines]
    if fmt is Format.json:
        print(as_json({"check": _check_row(rec.check), "on": rec.on, "counts": rec.counts(), "lines": rows}))
        return
    c = rec.check
    out.print(f"check {c.id}: {c.kind} on {', '.join(k for _, k in c.subjects)}, planned {c.planned_on},"
              f" {'done ' + c.done_on.isoformat() if c.done_on else 'not done yet'}"
              f"{', ' + c.outcome if c.outcome else ''}{' (' + c.reasons + ')' if c.reasons else ''}")
    emit(rows, Format.table, "reconciliation " + ", ".join(f"{k} {v}" for k, v in rec.counts().items()),
         ["permit", "status", "serial", "found_serial", "tier", "declared_user", "found_user", "found_place", "note"])
