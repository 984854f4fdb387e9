"""Destination policies (embargoes, suspensions, presumptions of denial) and the issuance rule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from endwatch.errors import RuleViolation


class Measure(StrEnum):
    """What a destination policy does to new permits, from most to least restrictive."""

    EMBARGO = "embargo"
    SUSPENSION = "suspension"
    PRESUMPTION_OF_DENIAL = "presumption_of_denial"
    NONE = "none"

    @property
    def severity(self) -> int:
        """Higher is more restrictive."""
        return {"embargo": 3, "suspension": 2, "presumption_of_denial": 1, "none": 0}[self.value]


ALL_CATEGORIES = "*"


def category_covered(pattern: str, category: str) -> bool:
    """True when a policy's category pattern covers a control-list entry.

    `*` covers everything; a pattern ending in `*` covers entries starting with what precedes it
    ("2-*" covers "2-15"); otherwise the entry must be equal, ignoring case and spaces.
    """
    p = pattern.strip().upper().replace(" ", "")
    c = category.strip().upper().replace(" ", "")
    if p == ALL_CATEGORIES:
        return True
    if p.endswith("*"):
        return c.startswith(p[:-1])
    return p == c


@dataclass(frozen=True)
class Policy:
    """A measure for one destination country, over some control-list entries, for a period.

    `effective_to` is the last day in force (inclusive); None means open-ended.
    """

    id: str
    country: str
    measure: Measure
    categories: tuple[str, ...] = (ALL_CATEGORIES,)
    effective_from: date = date.min
    effective_to: date | None = None
    exceptions: tuple[str, ...] = ()
    reference: str = ""

    def in_force_on(self, day: date) -> bool:
        """True when the policy applies on that day."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def covers(self, categories: Iterable[str]) -> bool:
        """True when the policy covers any of the given control-list entries."""
        cats = list(categories)
        return any(category_covered(p, c) for p in self.categories for c in cats)

    def exception_named(self, name: str) -> str | None:
        """The policy's own spelling of the exception `name` (case-insensitive), or None."""
        wanted = " ".join(name.split()).casefold()
        return next((e for e in self.exceptions if " ".join(e.split()).casefold() == wanted), None)


def policies_in_force(
    policies: Iterable[Policy], country: str, categories: Iterable[str], on: date
) -> list[Policy]:
    """Policies for `country` in force on `on` covering any of `categories`, most restrictive first."""
    cats = list(categories)
    found = [p for p in policies if p.country == country and p.in_force_on(on) and p.covers(cats)]
    return sorted(found, key=lambda p: (-p.measure.severity, p.effective_from, p.id))


@dataclass(frozen=True)
class PolicyBasis:
    """What a permit was issued under: the governing policy (if any) and the exception relied on."""

    policy_id: str | None
    measure: Measure
    exception: str | None = None
    justification: str | None = None


def check_issuance(
    policies: Iterable[Policy],
    *,
    permit_number: str,
    country: str,
    categories: Iterable[str],
    on: date,
    exception: str | None,
    justification: str | None,
) -> PolicyBasis:
    """Decide whether a permit may be issued on `on`, and on what basis.

    Raises RuleViolation `destination-policy` when an embargo or a suspension of new permits is in force
    for the destination and goods, or when a presumption of denial is in force and the permit does not
    cite one of that policy's named exceptions with a written justification.
    """
    cats = list(categories)
    governing = policies_in_force(policies, country, cats, on)
    if not governing or governing[0].measure is Measure.NONE:
        basis_id = governing[0].id if governing else None
        return PolicyBasis(basis_id, Measure.NONE, exception or None, justification or None)
    top = governing[0]
    records = [f"permit {permit_number}", f"policy {top.id}"]
    if top.measure in (Measure.EMBARGO, Measure.SUSPENSION):
        what = "an arms embargo" if top.measure is Measure.EMBARGO else "a suspension of new permits"
        raise RuleViolation(
            "destination-policy",
            f"{country} is under {what} for {', '.join(cats) or 'these goods'} on {on.isoformat()}"
            f" ({top.reference or top.id}); no permit may be issued",
            records,
        )
    # Presumption of denial: only through a named exception, justified in writing.
    if not exception:
        named = "; ".join(top.exceptions) or "none"
        raise RuleViolation(
            "destination-policy",
            f"{country} is under a presumption of denial on {on.isoformat()}; a permit needs one of the"
            f" policy's named exceptions ({named}) and a written justification",
            records,
        )
    spelled = top.exception_named(exception)
    if spelled is None:
        raise RuleViolation(
            "destination-policy",
            f"exception {exception!r} is not one of policy {top.id}'s named exceptions"
            f" ({'; '.join(top.exceptions) or 'none'})",
            records,
        )
    if not justification or not justification.strip():
        raise RuleViolation(
            "destination-policy",
            f"relying on exception {spelled!r} under a presumption of denial needs a written justification",
            records,
        )
    return PolicyBasis(top.id, top.measure, spelled, justification.strip())
