"""`endwatch partners ...`: partner authorities and the private-set-intersection exchange of serials with them,
one file per step (docs/monitoring.md, "Partner authorities: private set intersection")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from endwatch.cli import app
from endwatch.cli.common import FORMAT_OPTION, SIGN_IN, Format, app_, emit, identity, out, principal, today
from endwatch.cli.common import command as command_
from endwatch.services.accounts.users import AuthenticationFailed
from endwatch.services.authz import Principal
from endwatch.services.monitoring import partners as svc
from endwatch.services.monitoring.store import Exchange

partners_app = typer.Typer(help="Partner authorities: which serials we both hold, without giving either registry"
                                " away (private set intersection, one file per step).", no_args_is_help=True)
app.add_typer(partners_app, name="partners")

PARTNER = typer.Option(..., "--partner", help="The partner authority's id (as registered with `partners add`).")
KEY_FILE = typer.Option(..., "--key-file", help="This exchange's secret on our side (written 0600 by export-keys"
                        " and match, never overwritten; read by finish). Keep it until the exchange is finished,"
                        " then delete it.")


def _config() -> svc.Config:
    s = app_().settings
    return svc.Config(s.authority, svc.Limits(s.partner_max_items, s.partner_max_exchanges))


def _reader_principal() -> Principal:
    """Who reads: partners and their exchanges are for investigators, officers and auditors, so even reading
    needs to know who asks (the service then checks the role)."""
    if identity() is None:
        raise AuthenticationFailed("partner authorities and their exchanges are shown to investigators, officers"
                                   f" and auditors only, so this command needs to know who you are: {SIGN_IN}")
    return principal()


def _exchange_row(e: Exchange) -> dict[str, Any]:
    return {"id": e.id, "partner_id": e.partner_id, "role": e.role, "status": e.status, "started_at": e.started_at,
            "started_by": e.started_by, "sent": e.sent, "received": e.received, "finished_at": e.finished_at,
            "matched": e.matched}


@partners_app.command("add")
@command_
def add(
    partner_id: str = typer.Argument(..., metavar="ID", help="The partner's own authority id (its"
                                     " ENDWATCH_AUTHORITY)."),
    name: str = typer.Option(..., "--name", help="The authority's name."),
    max_items: int | None = typer.Option(None, "--max-items", help="Most blinded items its files may hold"
                                         " (default ENDWATCH_PARTNER_MAX_ITEMS)."),
    max_exchanges: int | None = typer.Option(None, "--max-exchanges", help="Most exchanges with it in any 30 days"
                                             " (default ENDWATCH_PARTNER_MAX_EXCHANGES)."),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Register a partner authority we exchange serials with."""
    p = svc.add_partner(app_().uow(), principal(), partner_id, name, max_items=max_items, max_exchanges=max_exchanges)
    emit([{"id": p.id, "name": p.name, "max_items": p.max_items, "max_exchanges": p.max_exchanges}], fmt,
         "partner added")


@partners_app.command("list")
@command_
def list_(fmt: Format = FORMAT_OPTION) -> None:
    """Every partner authority, its limits in force and its exchanges in the last 30 days."""
    views = svc.list_partners(app_().reader(), _reader_principal(), _config().defaults)
    emit([{"id": v.partner.id, "name": v.partner.name, "max_items": v.limits.max_items,
           "max_exchanges": v.limits.max_exchanges, "exchanges_30_days": v.exchanges_in_window,
           "added_at": v.partner.added_at} for v in views], fmt, "partners")


@partners_app.command("exchanges")
@command_
def exchanges(partner: str | None = typer.Option(None, "--partner", help="Only this partner's."),
              fmt: Format = FORMAT_OPTION) -> None:
    """Every exchange logged, newest first: who started it, what was sent and received, how many matched."""
    rows = [_exchange_row(e) for e in svc.list_exchanges(app_().reader(), _reader_principal(), partner)]
    emit(rows, fmt, "exchanges", ["id", "partner_id", "role", "status", "started_at", "sent", "received", "matched"]
         if fmt is Format.table else None)


@partners_app.command("matches")
@command_
def matches(exchange_id: str = typer.Argument(..., metavar="EXCHANGE"), fmt: Format = FORMAT_OPTION) -> None:
    """Our items an exchange found the partner also holds: serial, permit, tier, trace request reference."""
    _, found = svc.exchange_matches(app_().reader(), _reader_principal(), exchange_id)
    emit([{"serial": m.serial, "permit": m.permit_number, "tier": m.tier, "reference": m.reference}
          for m in found], fmt, f"matches of exchange {exchange_id}")


def _done(result: svc.StepResult, fmt: Format, what: str) -> None:
    e = result.exchange
    row = _exchange_row(e) | {"files": [str(p) for p in result.written]}
    if fmt is Format.json:
        emit([row | {"matches": [{"serial": m.serial, "permit": m.permit_number, "tier": m.tier,
                                  "reference": m.reference} for m in result.matches]}], fmt)
        return
    out.print(f"{what}: exchange {e.id} with {e.partner_id} ({e.role}, {e.status});"
              f" sent {e.sent} items, received {e.received if e.received is not None else '-'}", markup=False,
              highlight=False)
    for p in result.written:
        out.print(f"wrote {p}", markup=False, highlight=False)
    if e.status == "finished":
        emit([{"serial": m.serial, "permit": m.permit_number, "tier": m.tier, "reference": m.reference}
              for m in result.matches], fmt, f"{len(result.matches)} of our items the partner also holds")


@partners_app.command("export-keys")
@command_
def export_keys(partner: str = PARTNER, key_file: Path = KEY_FILE,
                out_: Path = typer.Option(..., "--out", help="The request file to send to the partner."),
                fmt: Format = FORMAT_OPTION) -> None:
    """Step 1: start an exchange: our delivered serials, blinded with a new secret, to send to the partner."""
    ew = app_()
    result = svc.export_keys(ew, principal(), _config(), partner, key_file, out_, parallel=ew.parallel)
    _done(result, fmt, "request written")


@partners_app.command("match")
@command_
def match(request: Path = typer.Argument(..., metavar="FILE", help="The partner's request file."),
          partner: str = PARTNER, key_file: Path = KEY_FILE,
          out_: Path = typer.Option(..., "--out", help="The reply file to send back to the partner."),
          fmt: Format = FORMAT_OPTION) -> None:
    """Step 2: answer a partner's request: its set blinded in turn, and ours blinded with a new secret."""
    ew = app_()
    result = svc.match(ew, principal(), _config(), request, partner, key_file, out_, parallel=ew.parallel)
    _done(result, fmt, "reply written")


@partners_app.command("finish")
@command_
def finish(file: Path = typer.Argument(..., metavar="FILE", help="The partner's reply (if we started the"
                                       " exchange) or its final file (if we answered it)."),
           partner: str = PARTNER, key_file: Path = KEY_FILE,
           out_: Path | None = typer.Option(None, "--out", help="Where the initiator writes the final file for the"
                                            " partner (the responder writes none)."),
           fmt: Format = FORMAT_OPTION) -> None:
    """Steps 3 and 4: see which of our items the partner also holds, at which tier, each with a trace request."""
    ew = app_()
    result = svc.finish(ew, principal(), _config(), file, partner, key_file, out_, on=today(),
                        parallel=ew.parallel)
    _done(result, fmt, "exchange finished")
