"""Indicator 4: conflicting declarations. Other applications or permits of the same exporter or
consignee, for the same product family, that declare end users in other states."""

from __future__ import annotations

from datetime import date

from endwatch.domain.permits import Permit
from endwatch.domain.risk.criteria import DIVERSION_CRITERIA
from endwatch.domain.risk.facts import conflicts_involving, end_user_country, restricted_parties
from endwatch.domain.risk.model import Evidence, Indicator, Severity, Subject, World, indicator

CODE = "conflicting-declarations"
TITLE = "Conflicting declarations on the same route"
CRITERIA = (*DIVERSION_CRITERIA, "EU-CP-6")


_LOWER = {Severity.CRITICAL: Severity.MEDIUM, Severity.HIGH: Severity.LOW, Severity.MEDIUM: Severity.LOW}


def _same_record(subject: Subject, kind: str, key: str, application_number: str | None) -> bool:
    """The subject itself, its application or its permit: not a conflicting declaration."""
    if kind == "application":
        return key in (subject.application_number, subject.key if subject.kind == "application" else None)
    return key == subject.permit_number or (application_number is not None
                                            and application_number == subject.application_number)


def assess(subject: Subject, world: World, as_of: date) -> Indicator:
    """Severity: critical when another declaration names an end user in a state in a conflict under way
    or a restricted party; high when that state's conflict ended recently; medium otherwise. Two levels
    lower (at most medium) when the other records share only the exporter, not the consignee."""
    family = world.family_of(subject.product_id)
    own_state = end_user_country(world, subject)
    records: list[tuple[str, str, str | None, str, str, str, str, date]] = []
    for rec in world.on_route(family, subject.exporter_id, subject.consignee_id):
        if isinstance(rec, Permit):
            records.append(("permit", rec.number, rec.application_number, rec.exporter_id, rec.consignee_id,
                            rec.end_user_id, rec.product_id, rec.issued_on))
        else:
            records.append(("application", rec.number, None, rec.exporter_id, rec.consignee_id, rec.end_user_id,
                            rec.product_id, rec.received_on))
    records.sort(key=lambda r: (r[7], r[0], r[1]))
    restricted = restricted_parties(world)
    # Group by declared end user: one conflict check and one piece of evidence per end user, however
    # many records name it (a busy route can hold hundreds).
    groups: dict[str, list[tuple[str, str, str, str, date]]] = {}
    for kind, key, app_no, exporter, consignee, end_user, _product, dated in records:
        if _same_record(subject, kind, key, app_no):
            continue
        groups.setdefault(end_user, []).append((kind, key, exporter, consignee, dated))
    severity = Severity.NONE
    evidence: list[Evidence] = []
    states: list[str] = []
    for end_user, recs in groups.items():
        state = world.country_of(end_user)
        if state is None or state == own_state:
            continue
        invs = conflicts_involving(world, as_of, country=state, party_id=end_user)
        if any(i.at_war for i in invs) or end_user in restricted:
            level = Severity.CRITICAL
        elif any(i.primary for i in invs):
            level = Severity.HIGH
        else:
            level = Severity.MEDIUM
        if all(r[3] != subject.consignee_id for r in recs):
            # Only the exporter is shared: an exporter serving several states is ordinary business; a
            # consignee declaring several states is the warning sign. Two levels lower (at most medium).
            level = _LOWER[level]
        if level.rank > severity.rank:
            severity = level
        states.append(state)
        why = ""
        if invs:
            why = f"; {state} is involved in '{invs[0].conflict.name}'"
        if end_user in restricted:
            why += f"; {world.name_of(end_user)} has a restricted-party screening hit"
        latest = max(r[4] for r in recs)
        if len(recs) == 1:
            kind, key, exporter, consignee, dated = recs[0]
            evidence.append(Evidence(kind, key, f"The {kind} {key} ({exporter} to {consignee}, same product family"
                                     f" {family}) declares the end user {world.name_of(end_user)} in {state}"
                                     f" (dated {dated.isoformat()}){why}.", dated))
            continue
        keys = [r[1] for r in recs]
        shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
        evidence.append(Evidence("declarations", shown, f"{len(recs)} applications or permits on the same route and"
                                 f" product family {family} ({shown}) declare the end user"
                                 f" {world.name_of(end_user)} in {state} (dated {min(r[4] for r in recs).isoformat()}"
                                 f" to {latest.isoformat()}){why}.", latest))
    if not evidence:
        return indicator(CODE, TITLE, Severity.NONE,
                         "No other application or permit of the same exporter or consignee for this product family"
                         " declares an end user in another state.", [], CRITERIA)
    return indicator(CODE, TITLE, severity,
                     f"Other applications or permits for the same route and product family declare end users in"
                     f" {', '.join(dict.fromkeys(states))}, while this {subject.kind} declares"
                     f" {own_state or 'an unknown state'}: the route may serve several states.", evidence, CRITERIA)
