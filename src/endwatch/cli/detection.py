"""`endwatch sighting add|list`, `endwatch detect`, `endwatch findings`: field evidence to findings."""

from __future__ import annotations

from typing import Any

import typer
from rich.progress import Progress

from endwatch.cli import app
from endwatch.cli.common import (
    FORMAT_OPTION,
    Format,
    app_,
    as_json,
    command,
    emit,
    err,
    out,
    parse_date,
    principal,
)
from endwatch.domain.sightings import CREDIBILITY_GRADES, RELIABILITY_GRADES, Sighting
from endwatch.domain.verdicts import Verdict
from endwatch.services.detection.run import DetectionResult, detect, findings
from endwatch.services.detection.sightings import add_sighting, list_sightings

sighting_app = typer.Typer(help="Field sightings: one observed item each, as read, with its source.",
                           no_args_is_help=True)
app.add_typer(sighting_app, name="sighting")

SINCE_OPTION = typer.Option(None, "--since", help="Only sightings observed on or after this date (YYYY-MM-DD).")


def sighting_dict(s: Sighting) -> dict[str, Any]:
    """A sighting as plain data (its JSON shape)."""
    return {"id": s.id, "observed_on": s.observed_on, "place": s.place, "country": s.country,
            "observed_user": s.observed_user, "manufacturer": s.manufacturer, "model": s.model,
            "serial": s.serial, "platform": s.platform, "source": s.source, "reliability": s.reliability,
            "credibility": s.credibility, "media": list(s.media)}


def result_dict(r: DetectionResult) -> dict[str, Any]:
    """A finding as plain data: the JSON shape documented in docs/detection.md."""
    f = r.finding
    return {
        "sighting_id": f.sighting_id, "observed_on": f.observed_on, "verdict": f.verdict,
        "confidence": f.confidence, "tier": f.tier, "match": r.match, "observed_user_id": f.observed_user_id,
        "observed_country": f.observed_country, "candidates": list(f.candidates), "reasons": list(f.reasons),
        "case_id": r.case_id, "decided_at": f.decided_at, "decided_now": r.decided_now,
    }


def _print_results(results: list[DetectionResult], fmt: Format, title: str) -> None:
    if fmt is Format.json:
        print(as_json([result_dict(r) for r in results]))
        return
    rows = [{
        "sighting": r.finding.sighting_id, "observed": r.finding.observed_on, "verdict": r.finding.verdict,
        "confidence": r.finding.confidence or "", "tier": r.finding.tier or "",
        "serial": (r.match or {}).get("serial") or "", "permit": (r.match or {}).get("permit_number") or "",
        "observed user": r.finding.observed_user_id or "", "case": r.case_id or "",
        "candidates": len(r.finding.candidates) or "",
    } for r in results]
    emit(rows, fmt, title)
    for r in results:
        if r.finding.verdict in (Verdict.DIVERSION, Verdict.ANOMALY, Verdict.AMBIGUOUS):
            out.print(f"\n[bold]{r.finding.sighting_id}[/bold]: {r.finding.verdict}"
                      + (f" ({r.finding.confidence})" if r.finding.confidence else "")
                      + (f", case {r.case_id}" if r.case_id else ""))
            for reason in r.finding.reasons:
                out.print(f"  - {reason}", markup=False, highlight=False)


@sighting_app.command("add")
@command
def sighting_add(
    observed_on: str = typer.Option(..., "--observed-on", help="When the item was observed (YYYY-MM-DD)."),
    serial: str = typer.Option(..., "--serial", help="Serial as read; `?` for each unreadable character."),
    reliability: str = typer.Option(..., "--reliability",
                                    help=f"Source reliability, one of {', '.join(RELIABILITY_GRADES)}."),
    credibility: str = typer.Option(..., "--credibility",
                                    help=f"Information credibility, one of {', '.join(CREDIBILITY_GRADES)}."),
    sighting_id: str | None = typer.Option(None, "--id", help="Identifier (default: S-YYYYMMDD-N)."),
    place: str = typer.Option("", "--place", help="Where, in words."),
    country: str | None = typer.Option(None, "--country", help="Country where observed (alpha-2)."),
    observed_user: str = typer.Option("", "--observed-user", help="Force or group seen using the item."),
    manufacturer: str = typer.Option("", "--manufacturer", help="Maker's name as read."),
    model: str = typer.Option("", "--model", help="Model as read."),
    platform: str = typer.Option("", "--platform", help="What the item was fitted to."),
    source: str = typer.Option("", "--source", help="Who reported it."),
    media: list[str] = typer.Option([], "--media", help="A photo, video or report reference (repeatable)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Record one sighting (every wrong field is named; nothing is written then)."""
    day = parse_date(observed_on, "--observed-on")
    assert day is not None
    s = Sighting(sighting_id or "", day, serial, reliability.strip().upper(), credibility.strip(), place,
                 country.strip().upper() if country else None, observed_user, manufacturer, model, platform,
                 source, tuple(m for m in media if m.strip()))
    saved = add_sighting(app_().uow(), principal(), s, numbered=sighting_id is None)
    if fmt is Format.json:
        print(as_json(sighting_dict(saved)))
    else:
        out.print(f"recorded sighting {saved.id}; run `endwatch detect` to decide it")


@sighting_app.command("list")
@command
def sighting_list(since: str | None = SINCE_OPTION, fmt: Format = FORMAT_OPTION) -> None:
    """List sightings, by observation date."""
    rows = [sighting_dict(s) for s in list_sightings(app_().reader(), parse_date(since, "--since"))]
    emit(rows, fmt, "sightings", columns=None if fmt is Format.json else
         ["id", "observed_on", "country", "observed_user", "manufacturer", "model", "serial", "reliability",
          "credibility", "source"])


@app.command("detect")
@command
def detect_command(
    since: str | None = SINCE_OPTION,
    reassess: bool = typer.Option(True, "--reassess/--no-reassess",
                                  help="Re-assess permits and applications when diversions are found."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Decide every sighting without a finding (earlier findings are never changed); print all in scope.
    New diversion findings trigger the re-assessment of permits in force and pending applications."""
    day = parse_date(since, "--since")
    who = principal()  # before the progress bar: without a principal, one line says how to sign in
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("deciding sightings", total=None)
        run = detect(app_(), who, since=day, reassess=reassess, parallel=app_().parallel,
                     progress=lambda done, total: bar.update(task, completed=done, total=total))
    _print_results(run.results, fmt, "findings")
    if fmt is Format.json:
        return
    counts = ", ".join(f"{n} {v}" for v, n in run.by_verdict.items()) or "none"
    out.print(f"\ndecided {run.decided} new sighting(s): {counts}"
              + (f"; opened {', '.join(run.cases_opened)}" if run.cases_opened else ""))
    for line in run.watch_added:
        out.print(f"watch list: {line}")


@app.command("findings")
@command
def findings_command(
    since: str | None = SINCE_OPTION,
    verdict: str | None = typer.Option(None, "--verdict", help="Only this verdict: "
                                       + ", ".join(v.value for v in Verdict) + "."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List stored findings without deciding anything."""
    if verdict is not None and verdict not in {v.value for v in Verdict}:
        raise typer.BadParameter(f"{verdict!r} is not one of {', '.join(v.value for v in Verdict)}",
                                 param_hint="--verdict")
    _print_results(findings(app_().reader(), since=parse_date(since, "--since"), verdict=verdict), fmt, "findings")


@app.command("synth")
@command
def synth_command(
    folder: str = typer.Argument(..., help="Folder to write the synthetic world to (exchange format + truth.csv)."),
    items: int = typer.Option(10000, "--items", min=0, help="Delivered items."),
    sightings: int = typer.Option(1000, "--sightings", min=0, help="Sightings."),
    seed: int = typer.Option(1, "--seed", help="Random seed: the same seed writes the same world."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Write a synthetic world with known truth (truth.csv) for benchmarks: `endwatch import` it, then detect."""
    from pathlib import Path

    from endwatch_demo.synth import synthesize

    report = synthesize(Path(folder), items=items, sightings=sightings, seed=seed)
    row = {"folder": report.folder, "items": report.items, "sightings": report.sightings,
           "permits": report.permits, "parties": report.parties}
    if fmt is Format.json:
        print(as_json(row))
    else:
        emit([row], fmt, "synthetic world")
