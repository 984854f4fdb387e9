"""`endwatch demo`: load the bundled reference case and replay it date by date, through the whole chain:
policy, permits, delivery, assessment of the later applications, the nameplate photo traced and decided,
the case with its recommended actions, and (with the full record) the suspension and cancellation. The
replay is endwatch_demo.replay's; this module reads the options and prints what it shows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.rule import Rule

from endwatch.bootstrap import Endwatch
from endwatch.cli import app
from endwatch.cli.common import Format, app_, command, emit, out, parse_date
from endwatch.countries import country_name
from endwatch.domain.audit import ChainReport
from endwatch.domain.permits import Application
from endwatch.domain.policy import Policy
from endwatch.errors import RuleViolation
from endwatch.services.assessment.assess import AssessmentResult
from endwatch.services.assessment.store import WatchEntry
from endwatch.services.detection.run import DetectionResult
from endwatch.services.registry.queries import PermitView
from endwatch.services.registry.trace import TraceResult
from endwatch_demo.replay import ReplayClock, replay, today_after

UNTIL = typer.Option(None, "--until", help="Load and replay the record only up to this date (YYYY-MM-DD); "
                     "before 2020-10-05 the suspension is left for you to apply.")


@app.command("demo")
@command
def demo(until: str | None = UNTIL) -> None:
    """Create the database if needed, load the bundled case and show what the registry shows at each key date."""
    ew = app_(create=True)
    ew.migrate()
    stop = parse_date(until, "--until")
    clock = ReplayClock()
    ew.clock = clock  # what the replay records is dated as of the record's own days
    replay(ew.uow, ew.reader, stop, _Printed(ew), set_day=clock.set)
    out.print(f"the demonstration's today is now {today_after(stop).isoformat()}: endwatch reads this database as of"
              " that day")


class _Printed:
    """The replay, printed (endwatch_demo.replay.ReplayView)."""

    def __init__(self, ew: Endwatch) -> None:
        self.ew = ew

    def loaded(self, folder: Path, changes: int, until: date | None) -> None:
        out.print(f"database: {self.ew.database_label()}")
        out.print(f"reference case loaded from {folder} ({changes} new or changed records)"
                  + (f", as it stood on {until.isoformat()}" if until else ""))

    def day(self, on: date, what: str) -> None:
        out.print(Rule(f"[bold]{on.isoformat()}[/bold]  {what}"))

    def policy(self, country: str, entry: str, governing: Policy | None) -> None:
        if governing is not None:
            p = governing
            out.print(f"policy for {country_name(country)}, entry {entry}: [bold]{p.measure.value}[/bold] ({p.id})"
                      + (f"; named exceptions: {', '.join(p.exceptions)}" if p.exceptions else ""))
        else:
            out.print(f"policy for {country_name(country)}, entry {entry}: none in force")

    def route_permits(self, views: list[PermitView]) -> None:
        emit([{"permit": v.permit.number, "state": v.state.value, "end user": v.permit.end_user_id,
               "exception relied on": v.permit.exception or "", "delivered": v.delivered} for v in views],
             Format.table, "permits on the Baykar route")

    def watched(self, entry: WatchEntry) -> None:
        out.print(f"watch list: {entry.subject_kind} {entry.subject_key} {entry.before} -> [bold]{entry.after}[/bold]")

    def assessed(self, application: Application, result: AssessmentResult) -> None:
        a = application
        out.print(f"assessment of {a.number} (end user {a.end_user_id}, {a.product_id}):"
                  f" [bold]{result.assessment.recommendation.value}[/bold]")

    def traced(self, plate: dict[str, str], result: TraceResult) -> None:
        if result.hits:
            h = result.hits[0]
            out.print(f"trace of nameplate {plate['manufacturer']!r} {plate['model']!r} {plate['serial']}: "
                      f"delivered {h.delivered_on.isoformat()} under {h.permit.number} to {h.consignee.name}, "
                      f"declared end user {h.end_user.name}; permit {h.permit_state.value.replace('_', ' ')}")
        else:
            out.print(f"trace of {plate['serial']}: {'; '.join(result.notes)}")

    def detected(self, results: list[DetectionResult]) -> None:
        out.print(Rule("[bold]detection[/bold]  the field sightings, matched to delivered serials"))
        for r in results:
            f = r.finding
            out.print(f"sighting {f.sighting_id}: [bold]{f.verdict}[/bold]"
                      + (f" ({f.confidence})" if f.confidence else "")
                      + (f", traced to {f.permit_number}" if f.permit_number else "")
                      + (f", {r.case_id}" if r.case_id else ""))
            for reason in f.reasons[:3]:
                out.print(f"  {reason}", highlight=False)

    def recommended(self, case_id: str, kind: str, target: str) -> None:
        out.print(f"  {case_id} recommends: {kind.replace('_', ' ')} {target}")

    def watch_added(self, line: str) -> None:
        out.print(f"  watch list: {line}")

    def next_step(self, case_id: str) -> None:
        out.print(Rule("[bold]next[/bold]  the suspension of 5 October 2020 is yours to apply"))
        out.print(f"in the browser: sign in as officer, open {case_id}, choose suspend on 2020-10-05, preview, propose;"
                  " then sign in as approver and confirm it (the second signature applies it);")
        out.print(f"or, the administrator's direct tool: endwatch suspend --case {case_id} --on 2020-10-05"
                  " --hold-applications --reason 'allegations of diversion to Azerbaijan'"
                  " --reference 'Minister 2020-10-05' --apply")
        out.print("(on the command line, sign in first: `endwatch user demo`, then `endwatch login admin`)")

    def refused(self, permit: str, on: date, violation: RuleViolation) -> None:
        out.print(Rule(f"[bold]a delivery on {on.isoformat()} under {permit}[/bold]"))
        out.print(f"refused by rule {violation.rule}: {violation.detail}; nothing was written")

    def verified(self, chain: ChainReport) -> None:
        out.print(Rule())
        state = "intact" if chain.ok else "BROKEN at " + str(chain.first_bad)
        out.print(f"audit trail: {chain.entries} entries, {state}")
