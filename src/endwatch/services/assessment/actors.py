"""UCDP's actors linked to registered parties, so that a conflict reaches the parties the registry knows:
a party to a conflict (primary or secondary) that is a state's government ("Government of Turkey", with its
Gleditsch-Ward code) is linked to the registered party of kind `state` of that country; a non-state actor
("PKK", "Republic of Artsakh") to the registered party whose name, alias or former name it is (by name key,
services/names: legal forms, punctuation and script aside). Only an unambiguous match links: one state party
of that country, one party with that name. The location and missions are not linked (not parties to it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.risk.model import Conflict, ConflictRole, Role
from endwatch.services.names.forms import name_key

LINKED = (Role.PRIMARY, Role.SECONDARY)


def link_actors(conflicts: Iterable[Conflict], parties: Iterable[Party]) -> list[Conflict]:
    """The conflicts with each primary or secondary role that names no party linked to one (module docstring)."""
    states: dict[str, list[str]] = {}
    named: dict[str, set[str]] = {}
    for p in parties:
        if p.kind is PartyKind.STATE and p.country:
            states.setdefault(p.country.upper(), []).append(p.id)
        for n in p.all_names():
            key = name_key(n)
            if key:
                named.setdefault(key, set()).add(p.id)

    def party_of(r: ConflictRole) -> str | None:
        if r.party_id or r.role not in LINKED:
            return r.party_id
        if r.country:
            found = states.get(r.country.upper(), [])
            return found[0] if len(found) == 1 else None
        found_ids = named.get(name_key(r.actor), set()) if r.actor else set()
        return next(iter(found_ids)) if len(found_ids) == 1 else None

    out = []
    for c in conflicts:
        roles = tuple(replace(r, party_id=party_of(r)) for r in c.roles)
        out.append(c if roles == c.roles else replace(c, roles=roles))
    return out
