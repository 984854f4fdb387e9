"""The registry facts a detection run loads once (parties, products, name indexes, re-transfers; permits and
pending applications when first needed), and what every task of a run shares."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from endwatch.domain.deliveries import Retransfer
from endwatch.domain.parties import Party
from endwatch.domain.permits import Application, Permit
from endwatch.domain.products import Product
from endwatch.domain.sightings import Sighting
from endwatch.services.detection.resolution import NameIndex, party_index, product_index, with_sub_units
from endwatch.services.uow import UnitOfWork


class World:
    """The registry facts a run needs, loaded once: parties, products, indexes, re-transfers."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.parties: dict[str, Party] = {p.id: p for p in uow.parties.list()}
        self.products: dict[str, Product] = {p.id: p for p in uow.products.list()}
        self.parent_of = {pid: p.parent_id for pid, p in self.parties.items()}
        self.country_of = {pid: p.country for pid, p in self.parties.items()}
        self.names = {pid: p.name for pid, p in self.parties.items()}
        self.all_parties = party_index(self.parties.values())
        makers = {p.manufacturer_id for p in self.products.values()}
        self.makers = party_index(p for p in self.parties.values() if p.id in makers)
        self.categories = {pid: p.categories for pid, p in self.products.items()}
        self.retransfers: dict[str, list[Retransfer]] = defaultdict(list)
        for r in uow.deliveries.all_retransfers():
            self.retransfers[r.permit_number].append(r)
        self._permits: dict[str, Permit] | None = None
        self._applications: list[Application] | None = None
        self._by_route: dict[tuple[str, str], list[Permit]] | None = None
        self._within: dict[tuple[str, ...], set[str]] = {}
        self._product_index: dict[frozenset[str] | None, NameIndex] = {}

    def permits(self) -> dict[str, Permit]:
        if self._permits is None:
            self._permits = {p.number: p for p in self.uow.permits.list()}
        return self._permits

    def pending_applications(self) -> list[Application]:
        if self._applications is None:
            self._applications = [a for a in self.uow.applications.list() if a.status.pending]
        return self._applications

    def related_permits(self, diverted: Sequence[Permit]) -> list[Permit]:
        """Permits with the consignee or the destination of one of `diverted` (the only ones an action can name)."""
        if self._by_route is None:
            self._by_route = defaultdict(list)
            for p in self.permits().values():
                self._by_route[("c", p.consignee_id)].append(p)
                self._by_route[("d", p.destination)].append(p)
        keys = {("c", p.consignee_id) for p in diverted} | {("d", p.destination) for p in diverted}
        return list({p.number: p for key in keys for p in self._by_route[key]}.values())

    def product_index_for(self, maker_ids: set[str] | None) -> NameIndex:
        key = frozenset(maker_ids) if maker_ids is not None else None
        if key not in self._product_index:
            chosen = [p for p in self.products.values() if key is None or p.manufacturer_id in key]
            self._product_index[key] = product_index(chosen)
        return self._product_index[key]

    def makers_within(self, ids: tuple[str, ...]) -> set[str]:
        """The parties and their sub-units (cached: the same maker text recurs across sightings)."""
        if ids not in self._within:
            self._within[ids] = with_sub_units(ids, self.parent_of)
        return self._within[ids]

    def label(self, pid: str) -> str:
        return f"{self.names.get(pid, pid)} ({pid})"


@dataclass(frozen=True)
class Shared:
    """What every task of a run reads: the registry facts, the sightings to decide, every stored folded serial
    (large runs only), the decision time, and how a task opens a read-only unit of work where it runs."""

    world: World
    todo: Sequence[Sighting]
    folds: set[str] | None
    decided_at: str
    reader: Callable[[], AbstractContextManager[UnitOfWork]]
