"""What the reporting area needs from storage: the list repository (`uow.lists`), which runs every list's
filters, keyset order and capped count as SQL, and the shapes of its questions and answers."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from endwatch.domain.permits import Permit
from endwatch.errors import InvalidInput, Problem

T = TypeVar("T")

# Counting stops here: beyond it the total is an estimate (cheap on any table size).
EXACT_UP_TO = 10_000
MAX_LIMIT = 500


@dataclass(frozen=True)
class ListQuery:
    """A validated request for one page: filters by name, the sort key and direction, the cursor."""

    kind: str
    filters: Mapping[str, Any] = field(default_factory=dict)
    sort: str = ""
    descending: bool = False
    after: tuple[Any, ...] | None = None
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class ListPage(Generic[T]):
    """One page: its records, the total matching (exact or an estimate), and the cursor of the next page."""

    items: list[T]
    total: int
    exact: bool
    next_after: str | None
    # The parties each party filter named, (id, name) by filter: what the page says the filter is on.
    parties: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


class ListRepository(Protocol):
    def page(self, query: ListQuery, exporter: str | None) -> ListPage[Any]:
        """One page of the list `query.kind` (its domain records), limited to one exporter's records when
        `exporter` is given."""
    def parties_named(self, text: str, limit: int) -> list[tuple[str, str]]:
        """(id, name) of the parties a party filter's text names: the party with that id when there is one, else
        at most `limit` parties with a name, alias or former name whose name key starts with the text's, by name."""
    def delivered_by(self, numbers: Collection[str], as_of: date) -> dict[str, int]:
        """How many items were delivered under each of these permits by `as_of` (one GROUP BY)."""
    def permit_groups(self, through: date) -> list[tuple[str, int, str, str, int, int]]:
        """Permits issued by `through` grouped in SQL: (destination, year issued, product, exporter, permits,
        quantity permitted). Each permit is in exactly one group."""
    def delivery_groups(self, through: date) -> list[tuple[str, int, str, str, str, int]]:
        """Items delivered by `through` under a known permit grouped in SQL: (destination, year delivered,
        product, permit, exporter, items). Each item is in exactly one group."""
    def categories_of(self, product_ids: Collection[str]) -> dict[str, tuple[str, ...]]:
        """The control-list entries of these products (products with none are left out)."""
    def sightings_by_country(self) -> dict[str, int]:
        """How many sightings were observed in each country (one GROUP BY)."""


@dataclass(frozen=True)
class Found:
    """One record a search found: its key (for its link), how people name it, and a line about it."""

    key: str
    label: str
    detail: str


class SearchRepository(Protocol):
    def numbers(self, kind: str, prefix: str, exporter: str | None, limit: int) -> list[Found]:
        """At most `limit` records of `kind` (permits, applications, cases, sightings) whose number starts
        with `prefix` (as typed or in capitals), in number order; permits and applications of `exporter` only
        when it is given."""
    def parties(self, key_prefix: str, limit: int) -> list[Found]:
        """At most `limit` parties with a name, alias or former name whose name key starts with `key_prefix`."""


# The roles a party has on a permit, named as the permits list's filters name them.
PERMIT_ROLES = ("exporter", "consignee", "end_user")


@dataclass(frozen=True)
class Route:
    """How many permits send goods from one exporter through one consignee to one end user."""

    exporter_id: str
    consignee_id: str
    end_user_id: str
    permits: int


@dataclass(frozen=True)
class SeenWith:
    """How many findings saw items declared for `end_user_id` with `observed_user_id` instead."""

    end_user_id: str
    observed_user_id: str
    findings: int


class PartyRecordRepository(Protocol):
    """A party's related records, counted and sampled in SQL: every answer is bounded by its `cap` or `limit`,
    whatever the number of permits and findings that name the party."""

    def permit_counts(self, party_id: str, cap: int) -> dict[str, int]:
        """Permits naming the party in each of PERMIT_ROLES, each counted up to `cap` (`cap` means "at least")."""
    def latest_permits(self, party_id: str, limit: int) -> list[Permit]:
        """At most `limit` permits naming the party in any role, newest first (issue day, then number)."""
    def routes(self, party_id: str, limit: int) -> list[Route]:
        """The `limit` commonest routes among the permits naming the party (most permits first)."""
    def seen_with(self, party_id: str, limit: int) -> list[SeenWith]:
        """Findings of items under permits naming the party that were seen with someone other than the
        permit's end user, grouped by (end user, observed user): the `limit` largest groups."""
    def findings_seen_with(self, party_id: str, cap: int) -> int:
        """Findings whose item was seen with the party, counted up to `cap`."""
    def names(self, party_ids: Collection[str]) -> dict[str, str]:
        """The names of these parties (unknown ids left out)."""


def encode_cursor(values: tuple[Any, ...]) -> str:
    """The opaque cursor of a row's sort values."""
    text = json.dumps([v.isoformat() if isinstance(v, date) else v for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, ...]:
    """The sort values a cursor holds; InvalidInput (query.after) when it is not one this service made."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or not all(isinstance(v, str | int | float) for v in values):
        raise InvalidInput([Problem("not a cursor this service gave (use the page's `next` link)",
                                    column="query.after")])
    return tuple(values)
