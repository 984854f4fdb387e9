"""Assessment commands: `endwatch assess`, `endwatch decide`, `endwatch countersign`, `endwatch decisions`,
`endwatch watchlist`, `endwatch reassess`, `endwatch screening load|lists|remove|hits|review`."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from endwatch.cli import app
from endwatch.cli.common import (
    AS_OF_OPTION,
    FORMAT_OPTION,
    Format,
    app_,
    as_json,
    command,
    emit,
    out,
    parse_date,
    principal,
    today,
)
from endwatch.services.assessment import assess as assessment
from endwatch.services.assessment import decisions, reassessment, screening
from endwatch.services.assessment import screening_review as screening_review_service
from endwatch.services.assessment.screening_files import ListKind

screening_app = typer.Typer(help="Restricted-party lists (FollowTheMoney entities) and screening hits.",
                            no_args_is_help=True)
app.add_typer(screening_app, name="screening")


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def markdown(result: dict[str, Any]) -> str:
    """An assessment as Markdown a licensing officer can put in a file."""
    s = result["subject"]
    lines = [f"# Assessment of {s['kind']} {s['key']} as of {result['as_of']}", "",
             f"**Recommendation: {result['recommendation'].replace('_', ' ')}**", ""]
    if result["conditions"]:
        lines += ["Conditions: " + ", ".join(result["conditions"]) + ".", ""]
    if s.get("exception"):
        lines += [f"Exception relied on: {s['exception']}.", ""]
    lines += ["## Conclusions", ""]
    lines += [f"- {c['text']} (indicators: {', '.join(c['indicators']) or 'none'})" for c in result["conclusions"]]
    lines += ["", "## Indicators", ""]
    for i in result["indicators"]:
        lines += [f"### {i['title']} ({i['code']}): {i['severity']}", "", i["summary"], "",
                  f"Known from: {i['date'] or 'n/a'}. Criteria: {', '.join(i['criteria'])}.", ""]
        lines += [f"- {e['text']}" + (f" ({e['date']})" if e["date"] else "") for e in i["evidence"]]
        if i["evidence"]:
            lines.append("")
    lines.append(f"Assessment {result['assessment_id']}, made {result['assessed_at']} by {result['assessed_by']}.")
    return "\n".join(lines)


def _print_assessment(result: dict[str, Any], fmt: ReportFormat) -> None:
    if fmt is ReportFormat.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    if fmt is ReportFormat.markdown:
        print(markdown(result))
        return
    s = result["subject"]
    out.print(f"[bold]{s['kind']} {s['key']}[/bold] as of {result['as_of']}: "
              f"[bold]{result['recommendation']}[/bold]"
              + (f" (conditions: {', '.join(result['conditions'])})" if result["conditions"] else ""))
    table = Table(show_lines=True)
    for col in ("indicator", "severity", "known from", "summary", "criteria"):
        table.add_column(col)
    for i in result["indicators"]:
        table.add_row(i["code"], i["severity"], i["date"] or "", i["summary"], ", ".join(i["criteria"]))
    out.print(table)
    for c in result["conclusions"]:
        out.print(f"- {c['text']} [dim](indicators: {', '.join(c['indicators']) or 'none'})[/dim]",
                  highlight=False)


@app.command("assess")
@command
def assess_cmd(
    application: str = typer.Argument(..., help="Application number (a permit number with --permit)."),
    as_of: str | None = AS_OF_OPTION,
    exception: str | None = typer.Option(None, "--exception",
                                         help="Named policy exception the application relies on."),
    permit: bool = typer.Option(False, "--permit", help="Assess a permit in force on its own terms."),
    fmt: ReportFormat = typer.Option(ReportFormat.table, "--format", "-f", help="table, json or markdown."),
) -> None:
    """Assess an application (or a permit) against policy and evidence known by a date; the result is stored."""
    day = parse_date(as_of, "--as-of") or today()
    if permit:
        if exception:
            raise typer.BadParameter("a permit is assessed under the exception it was issued under",
                                     param_hint="--exception")
        result = assessment.assess_permit(app_().uow(), principal(), application, day)
    else:
        result = assessment.assess(app_().uow(), principal(), application, day, exception=exception)
    _print_assessment(result.to_dict(), fmt)


@app.command("reassess")
@command
def reassess_cmd(
    as_of: str | None = AS_OF_OPTION,
    trigger: str = typer.Option("manual re-assessment", "--trigger", help="Why (recorded with each result)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Re-assess every permit in force and pending application; print what went on the watch list."""
    day = parse_date(as_of, "--as-of") or today()
    added = reassessment.reassess_all(app_(), principal(), day, trigger)
    emit([_watch_row(w) for w in added], fmt, "Added to the watch list",
         ["subject_kind", "subject_key", "as_of", "before", "after", "trigger", "changes"])


def _watch_row(w: Any) -> dict[str, Any]:
    row = dict(vars(w))
    row["changes"] = [f"{c['indicator']} {c['before']}->{c['after']}" for c in w.changes]
    return row


@app.command("watchlist")
@command
def watchlist_cmd(fmt: Format = FORMAT_OPTION) -> None:
    """Permits and applications whose recommendation worsened on re-assessment, with what changed."""
    entries = reassessment.watchlist(app_().reader())
    if fmt is Format.json:
        print(as_json(entries))
        return
    emit([_watch_row(w) for w in entries], fmt, "Watch list",
         ["subject_kind", "subject_key", "as_of", "before", "after", "trigger", "changes"])


class ListFileKind(StrEnum):
    auto = "auto"
    full = "full"
    delta = "delta"


@screening_app.command("load")
@command
def screening_load(
    file: Path = typer.Argument(..., help="FollowTheMoney entities, one JSON object a line: a full export of a "
                                "dataset, or a delta file (lines {\"op\": ADD|MOD|DEL, \"entity\": ...})."),
    listed_on: str | None = typer.Option(None, "--listed-on",
                                         help="Day of the list (default today): entities without first_seen or a "
                                              "Sanction start are listed from it, those it drops delisted on it."),
    dataset: str | None = typer.Option(None, "--dataset", help="Name of the list (default: from the entities)."),
    version: str | None = typer.Option(None, "--version",
                                       help="Version of the list (default: the day and the file's digest)."),
    kind: ListFileKind = typer.Option(ListFileKind.auto, "--kind",
                                      help="full or delta: refuse a file of the other kind (default: told by its "
                                           "lines)."),
    as_of: str | None = AS_OF_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Load a restricted-party list as published (a full export replaces its dataset's previous version and
    delists what it leaves out; a delta is applied in order), screen every party, and re-assess."""
    day = parse_date(listed_on, "--listed-on") or today()
    settings = app_().settings
    expect = None if kind is ListFileKind.auto else ListKind(kind.value)
    report = screening.load_list(app_().uow(), principal(), file, listed_on=day, dataset=dataset,
                                 as_of=parse_date(as_of, "--as-of"), threshold=settings.screening_threshold,
                                 strong=settings.screening_strong, version=version, expect=expect)
    emit([vars(report)], fmt, "Restricted-party list loaded")


@screening_app.command("lists")
@command
def screening_lists(fmt: Format = FORMAT_OPTION) -> None:
    """Every list loaded: dataset, version and date of its last load, entities held and listed (targets)."""
    emit([vars(x) for x in screening.list_lists(app_().reader())], fmt, "Restricted-party lists",
         ["dataset", "version", "kind", "loaded_on", "file", "entities", "targets", "removed_on"])


@screening_app.command("remove")
@command
def screening_remove(
    dataset: str = typer.Argument(..., help="The list's dataset (see `endwatch screening lists`)."),
    reason: str = typer.Option(..., "--reason", help="Why the list is removed (recorded in the audit trail)."),
    on: str | None = typer.Option(None, "--on", help="Day its entities are delisted (default today)."),
    as_of: str | None = AS_OF_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Remove a list: its entities are delisted (their hits end that day), then re-assess."""
    day = parse_date(on, "--on") or today()
    removed = screening.remove_list(app_().uow(), principal(), dataset, on=day, reason=reason,
                                    as_of=parse_date(as_of, "--as-of"))
    emit([vars(removed)], fmt, "Restricted-party list removed",
         ["dataset", "version", "loaded_on", "entities", "targets", "removed_on"])


@screening_app.command("hits")
@command
def screening_hits(fmt: Format = FORMAT_OPTION) -> None:
    """Every party that matches a restricted-party entity, with score and matched name."""
    hits = screening.list_hits(app_().reader())
    emit([{"hit": screening_review_service.hit_key(h), **vars(h)} for h in hits], fmt, "Screening hits",
         ["hit", "party_name", "matched_name", "score", "strong", "how", "parts", "entity_id", "entity_schema",
          "dataset", "listed_on", "ended_on", "programme", "authority", "review", "review_note"])


@screening_app.command("review")
@command
def screening_review(
    hit: str = typer.Argument(..., help="The hit: PARTY:ENTITY (the `hit` column of `endwatch screening hits`)."),
    confirm: bool = typer.Option(False, "--confirm", help="The party is the listed entity."),
    dismiss: bool = typer.Option(False, "--dismiss", help="A false match: the party is not the listed entity."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded with the review and in the audit trail)."),
    as_of: str | None = AS_OF_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Confirm or dismiss a screening hit with a reason; a dismissed hit is not counted until the entity or
    the party changes (four eyes for a dismissal where the authority says so)."""
    if confirm == dismiss:
        raise typer.BadParameter("give one of --confirm or --dismiss", param_hint="--confirm/--dismiss")
    review = screening_review_service.review_hit(
        app_().uow(), principal(), hit, "confirmed" if confirm else "dismissed", reason,
        four_eyes=app_().settings.screening_review_four_eyes, as_of=parse_date(as_of, "--as-of"))
    emit([vars(review)], fmt, "Screening hit reviewed",
         ["id", "party_id", "entity_id", "verdict", "state", "reviewed_by", "second_by", "reason"])
    if review.state == screening_review_service.AWAITING and fmt is Format.table:
        out.print("The dismissal needs a second, different officer: `endwatch screening review "
                  f"{hit} --dismiss --reason TEXT` under their own sign-in.")


class Verdict(StrEnum):
    approve = "approve"
    deny = "deny"
    hold = "hold"


DECISION_COLUMNS = ["id", "application_number", "decision", "state", "decided_on", "decided_by", "recommendation",
                    "needs_second", "second_by", "exception", "reason", "justification", "assessment_id"]


@app.command("decide")
@command
def decide_cmd(
    application: str = typer.Argument(..., help="Application number."),
    decision: Verdict = typer.Argument(..., help="approve, deny or hold."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded with the decision and in the audit trail)."),
    justification: str | None = typer.Option(
        None, "--justification",
        help="Written justification; required to approve against a deny/refer recommendation or under an exception."),
    exception: str | None = typer.Option(None, "--exception", help="Named policy exception the approval relies on."),
    second: bool = typer.Option(False, "--second",
                                help="Give the second signature to an approval awaiting it (same as countersign)."),
    on: str | None = typer.Option(None, "--on", help="Date of the decision (default today); assessed as of then."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Decide an application (approve, deny, hold); four eyes where the rules demand them."""
    day = parse_date(on, "--on") or today()
    if second:
        if decision is not Verdict.approve:
            raise typer.BadParameter("--second countersigns an approval; use it with approve", param_hint="--second")
        d = decisions.countersign(app_().uow(), principal(), application, reason=reason, on=day)
    else:
        d = decisions.decide(app_().uow(), principal(), application, decision.value, reason=reason, on=day,
                             justification=justification, exception=exception)
    emit([vars(d)], fmt, "Decision", DECISION_COLUMNS)
    if d.state == decisions.AWAITING and fmt is Format.table:
        out.print("The approval needs a second, different approver, signing in person: `endwatch countersign "
                  f"{application} --reason TEXT` under their own sign-in. The application is on hold until then.")


@app.command("countersign")
@command
def countersign_cmd(
    application: str = typer.Argument(..., help="Application number."),
    reason: str = typer.Option(..., "--reason", help="Why the second approver agrees."),
    on: str | None = typer.Option(None, "--on", help="Date of the signature (default today)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Give the second signature to an approval awaiting it (a different approver); the application is approved."""
    day = parse_date(on, "--on") or today()
    d = decisions.countersign(app_().uow(), principal(), application, reason=reason, on=day)
    emit([vars(d)], fmt, "Decision", DECISION_COLUMNS)


@app.command("decisions")
@command
def decisions_cmd(
    application: str | None = typer.Argument(None, help="Application number (default: all)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Decisions taken on applications, oldest first."""
    emit([vars(d) for d in decisions.list_decisions(app_().reader(), application)], fmt, "Decisions",
         DECISION_COLUMNS)


@app.command("reproduce")
@command
def reproduce_cmd(
    assessment_id: int = typer.Argument(..., help="Id of a stored assessment (shown by `endwatch assess`)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Recompute a stored assessment from its stored inputs alone and say whether the result is the same."""
    r = assessment.reproduce_stored(app_().reader(), assessment_id)
    emit([vars(r)], fmt, "Reproduction")
    if not r.same:
        raise typer.Exit(2)
