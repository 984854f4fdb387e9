"""Evidence commands: `endwatch evidence load FILE --source ucdp-acd|sipri-register`."""

from __future__ import annotations

from pathlib import Path

import typer

from endwatch.cli import app
from endwatch.cli.common import AS_OF_OPTION, FORMAT_OPTION, Format, app_, command, emit, parse_date, principal, today
from endwatch.services.assessment.evidence_load import Source, load_evidence

evidence_app = typer.Typer(help="Evidence from public datasets as published (conflicts, arms transfers).",
                           no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")


@evidence_app.command("load")
@command
def evidence_load(
    file: Path = typer.Argument(..., help="The dataset file, as published."),
    source: Source = typer.Option(..., "--source", help="What the file is: ucdp-acd (UCDP/PRIO Armed Conflict"
                                  " Dataset) or sipri-register (SIPRI's arms-transfers trade register)."),
    known_on: str | None = typer.Option(None, "--known-on",
                                        help="Day the evidence became known, e.g. the dataset's release (default"
                                        " today); assessments as of an earlier day do not see it."),
    release: str = typer.Option("", "--release", help="The dataset's version, cited with the evidence (e.g. v24.1)."),
    as_of: str | None = AS_OF_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Load a public dataset into evidence and re-assess what it concerns; any problem writes nothing."""
    day = parse_date(known_on, "--known-on") or today()
    report = load_evidence(app_().uow(), principal(), file, source, known_on=day,
                           as_of=parse_date(as_of, "--as-of"), release=release)
    emit([vars(report)], fmt, "Evidence loaded")
