"""`endwatch deadlines ...`: everything awaited by a due day, and the job that reminds and escalates."""

from __future__ import annotations

from typing import Any

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, command, emit, out, parse_date, principal, today
from endwatch.domain.deadlines import standing
from endwatch.services.monitoring import deadlines

deadlines_app = typer.Typer(help="Deadlines: trace requests, inquiries and checks awaited by a due day; reminders"
                                 " before it and escalations after it, each sent once.", no_args_is_help=True)
app.add_typer(deadlines_app, name="deadlines")


def rules() -> deadlines.Rules:
    """The chasing rules from the settings."""
    s = app_().settings
    return deadlines.Rules(s.remind_days_before, s.escalate_days_after, s.escalation_email)


@deadlines_app.command("list")
@command
def list_(
    as_of: str | None = typer.Option(None, "--as-of", help="Standing as of this day (default today)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Everything awaited with a due day, soonest first, with where it stands and the notice it is owed."""
    day = parse_date(as_of, "--as-of") or today()
    ew = app_()
    found: list[dict[str, Any]] = []
    for d in deadlines.due_items(ew.reader()):
        s = standing(d.due_on, day, ew.settings.zone)
        found.append({"subject": d.subject, "key": d.key, "title": d.title, "counterpart": d.counterpart,
                      "opened_on": d.opened_on, "due_on": d.due_on, "standing": s.state, "days": s.days,
                      "owed_by_us": d.owed_by_us, "notice_due": deadlines.notice_due(d, day, rules())})
    emit(found, fmt, f"awaited as of {day.isoformat()}",
         ["title", "counterpart", "due_on", "standing", "days", "notice_due"] if fmt is Format.table else None)


@deadlines_app.command("chase")
@command
def chase(
    on: str | None = typer.Option(None, "--on", help="Day to chase as of (default today)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be sent; send and write nothing."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Queue every reminder and escalation owed today that was not sent before (run it daily; running it twice
    sends nothing twice). `endwatch notify send` then delivers them."""
    day = parse_date(on, "--on") or today()
    report = deadlines.chase(app_(), principal(), day, rules(), dry_run=dry_run)
    rows = [{"notice": n.notice, "subject": n.subject, "key": n.key, "due_on": n.due_on, "to": list(n.to),
             "sent": not dry_run, "why_not": ""} for n in report.sent]
    rows += [{"notice": n.notice, "subject": n.subject, "key": n.key, "due_on": n.due_on, "to": [],
              "sent": False, "why_not": why} for n, why in report.skipped]
    emit(rows, fmt, f"deadline notices on {day.isoformat()}" + (" (dry run: nothing sent)" if dry_run else ""))
    if fmt is Format.table:
        out.print(f"{len(report.sent)} {'would be ' if dry_run else ''}queued, {len(report.skipped)} skipped",
                  markup=False)


@deadlines_app.command("policy")
@command
def policy(
    counts: bool | None = typer.Option(None, "--count-overdue-answers/--no-count-overdue-answers",
                                       help="Whether answers given late or never count against the party in later"
                                            " assessments (approvers and administrators)."),
    reason: str = typer.Option("", "--reason", help="Why (recorded in the audit trail)."),
) -> None:
    """Show, or set, the authority's policy on counting overdue answers against a party in assessments."""
    from endwatch.services.monitoring import answers

    if counts is None:
        with app_().reader() as uow:
            now = answers.counts_overdue_answers(uow)
    else:
        answers.set_counts_overdue_answers(app_().uow(), principal(), counts, reason)
        now = counts
    out.print("overdue answers are " + ("counted against the party in assessments (indicator overdue-answers)"
                                        if now else "not counted in assessments"), markup=False)
