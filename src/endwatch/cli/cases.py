"""`endwatch case ...`: case files (notes, evidence, inquiries), the case timeline and the oversight pack."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, as_json, command, emit, out, parse_date, principal
from endwatch.cli.common import today as today_
from endwatch.services.casefiles import evidence, inquiries, oversight
from endwatch.services.casefiles.cases import case_file, close_case, list_cases, open_case
from endwatch.services.casefiles.notes import add_note
from endwatch.services.casefiles.oversight import PackFormat, Profile
from endwatch.services.casefiles.timeline import case_timeline

case_app = typer.Typer(help="Case files: findings, evidence, inquiries, decisions and one timeline per case.",
                       no_args_is_help=True)
app.add_typer(case_app, name="case")

ON = typer.Option(None, "--on", help="Date (YYYY-MM-DD); default today.")


def _store() -> Path:
    return app_().settings.home / "evidence"


def _day(on: str | None) -> Any:
    return parse_date(on, "--on") or today_()


def _case_row(c: Any) -> dict[str, Any]:
    return {"id": c.id, "title": c.title, "status": c.status, "opened_on": c.opened_on, "closed_on": c.closed_on,
            "consignee": c.consignee_id, "observed_user": c.observed_user_id, "opened_by": c.opened_by}


@case_app.command("open")
@command
def open_(
    title: str = typer.Option(..., "--title", help="What the case is about."),
    consignee: str | None = typer.Option(None, "--consignee", help="Party id of the consignee concerned."),
    observed_user: str | None = typer.Option(None, "--observed-user", help="Party id of who was seen with the goods."),
    summary: str = typer.Option("", "--summary"),
    on: str | None = ON,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Open a case by hand (detection opens cases on diversion findings by itself)."""
    case = open_case(app_().uow(), principal(), title, _day(on), consignee_id=consignee,
                     observed_user_id=observed_user, summary=summary)
    emit([_case_row(case)], fmt, "case opened", ["id", "status", "opened_on", "title"] if fmt is Format.table else None)


@case_app.command("list")
@command
def list_(fmt: Format = FORMAT_OPTION) -> None:
    """Every case."""
    emit([_case_row(c) for c in list_cases(app_().reader())], fmt, "cases",
         ["id", "status", "opened_on", "closed_on", "title"] if fmt is Format.table else None)


@case_app.command("show")
@command
def show(case_id: str = typer.Argument(..., metavar="CASE"), fmt: Format = FORMAT_OPTION) -> None:
    """One case: details, recommended actions, evidence, inquiries and its timeline."""
    ew = app_()
    cf = case_file(ew.reader(), case_id)
    events = case_timeline(ew.reader(), case_id)
    data: dict[str, Any] = {
        "case": _case_row(cf.case) | {"summary": cf.case.summary},
        "findings": [{"sighting": f["id"], "observed_on": f["observed_on"], "serial": f["serial"],
                      "observed_user": f["observed_user"], "verdict": f.get("verdict"),
                      "confidence": f.get("confidence"), "permit": f.get("permit_number")} for f in cf.findings],
        "actions": [{"id": a.id, "kind": a.kind, "target": a.target, "status": a.status, "reason": a.reason,
                     "decided_at": a.decided_at, "decided_by": a.decided_by} for a in cf.actions],
        "evidence": [{"filename": e.filename, "sha256": e.sha256, "size": e.size, "added_by": e.added_by,
                      "added_at": e.added_at, "description": e.description} for e in cf.evidence],
        "inquiries": [{"id": i.id, "to": i.to_party, "question": i.question, "asked_on": i.asked_on,
                       "answer": i.answer, "answered_on": i.answered_on} for i in cf.inquiries],
        "timeline": [{"date": e.on, "kind": e.kind, "text": e.text, "by": e.actor} for e in events],
    }
    if fmt is Format.json:
        print(as_json(data))
        return
    c = cf.case
    out.print(f"[bold]{c.id}[/bold] ({c.status}) {c.title}", highlight=False)
    out.print(f"opened {c.opened_on} by {c.opened_by}" + (f"; closed {c.closed_on}" if c.closed_on else ""),
              markup=False, highlight=False)
    if c.summary:
        out.print(c.summary, markup=False, highlight=False)
    for key, title in (("findings", "sightings and findings"), ("actions", "recommended actions"),
                       ("evidence", "evidence"), ("inquiries", "inquiries")):
        if data[key]:
            emit(data[key], fmt, title)
    out.print("[bold]timeline[/bold]")
    for e in events:
        out.print(f"{e.on}  {e.kind:<12} {e.text}" + (f"  (by {e.actor})" if e.actor else ""),
                  markup=False, highlight=False)


@case_app.command("note")
@command
def note(
    case_id: str = typer.Argument(..., metavar="CASE"),
    text: str = typer.Option(..., "--text"),
    on: str | None = ON,
) -> None:
    """Add a dated note to a case."""
    n = add_note(app_().uow(), principal(), case_id, text, _day(on))
    out.print(f"note {n.id} added to {case_id}", markup=False)


@case_app.command("attach")
@command
def attach(
    case_id: str = typer.Argument(..., metavar="CASE"),
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="Photos, documents, video stills."),
    description: str = typer.Option("", "--description"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Store evidence files content-addressed (SHA-256) and attach them to a case."""
    results = evidence.attach(app_().uow(), principal(), _store(), case_id, files, description)
    emit([{"file": r.filename, "sha256": r.sha256, "size": r.size,
           "stored": "new" if r.stored else "already stored",
           "attached": "yes" if r.linked else "already attached"} for r in results], fmt, f"evidence for {case_id}")


@case_app.command("verify")
@command
def verify(
    case_id: str | None = typer.Argument(None, metavar="[CASE]", help="One case; default every stored file."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Re-hash every stored evidence file and report any that changed or vanished (exit code 1 if any)."""
    checks = evidence.verify(app_().reader(), _store(), case_id)
    emit([{"sha256": c.sha256, "status": c.status, "cases": list(c.cases), "files": list(c.filenames),
           "size": c.size} for c in checks], fmt, "evidence check")
    bad = [c for c in checks if c.status != "ok"]
    if fmt is Format.table:
        out.print(f"{len(checks)} file(s) checked, {len(bad)} changed or missing")
    if bad:
        raise typer.Exit(1)


@case_app.command("inquiry")
@command
def inquiry(
    case_id: str = typer.Argument(..., metavar="CASE"),
    to: str = typer.Option(..., "--to", help="Party id (or name) the question goes to."),
    question: str = typer.Option(..., "--question"),
    on: str | None = ON,
    send: bool = typer.Option(False, "--send", help="Also e-mail the question to the party (through the outbox)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Record a question put to an exporter or another authority."""
    i = inquiries.ask(app_().uow(), principal(), case_id, to, question, _day(on), send=send)
    emit([{"inquiry": i.id, "case": i.case_id, "to": i.to_party, "asked_on": i.asked_on, "question": i.question}],
         fmt, "inquiry recorded")


@case_app.command("answer")
@command
def answer(
    inquiry_id: int = typer.Argument(..., metavar="INQUIRY"),
    text: str = typer.Option(..., "--text"),
    on: str | None = ON,
) -> None:
    """Record the answer to an inquiry."""
    i = inquiries.answer(app_().uow(), principal(), inquiry_id, text, _day(on))
    out.print(f"inquiry {i.id} on {i.case_id} answered on {i.answered_on}", markup=False)


@case_app.command("close")
@command
def close(
    case_id: str = typer.Argument(..., metavar="CASE"),
    on: str | None = ON,
    reason: str = typer.Option("", "--reason"),
) -> None:
    """Close a case."""
    c = close_case(app_().uow(), principal(), case_id, _day(on), reason)
    out.print(f"{c.id} closed on {c.closed_on}", markup=False)


@case_app.command("export")
@command
def export(
    case_id: str = typer.Argument(..., metavar="CASE"),
    profile: Profile = typer.Option(..., "--profile", help="public, committee or internal: what is redacted."),
    fmt: PackFormat = typer.Option(PackFormat.md, "--format", "-f", help="pdf, json or md."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: standard output; "
                                                                     "required for pdf)."),
) -> None:
    """Write the oversight pack: the case, its timeline and evidence list, redacted for the profile."""
    if fmt is PackFormat.pdf and output is None:
        raise typer.BadParameter("a PDF needs --output FILE", param_hint="--output")
    data = oversight.export_pack(app_().reader(), case_id, profile, fmt, today_(), oversight.find_font())
    if output is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    output.write_bytes(data)
    out.print(f"{profile.value} pack for {case_id} written to {output} ({len(data)} bytes)", markup=False)
