"""What the registry needs from storage: the delivered-item records and one repository protocol per aggregate
(`uow.parties`, `uow.products`, `uow.policies`, `uow.applications`, `uow.permits`, `uow.deliveries`)."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from endwatch.domain.deliveries import DeliveredItem, Retransfer
from endwatch.domain.parties import Party
from endwatch.domain.permits import Application, ApplicationStatus, Permit, StatusChange
from endwatch.domain.policy import Policy
from endwatch.domain.products import Product


@dataclass(frozen=True)
class ItemRecord:
    """A delivered item as stored: the item plus the product keys its serial is unique within."""

    item: DeliveredItem
    product_id: str
    manufacturer_id: str
    family: str
    serial_norm: str
    held: bool = False  # held for review: shares its serial key with another item (see SerialHold)


@dataclass(frozen=True)
class PreparedItems:
    """New items made ready to insert, on a read snapshot and without the write lock: their rows with the ids
    they will have, and each row's digest for the audit trail (so the write that inserts them neither builds
    nor reads them back). Valid while the largest stored id is still `after_id`."""

    table: str
    after_id: int
    rows: list[tuple[Any, ...]]
    digests: list[tuple[str, str]]  # (row key, row digest), as the trail records them

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class SerialHold:
    """A delivered item held for review: it shares its serial key with another item of the same manufacturer
    and product family (the key changed, migration 0016_serial_key), so neither is merged or dropped."""

    delivery_id: int
    manufacturer_id: str
    family: str
    serial_key: str
    serial: str
    permit_number: str
    delivered_on: date
    held_at: str
    reason: str


@dataclass(frozen=True)
class ItemDossier:
    """A delivered item with every record a trace shows about it, read together."""

    record: ItemRecord
    permit: Permit  # with its whole status history, in date order
    product: Product
    parties: Mapping[str, Party]  # by id: the product's maker, the permit's parties and the recipient
    retransfers: tuple[Retransfer, ...]  # every one authorised under the permit, in date order


class PartyRepository(Protocol):
    def get(self, party_id: str) -> Party | None: ...
    def get_many(self, party_ids: Collection[str]) -> dict[str, Party]: ...
    def list(self) -> builtins.list[Party]: ...
    def ids(self, candidates: Collection[str]) -> set[str]: ...
    def save(self, party: Party) -> None: ...
    def find_by_name_key(self, key: str) -> builtins.list[Party]: ...
    def ids_by_name_key(self, key: str) -> set[str]:
        """Ids of the parties find_by_name_key(key) gives, without loading them."""
    def parent_map(self) -> dict[str, str | None]: ...
    def states_of(self, countries: Collection[str]) -> builtins.list[Party]:
        """The parties of kind `state` whose country is one of `countries`, by id."""


class ProductRepository(Protocol):
    def get(self, product_id: str) -> Product | None: ...
    def get_many(self, product_ids: Collection[str]) -> dict[str, Product]: ...
    def list(self) -> builtins.list[Product]: ...
    def save(self, product: Product) -> None: ...
    def find_by_model_key(self, key: str, manufacturer_ids: Collection[str] | None) -> builtins.list[Product]: ...
    def makers_by_model_key(self, key: str) -> dict[str, str]:
        """Product id -> manufacturer id of the products find_by_model_key(key, None) gives."""


class PolicyRepository(Protocol):
    def get(self, policy_id: str) -> Policy | None: ...
    def list(self, country: str | None = None) -> builtins.list[Policy]: ...
    def save(self, policy: Policy) -> None: ...


class ApplicationRepository(Protocol):
    def get(self, number: str) -> Application | None: ...
    def list(self) -> builtins.list[Application]: ...
    def save(self, application: Application) -> None: ...
    def add_status_change(
        self, number: str, status: ApplicationStatus, effective_on: date, reason: str, reference: str
    ) -> None: ...
    def status_history(self, numbers: Sequence[str]) -> builtins.list[dict[str, Any]]:
        """The status changes of these applications, by date, as plain dicts (application_status_changes rows)."""


class PermitRepository(Protocol):
    def get(self, number: str) -> Permit | None: ...
    def list(self) -> builtins.list[Permit]: ...
    def exporter_of(self, number: str) -> str | None:
        """The permit's exporter, without loading the permit; None for an unknown number."""
    def save(self, permit: Permit) -> None:
        """Insert or update the permit's own row (not its history)."""
    def add_status_change(self, number: str, change: StatusChange) -> None: ...
    def supersede_status_change(self, number: str, change: StatusChange, note: str) -> None:
        """Take a scheduled event out of the permit's history, noting why (the row is kept)."""


class DeliveryRepository(Protocol):
    def count_for_permits(self, numbers: Collection[str], as_of: date | None = None) -> dict[str, int]:
        """Items delivered under each permit (by `as_of` when given), counted in the database."""
    def existing(self, keys: Collection[tuple[str, str, str]]) -> dict[tuple[str, str, str], ItemRecord]:
        """Items already stored under (manufacturer_id, family, serial_norm) keys."""
    def add_items(self, records: Iterable[ItemRecord]) -> int: ...
    def prepare_items(self, records: Sequence[ItemRecord]) -> PreparedItems:
        """Rows, ids and digests for inserting `records` after the items stored now (only reads)."""
    def add_prepared(self, prepared: PreparedItems) -> bool:
        """Insert prepared items; False (nothing written) when an item was stored since they were prepared."""
    def find_by_serial_norm(self, serial_norm: str) -> builtins.list[ItemRecord]: ...
    def dossiers_by_serial_norm(self, serial_norm: str) -> builtins.list[ItemDossier]:
        """find_by_serial_norm(serial_norm), in the same order, each item with its records (a few statements
        in all, whatever the number of items)."""
    def makers_and_models(self, maker_key: str, model_key: str) -> tuple[set[str], dict[str, str]]:
        """The ids of the parties with a name of `maker_key` (uow.parties.ids_by_name_key) and the products whose
        model or alias has `model_key`, by id with their manufacturer (uow.products.makers_by_model_key): a
        trace's two narrowing reads in one."""
    def dossiers_by_serial_norms(self, serial_norms: Collection[str]) -> dict[str, builtins.list[ItemDossier]]:
        """dossiers_by_serial_norm of every key in `serial_norms`, by key (a key with no item is left out), in
        a few statements whatever the number of keys."""
    def for_permit(self, number: str) -> builtins.list[ItemRecord]: ...
    def iter_all(self) -> Iterator[ItemRecord]: ...
    def release_hold(self, delivery_id: int) -> None:
        """Lift an item's hold: an ordinary item again (its serial_holds row goes; the trail keeps it)."""
    def note_hold(self, delivery_id: int, reason: str) -> None:
        """Replace the reason a held item's hold gives."""
    def holds(self, serial_norm: str | None = None) -> builtins.list[SerialHold]:
        """Items held for review (all, or those under one serial key), by manufacturer, family, key, id."""
    def retransfers_for(self, permit_number: str) -> builtins.list[Retransfer]: ...
    def all_retransfers(self) -> builtins.list[Retransfer]: ...
    def add_retransfer(self, retransfer: Retransfer) -> None: ...
