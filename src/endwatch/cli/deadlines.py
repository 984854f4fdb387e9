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
                                       help="Set a version: whether answers given late or never count against the"
                                            " party in assessments dated from --from on (approvers and"
                                            " administrators)."),
    effective: str | None = typer.Option(None, "--from", help="The day the version takes effect (default today);"
                                         " a version with the same day is replaced, later versions stay."),
    as_of: str | None = typer.Option(None, "--as-of", help="Show the version in force on this day (default"
                                     " today)."),
    reason: str = typer.Option("", "--reason", help="Why (recorded in the audit trail)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Show the authority's policy on counting overdue answers against a party in assessments (every version and
    the one in force), or set a version effective from a day. An assessment follows the version in force on its
    own date."""
    from endwatch.services.monitoring import answers

    if counts is not None:
        if as_of is not None:
            raise typer.BadParameter("--as-of only shows the policy: leave it out when setting a version",
                                     param_hint="--as-of")
        day = parse_date(effective, "--from") or today()
        answers.set_answer_policy(app_().uow(), principal(), counts, day, reason)
    elif effective is not None or reason:
        raise typer.BadParameter("--from and --reason set a version: give --count-overdue-answers or"
                                 " --no-count-overdue-answers with them", param_hint="--from")
    on = parse_date(as_of, "--as-of") or today()
    with app_().reader() as uow:
        versions = answers.policy_versions(uow)
        now = answers.counts_overdue_answers(uow, on)
    rows = [{"effective_from": v.effective_from, "counts": v.counts, "set_by": v.set_by, "set_at": v.set_at,
             "reason": v.reason} for v in versions]
    if fmt is Format.json:
        emit([{"as_of": on, "counts": now, "versions": rows}], fmt)
        return
    out.print(f"as of {on.isoformat()} overdue answers are "
              + ("counted against the party in assessments (indicator overdue-answers)" if now
                 else "not counted in assessments"), markup=False)
    if rows:
        emit(rows, fmt, "versions of the policy (each in force from its day until the next)")
