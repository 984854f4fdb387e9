"""Indicator 2: armed conflict involving the destination, the end user's state, or a state that
receives onward transfers from the consignee."""

from __future__ import annotations

from datetime import date

from endwatch.domain.risk.criteria import CONFLICT_CRITERIA
from endwatch.domain.risk.facts import (
    conflict_evidence,
    conflicts_involving,
    end_user_country,
    onward_transfers,
    transfer_evidence,
)
from endwatch.domain.risk.model import Evidence, Indicator, Severity, Subject, World, indicator

CODE = "armed-conflict"
TITLE = "Armed conflict"
CRITERIA = CONFLICT_CRITERIA


def assess(subject: Subject, world: World, as_of: date) -> Indicator:
    """Severity: critical when the destination or the end user (or its state) is in a conflict under way;
    high when a state receiving onward transfers is, or the destination or end user's conflict ended
    less than a year ago; medium when only an onward recipient's conflict ended recently."""
    evidence: list[Evidence] = []
    severity = Severity.NONE
    notes: list[str] = []

    def raise_to(s: Severity) -> None:
        nonlocal severity
        if s.rank > severity.rank:
            severity = s

    user_state = end_user_country(world, subject)
    direct = [("the destination " + subject.destination, subject.destination, None),
              (f"the end user {world.name_of(subject.end_user_id)}", user_state, subject.end_user_id)]
    seen: set[str] = set()
    for who, country, party in direct:
        for inv in conflicts_involving(world, as_of, country=country, party_id=party):
            key = f"{who}:{inv.conflict.id}"
            if key in seen:
                continue
            seen.add(key)
            evidence.append(conflict_evidence(inv, who[0].upper() + who[1:]))
            raise_to(Severity.CRITICAL if inv.active else Severity.HIGH)
            notes.append(f"{who} is involved in '{inv.conflict.name}'"
                         f"{' (under way)' if inv.active else ' (ended recently)'}")
    for t in onward_transfers(world, subject):
        invs = conflicts_involving(world, as_of, country=t.recipient_country, party_id=t.recipient_id)
        if not invs:
            continue
        evidence.append(transfer_evidence(world, t))
        for inv in invs:
            evidence.append(conflict_evidence(inv, f"{t.recipient_country}, which receives onward transfers,"))
            raise_to(Severity.HIGH if inv.active else Severity.MEDIUM)
            notes.append(f"{t.recipient_country}, which receives onward transfers from"
                         f" {world.name_of(t.supplier_id)}, is involved in '{inv.conflict.name}'"
                         f"{' (under way)' if inv.active else ' (ended recently)'}")
    if not notes:
        return indicator(CODE, TITLE, Severity.NONE,
                         f"No armed conflict known on {as_of.isoformat()} involves the destination, the end user's"
                         " state or a state receiving onward transfers from the consignee.", [], CRITERIA)
    unique = list(dict.fromkeys(notes))
    return indicator(CODE, TITLE, severity, "Armed conflict: " + "; ".join(unique) + ".", evidence, CRITERIA)
