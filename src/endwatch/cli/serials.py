"""Serial numbers held for review: items that share one serial key (docs/serials.md)."""

from __future__ import annotations

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, command, emit
from endwatch.services.registry.serial_holds import held_items

serials_app = typer.Typer(help="Serial numbers: items held for review because they share a serial key.",
                          no_args_is_help=True)
app.add_typer(serials_app, name="serials")


@serials_app.command("review")
@command
def serials_review(fmt: Format = FORMAT_OPTION) -> None:
    """List the delivered items held for review: each group shares one serial key (same manufacturer and
    product family), so trace shows them as ambiguous; none was merged or dropped."""
    rows = [{"manufacturer": h.manufacturer_id, "family": h.family, "key": h.serial_key, "item": h.delivery_id,
             "serial": h.serial, "permit": h.permit_number, "delivered_on": h.delivered_on, "held_at": h.held_at,
             "reason": h.reason} for h in held_items(app_().reader())]
    groups = len({(r["manufacturer"], r["family"], r["key"]) for r in rows})
    emit(rows, fmt, f"{len(rows)} items held for review in {groups} groups sharing a serial key")
