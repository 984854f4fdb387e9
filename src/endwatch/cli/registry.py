"""Commands that read and write registry records one at a time: parties, products, policies,
applications, permits, deliveries and re-transfers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import typer

from endwatch.cli import app
from endwatch.cli.common import (
    AS_OF_OPTION,
    FORMAT_OPTION,
    Format,
    app_,
    as_json,
    command,
    emit,
    out,
    parse_date,
    principal,
    today,
)
from endwatch.domain.deliveries import Retransfer
from endwatch.domain.names import split_multi
from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import (
    Application,
    ApplicationStatus,
    EndUseUndertaking,
    Permit,
    PermitStatus,
)
from endwatch.domain.policy import Measure, Policy
from endwatch.domain.products import Product
from endwatch.services.enforcement.proposals import propose_cancel_scheduled, propose_permit_status
from endwatch.services.registry import queries
from endwatch.services.registry.applications import receive_application, set_application_status
from endwatch.services.registry.deliveries import authorise_retransfer, record_delivery
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.permits import issue_permit
from endwatch.services.registry.policies import save_policy
from endwatch.services.registry.products import save_product

party_app = typer.Typer(help="States, agencies, armed forces, companies.", no_args_is_help=True)
product_app = typer.Typer(help="Goods by manufacturer and model.", no_args_is_help=True)
policy_app = typer.Typer(help="Destination policies.", no_args_is_help=True)
application_app = typer.Typer(help="Permit applications.", no_args_is_help=True)
permit_app = typer.Typer(help="Export permits and their status history.", no_args_is_help=True)
delivery_app = typer.Typer(help="Delivered items, by serial number.", no_args_is_help=True)
retransfer_app = typer.Typer(help="Authorised re-transfers.", no_args_is_help=True)
for sub, name in ((party_app, "party"), (product_app, "product"), (policy_app, "policy"),
                  (application_app, "application"), (permit_app, "permit"), (delivery_app, "delivery"),
                  (retransfer_app, "retransfer")):
    app.add_typer(sub, name=name)

REASON = typer.Option("", "--reason", help="Why (recorded in the audit trail).")


def _required_date(text: str, option: str) -> date:
    parsed = parse_date(text, option)
    assert parsed is not None
    return parsed


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise typer.BadParameter(f"{text!r} is not a number", param_hint="--value") from None


@party_app.command("add")
@command
def party_add(
    party_id: str = typer.Argument(..., help="Stable id, e.g. tr-navy."),
    name: str = typer.Option(..., "--name"),
    kind: PartyKind = typer.Option(..., "--kind"),
    country: str | None = typer.Option(None, "--country", help="ISO 3166-1 alpha-2."),
    parent: str | None = typer.Option(None, "--parent", help="Id of the party it belongs to."),
    alias: list[str] = typer.Option([], "--alias", help="Another name (repeatable)."),
    former_name: list[str] = typer.Option([], "--former-name", help="A former name (repeatable)."),
    identifier: list[str] = typer.Option([], "--identifier",
                                         help="An identifier as scheme:value, e.g. inn:7704484400 (repeatable)."),
    birth_date: str | None = typer.Option(None, "--birth-date", help="A person's birth date, YYYY-MM-DD."),
    reason: str = REASON,
) -> None:
    """Add or update a party."""
    party = Party(party_id, name, kind, country, parent, tuple(alias), tuple(former_name), tuple(identifier),
                  parse_date(birth_date, "--birth-date"))
    ew = app_()
    save_party(ew, principal(), party, reason, then=ew.party_saved)
    out.print(f"party {party_id} saved")


@party_app.command("list")
@command
def party_list(fmt: Format = FORMAT_OPTION) -> None:
    """Every party."""
    rows = [{"id": p.id, "name": p.name, "kind": p.kind, "country": p.country, "parent_id": p.parent_id,
             "aliases": p.aliases, "former_names": p.former_names} for p in queries.list_parties(app_().reader())]
    emit(rows, fmt, "parties")


@product_app.command("add")
@command
def product_add(
    product_id: str = typer.Argument(...),
    manufacturer: str = typer.Option(..., "--manufacturer", help="Party id of the manufacturer."),
    model: str = typer.Option(..., "--model"),
    alias: list[str] = typer.Option([], "--alias", help="Another model name (repeatable)."),
    category: list[str] = typer.Option([], "--category", help="Control-list entry, e.g. 2-15 (repeatable)."),
    description: str = typer.Option("", "--description"),
    family: str = typer.Option("", "--family", help="Serial-number family; default: the product id."),
    designated: bool = typer.Option(False, "--designated", help="Designated for end-use monitoring (inventories"
                                    " by serial: docs/monitoring.md)."),
    reason: str = REASON,
) -> None:
    """Add or update a product."""
    product = Product(product_id, manufacturer, model, tuple(sorted(set(alias))), tuple(sorted(set(category))),
                      description, family, designated)
    save_product(app_().uow(), principal(), product, reason)
    out.print(f"product {product_id} saved")


@policy_app.command("add")
@command
def policy_add(
    policy_id: str = typer.Argument(...),
    country: str = typer.Option(..., "--country"),
    measure: Measure = typer.Option(..., "--measure"),
    category: list[str] = typer.Option(["*"], "--category", help="Entry or pattern covered (repeatable; * = all)."),
    effective_from: str = typer.Option(..., "--from"),
    effective_to: str | None = typer.Option(None, "--to", help="Last day in force."),
    exception: list[str] = typer.Option([], "--exception", help="Named exception (repeatable)."),
    reference: str = typer.Option("", "--reference"),
    reason: str = REASON,
) -> None:
    """Add or update a destination policy."""
    policy = Policy(policy_id, country, measure, tuple(category), _required_date(effective_from, "--from"),
                    parse_date(effective_to, "--to"), tuple(exception), reference)
    save_policy(app_().uow(), principal(), policy, reason)
    out.print(f"policy {policy_id} saved")


@policy_app.command("list")
@command
def policy_list(country: str | None = typer.Option(None, "--country"), fmt: Format = FORMAT_OPTION) -> None:
    """Destination policies."""
    rows = [{"id": p.id, "country": p.country, "measure": p.measure, "categories": p.categories,
             "effective_from": p.effective_from, "effective_to": p.effective_to, "exceptions": p.exceptions}
            for p in queries.list_policies(app_().reader(), country)]
    emit(rows, fmt, "destination policies")


def _undertaking(end_use: str, no_reexport: bool, signatory: str | None, signed_on: str | None) -> EndUseUndertaking:
    return EndUseUndertaking(end_use, no_reexport, signatory, parse_date(signed_on, "--signed-on"))


@application_app.command("add")
@command
def application_add(
    number: str = typer.Argument(...),
    exporter: str = typer.Option(..., "--exporter"),
    consignee: str = typer.Option(..., "--consignee"),
    end_user: str = typer.Option(..., "--end-user"),
    destination: str = typer.Option(..., "--destination"),
    product: str = typer.Option(..., "--product"),
    quantity: int = typer.Option(..., "--quantity"),
    received_on: str = typer.Option(..., "--received-on"),
    value: str | None = typer.Option(None, "--value"),
    currency: str | None = typer.Option(None, "--currency"),
    end_use: str = typer.Option("", "--end-use"),
    no_reexport: bool = typer.Option(False, "--no-reexport", help="The undertaking assures no re-export."),
    signatory: str | None = typer.Option(None, "--signatory"),
    signed_on: str | None = typer.Option(None, "--signed-on"),
    reason: str = REASON,
) -> None:
    """Register a permit application with its end-use undertaking."""
    application = Application(number, exporter, consignee, end_user, destination, product, quantity,
                              _required_date(received_on, "--received-on"),
                              _undertaking(end_use, no_reexport, signatory, signed_on), _decimal(value), currency)
    receive_application(app_().uow(), principal(), application, reason)
    out.print(f"application {number} received")


@application_app.command("list")
@command
def application_list(fmt: Format = FORMAT_OPTION) -> None:
    """Every application."""
    apps = queries.list_applications(app_().reader())
    rows = [{"number": a.number, "received_on": a.received_on, "exporter_id": a.exporter_id,
             "consignee_id": a.consignee_id, "end_user_id": a.end_user_id, "destination": a.destination,
             "product_id": a.product_id, "quantity": a.quantity, "status": a.status,
             "historical": a.historical_source or ""} for a in apps]
    emit(rows, fmt, "applications")


@permit_app.command("issue")
@command
def permit_issue(
    number: str = typer.Argument(...),
    exporter: str = typer.Option(..., "--exporter"),
    consignee: str = typer.Option(..., "--consignee"),
    end_user: str = typer.Option(..., "--end-user"),
    destination: str = typer.Option(..., "--destination"),
    product: str = typer.Option(..., "--product"),
    quantity: int = typer.Option(..., "--quantity"),
    issued_on: str = typer.Option(..., "--issued-on"),
    expires_on: str = typer.Option(..., "--expires-on"),
    application: str | None = typer.Option(None, "--application"),
    value: str | None = typer.Option(None, "--value"),
    currency: str | None = typer.Option(None, "--currency"),
    end_use: str = typer.Option("", "--end-use"),
    no_reexport: bool = typer.Option(False, "--no-reexport"),
    signatory: str | None = typer.Option(None, "--signatory"),
    signed_on: str | None = typer.Option(None, "--signed-on"),
    exception: str | None = typer.Option(None, "--exception", help="Named policy exception relied on."),
    justification: str | None = typer.Option(None, "--justification", help="Why the exception applies."),
    reason: str = REASON,
) -> None:
    """Issue a permit; refused under an embargo or suspension, and under a presumption of denial
    unless a named exception is cited with a justification."""
    permit = Permit(number, exporter, consignee, end_user, destination, product, quantity,
                    _required_date(issued_on, "--issued-on"), _required_date(expires_on, "--expires-on"),
                    _undertaking(end_use, no_reexport, signatory, signed_on), _decimal(value), currency,
                    application, exception=exception, justification=justification)
    issued = issue_permit(app_().uow(), principal(), permit, reason)
    basis = f" under {issued.policy_measure} ({issued.policy_id})" if issued.policy_id else ""
    through = f" through exception {issued.exception!r}" if issued.exception else ""
    out.print(f"permit {number} issued{basis}{through}")


def _permit_row(v: queries.PermitView) -> dict[str, object]:
    p = v.permit
    return {"number": p.number, "state": v.state, "issued_on": p.issued_on, "expires_on": p.expires_on,
            "exporter_id": p.exporter_id, "consignee_id": p.consignee_id, "end_user_id": p.end_user_id,
            "destination": p.destination, "product_id": p.product_id, "quantity": p.quantity,
            "delivered": v.delivered, "exception": p.exception, "historical": p.historical_source or ""}


@permit_app.command("list")
@command
def permit_list(as_of: str | None = AS_OF_OPTION, fmt: Format = FORMAT_OPTION) -> None:
    """Every permit issued by the date, with its state on that date."""
    day = parse_date(as_of, "--as-of") or today()
    views = queries.permits_as_of(app_().reader(), day)
    emit([_permit_row(v) for v in views], fmt, f"permits as of {day.isoformat()}")


@permit_app.command("show")
@command
def permit_show(number: str = typer.Argument(...), as_of: str | None = AS_OF_OPTION,
                fmt: Format = FORMAT_OPTION) -> None:
    """One permit: its parties, goods, policy basis and status history, as of a date."""
    day = parse_date(as_of, "--as-of") or today()
    view = queries.permit_as_of(app_().reader(), number, day)
    if fmt is Format.json:
        print(as_json({**_permit_row(view), "as_of": day, "permit": view.permit, "history": view.history}))
        return
    p = view.permit
    emit([_permit_row(view)], fmt, f"permit {number} as of {day.isoformat()}")
    out.print(f"policy basis: {p.policy_measure or 'none'} {p.policy_id or ''}"
              + (f"; exception {p.exception!r}: {p.justification}" if p.exception else ""))
    now = today()
    for h in view.history:
        mark = f" (historical: {h.historical_source})" if h.historical_source else ""
        mark += " (scheduled)" if h.effective_on > now else ""
        out.print(f"  {h.effective_on.isoformat()}  {h.status.value:<10} {h.reason} {h.reference}{mark}".rstrip())


@permit_app.command("status")
@command
def permit_status(
    number: str = typer.Argument(...),
    status: PermitStatus = typer.Option(..., "--status", help="suspended, reinstated, revoked or cancelled."),
    effective_on: str = typer.Option(..., "--on", help="First day of the new status."),
    reason: str = typer.Option(..., "--reason"),
    reference: str = typer.Option("", "--reference", help="The authority's reference (required)."),
) -> None:
    """Propose a status change of one permit; someone else applies it with `endwatch confirm`."""
    day = _required_date(effective_on, "--on")
    p = propose_permit_status(app_().uow(), principal(), number, status, day, reason, reference,
                              max_future_days=app_().settings.max_future_days)
    out.print(f"permit {number}: {status.value} from {day.isoformat()} proposed as proposal {p.id}; nothing is"
              f" applied until someone else confirms it (`endwatch confirm {p.id}`)")


@permit_app.command("cancel-scheduled")
@command
def permit_cancel_scheduled(
    number: str = typer.Argument(...),
    effective_on: str = typer.Option(..., "--on", help="The date the status event is scheduled on."),
    reason: str = typer.Option(..., "--reason"),
    reference: str = typer.Option(..., "--reference", help="The authority's reference."),
) -> None:
    """Propose cancelling a status event of one permit scheduled after today; someone else confirms it."""
    p = propose_cancel_scheduled(app_().uow(), principal(), number, _required_date(effective_on, "--on"), reason,
                                 reference)
    out.print(f"permit {number}: cancelling the {p.scope.get('event')} scheduled on {p.effective_on.isoformat()}"
              f" proposed as proposal {p.id}; nothing changes until someone else confirms it"
              f" (`endwatch confirm {p.id}`)")


@delivery_app.command("add")
@command
def delivery_add(
    permit: str = typer.Option(..., "--permit"),
    delivered_on: str = typer.Option(..., "--date"),
    serial: list[str] = typer.Option(..., "--serial", help="Serial number (repeatable, or several split by |)."),
    recipient: str | None = typer.Option(None, "--recipient", help="Party id; default: the consignee."),
    reason: str = REASON,
) -> None:
    """Record items delivered under a permit."""
    serials = [s for cell in serial for s in split_multi(cell)]
    items = record_delivery(app_().uow(), principal(), permit, _required_date(delivered_on, "--date"),
                            serials, recipient, reason)
    out.print(f"{len(items)} item(s) recorded under permit {permit}")


@retransfer_app.command("add")
@command
def retransfer_add(
    permit: str = typer.Option(..., "--permit"),
    to_party: str = typer.Option(..., "--to"),
    authorized_on: str = typer.Option(..., "--from", help="First day the re-transfer is authorised."),
    reference: str = typer.Option(..., "--reference"),
    serial: str | None = typer.Option(None, "--serial", help="One item; default: every item of the permit."),
) -> None:
    """Record an authorised re-transfer."""
    r = Retransfer(permit, to_party, _required_date(authorized_on, "--from"), reference, serial)
    authorise_retransfer(app_().uow(), principal(), r)
    out.print(f"re-transfer under permit {permit} to {to_party} recorded")


@application_app.command("status")
@command
def application_status(
    number: str = typer.Argument(...),
    status: ApplicationStatus = typer.Option(
        ..., "--status", help="on_hold, received or withdrawn; approve and deny with `endwatch decide`."
    ),
    effective_on: str | None = typer.Option(None, "--on", help="Default: today."),
    reason: str = typer.Option(..., "--reason"),
    reference: str = typer.Option("", "--reference"),
) -> None:
    """Put an application on hold or withdraw it (decisions to approve or deny: `endwatch decide`)."""
    day = parse_date(effective_on, "--on") or today()
    set_application_status(app_().uow(), principal(), number, status, day, reason, reference)
    out.print(f"application {number}: {status.value}")


