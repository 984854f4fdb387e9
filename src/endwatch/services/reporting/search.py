"""Search everywhere: one text looked up as a serial (exact through trace, else detection's near candidates
with their tier in words), as a party's name, alias or former name, and as the start of a permit,
application, case or sighting number. Results are grouped by kind, at most `PER_KIND` each, and limited to
what the principal may read: an exporter finds only its own company's permits, applications and items; the
public may not search at all."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from endwatch.domain.names import normalise_name
from endwatch.errors import InvalidInput, Problem
from endwatch.services.authz import Action, Principal, company_scope, may_see_exporter, require
from endwatch.services.detection.near import Near, near_candidates
from endwatch.services.registry.trace import trace_serial
from endwatch.services.reporting.store import Found
from endwatch.services.uow import UnitOfWork

PER_KIND = 10
MAX_QUERY = 200

# Each kind a search looks in: the read it needs, and its heading.
KINDS: dict[str, tuple[Action, str]] = {
    "serials": (Action.DELIVERIES_READ, "Delivered items (serial)"),
    "parties": (Action.PARTIES_READ, "Parties (names, aliases, former names)"),
    "permits": (Action.PERMITS_READ, "Permits"),
    "applications": (Action.APPLICATIONS_READ, "Applications"),
    "cases": (Action.CASES_READ, "Cases"),
    "sightings": (Action.SIGHTINGS_READ, "Sightings"),
}


@dataclass(frozen=True)
class SearchResult:
    """What a search found, by kind (only the kinds the principal may read, in KINDS' order); `near` holds
    detection's candidates when no item has the serial exactly (for principals who may trace)."""

    text: str
    groups: dict[str, list[Found]] = field(default_factory=dict)
    near: Near | None = None

    @property
    def empty(self) -> bool:
        return not any(self.groups.values()) and not (self.near and self.near.candidates)


def clean_text(raw: str) -> str:
    """The search text, trimmed; InvalidInput (column `query.q`) when empty, too long or holding control
    characters such as NUL."""
    text = raw.strip()
    if not text:
        raise InvalidInput([Problem("type something to search for", column="query.q")])
    if len(text) > MAX_QUERY:
        raise InvalidInput([Problem(f"too long (at most {MAX_QUERY} characters)", column="query.q")])
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise InvalidInput([Problem("control characters (such as NUL) cannot be searched for", column="query.q")])
    return text


def search(reader: Callable[[], UnitOfWork], principal: Principal, raw: str, today: date,
           per_kind: int = PER_KIND) -> SearchResult:
    """Search for `raw` in every kind the principal may read (Forbidden for the public)."""
    require(principal, Action.DASHBOARD_READ)  # any signed-in role; never the public
    text = clean_text(raw)
    scope = company_scope(principal)
    groups: dict[str, list[Found]] = {}
    near = None
    kinds = [kind for kind, (action, _) in KINDS.items() if principal.may(action)]
    if "serials" in kinds:
        groups["serials"], near = _serials(reader, principal, text, today, per_kind)
    with reader() as uow:  # the other kinds in one read-only transaction: one statement each
        for kind in kinds:
            if kind == "parties":
                key = normalise_name(text)
                groups[kind] = uow.search.parties(key, per_kind) if key else []
            elif kind != "serials":
                groups[kind] = uow.search.numbers(kind, text, scope if kind in ("permits", "applications") else None,
                                                  per_kind)
    return SearchResult(text, {k: groups[k] for k in kinds}, near)


def _serials(reader: Callable[[], UnitOfWork], principal: Principal, text: str, today: date,
             per_kind: int) -> tuple[list[Found], Near | None]:
    """Items with this serial exactly (as trace finds them, the caller's own only for an exporter); with none,
    detection's near candidates for principals who may trace (an exporter is never shown others' serials)."""
    try:
        found = trace_serial(reader(), text, as_of=today)
    except InvalidInput:
        return [], None  # no letter or digit: not a serial
    hits = [h for h in found.hits if may_see_exporter(principal, h.exporter.id)][:per_kind]
    items = [Found(h.serial, h.serial, f"{h.product.model} under permit {h.permit.number}, delivered"
                   f" {h.delivered_on.isoformat()} to {h.recipient.name}") for h in hits]
    near = None
    if not found.hits and principal.may(Action.TRACE):
        with reader() as uow:
            near = near_candidates(uow, text)
    return items, near
