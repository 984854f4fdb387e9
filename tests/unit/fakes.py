"""In-memory fakes of the registry's repositories and unit of work, for testing services without a database.

A FakeStore is the "database"; each FakeUnitOfWork works on a deep copy of it and writes the copy back
only on commit(), so leaving the block without commit() discards every change, as a real transaction does.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from endwatch.domain.audit import GENESIS, AuditEntry
from endwatch.domain.deliveries import Retransfer
from endwatch.domain.parties import Party
from endwatch.domain.permits import Application, ApplicationStatus, Permit, StatusChange
from endwatch.domain.policy import Policy
from endwatch.domain.products import Product
from endwatch.services.registry.store import ItemDossier, ItemRecord, PreparedItems, SerialHold


@dataclass
class FakeStore:
    parties: dict[str, Party] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    app_history: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    permits: dict[str, Permit] = field(default_factory=dict)
    items: list[ItemRecord] = field(default_factory=list)
    retransfers: list[Retransfer] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)


class _Parties:
    def __init__(self, s: FakeStore) -> None:
        self.s = s

    def get(self, party_id: str) -> Party | None:
        return self.s.parties.get(party_id)

    def list(self) -> list[Party]:
        return sorted(self.s.parties.values(), key=lambda p: p.id)

    def ids(self, candidates: Collection[str]) -> set[str]:
        return set(candidates) & set(self.s.parties)

    def get_many(self, party_ids: Collection[str]) -> dict[str, Party]:
        return {k: self.s.parties[k] for k in party_ids if k in self.s.parties}

    def save(self, party: Party) -> None:
        self.s.parties[party.id] = party

    def find_by_name_key(self, key: str) -> list[Party]:
        return [p for p in self.list() if key in p.name_keys()]

    def ids_by_name_key(self, key: str) -> set[str]:
        return {p.id for p in self.find_by_name_key(key)}

    def parent_map(self) -> dict[str, str | None]:
        return {k: p.parent_id for k, p in self.s.parties.items()}


class _Products:
    def __init__(self, s: FakeStore) -> None:
        self.s = s

    def get(self, product_id: str) -> Product | None:
        return self.s.products.get(product_id)

    def get_many(self, product_ids: Collection[str]) -> dict[str, Product]:
        return {k: self.s.products[k] for k in product_ids if k in self.s.products}

    def list(self) -> list[Product]:
        return sorted(self.s.products.values(), key=lambda p: p.id)

    def save(self, product: Product) -> None:
        self.s.products[product.id] = product

    def find_by_model_key(self, key: str, manufacturer_ids: Collection[str] | None) -> list[Product]:
        return [p for p in self.list() if key in p.name_keys()
                and (manufacturer_ids is None or p.manufacturer_id in manufacturer_ids)]

    def makers_by_model_key(self, key: str) -> dict[str, str]:
        return {p.id: p.manufacturer_id for p in self.find_by_model_key(key, None)}


class _Policies:
    def __init__(self, s: FakeStore) -> None:
        self.s = s

    def get(self, policy_id: str) -> Policy | None:
        return self.s.policies.get(policy_id)

    def list(self, country: str | None = None) -> list[Policy]:
        return [p for p in self.s.policies.values() if country is None or p.country == country]

    def save(self, policy: Policy) -> None:
        self.s.policies[policy.id] = policy


class _Applications:
    def __init__(self, s: FakeStore) -> None:
        self.s = s

    def get(self, number: str) -> Application | None:
        return self.s.applications.get(number)

    def list(self) -> list[Application]:
        return list(self.s.applications.values())

    def save(self, application: Application) -> None:
        self.s.applications[application.number] = application

    def add_status_change(self, number: str, status: ApplicationStatus, effective_on: date, reason: str,
                          reference: str) -> None:
        self.s.app_history[number].append((status, effective_on, reason, reference))
        self.s.applications[number] = replace(self.s.applications[number], status=status)

    def status_history(self, numbers: Collection[str]) -> list[dict[str, Any]]:
        rows = [{"application_number": n, "status": st.value, "effective_on": on, "reason": why, "reference": ref}
                for n in numbers for st, on, why, ref in self.s.app_history.get(n, [])]
        return sorted(rows, key=lambda r: r["effective_on"])


class _Permits:
    def __init__(self, s: FakeStore) -> None:
        self.s = s

    def get(self, number: str) -> Permit | None:
        return self.s.permits.get(number)

    def list(self) -> list[Permit]:
        return list(self.s.permits.values())

    def exporter_of(self, number: str) -> str | None:
        found = self.s.permits.get(number)
        return found.exporter_id if found else None

    def save(self, permit: Permit) -> None:
        old = self.s.permits.get(permit.number)
        self.s.permits[permit.number] = permit.with_history(old.history if old else ())

    def add_status_change(self, number: str, change: StatusChange) -> None:
        p = self.s.permits[number]
        self.s.permits[number] = p.with_history((*p.history, change))


class _Deliveries:
    def __init__(self, s: FakeStore) -> None:
        self.s = s

    def count_for_permits(self, numbers: Collection[str], as_of: date | None = None) -> dict[str, int]:
        return {n: sum(1 for r in self.s.items if r.item.permit_number == n
                       and (as_of is None or r.item.delivered_on <= as_of)) for n in numbers}

    def existing(self, keys: Collection[tuple[str, str, str]]) -> dict[tuple[str, str, str], ItemRecord]:
        wanted = set(keys)
        return {k: r for r in self.s.items if (k := (r.manufacturer_id, r.family, r.serial_norm)) in wanted}

    def add_items(self, records: Iterable[ItemRecord]) -> int:
        new = list(records)
        self.s.items.extend(new)
        return len(new)

    def prepare_items(self, records: Sequence[ItemRecord]) -> PreparedItems:
        return PreparedItems("deliveries", len(self.s.items), [(r,) for r in records], [])

    def add_prepared(self, prepared: PreparedItems) -> bool:
        if len(self.s.items) != prepared.after_id:
            return False
        self.s.items.extend(row[0] for row in prepared.rows)
        return True

    def find_by_serial_norm(self, serial_norm: str) -> list[ItemRecord]:
        return [r for r in self.s.items if r.serial_norm == serial_norm]

    def dossiers_by_serial_norm(self, serial_norm: str) -> list[ItemDossier]:
        found = []
        for r in self.find_by_serial_norm(serial_norm):
            permit, product = self.s.permits[r.item.permit_number], self.s.products[r.product_id]
            ids = (product.manufacturer_id, permit.exporter_id, permit.consignee_id, permit.end_user_id,
                   r.item.recipient_id)
            found.append(ItemDossier(r, permit, product, {i: self.s.parties[i] for i in ids},
                                     tuple(self.retransfers_for(permit.number))))
        return found

    def makers_and_models(self, maker_key: str, model_key: str) -> tuple[set[str], dict[str, str]]:
        parties = {p.id for p in self.s.parties.values() if maker_key in p.name_keys()}
        return parties, {p.id: p.manufacturer_id for p in self.s.products.values()
                         if model_key and model_key in p.name_keys()}

    def dossiers_by_serial_norms(self, serial_norms: Collection[str]) -> dict[str, list[ItemDossier]]:
        return {n: found for n in serial_norms if (found := self.dossiers_by_serial_norm(n))}

    def for_permit(self, number: str) -> list[ItemRecord]:
        return [r for r in self.s.items if r.item.permit_number == number]

    def holds(self, serial_norm: str | None = None) -> list[SerialHold]:
        return []  # holds come only from migration 0016_serial_key, which fakes never run

    def iter_all(self) -> Iterator[ItemRecord]:
        return iter(list(self.s.items))

    def retransfers_for(self, permit_number: str) -> list[Retransfer]:
        return [r for r in self.s.retransfers if r.permit_number == permit_number]

    def all_retransfers(self) -> list[Retransfer]:
        return list(self.s.retransfers)

    def add_retransfer(self, retransfer: Retransfer) -> None:
        self.s.retransfers.append(retransfer)


class _Audit:
    def __init__(self, s: FakeStore) -> None:
        self.s = s

    def head_for_append(self) -> tuple[int, str]:
        return (self.s.audit[-1].seq, self.s.audit[-1].hash) if self.s.audit else (0, GENESIS)

    def version(self) -> int:
        return self.s.audit[-1].seq if self.s.audit else 0

    def tables_written_since(self, version: int) -> set[str]:
        # The fakes keep no row digests: any write since counts as touching every table.
        return {"*"} if self.version() != version else set()

    def append(self, entry: AuditEntry, *, before_json: str | None = None, after_json: str | None = None) -> None:
        self.s.audit.append(entry)

    def entries(self, after: int = 0) -> Iterator[AuditEntry]:
        return iter([e for e in self.s.audit if e.seq > after])

    def head(self) -> tuple[int, str] | None:
        return self.head_for_append() if self.s.audit else None

    def for_entity(self, entity: str, key: str) -> list[AuditEntry]:
        return [e for e in self.s.audit if (e.entity, e.entity_key) == (entity, key)]

    def hash_at(self, seq: int) -> str | None:
        return next((e.hash for e in self.s.audit if e.seq == seq), None)

    def count(self) -> int:
        return len(self.s.audit)

    # Rows are not digested in memory: the fakes have no tables (the SQL tests cover row coverage).
    def start_row_capture(self) -> None:
        pass

    def vouch(self, table: str, digests: Any) -> None:
        pass

    def rows_written_since(self, version: int, tables: Any) -> set[tuple[str, str]]:
        return set()

    def seal_rows(self, record_entry: Any) -> int:
        return 0

    def check_rows(self) -> tuple[int, int, list[Any]]:
        return 0, 0, []


class FakeUnitOfWork:
    """Works on a copy of the store; commit() publishes the copy."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.committed = 0

    def __enter__(self) -> FakeUnitOfWork:
        self.work = copy.deepcopy(self.store)
        self.parties = _Parties(self.work)
        self.products = _Products(self.work)
        self.policies = _Policies(self.work)
        self.applications = _Applications(self.work)
        self.permits = _Permits(self.work)
        self.deliveries = _Deliveries(self.work)
        self.audit = _Audit(self.work)
        return self

    def __exit__(self, *exc: object) -> None:
        del self.work

    def now(self) -> datetime:
        return datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def commit(self) -> None:
        self.store.__dict__.update(copy.deepcopy(self.work).__dict__)
        self.committed += 1

    def rollback(self) -> None:
        self.work.__dict__.update(copy.deepcopy(self.store).__dict__)


def uow_factory(store: FakeStore) -> Any:
    """A callable returning a fresh fake unit of work on `store` (as Endwatch.uow does)."""
    return lambda: FakeUnitOfWork(store)


