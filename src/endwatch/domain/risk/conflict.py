"""Indicator 2: armed conflict involving the destination, the end user's state, or a state that
receives onward transfers from the consignee, weighed by the role each plays in it.

Weights (for a conflict under way; one step lower when it ended less than a year ago):
- a primary party to a war (intensity 2, or intensity not given): critical; the location of a war
  without being a primary party: high;
- the location of, or a primary party to, a minor conflict (intensity 1): medium;
- a secondary supporter of a side: medium in a war, low in a minor conflict; one step higher when the
  declared end user is the supporting state's armed force (or a part of it);
- a peace or training mission: not a conflict (never counted);
- a state receiving onward transfers from the consignee: one step lower than the same role would weigh
  for the destination.
Each conflict is cited once, with every role it plays (destination, end user, onward recipients).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from endwatch.domain.parties import PartyKind
from endwatch.domain.risk.criteria import CONFLICT_CRITERIA
from endwatch.domain.risk.facts import (
    Involvement,
    conflict_evidence,
    conflicts_involving,
    describe_roles,
    end_user_country,
    intensity_words,
    lineage,
    onward_transfers,
    transfer_evidence,
)
from endwatch.domain.risk.model import Evidence, Indicator, Role, Severity, Subject, World, indicator

CODE = "armed-conflict"
TITLE = "Armed conflict"
CRITERIA = CONFLICT_CRITERIA

_ORDER = (Severity.NONE, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


def _step(s: Severity, by: int) -> Severity:
    return _ORDER[max(1, min(len(_ORDER) - 1, s.rank + by))]


def weigh(inv: Involvement, *, force_of_supporter: bool = False) -> Severity:
    """The weight of one involvement for the destination or the end user (see the module's rules)."""
    roles = {r.role for r in inv.roles}
    war = inv.conflict.war
    if Role.PRIMARY in roles:
        level = Severity.CRITICAL if war else Severity.MEDIUM
    elif Role.LOCATION in roles:
        level = Severity.HIGH if war else Severity.MEDIUM
    else:
        level = Severity.MEDIUM if war else Severity.LOW
        if force_of_supporter:
            level = _step(level, +1)
    return level if inv.active else _step(level, -1)


def _armed_force_of(world: World, party_id: str | None, countries: set[str]) -> bool:
    """The party is (part of) the armed force of one of these states."""
    for pid in lineage(world, party_id):
        p = world.parties.get(pid)
        if p is not None and p.kind is PartyKind.ARMED_FORCE and world.country_of(pid) in countries:
            return True
    return False


@dataclass
class _Citation:
    inv: Involvement
    who: list[str] = field(default_factory=list)
    severity: Severity = Severity.NONE
    evidence: list[Evidence] = field(default_factory=list)


def assess(subject: Subject, world: World, as_of: date) -> Indicator:
    """Severity by role and intensity (module docstring); every conflict cited once with every role."""
    user_state = end_user_country(world, subject)
    cited: dict[str, _Citation] = {}

    def cite(inv: Involvement, who: str, level: Severity) -> _Citation:
        key = inv.conflict.series_id
        c = cited.get(key)
        if c is None:
            c = cited[key] = _Citation(inv)
        elif inv.roles != c.inv.roles:
            c.inv = Involvement(c.inv.conflict, c.inv.active, tuple(dict.fromkeys((*c.inv.roles, *inv.roles))))
        if who not in c.who:
            c.who.append(who)
        if level.rank > c.severity.rank:
            c.severity = level
        return c

    direct = [(f"the destination {subject.destination}", subject.destination, None),
              (f"the end user {world.name_of(subject.end_user_id)}", user_state, subject.end_user_id)]
    for who, country, party in direct:
        for inv in conflicts_involving(world, as_of, country=country, party_id=party):
            supporters = {r.country for r in inv.roles if r.role is Role.SECONDARY and r.country}
            level = weigh(inv, force_of_supporter=_armed_force_of(world, subject.end_user_id, supporters))
            cite(inv, who, level)
    for t in onward_transfers(world, subject, as_of):
        invs = conflicts_involving(world, as_of, country=t.recipient_country, party_id=t.recipient_id)
        if not t.supplier_id:
            # A state's own arms exports (a register's entry) weigh only when they go to a state at war.
            invs = [i for i in invs if i.at_war]
        for inv in invs:
            c = cite(inv, f"{t.recipient_country}, which receives onward transfers from"
                          f" {world.name_of(t.supplier_id)},", _step(weigh(inv), -1))
            c.evidence.append(transfer_evidence(world, t))
    if not cited:
        return indicator(CODE, TITLE, Severity.NONE,
                         f"No armed conflict known on {as_of.isoformat()} involves the destination, the end user's"
                         " state or a state receiving onward transfers from the consignee.", [], CRITERIA)
    evidence: list[Evidence] = []
    notes: list[str] = []
    severity = Severity.NONE
    for c in sorted(cited.values(), key=lambda c: (-c.severity.rank, c.inv.conflict.series_id)):
        who = _join(c.who)
        evidence.append(conflict_evidence(c.inv, who[0].upper() + who[1:]))
        evidence.extend(e for e in dict.fromkeys(c.evidence))
        severity = max(severity, c.severity, key=lambda s: s.rank)
        notes.append(f"{who} {'is' if c.inv.active else 'was'} {describe_roles(c.inv.roles)} of"
                     f" '{c.inv.conflict.name}', {intensity_words(c.inv.conflict)}"
                     f"{' under way' if c.inv.active else ' that ended recently'} ({c.severity.value})")
    return indicator(CODE, TITLE, severity, "Armed conflict: " + "; ".join(notes) + ".", evidence, CRITERIA)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
