"""Parties: states, agencies, armed forces, companies; their names, aliases and hierarchy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from endwatch.domain.names import normalise_name


class PartyKind(StrEnum):
    """What sort of party this is."""

    STATE = "state"
    GOVERNMENT_AGENCY = "government_agency"
    ARMED_FORCE = "armed_force"
    COMPANY = "company"
    PERSON = "person"
    OTHER = "other"


@dataclass(frozen=True)
class Party:
    """A state, agency, armed force, company, person or other body. `country` is ISO 3166-1 alpha-2."""

    id: str
    name: str
    kind: PartyKind
    country: str | None = None
    parent_id: str | None = None
    aliases: tuple[str, ...] = ()
    former_names: tuple[str, ...] = field(default=())
    # Identifiers as "scheme:value" ("imo:9187629", "lei:...", "inn:7704484400", "registration:..."; see
    # domain/identifiers.py) and, for a person, the birth date: screening weighs them for or against a hit.
    identifiers: tuple[str, ...] = ()
    birth_date: date | None = None

    def all_names(self) -> tuple[str, ...]:
        """The name, then aliases, then former names, each once."""
        seen: dict[str, None] = {}
        for n in (self.name, *self.aliases, *self.former_names):
            seen.setdefault(n, None)
        return tuple(seen)

    def name_keys(self) -> frozenset[str]:
        """The normalised forms of every name this party is known by."""
        return frozenset(normalise_name(n) for n in self.all_names() if normalise_name(n))


def ancestors(party_id: str, parent_of: Mapping[str, str | None]) -> list[str]:
    """The chain of parents above a party, nearest first. Safe against cycles in bad data."""
    chain: list[str] = []
    current = parent_of.get(party_id)
    while current is not None and current not in chain and current != party_id:
        chain.append(current)
        current = parent_of.get(current)
    return chain


def is_within(party_id: str, ancestor_id: str, parent_of: Mapping[str, str | None]) -> bool:
    """True when the party is the ancestor itself or one of its sub-units at any depth."""
    return party_id == ancestor_id or ancestor_id in ancestors(party_id, parent_of)


def would_cycle(party_id: str, new_parent_id: str | None, parent_of: Mapping[str, str | None]) -> bool:
    """True when giving `party_id` the parent `new_parent_id` would make the hierarchy circular."""
    if new_parent_id is None:
        return False
    return new_parent_id == party_id or party_id in ancestors(new_parent_id, parent_of)


def match_by_name(text: str, parties: Iterable[Party]) -> list[Party]:
    """Parties whose name, alias or former name equals `text` once normalised (exact, no fuzziness)."""
    key = normalise_name(text)
    if not key:
        return []
    return [p for p in parties if key in p.name_keys()]
