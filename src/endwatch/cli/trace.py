"""`endwatch trace`: a serial number to its delivery, permit, parties and history."""

from __future__ import annotations

from typing import Any

import typer

from endwatch.cli import app
from endwatch.cli.common import AS_OF_OPTION, FORMAT_OPTION, Format, app_, as_json, command, out, parse_date, today
from endwatch.countries import country_name
from endwatch.services.detection.near import Near, near_candidates
from endwatch.services.registry.trace import TraceHit, TraceResult, trace_serial


def hit_dict(hit: TraceHit) -> dict[str, Any]:
    """A trace hit as plain data (the JSON output's shape)."""
    p = hit.permit
    return {
        "serial": hit.serial,
        "product": {"id": hit.product.id, "model": hit.product.model, "categories": hit.product.categories},
        "manufacturer": {"id": hit.manufacturer.id, "name": hit.manufacturer.name},
        "delivered_on": hit.delivered_on,
        "recipient": {"id": hit.recipient.id, "name": hit.recipient.name},
        "permit": {
            "number": p.number, "issued_on": p.issued_on, "expires_on": p.expires_on,
            "state": hit.permit_state, "policy_id": p.policy_id, "policy_measure": p.policy_measure,
            "exception": p.exception, "end_use": p.undertaking.end_use,
            "no_reexport": p.undertaking.no_reexport,
        },
        "exporter": {"id": hit.exporter.id, "name": hit.exporter.name},
        "consignee": {"id": hit.consignee.id, "name": hit.consignee.name},
        "end_user": {"id": hit.end_user.id, "name": hit.end_user.name},
        "destination": p.destination,
        "retransfers": hit.retransfers,
        "status_history": hit.history,
        "held": hit.held,
    }


def near_dict(near: Near) -> dict[str, Any] | None:
    """Detection's near candidates as plain data (the same fields as the API's `near`), or None."""
    if near.tier is None:
        return None
    return {"tier": near.tier.value, "tier_words": near.tier_words, "reason": near.reason,
            "ambiguous": near.ambiguous,
            "candidates": [{"serial": c.serial, "product_id": c.product_id, "manufacturer_id": c.manufacturer_id,
                            "permit_number": c.permit_number, "delivered_on": c.delivered_on,
                            "end_user_id": c.end_user_id, "destination": c.destination}
                           for c in near.candidates]}


def result_dict(result: TraceResult, near: Near | None = None) -> dict[str, Any]:
    return {"serial": result.serial, "serial_normalised": result.serial_norm, "as_of": result.as_of,
            "ambiguous": result.ambiguous, "items": [hit_dict(h) for h in result.hits], "notes": result.notes,
            "near": near_dict(near) if near is not None else None}


def _print_near(near: Near) -> None:
    if near.tier is None:
        return
    out.print(f"\n  [bold]near candidates[/bold] ({near.tier_words}): {near.reason}.")
    for c in near.candidates:
        out.print(f"  candidate  {c.serial}: {c.product_id}, permit {c.permit_number}, delivered"
                  f" {c.delivered_on.isoformat()} to end user {c.end_user_id} in {country_name(c.destination)}")


@app.command("trace")
@command
def trace(
    serial: str = typer.Argument(..., help="The serial number as read (case, spaces and hyphens do not matter)."),
    manufacturer: str | None = typer.Option(None, "--manufacturer", help="Maker's name, alias or former name."),
    model: str | None = typer.Option(None, "--model", help="Model name or alias."),
    as_of: str | None = AS_OF_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Trace a serial number to its delivery, permit, parties, re-transfers and status history."""
    day = parse_date(as_of, "--as-of") or today()
    ew = app_()
    result = trace_serial(ew.reader(), serial, manufacturer=manufacturer, model=model, as_of=day)
    near = None
    if result.missed:  # the same near candidates the API offers (none for an item delivered later)
        with ew.reader() as uow:
            near = near_candidates(uow, serial, manufacturer or "", model or "")
    if fmt is Format.json:
        print(as_json(result_dict(result, near)))
        return
    out.print(f"[bold]trace[/bold] {serial!r} (normalised {result.serial_norm}) as of {day.isoformat()}:"
              f" {len(result.hits)} item(s)")
    for hit in result.hits:
        p = hit.permit
        out.print(f"\n  item       {hit.serial}: {hit.product.model} by {hit.manufacturer.name}"
                  f" ({', '.join(hit.product.categories)})")
        out.print(f"  delivered  {hit.delivered_on.isoformat()} to {hit.recipient.name}")
        out.print(f"  permit     {p.number}, issued {p.issued_on.isoformat()}, expires {p.expires_on.isoformat()},"
                  f" [bold]{hit.permit_state.value.replace('_', ' ')}[/bold] on {day.isoformat()}")
        if p.exception:
            out.print(f"  basis      {p.policy_measure} ({p.policy_id}) through exception {p.exception!r}")
        out.print(f"  exporter   {hit.exporter.name}")
        out.print(f"  consignee  {hit.consignee.name}")
        out.print(f"  end user   {hit.end_user.name}, destination {country_name(p.destination)}")
        out.print(f"  end use    {p.undertaking.end_use or '(not stated)'};"
                  f" no re-export assurance: {'yes' if p.undertaking.no_reexport else 'no'}")
        for r in hit.retransfers:
            out.print(f"  re-transfer to {r.to_party_id} from {r.authorized_on.isoformat()} ({r.reference})")
        for h in hit.history:
            out.print(f"  history    {h.effective_on.isoformat()} {h.status.value}"
                      f"{': ' + h.reason if h.reason and h.reason != 'issued' else ''}")
    for note in result.notes:
        out.print(f"  [dim]{note}[/dim]")
    if near is not None:
        _print_near(near)
