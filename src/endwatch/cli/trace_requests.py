"""`endwatch requests ...`: trace requests out and in (open, list, show, answer, close, link, attach)."""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, as_json, command, emit, out, parse_date, principal, today
from endwatch.domain.deadlines import DEFAULT_REPLY_DAYS
from endwatch.domain.trace_requests import Direction, Status, TraceRequest
from endwatch.services.monitoring import requests as trace_requests
from endwatch.services.monitoring import requests_report

requests_app = typer.Typer(help="Trace requests: questions about serials sent to exporters, manufacturers and other"
                                " states, and received from partners; each with a reply window.",
                           no_args_is_help=True)
app.add_typer(requests_app, name="requests")

ON = typer.Option(None, "--on", help="Date (YYYY-MM-DD); default today in the authority's time zone.")


def _day(on: str | None) -> date:
    return parse_date(on, "--on") or today()


def row(r: TraceRequest, as_of: date) -> dict[str, Any]:
    """A request as one flat record (the list's row and the JSON of `show`)."""
    state, days = r.standing(as_of)
    return {"reference": r.reference, "direction": r.direction.value, "counterpart_kind": r.counterpart_kind.value,
            "counterpart": r.counterpart, "party_id": r.party_id, "serials": list(r.serials),
            "question": r.question, "opened_on": r.opened_on, "due_on": r.due_on, "status": r.status.value,
            "standing": state, "days": days, "answer": r.answer, "answered_on": r.answered_on,
            "answered_by": r.answered_by, "closed_on": r.closed_on, "close_reason": r.close_reason,
            "their_reference": r.their_reference, "contact": r.contact, "finding": r.finding, "case_id": r.case_id,
            "opened_by": r.opened_by,
            "attachments": [{"filename": a.filename, "sha256": a.sha256, "size": a.size,
                             "description": a.description} for a in r.attachments]}


@requests_app.command("open")
@command
def open_(
    direction: str = typer.Option(..., "--direction", help="outgoing (we ask) or incoming (we are asked)."),
    kind: str = typer.Option(..., "--counterpart-kind",
                             help="outgoing: exporter, manufacturer or authority; incoming: authority or research."),
    serial: list[str] = typer.Option(..., "--serial", help="A serial number asked about (repeat for more)."),
    question: str = typer.Option(..., "--question"),
    party: str | None = typer.Option(None, "--party", help="Party id of the exporter or manufacturer asked."),
    counterpart: str = typer.Option("", "--counterpart", help="Who is asked or asks (an authority, a research"
                                                              " organisation); default: the party's name."),
    contact: str | None = typer.Option(None, "--contact", help="E-mail address of the counterpart."),
    their_reference: str = typer.Option("", "--their-reference", help="The counterpart's own reference."),
    window_days: int = typer.Option(DEFAULT_REPLY_DAYS, "--window-days", help="Reply window in days."),
    finding: str | None = typer.Option(None, "--finding", help="Sighting id of the finding the request feeds."),
    case: str | None = typer.Option(None, "--case", help="Case the request feeds."),
    send: bool = typer.Option(False, "--send", help="E-mail an outgoing request to the counterpart (outbox)."),
    on: str | None = ON,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Open a trace request, due --window-days (28) after it is opened."""
    draft = trace_requests.Draft(direction=direction, counterpart_kind=kind, question=question, serials=serial,
                                 counterpart=counterpart, party_id=party, contact=contact,
                                 their_reference=their_reference, window_days=window_days, finding=finding,
                                 case_id=case)
    day = _day(on)
    r = trace_requests.open_request(app_().uow(), principal(), draft, day, send=send)
    emit([row(r, day)], fmt, "trace request opened",
         ["reference", "direction", "counterpart", "serials", "opened_on", "due_on"] if fmt is Format.table else None)


@requests_app.command("list")
@command
def list_(
    direction: Direction | None = typer.Option(None, "--direction"),
    status: Status | None = typer.Option(None, "--status"),
    party: str | None = typer.Option(None, "--party", help="Only requests to this party."),
    serial: str | None = typer.Option(None, "--serial", help="Only requests about this serial (by its serial key)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Standing as of this day (default today)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Trace requests, newest first, with where each stands (open, due, overdue, answered on time or late)."""
    day = parse_date(as_of, "--as-of") or today()
    found = trace_requests.list_requests(app_().reader(), None, direction=direction, status=status, party_id=party,
                                         serial=serial)
    emit([row(r, day) for r in found], fmt, f"trace requests as of {day.isoformat()}",
         ["reference", "direction", "counterpart", "serials", "opened_on", "due_on", "standing", "days"]
         if fmt is Format.table else None)


@requests_app.command("show")
@command
def show(reference: str = typer.Argument(..., metavar="REFERENCE"), fmt: Format = FORMAT_OPTION) -> None:
    """One trace request: its question, serials, deadline, answer, attachments and what it feeds."""
    day = today()
    r = row(trace_requests.get_request(app_().reader(), None, reference), day)
    if fmt is Format.json:
        print(as_json(r))
        return
    for key, value in r.items():
        if key == "attachments":
            value = ", ".join(f"{a['filename']} ({a['sha256'][:12]})" for a in value) or None
        if value not in (None, "", []):
            out.print(f"{key.replace('_', ' '):>16}  {', '.join(value) if isinstance(value, list) else value}",
                      markup=False, highlight=False)


@requests_app.command("answer")
@command
def answer(
    reference: str = typer.Argument(..., metavar="REFERENCE"),
    text: str = typer.Option(..., "--text"),
    send: bool = typer.Option(False, "--send", help="E-mail our answer to an incoming request's contact (outbox)."),
    on: str | None = ON,
) -> None:
    """Record the answer to a trace request (once)."""
    r = trace_requests.answer_request(app_().uow(), principal(), reference, text, _day(on), send=send)
    state, days = r.standing(r.answered_on or _day(on))
    out.print(f"{r.reference} answered on {r.answered_on} ({state}{f', {days} day(s) late' if days else ''})",
              markup=False)


@requests_app.command("close")
@command
def close(
    reference: str = typer.Argument(..., metavar="REFERENCE"),
    reason: str = typer.Option(..., "--reason", help="Why it is closed without an answer."),
    on: str | None = ON,
) -> None:
    """Close a trace request without an answer (withdrawn, or given up); it counts as never answered."""
    r = trace_requests.close_request(app_().uow(), principal(), reference, reason, _day(on))
    out.print(f"{r.reference} closed on {r.closed_on}", markup=False)


@requests_app.command("link")
@command
def link(
    reference: str = typer.Argument(..., metavar="REFERENCE"),
    finding: str | None = typer.Option(None, "--finding", help="Sighting id of the finding the request feeds."),
    case: str | None = typer.Option(None, "--case", help="Case the request feeds."),
) -> None:
    """Name the finding and/or case a trace request feeds."""
    r = trace_requests.feed(app_().uow(), principal(), reference, finding=finding, case_id=case)
    out.print(f"{r.reference} feeds finding {r.finding or '-'} and case {r.case_id or '-'}", markup=False)


@requests_app.command("attach")
@command
def attach(
    reference: str = typer.Argument(..., metavar="REFERENCE"),
    files: list[Path] = typer.Argument(..., metavar="FILE..."),
    description: str = typer.Option("", "--description"),
) -> None:
    """Attach files to a trace request (kept in the evidence store by their SHA-256)."""
    store = app_().settings.home / "evidence"
    r = trace_requests.attach(app_().uow(), principal(), store, reference, files, description)
    out.print(f"{r.reference}: {len(r.attachments)} file(s) attached", markup=False)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@requests_app.command("report")
@command
def report(
    as_of: str | None = typer.Option(None, "--as-of", help="Count as of this day (default today)."),
    opened_from: str | None = typer.Option(None, "--from", help="Only requests opened on or after this day."),
    opened_to: str | None = typer.Option(None, "--to", help="Only requests opened on or before this day."),
    direction: Direction | None = typer.Option(None, "--direction"),
    fmt: ReportFormat = typer.Option(ReportFormat.table, "--format", "-f", help="table, json or csv."),
) -> None:
    """Requests sent and received by counterpart: answered on time, late, never, still open, withdrawn."""
    day = parse_date(as_of, "--as-of") or today()
    found = requests_report.build(app_().reader(), None, day, opened_from=parse_date(opened_from, "--from"),
                                  opened_to=parse_date(opened_to, "--to"), direction=direction)
    if fmt is ReportFormat.csv:
        sys.stdout.write(requests_report.to_csv(found))
        return
    rows = [r.as_dict() for r in [*found.rows, *found.totals.values()]]
    emit(rows, Format(fmt.value), f"trace requests as of {day.isoformat()}")
