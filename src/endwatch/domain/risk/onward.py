"""Indicator 3: onward transfers by the consignee or the end user's state, and the integration route
(a component fitted to a platform that the integrator then exports)."""

from __future__ import annotations

from datetime import date

from endwatch.domain.parties import PartyKind
from endwatch.domain.risk.criteria import DIVERSION_CRITERIA
from endwatch.domain.risk.facts import (
    conflicts_involving,
    lineage,
    onward_transfers,
    restricted_parties,
    transfer_evidence,
)
from endwatch.domain.risk.model import Evidence, Indicator, Severity, Subject, TransferReport, World, indicator

CODE = "onward-transfers"
TITLE = "Onward transfers and integration route"
CRITERIA = (*DIVERSION_CRITERIA, "ATT-7-peace", "EU-CP-4")


def is_integration_route(subject: Subject, world: World) -> bool:
    """True when the consignee is a company that is neither the end user nor part of it: it receives
    the goods to build them into something else, which it may then export."""
    consignee = world.parties.get(subject.consignee_id)
    if consignee is None or consignee.kind is not PartyKind.COMPANY:
        return False
    return subject.consignee_id not in lineage(world, subject.end_user_id)


def assess(subject: Subject, world: World, as_of: date) -> Indicator:
    """Severity: critical when onward transfers go to a state in a conflict under way or to a party with a
    strong screening hit; high when onward transfers to other states are reported (or a recent conflict
    is involved); medium for an integration route with no reported onward transfer."""
    restricted = restricted_parties(world)

    def at_war(t: TransferReport) -> bool:
        invs = conflicts_involving(world, as_of, country=t.recipient_country, party_id=t.recipient_id)
        return any(i.at_war for i in invs) or bool(t.recipient_id and t.recipient_id in restricted)

    # A state's own arms exports (a register's state-level entry) are not a diversion route in themselves:
    # they count only when they go to a state at war or to a restricted party.
    transfers = [t for t in onward_transfers(world, subject, as_of) if t.supplier_id or at_war(t)]
    integration = is_integration_route(subject, world)
    evidence: list[Evidence] = []
    consignee = world.name_of(subject.consignee_id)
    user_state = world.country_of(subject.end_user_id)
    if user_state and user_state != subject.destination:
        # The end user is declared in another state: re-export from the destination is the plan itself.
        evidence.append(Evidence("declaration", f"{subject.kind} {subject.key}",
                                 f"The declared end user {world.name_of(subject.end_user_id)} is in {user_state},"
                                 f" not in the destination {subject.destination}: the goods are to be re-exported.",
                                 subject.dated))
    if integration:
        evidence.append(Evidence("route", f"consignee {subject.consignee_id}",
                                 f"The consignee {consignee} is a company, not the end user"
                                 f" {world.name_of(subject.end_user_id)}: the goods reach the end user only"
                                 " through it (integration route).", subject.dated))
    if not transfers and user_state and user_state != subject.destination:
        return indicator(CODE, TITLE, Severity.HIGH,
                         f"The goods are to be re-exported from {subject.destination} to the end user's state"
                         f" {user_state}.", evidence, CRITERIA)
    if not transfers and not integration:
        return indicator(CODE, TITLE, Severity.NONE,
                         "No onward transfer by the consignee or the end user's state is reported, and the goods go"
                         " to the end user directly.", [], CRITERIA)
    if not transfers:
        return indicator(CODE, TITLE, Severity.MEDIUM,
                         f"Diversion risk through integration: the consignee {consignee} is an integrator, not the"
                         " end user; what it builds with the goods may be exported onward with them."
                         " No onward transfer is reported yet.", evidence, CRITERIA)
    severity = Severity.HIGH
    states: list[str] = []
    for t in transfers:
        evidence.append(transfer_evidence(world, t))
        states.append(t.recipient_country)
        if at_war(t):
            severity = Severity.CRITICAL
    route = " through integration" if integration else ""
    return indicator(CODE, TITLE, severity,
                     f"Diversion risk{route}: onward transfers by {consignee} or the end user's state to"
                     f" {', '.join(dict.fromkeys(states))} are reported; goods supplied for"
                     f" {subject.destination} may travel on with them.", evidence, CRITERIA)
