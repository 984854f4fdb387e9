"""The exchange format's files and columns: names, types and which are required.

This module is the single source of the format; docs/exchange-format.md is checked against it by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from endwatch.domain import text as rules
from endwatch.domain.text import TextRule

# Columns holding a record's key or a reference to one: identifiers from the safe alphabet.
_IDENTIFIER_COLUMNS = frozenset({"id", "number", "permit_number", "application_number", "family"})
# List columns whose items are identifiers, or names, or short codes (control-list entries, `*`, `2-*`).
_LIST_RULES: dict[str, TextRule] = {
    "party_ids": rules.identifier(100), "aliases": rules.name(300), "former_names": rules.name(300),
    "category": rules.name(50), "categories": rules.name(50), "exceptions": rules.name(300),
    "countries": rules.name(2), "media": rules.text(2000), "identifiers": rules.name(100),
    "roles": rules.text(500),
}


def default_rule(name: str, kind: str) -> TextRule | None:
    """The field constraint of a text or list column, by the column's name (domain/text.py's rules, with the
    lengths of the database columns the values go to)."""
    if kind == "list":
        return _LIST_RULES.get(name, rules.name(300))
    if kind != "text":
        return None
    if name in _IDENTIFIER_COLUMNS or name.endswith("_id"):
        return rules.identifier(100)
    if name == "serial":
        return rules.serial(100)
    if name in ("name", "signatory", "model", "manufacturer", "observed_user", "platform"):
        return rules.name(200 if name == "model" else 300)
    if name == "currency":
        return rules.identifier(3)
    return rules.text(10_000)


@dataclass(frozen=True)
class Column:
    """One column: its name, its type, whether a value is required, its allowed values, a description.

    `rule` is the constraint every text (or list item) of the column meets; by default it follows from the
    column's name (default_rule). `high` is the largest whole number an `int` column holds (the database
    column's range: 32-bit unless said otherwise).
    """

    name: str
    kind: str = "text"  # text | date | int | decimal | bool | country | list | choice
    required: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""
    rule: TextRule | None = None
    high: int = rules.INT32_MAX

    def __post_init__(self) -> None:
        if self.rule is None:
            object.__setattr__(self, "rule", default_rule(self.name, self.kind))


@dataclass(frozen=True)
class FileSpec:
    """One file of the format. `key` names the columns that identify a record."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str = ""
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


PARTY_KINDS = ("state", "government_agency", "armed_force", "company", "person", "other")
MEASURES = ("embargo", "suspension", "presumption_of_denial", "none")
APPLICATION_STATUSES = ("received", "on_hold", "approved", "denied", "withdrawn")
PERMIT_STATUSES = ("issued", "suspended", "reinstated", "revoked", "cancelled", "expired")
CHANGE_STATUSES = ("suspended", "reinstated", "revoked", "cancelled")

HISTORICAL = Column("historical_source", doc="For a record that predates endwatch: where it comes from (an older"
                    " registry, a published record). Blank: decided in endwatch. See *Historical records*.")

_UNDERTAKING = (
    Column("end_use", doc="The end use stated in the end-use undertaking."),
    Column("no_reexport", "bool", doc="`yes` when the undertaking assures no re-export without consent."),
    Column("signatory", doc="Who signed the undertaking (name and position)."),
    Column("signed_on", "date", doc="When the undertaking was signed."),
)

_PARTIES_AND_GOODS = (
    Column("exporter_id", required=True, doc="Party id of the exporter."),
    Column("consignee_id", required=True, doc="Party id of the consignee."),
    Column("end_user_id", required=True, doc="Party id of the declared end user."),
    Column("destination", "country", required=True, doc="Country of final destination (alpha-2)."),
    Column("product_id", required=True, doc="Product id of the goods."),
    Column("quantity", "int", required=True, doc="Number of items (a positive whole number)."),
    Column("value", "decimal", doc="Contract value."),
    Column("currency", doc="ISO 4217 currency of the value, e.g. CAD."),
)

FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "parties.csv",
        (
            Column("id", required=True, doc="Stable identifier, referenced by the other files."),
            Column("name", required=True, doc="Current name."),
            Column("kind", "choice", required=True, choices=PARTY_KINDS, doc="What sort of party."),
            Column("country", "country", doc="ISO 3166-1 alpha-2 country."),
            Column("parent_id", doc="Party this one belongs to (a navy belongs to the armed forces)."),
            Column("aliases", "list", doc="Other names in use."),
            Column("former_names", "list", doc="Names the party used before (found on older nameplates)."),
            Column("identifiers", "list", doc="Identifiers as scheme:value (imo, lei, inn, ogrn, tax, vat, "
                   "registration, duns, passport, id...), weighed by screening."),
            Column("birth_date", "date", doc="A person's birth date, weighed by screening."),
        ),
        key=("id",),
        doc="States, government agencies, armed forces, companies and other bodies.",
    ),
    FileSpec(
        "products.csv",
        (
            Column("id", required=True, doc="Stable identifier."),
            Column("manufacturer_id", required=True, doc="Party id of the manufacturer."),
            Column("model", required=True, doc="Canonical model name."),
            Column("aliases", "list", doc="Other model names (as marked on nameplates).", rule=rules.name(200)),
            Column("category", "list", doc="Control-list entries, e.g. `2-15|ML15`."),
            Column("description", doc="What the product is."),
            Column("family", doc="Serial-number family (serials are unique per manufacturer and family);"
                   " blank: the product id."),
            Column("designated", "bool", doc="`yes` when designated for end-use monitoring (the check programme"
                   " may plan inventories of its serials)."),
        ),
        key=("id",),
        doc="Goods, by manufacturer and model.",
    ),
    FileSpec(
        "policies.csv",
        (
            Column("id", doc="Stable identifier; blank: country-measure-effective_from.",
                   rule=rules.identifier(150)),
            Column("country", "country", required=True, doc="Destination country the policy applies to."),
            Column("measure", "choice", required=True, choices=MEASURES, doc="What the policy does."),
            Column("categories", "list", required=True,
                   doc="Control-list entries covered: `*` for all, `2-*` for every entry starting `2-`."),
            Column("effective_from", "date", required=True, doc="First day in force."),
            Column("effective_to", "date", doc="Last day in force; blank: open-ended."),
            Column("exceptions", "list", doc="Named exceptions a permit may cite (presumption of denial)."),
            Column("reference", doc="The text or notice the policy comes from."),
        ),
        key=("id",),
        doc="Destination policies: embargoes, suspensions of new permits, presumptions of denial.",
    ),
    FileSpec(
        "applications.csv",
        (
            Column("number", required=True, doc="Application number."),
            *_PARTIES_AND_GOODS,
            Column("received_on", "date", required=True, doc="When the application was received."),
            *_UNDERTAKING,
            Column("status", "choice", choices=APPLICATION_STATUSES,
                   doc="Where it stands; blank: received. `approved` and `denied` only with a decision in"
                   " decisions.csv, or on a historical record."),
            HISTORICAL,
        ),
        key=("number",),
        doc="Applications for export permits with their end-use undertaking.",
    ),
    FileSpec(
        "permits.csv",
        (
            Column("number", required=True, doc="Permit number."),
            Column("application_number", doc="The application it was issued on."),
            *_PARTIES_AND_GOODS,
            Column("issued_on", "date", required=True, doc="Issue date (first day in force)."),
            Column("expires_on", "date", required=True, doc="Last day of validity."),
            Column("status", "choice", choices=PERMIT_STATUSES,
                   doc="Latest recorded status; anything but `issued` (or `expired`) must match"
                   " status_changes.csv."),
            *_UNDERTAKING,
            Column("exception", doc="Named policy exception relied on (presumption of denial)."),
            Column("justification", doc="Written justification for relying on the exception."),
            HISTORICAL,
        ),
        key=("number",),
        doc="Issued export permits.",
    ),
    FileSpec(
        "status_changes.csv",
        (
            Column("permit_number", required=True, doc="Permit the change applies to."),
            Column("status", "choice", required=True, choices=CHANGE_STATUSES, doc="New status."),
            Column("effective_on", "date", required=True, doc="First day of the new status."),
            Column("reason", doc="Why."),
            Column("reference", doc="The authority's reference."),
            HISTORICAL,
        ),
        key=("permit_number", "status", "effective_on"),
        doc="Later suspensions, reinstatements, revocations and cancellations of permits.",
    ),
    FileSpec(
        "deliveries.csv",
        (
            Column("permit_number", required=True, doc="Permit the item was delivered under."),
            Column("delivered_on", "date", required=True, doc="Delivery date."),
            Column("serial", required=True, doc="The item's serial number (one item a line)."),
            Column("recipient_id", doc="Party that received it; blank: the permit's consignee."),
        ),
        key=("permit_number", "serial"),
        doc="Delivered items, one serial number a line.",
    ),
    FileSpec(
        "retransfers.csv",
        (
            Column("permit_number", required=True, doc="Permit the items were delivered under."),
            Column("serial", doc="The item; blank: every item of the permit."),
            Column("to_party_id", required=True, doc="Party the items may go to."),
            Column("authorized_on", "date", required=True, doc="First day the re-transfer is authorised."),
            Column("reference", required=True, doc="The authority's reference for the consent."),
        ),
        key=("permit_number", "serial", "to_party_id", "authorized_on"),
        doc="Authorised re-transfers of delivered items to other parties.",
    ),
)

SPECS: dict[str, FileSpec] = {f.name: f for f in FILES}
