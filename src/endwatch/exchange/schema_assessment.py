"""The assessment area's exchange-format files: armed conflicts, reported onward transfers and decisions.

Kept apart from exchange/schema.py (the registry's files); docs/exchange-format.md documents both.
"""

from __future__ import annotations

from endwatch.exchange.schema import Column, FileSpec

CONFLICTS = FileSpec(
    "conflicts.csv",
    (
        Column("id", required=True, doc="Stable identifier of the conflict."),
        Column("name", required=True, doc="Name of the conflict, e.g. `Nagorno-Karabakh war (2020)`."),
        Column("countries", "list", required=True,
               doc="ISO 3166-1 alpha-2 codes of the states involved, `|` separated, e.g. `AM|AZ`."),
        Column("party_ids", "list", doc="Party ids (parties.csv) of the parties to the conflict."),
        Column("started_on", "date", required=True, doc="First day of hostilities."),
        Column("ended_on", "date", doc="Last day of hostilities; blank: ongoing."),
        Column("source", required=True, doc="Where the facts come from."),
        Column("intensity", "int", doc="UCDP's intensity: 1 a minor conflict (25-999 battle-related deaths a year),"
               " 2 a war; blank: the source does not say (weighed as a war)."),
        Column("kind", doc="The kind of conflict as the source gives it (UCDP: `interstate`, `intrastate`, ...)."),
        Column("series", doc="The conflict a year's record belongs to (`ucdp-388` for `ucdp-388-2020`)."),
        Column("known_on", "date", doc="When the evidence became known (a dataset's release, a report's date)."),
        Column("roles", "list", doc="Who plays which part, each `role:country:side:party_id:actor` (role `location`,"
               " `primary`, `secondary` or `mission`; side `A`, `B` or blank; country, party id or actor blank when"
               " unknown), e.g. `secondary:TR:A::Government of Turkey`. Blank: every country and party is a"
               " primary party."),
    ),
    key=("id",),
    doc="Armed conflicts and their parties.",
)

TRANSFERS = FileSpec(
    "transfers.csv",
    (
        Column("supplier_id", required=True, doc="Party id of the supplier (for example the consignee)."),
        Column("recipient_id", doc="Party id of the recipient; blank when the recipient is not a registered party."),
        Column("recipient_country", "country", required=True,
               doc="Country of the recipient (alpha-2, or a documented other code such as `XK`, `XN`:"
               " docs/country-codes.md)."),
        Column("item", required=True, doc="What was transferred, e.g. `Bayraktar TB2 drones`."),
        Column("reported_on", "date", required=True, doc="When the transfer was first reported."),
        Column("source", required=True, doc="The public register or press report."),
        Column("reference", doc="The transfer's own id or source reference (e.g. `sipri:...`); two different deals"
               " with the same supplier, recipient, item and date differ by it."),
        Column("manufacturer", doc="Who made the item, kept apart from the supplier (a state or a trader)."),
        Column("quantity", "int", doc="How many were transferred; blank: the source does not say; 0 is a number."),
    ),
    key=("supplier_id", "recipient_country", "item", "reported_on", "reference"),
    doc="Onward or third-party transfers reported in public registers or the press.",
)

ASSESSMENT_FILES: tuple[FileSpec, ...] = (CONFLICTS, TRANSFERS)

DECISIONS = FileSpec(
    "decisions.csv",
    (
        Column("application_number", required=True, doc="The application decided (applications.csv or stored)."),
        Column("decision", "choice", required=True, choices=("approve", "deny"), doc="The outcome."),
        Column("decided_by", required=True, doc="Username of the approver who decided (a known, active account"
               " that may decide)."),
        Column("decided_on", "date", required=True, doc="The day of the decision (not before the application"
               " was received, not in the future)."),
        Column("reason", required=True, doc="Why."),
        Column("countersigned_by", doc="Username of the second, different approver; required for an approval."),
        Column("justification", doc="Written justification (for an approval against the recommendation)."),
    ),
    key=("application_number",),
    doc="Decisions taken on applications (in endwatch's terms: by its users), carried by an import.",
)
