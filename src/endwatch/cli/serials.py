"""Serial numbers held for review: items that share one serial key (docs/serials.md)."""

from __future__ import annotations

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, Format, app_, command, emit, out, principal
from endwatch.services.registry.serial_holds import (
    confirm_release,
    held_items,
    propose_release,
    reject_release,
    review_hold,
)

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


ITEM = typer.Argument(..., help="The held item's id (the `item` column of `endwatch serials review`).")


@serials_app.command("release")
@command
def serials_release(item: int = ITEM,
                    reason: str = typer.Option(..., "--reason", help="Why this item is the one its serial names.")
                    ) -> None:
    """Propose releasing an item's hold (the first of two signatures): it would become the item its serial key
    names. Someone else confirms it with `endwatch serials confirm-release ITEM`."""
    entry = propose_release(app_().uow(), principal(), item, reason)
    out.print(f"release of item {item}'s hold proposed (audit entry {entry.seq}); a second person confirms it with"
              f" `endwatch serials confirm-release {item}`")


@serials_app.command("confirm-release")
@command
def serials_confirm_release(item: int = ITEM,
                            reason: str = typer.Option("", "--reason", help="Why (default: the proposal's).")) -> None:
    """Confirm a proposed release (the second signature, never the proposer's): the hold is lifted."""
    hold = confirm_release(app_().uow(), principal(), item, reason)
    out.print(f"item {item} ({hold.serial}, permit {hold.permit_number}) released: it is the item serial key"
              f" {hold.serial_key} names for {hold.manufacturer_id} / {hold.family}")


@serials_app.command("reject-release")
@command
def serials_reject_release(item: int = ITEM, reason: str = typer.Option(..., "--reason")) -> None:
    """Close a proposed release without releasing anything."""
    reject_release(app_().uow(), principal(), item, reason)
    out.print(f"the proposed release of item {item}'s hold was rejected; it stays held")


@serials_app.command("resolve")
@command
def serials_resolve(item: int = ITEM,
                    reason: str = typer.Option(..., "--reason", help="What the review found.")) -> None:
    """Record a review's conclusion on a held item (one signature): it stays held, and trace keeps calling
    its serial ambiguous, since nothing a serial means changes."""
    hold = review_hold(app_().uow(), principal(), item, reason)
    out.print(f"item {item} reviewed; it stays held: {hold.reason}", markup=False, highlight=False)
