"""What an enforcement decision is and what it covers: the action (suspend, reinstate, revoke) and the scope
of permits (by party, destination, product, control-list entry, or a case's recommendations)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any

from endwatch.domain.permits import Application, Permit, PermitStatus
from endwatch.domain.products import Product


class Action(StrEnum):
    """A decision over a scope of permits."""

    suspend = "suspend"
    reinstate = "reinstate"
    revoke = "revoke"
    cancel = "cancel"  # one permit's cancellation (a final status, like a revocation)

    @property
    def status(self) -> PermitStatus:
        return {Action.suspend: PermitStatus.SUSPENDED, Action.reinstate: PermitStatus.REINSTATED,
                Action.revoke: PermitStatus.REVOKED, Action.cancel: PermitStatus.CANCELLED}[self]

    @classmethod
    def for_status(cls, status: PermitStatus) -> Action:
        """The decision that records `status` (ValueError for `issued`, which no decision records)."""
        for a in cls:
            if a.status is status:
                return a
        raise ValueError(f"no decision records the status {status.value!r}")

    @property
    def past(self) -> str:
        return self.status.value


@dataclass(frozen=True)
class Scope:
    """Which permits a decision covers. Within a field any value matches; across fields all must match.

    `categories` match control-list entries of the permit's product, with shell wildcards ("2-*").
    `case` takes the case's recommended actions: its suspend_permit targets, hold_application targets and
    notify_exporter targets (narrowed by any other field given). `permits` names permits one by one (a
    single permit's suspension, say): each is changed or the decision is refused, never skipped.
    """

    exporters: tuple[str, ...] = ()
    consignees: tuple[str, ...] = ()
    end_users: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    case: str | None = None
    permits: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.exporters or self.consignees or self.end_users or self.destinations or self.products
                    or self.categories or self.case or self.permits)

    def to_dict(self) -> dict[str, Any]:
        """The scope as JSON-ready data (only the fields given)."""
        data: dict[str, Any] = {k: list(v) for k, v in (
            ("exporters", self.exporters), ("consignees", self.consignees), ("end_users", self.end_users),
            ("destinations", self.destinations), ("products", self.products), ("categories", self.categories),
        ) if v}
        if self.case:
            data["case"] = self.case
        if self.permits:
            data["permits"] = list(self.permits)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scope:
        """The scope `to_dict` gave."""
        def values(key: str) -> tuple[str, ...]:
            return tuple(str(v) for v in data.get(key, ()))

        return cls(values("exporters"), values("consignees"), values("end_users"), values("destinations"),
                   values("products"), values("categories"), data.get("case") or None, values("permits"))

    def describe(self) -> str:
        """The scope in words, for messages."""
        parts = [f"{k.replace('_', ' ')}: {', '.join(v) if isinstance(v, list) else v}"
                 for k, v in self.to_dict().items()]
        return "; ".join(parts) or "(empty)"

    def matches(self, rec: Permit | Application, product: Product | None) -> bool:
        """True when the permit or application falls within every field given (the case aside)."""
        if self.exporters and rec.exporter_id not in self.exporters:
            return False
        if self.consignees and rec.consignee_id not in self.consignees:
            return False
        if self.end_users and rec.end_user_id not in self.end_users:
            return False
        if self.destinations and rec.destination not in self.destinations:
            return False
        if self.products and rec.product_id not in self.products:
            return False
        if self.categories:
            cats = product.categories if product else ()
            if not any(fnmatchcase(c, pattern) for c in cats for pattern in self.categories):
                return False
        return True

    def has_filters(self) -> bool:
        return not Scope(case=None, **{k: getattr(self, k) for k in (
            "exporters", "consignees", "end_users", "destinations", "products", "categories")}).is_empty()


def scope_of(values: dict[str, Iterable[str]], case: str | None = None) -> Scope:
    """Build a scope from lists of values by field name (blank values are ignored; `permits` names permits)."""
    def clean(key: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in values.get(key, ()) if v.strip())

    return Scope(clean("exporters"), clean("consignees"), clean("end_users"),
                 tuple(v.upper() for v in clean("destinations")), clean("products"), clean("categories"),
                 case.strip() if case and case.strip() else None, clean("permits"))
