"""A party's page: the party, and what the registry holds about it counted and sampled in SQL (permits naming it
in each role, the newest of them, the commonest routes, where its items were seen with someone else), each part
bounded, with the filtered lists that hold the rest (/permits?end_user=ID and the like)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from endwatch.domain.parties import Party
from endwatch.domain.permits import Permit
from endwatch.errors import NotFound
from endwatch.services.reporting.store import EXACT_UP_TO, PERMIT_ROLES, Route, SeenWith
from endwatch.services.uow import UnitOfWork

# Permits the page lists (the newest; the permits list filtered by the party has them all).
LATEST_PERMITS = 20
# Routes and "seen with" edges drawn in the network (the commonest: more would not be readable as a drawing).
ROUTES = 20
SEEN_WITH = 10


@dataclass(frozen=True)
class PartyView:
    """One party with its related records: `permits[role]` counts the permits naming it in that role (exact up
    to EXACT_UP_TO, else "more than"), `latest` the newest of them, `routes` and `seen_with` the commonest
    (`seen_with` empty for a reader who may not see findings), `seen_with_party` the findings of items seen
    with the party, and `names` the name of every party the view mentions."""

    party: Party
    permits: dict[str, int]
    latest: list[Permit]
    routes: list[Route]
    seen_with: list[SeenWith]
    seen_with_party: int
    names: dict[str, str]

    def exact(self, count: int) -> bool:
        """Whether a count of this view is exact (else it stopped counting at EXACT_UP_TO)."""
        return count <= EXACT_UP_TO


def party_view(uow: UnitOfWork, party_id: str, *, findings: bool) -> PartyView:
    """The party's view in one read-only transaction, a few statements whatever the registry's size (findings
    read only when `findings`: the reader may see them); NotFound when the party is unknown."""
    with uow:
        party = uow.parties.get(party_id)
        if party is None:
            raise NotFound("party", party_id)
        records = uow.party_records
        counts = records.permit_counts(party_id, EXACT_UP_TO + 1)
        latest = records.latest_permits(party_id, LATEST_PERMITS) if any(counts.values()) else []
        routes = records.routes(party_id, ROUTES) if any(counts.values()) else []
        seen = records.seen_with(party_id, SEEN_WITH) if findings and any(counts.values()) else []
        seen_with_party = records.findings_seen_with(party_id, EXACT_UP_TO + 1) if findings else 0
        named = ({party_id} | {i for p in latest for i in (p.exporter_id, p.consignee_id, p.end_user_id)}
                 | {i for r in routes for i in (r.exporter_id, r.consignee_id, r.end_user_id)}
                 | {i for s in seen for i in (s.end_user_id, s.observed_user_id)}
                 | ({party.parent_id} if party.parent_id else set()))
        names = records.names(named)
    return PartyView(party, {role: counts[role] for role in PERMIT_ROLES}, latest, routes, seen, seen_with_party,
                     names)


def party_names(uow: UnitOfWork, party_ids: Collection[str]) -> dict[str, str]:
    """The names of these parties by id (unknown ids left out), in one statement for a page's worth: what pages
    name the parties they show by (web/render.py), never every party's."""
    if not party_ids:
        return {}
    with uow:
        return uow.party_records.names(party_ids)
