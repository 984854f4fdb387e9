"""Indicator 1: the destination policy in force on the date for the goods, and the exception relied on."""

from __future__ import annotations

from datetime import date

from endwatch.domain.policy import Measure, Policy, policies_in_force
from endwatch.domain.risk.facts import end_user_country
from endwatch.domain.risk.model import Evidence, Indicator, Severity, Subject, World, indicator

CODE = "destination-policy"
TITLE = "Destination policy and exception relied on"
CRITERIA = ("ATT-6", "EU-CP-1", "EIPA-7.3")


_ARTICLE = {Measure.EMBARGO: "an arms embargo", Measure.SUSPENSION: "a suspension of new permits",
            Measure.PRESUMPTION_OF_DENIAL: "a presumption of denial", Measure.NONE: "no restriction"}


def _evidence(p: Policy) -> Evidence:
    until = p.effective_to.isoformat() if p.effective_to else "open-ended"
    return Evidence("policy", p.id, f"Policy {p.id} ({p.country}, {p.measure.value.replace('_', ' ')},"
                    f" {p.effective_from.isoformat()} to {until}): {p.reference or 'no reference given'}",
                    p.effective_from)


def assess(subject: Subject, world: World, as_of: date) -> Indicator:
    """Severity: critical under an embargo or suspension, or a presumption of denial with no valid named
    exception; high when a named exception is relied on (it needs justification and senior review)."""
    product = world.products.get(subject.product_id)
    categories = product.categories if product else ()
    countries = [subject.destination]
    user_state = end_user_country(world, subject)
    if user_state and user_state not in countries:
        countries.append(user_state)
    governing = [p for c in countries for p in policies_in_force(world.policies, c, categories, as_of)]
    governing = [p for p in governing if p.measure is not Measure.NONE]
    governing.sort(key=lambda p: -p.measure.severity)
    if not governing:
        return indicator(CODE, TITLE, Severity.NONE,
                         f"No embargo, suspension or presumption of denial is in force on {as_of.isoformat()}"
                         f" for {', '.join(countries)} and these goods ({', '.join(categories) or 'no category'}).",
                         [], CRITERIA)
    top = governing[0]
    evidence = [_evidence(p) for p in governing]
    where = f"{top.country} is under {_ARTICLE[top.measure]} on {as_of.isoformat()} (policy {top.id})"
    if top.measure in (Measure.EMBARGO, Measure.SUSPENSION):
        return indicator(CODE, TITLE, Severity.CRITICAL, f"{where}: no permit may be issued.", evidence, CRITERIA)
    if not subject.exception:
        named = "; ".join(top.exceptions) or "none"
        return indicator(CODE, TITLE, Severity.CRITICAL,
                         f"{where}, and no exception is relied on: the presumption applies and points to denial"
                         f" (the policy's named exceptions: {named}).", evidence, CRITERIA)
    spelled = top.exception_named(subject.exception)
    if spelled is None:
        return indicator(CODE, TITLE, Severity.CRITICAL,
                         f"{where}; the exception relied on, {subject.exception!r}, is not one the policy names"
                         f" ({'; '.join(top.exceptions) or 'none'}).", evidence, CRITERIA)
    evidence.append(Evidence("exception", f"{subject.kind} {subject.key}",
                             f"The {subject.kind} relies on the exception {spelled!r}. Justification: "
                             f"{subject.justification or '(none written)'}", subject.dated))
    return indicator(CODE, TITLE, Severity.HIGH,
                     f"{where}; the {subject.kind} relies on the named exception {spelled!r}. Approval under an"
                     " exception needs a written justification and a second approver.", evidence, CRITERIA)
