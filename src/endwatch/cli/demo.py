"""`endwatch demo`: load the bundled reference case and replay it date by date."""

from __future__ import annotations

from datetime import date

from rich.rule import Rule

from endwatch.bootstrap import Endwatch
from endwatch.cli import app
from endwatch.cli.common import BY_OPTION, Format, actor, app_, command, emit, out
from endwatch.countries import country_name
from endwatch.domain.policy import policies_in_force
from endwatch.errors import RuleViolation
from endwatch.services import audit, queries, reference_case, registry
from endwatch.services.trace import trace_serial


@app.command("demo")
@command
def demo(by: str | None = BY_OPTION) -> None:
    """Create the database if needed, load the bundled case and show what the registry shows at each key date."""
    ew = app_()
    ew.migrate()
    report = reference_case.load(ew.uow(), actor(by) if by else "endwatch-demo")
    out.print(f"database: {ew.database_label()}")
    out.print(f"reference case loaded from {reference_case.folder()} ({report.changes} new or changed records)")
    plate = reference_case.NAMEPLATE
    policies = queries.list_policies(ew.reader(), "TR")
    for day, what in reference_case.KEY_DATES:
        out.print(Rule(f"[bold]{day.isoformat()}[/bold]  {what}"))
        governing = policies_in_force(policies, "TR", ["2-15"], day)
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
        result = trace_serial(ew.reader(), plate["serial"], manufacturer=plate["manufacturer"],
                              model=plate["model"], as_of=day)
        if result.hits:
            h = result.hits[0]
            out.print(f"trace of nameplate {plate['manufacturer']!r} {plate['model']!r} {plate['serial']}: "
                      f"delivered {h.delivered_on.isoformat()} under {h.permit.number} to {h.consignee.name}, "
                      f"declared end user {h.end_user.name}; permit {h.permit_state.value.replace('_', ' ')}")
        else:
            out.print(f"trace of {plate['serial']}: {'; '.join(result.notes)}")
    _show_rule_refusal(ew)
    chain = audit.verify(ew.reader)
    out.print(Rule())
    out.print(f"audit trail: {chain.entries} entries, {'intact' if chain.ok else 'BROKEN at ' + str(chain.first_bad)}")


def _show_rule_refusal(ew: Endwatch) -> None:
    """Show that the registry refuses a delivery under the suspended permit, writing nothing."""
    try:
        registry.record_delivery(ew.uow(), "endwatch-demo", "PERMIT-REDACTED-1", date(2020, 10, 20),
                                 ["DEMO-SN-REFUSED"])
    except RuleViolation as exc:
        out.print(Rule("[bold]a delivery on 2020-10-20 under PERMIT-REDACTED-1[/bold]"))
        out.print(f"refused by rule {exc.rule}: {exc.detail}; nothing was written")


