"""`endwatch suspend|reinstate|revoke`: a decision over a scope of permits. Without --apply it only
previews; with --apply (and --reason and --reference) it proposes the decision, the first of its two
signatures: `endwatch confirm PROPOSAL`, under a different person's token, applies it (every permit in scope
or none). `endwatch proposals` lists proposals; `reject` and `withdraw` close one without applying it."""

from __future__ import annotations

from typing import Any

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, as_json, command, emit, out, parse_date, principal
from endwatch.cli.common import today as today_
from endwatch.services.enforcement import decisions as enforcement
from endwatch.services.enforcement import proposals
from endwatch.services.enforcement.decisions import Preview
from endwatch.services.enforcement.scope import Action, scope_of

EXPORTER = typer.Option([], "--exporter", help="Exporter party id (repeatable).")
CONSIGNEE = typer.Option([], "--consignee", help="Consignee party id (repeatable).")
END_USER = typer.Option([], "--end-user", help="Declared end user party id (repeatable).")
DESTINATION = typer.Option([], "--destination", help="Destination country, ISO alpha-2 (repeatable).")
PRODUCT = typer.Option([], "--product", help="Product id (repeatable).")
CATEGORY = typer.Option([], "--category", help="Control-list entry of the product, wildcards allowed: 2-15, 2-* "
                                               "(repeatable).")
CASE = typer.Option(None, "--case", help="Apply the case's recommended actions (e.g. CASE-0001).")
ON = typer.Option(None, "--on", help="Effective date (YYYY-MM-DD); default today.")
REASON = typer.Option("", "--reason", help="Why (required with --apply; recorded and sent to the exporter).")
REFERENCE = typer.Option("", "--reference", help="The authority's reference, e.g. the Minister's decision "
                                                 "(required with --apply).")
APPLY = typer.Option(False, "--apply", help="Propose the change for a second signature (`endwatch confirm` by "
                                            "someone else applies it). Without it the command only previews.")
HOLD = typer.Option(False, "--hold-applications", help="Also put pending applications in scope on hold.")


def _preview_data(pv: Preview) -> dict[str, Any]:
    return {
        "action": pv.action.value,
        "effective_on": pv.effective_on,
        "scope": pv.scope.to_dict(),
        "permits": [i.row() for i in pv.permits],
        "skipped": [{"permit": n, "why": why} for n, why in pv.skipped],
        "applications_on_hold": [{"application": a.number, "exporter": a.exporter_id, "end_user": a.end_user_id,
                                  "product": a.product_id} for a in pv.applications],
        "exporters_notified": list(pv.exporters),
    }


def _run(action: Action, exporter: list[str], consignee: list[str], end_user: list[str], destination: list[str],
         product: list[str], category: list[str], case: str | None, on: str | None, reason: str, reference: str,
         apply: bool, hold: bool, fmt: Format) -> None:
    if hold and action is Action.reinstate:
        raise typer.BadParameter("a reinstatement puts no application on hold", param_hint="--hold-applications")
    scope = scope_of({"exporters": exporter, "consignees": consignee, "end_users": end_user,
                      "destinations": destination, "products": product, "categories": category}, case)
    day = parse_date(on, "--on") or today_()
    ew = app_()
    if apply:
        p = proposals.propose_decision(ew.uow(), principal(), scope, action, day, reason, reference,
                                       hold_applications=hold, max_future_days=ew.settings.max_future_days)
        pv = proposals.current_preview(ew.reader(), p)
        assert pv is not None  # a decision's proposal, not a cancellation
        data = {**_preview_data(pv), "applied": False, "proposal": p.id, "proposed_by": p.proposed_by}
    else:
        pv = enforcement.preview(ew.reader(), scope, action, day, hold_applications=hold,
                                 max_future_days=ew.settings.max_future_days)
        data = {**_preview_data(pv), "applied": False}
    if fmt is Format.json:
        print(as_json(data))
        return
    title = f"{'proposed' if apply else 'preview'}: {action.value} from {day.isoformat()} ({scope.describe()})"
    emit(data["permits"], fmt, title, ["permit", "consignee", "product", "state", "remaining", "problem"])
    # The effect of each change is a sentence: printed whole below the table rather than squeezed into it.
    for row in data["permits"]:
        out.print(f"  {row['permit']}: {row['effect']}", markup=False, highlight=False)
        if row["supersedes"]:
            out.print(f"  {row['permit']}: supersedes the scheduled {'; '.join(row['supersedes'])}", markup=False,
                      highlight=False)
    if data["skipped"]:
        emit(data["skipped"], fmt, "not changed")
    if data["applications_on_hold"]:
        emit(data["applications_on_hold"], fmt, "pending applications put on hold")
    out.print(f"exporters notified: {', '.join(data['exporters_notified']) or '(none)'}")
    if apply:
        out.print(f"[bold]proposed[/bold] as proposal {data['proposal']}: nothing is applied until someone else "
                  f"confirms it (`endwatch confirm {data['proposal']}`)")
    else:
        out.print("[dim]preview only: nothing was written. Add --apply with --reason and --reference to propose it"
                  " (someone else then confirms it with `endwatch confirm`).[/dim]")


def _define(action: Action, doc: str) -> None:
    @app.command(action.value, help=doc)
    @command
    def run(
        exporter: list[str] = EXPORTER, consignee: list[str] = CONSIGNEE, end_user: list[str] = END_USER,
        destination: list[str] = DESTINATION, product: list[str] = PRODUCT, category: list[str] = CATEGORY,
        case: str | None = CASE, on: str | None = ON, reason: str = REASON, reference: str = REFERENCE,
        apply: bool = APPLY, hold_applications: bool = HOLD, fmt: Format = FORMAT_OPTION,
    ) -> None:
        _run(action, exporter, consignee, end_user, destination, product, category, case, on, reason, reference,
             apply, hold_applications, fmt)


_define(Action.suspend, "Suspend every permit in scope: later deliveries are refused. A preview; --apply proposes "
                        "it, `endwatch confirm` by someone else applies it.")
_define(Action.reinstate, "Reinstate the suspended permits in scope. A preview; --apply proposes it, "
                          "`endwatch confirm` by someone else applies it.")
_define(Action.revoke, "Revoke every permit in scope for good. A preview; --apply proposes it, `endwatch confirm` "
                       "by someone else applies it.")
