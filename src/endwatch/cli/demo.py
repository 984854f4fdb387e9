"""`endwatch demo`: load the bundled reference case and replay it date by date, through the whole chain:
policy, permits, delivery, assessment of the later applications, the nameplate photo traced and decided,
the case with its recommended actions, and (with the full record) the suspension and cancellation."""

from __future__ import annotations

from datetime import date

import typer
from rich.rule import Rule

from endwatch.bootstrap import Endwatch
from endwatch.cli import app
from endwatch.cli.common import BY_OPTION, Format, actor, app_, command, emit, out, parse_date
from endwatch.countries import country_name
from endwatch.domain.policy import policies_in_force
from endwatch.errors import RuleViolation
from endwatch.services import reference_case
from endwatch.services.assessment import assess as assessment
from endwatch.services.assessment import reassessment
from endwatch.services.audit.verify import verify
from endwatch.services.detection import run as detection
from endwatch.services.registry import queries
from endwatch.services.registry.deliveries import record_delivery
from endwatch.services.registry.trace import trace_serial

UNTIL = typer.Option(None, "--until", help="Load and replay the record only up to this date (YYYY-MM-DD); "
                     "before 2020-10-05 the suspension is left for you to apply.")


@app.command("demo")
@command
def demo(until: str | None = UNTIL, by: str | None = BY_OPTION) -> None:
    """Create the database if needed, load the bundled case and show what the registry shows at each key date."""
    ew = app_()
    ew.migrate()
    stop = parse_date(until, "--until")
    who = actor(by) if by else "endwatch-demo"
    report = reference_case.load(ew.uow(), who, until=stop)
    out.print(f"database: {ew.database_label()}")
    out.print(f"reference case loaded from {reference_case.folder()} ({report.changes} new or changed records)"
              + (f", as it stood on {stop.isoformat()}" if stop else ""))
    for day, what in reference_case.KEY_DATES:
        if stop and day > stop:
            break
        out.print(Rule(f"[bold]{day.isoformat()}[/bold]  {what}"))
        _show_day(ew, day)
        if day == reference_case.PHOTO_DAY:
            _show_detection(ew, who)
    if stop is None or stop >= reference_case.SUSPENSION_DAY:
        _show_rule_refusal(ew)
    else:
        _show_next_step(ew)
    chain = verify(ew.reader)
    out.print(Rule())
    out.print(f"audit trail: {chain.entries} entries, {'intact' if chain.ok else 'BROKEN at ' + str(chain.first_bad)}")


def _show_day(ew: Endwatch, day: date) -> None:
    plate = reference_case.NAMEPLATE
    governing = policies_in_force(queries.list_policies(ew.reader(), "TR"), "TR", ["2-15"], day)
    if governing:
        p = governing[0]
        out.print(f"policy for {country_name('TR')}, entry 2-15: [bold]{p.measure.value}[/bold] ({p.id})"
                  + (f"; named exceptions: {', '.join(p.exceptions)}" if p.exceptions else ""))
    else:
        out.print(f"policy for {country_name('TR')}, entry 2-15: none in force")
    views = [v for v in queries.permits_as_of(ew.reader(), day)
             if v.permit.consignee_id == reference_case.ROUTE["consignee_id"]]
    if views:
        emit([{"permit": v.permit.number, "state": v.state.value, "end user": v.permit.end_user_id,
               "exception relied on": v.permit.exception or "", "delivered": v.delivered} for v in views],
             Format.table, "permits on the Baykar route")
    # Continuous re-assessment, as it would have run that day: worsening recommendations go on the watch list.
    for entry in reassessment.reassess_all(ew.uow, "endwatch-demo", day, f"demo replay: {day.isoformat()}"):
        out.print(f"watch list: {entry.subject_kind} {entry.subject_key} {entry.before} -> [bold]{entry.after}[/bold]")
    arrived = [a for a in queries.list_applications(ew.reader())
               if a.received_on == day and a.end_user_id == "az-air-force"]
    for a in arrived:
        assessed = assessment.assess(ew.uow(), a.number, day, actor="endwatch-demo", trigger="demo replay")
        out.print(f"assessment of {a.number} (end user {a.end_user_id}, {a.product_id}):"
                  f" [bold]{assessed.assessment.recommendation.value}[/bold]")
    result = trace_serial(ew.reader(), plate["serial"], manufacturer=plate["manufacturer"], model=plate["model"],
                          as_of=day)
    if result.hits:
        h = result.hits[0]
        out.print(f"trace of nameplate {plate['manufacturer']!r} {plate['model']!r} {plate['serial']}: "
                  f"delivered {h.delivered_on.isoformat()} under {h.permit.number} to {h.consignee.name}, "
                  f"declared end user {h.end_user.name}; permit {h.permit_state.value.replace('_', ' ')}")
    else:
        out.print(f"trace of {plate['serial']}: {'; '.join(result.notes)}")


def _show_detection(ew: Endwatch, who: str) -> None:
    """Decide the bundled sightings: the nameplate photo comes out a diversion and opens a case."""
    run = detection.detect(ew.uow(), who, reassess=True)
    out.print(Rule("[bold]detection[/bold]  the field sightings, matched to delivered serials"))
    for r in run.results:
        f = r.finding
        out.print(f"sighting {f.sighting_id}: [bold]{f.verdict}[/bold]"
                  + (f" ({f.confidence})" if f.confidence else "")
                  + (f", traced to {f.permit_number}" if f.permit_number else "")
                  + (f", {r.case_id}" if r.case_id else ""))
        for reason in f.reasons[:3]:
            out.print(f"  {reason}", highlight=False)
    for case_id in sorted({r.case_id for r in run.results if r.case_id}):
        for kind, target in detection.case_actions(ew.reader(), case_id):
            out.print(f"  {case_id} recommends: {kind.replace('_', ' ')} {target}")
    for line in run.watch_added:
        out.print(f"  watch list: {line}")


def _show_next_step(ew: Endwatch) -> None:
    cases = sorted({r.case_id for r in detection.findings(ew.reader()) if r.case_id})
    case_id = cases[0] if cases else "CASE-0001"
    out.print(Rule("[bold]next[/bold]  the suspension of 5 October 2020 is yours to apply"))
    out.print(f"in the browser: sign in as officer, open {case_id}, choose suspend on 2020-10-05, preview, propose;"
              " then sign in as approver and confirm it (the second signature applies it);")
    out.print(f"or, the administrator's direct tool: endwatch suspend --case {case_id} --on 2020-10-05"
              " --hold-applications --reason 'allegations of diversion to Azerbaijan'"
              " --reference 'Minister 2020-10-05' --apply")


def _show_rule_refusal(ew: Endwatch) -> None:
    """Show that the registry refuses a delivery under the suspended permit, writing nothing."""
    try:
        record_delivery(ew.uow(), "endwatch-demo", "PERMIT-REDACTED-1", date(2020, 10, 20),
                        ["DEMO-SN-REFUSED"])
    except RuleViolation as exc:
        out.print(Rule("[bold]a delivery on 2020-10-20 under PERMIT-REDACTED-1[/bold]"))
        out.print(f"refused by rule {exc.rule}: {exc.detail}; nothing was written")
