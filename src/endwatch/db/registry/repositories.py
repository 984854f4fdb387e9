"""The registry's repositories over SQLAlchemy Core: parties, products, policies, applications and permits
(rows in, domain objects out, one class per aggregate); delivered items are in deliveries.py."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from endwatch.db.bulk import chunks
from endwatch.db.detection import tables as detection_tables  # noqa: F401  (adds deliveries.serial_fold)
from endwatch.db.registry import tables as t
from endwatch.domain.names import normalise_name
from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.permits import (
    Application,
    ApplicationStatus,
    EndUseUndertaking,
    Permit,
    PermitStatus,
    StatusChange,
)
from endwatch.domain.policy import Measure, Policy
from endwatch.domain.products import Product


class _Repo:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn


def party_from_row(r: Any, names: Mapping[str, Sequence[str]]) -> Party:
    """A party from its `parties` row and its names by kind (name | alias | former), in name order."""
    return Party(
        id=r.id,
        name=r.name,
        kind=PartyKind(r.kind),
        country=r.country,
        parent_id=r.parent_id,
        aliases=tuple(names.get("alias", ())),
        former_names=tuple(names.get("former", ())),
        identifiers=tuple(x for x in (getattr(r, "identifiers", "") or "").split("; ") if x),
        birth_date=getattr(r, "birth_date", None),
    )


def product_from_row(r: Any, aliases: Iterable[str], categories: Iterable[str]) -> Product:
    """A product from its `products` row, its aliases and its control-list entries."""
    return Product(
        id=r.id,
        manufacturer_id=r.manufacturer_id,
        model=r.model,
        aliases=tuple(sorted(aliases)),
        categories=tuple(sorted(categories)),
        description=r.description,
        family=r.family if r.family != r.id else "",
        designated=bool(r.monitoring_designated),
    )


def permit_from_row(r: Any, history: Iterable[StatusChange]) -> Permit:
    """A permit from its `permits` row and its status changes in date order."""
    return Permit(
        number=r.number,
        exporter_id=r.exporter_id,
        consignee_id=r.consignee_id,
        end_user_id=r.end_user_id,
        destination=r.destination,
        product_id=r.product_id,
        quantity=r.quantity,
        issued_on=r.issued_on,
        expires_on=r.expires_on,
        undertaking=_undertaking(r),
        value=_value(r.value),
        currency=r.currency,
        application_number=r.application_number,
        policy_id=r.policy_id,
        policy_measure=r.policy_measure,
        exception=r.exception,
        justification=r.justification,
        history=tuple(history),
        historical_source=r.historical_source,
    )


class SqlPartyRepository(_Repo):
    def _load(self, rows: Iterable[sa.Row[Any]]) -> builtins.list[Party]:
        rows = list(rows)
        if not rows:
            return []
        ids = [r.id for r in rows]
        names: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for chunk in chunks(ids):
            q = sa.select(t.party_names).where(t.party_names.c.party_id.in_(chunk)).order_by(t.party_names.c.name)
            for n in self.conn.execute(q):
                names[n.party_id][n.name_kind].append(n.name)
        return [party_from_row(r, names[r.id]) for r in rows]

    def get(self, party_id: str) -> Party | None:
        found = self._load(self.conn.execute(sa.select(t.parties).where(t.parties.c.id == party_id)))
        return found[0] if found else None

    def list(self) -> builtins.list[Party]:
        return self._load(self.conn.execute(sa.select(t.parties).order_by(t.parties.c.id)))

    def get_many(self, party_ids: Collection[str]) -> dict[str, Party]:
        wanted = sorted(set(party_ids))
        rows = [r for chunk in chunks(wanted) for r in self.conn.execute(sa.select(t.parties)
                                                                          .where(t.parties.c.id.in_(chunk)))]
        return {p.id: p for p in self._load(rows)}

    def ids(self, candidates: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in chunks(sorted(candidates)):
            found.update(self.conn.scalars(sa.select(t.parties.c.id).where(t.parties.c.id.in_(chunk))))
        return found

    def save(self, party: Party) -> None:
        values = {
            "name": party.name,
            "kind": party.kind.value,
            "country": party.country,
            "parent_id": party.parent_id,
            "identifiers": "; ".join(party.identifiers) or None,  # NULL: a row digest without the column
            "birth_date": party.birth_date,
        }
        exists = self.conn.scalar(sa.select(t.parties.c.id).where(t.parties.c.id == party.id))
        if exists is None:
            self.conn.execute(t.parties.insert().values(id=party.id, **values))
        else:
            self.conn.execute(t.parties.update().where(t.parties.c.id == party.id).values(**values))
            self.conn.execute(t.party_names.delete().where(t.party_names.c.party_id == party.id))
        rows: dict[str, dict[str, str]] = {}
        for kind, names in (("name", (party.name,)), ("alias", party.aliases), ("former", party.former_names)):
            for name in names:
                rows.setdefault(
                    name, {"party_id": party.id, "name": name, "name_key": normalise_name(name), "name_kind": kind}
                )
        self.conn.execute(t.party_names.insert(), list(rows.values()))

    def find_by_name_key(self, key: str) -> builtins.list[Party]:
        ids = self.conn.scalars(
            sa.select(t.party_names.c.party_id).where(t.party_names.c.name_key == key).distinct()
        ).all()
        if not ids:
            return []
        return self._load(self.conn.execute(sa.select(t.parties).where(t.parties.c.id.in_(ids))))

    def ids_by_name_key(self, key: str) -> set[str]:
        from endwatch.db.registry import trace  # here: that module builds on this one

        return trace.party_ids_by_name_key(self.conn, key)

    def parent_map(self) -> dict[str, str | None]:
        return {r.id: r.parent_id for r in self.conn.execute(sa.select(t.parties.c.id, t.parties.c.parent_id))}

    def states_of(self, countries: Collection[str]) -> builtins.list[Party]:
        wanted = sorted(set(countries))
        rows = [r for chunk in chunks(wanted) for r in self.conn.execute(
            sa.select(t.parties).where(t.parties.c.kind == PartyKind.STATE.value, t.parties.c.country.in_(chunk)))]
        return sorted(self._load(rows), key=lambda p: p.id)


class SqlProductRepository(_Repo):
    def _load(self, rows: Iterable[sa.Row[Any]]) -> builtins.list[Product]:
        rows = list(rows)
        if not rows:
            return []
        ids = [r.id for r in rows]
        aliases: dict[str, list[str]] = defaultdict(list)
        cats: dict[str, list[str]] = defaultdict(list)
        for chunk in chunks(ids):
            for a in self.conn.execute(
                sa.select(t.product_aliases).where(t.product_aliases.c.product_id.in_(chunk))
            ):
                aliases[a.product_id].append(a.alias)
            for c in self.conn.execute(
                sa.select(t.product_categories).where(t.product_categories.c.product_id.in_(chunk))
            ):
                cats[c.product_id].append(c.category)
        return [product_from_row(r, aliases[r.id], cats[r.id]) for r in rows]

    def get(self, product_id: str) -> Product | None:
        found = self._load(self.conn.execute(sa.select(t.products).where(t.products.c.id == product_id)))
        return found[0] if found else None

    def get_many(self, product_ids: Collection[str]) -> dict[str, Product]:
        wanted = sorted(set(product_ids))
        rows = [r for chunk in chunks(wanted) for r in self.conn.execute(sa.select(t.products)
                                                                          .where(t.products.c.id.in_(chunk)))]
        return {p.id: p for p in self._load(rows)}

    def list(self) -> builtins.list[Product]:
        return self._load(self.conn.execute(sa.select(t.products).order_by(t.products.c.id)))

    def save(self, product: Product) -> None:
        values = {
            "manufacturer_id": product.manufacturer_id,
            "model": product.model,
            "model_key": normalise_name(product.model),
            "family": product.serial_family,
            "description": product.description,
            "monitoring_designated": True if product.designated else None,
        }
        exists = self.conn.scalar(sa.select(t.products.c.id).where(t.products.c.id == product.id))
        if exists is None:
            self.conn.execute(t.products.insert().values(id=product.id, **values))
        else:
            self.conn.execute(t.products.update().where(t.products.c.id == product.id).values(**values))
            for table in (t.product_aliases, t.product_categories):
                self.conn.execute(table.delete().where(table.c.product_id == product.id))
        if product.aliases:
            self.conn.execute(
                t.product_aliases.insert(),
                [{"product_id": product.id, "alias": a, "alias_key": normalise_name(a)} for a in set(product.aliases)],
            )
        if product.categories:
            self.conn.execute(
                t.product_categories.insert(),
                [{"product_id": product.id, "category": c} for c in set(product.categories)],
            )

    def find_by_model_key(self, key: str, manufacturer_ids: Collection[str] | None) -> builtins.list[Product]:
        by_alias = sa.select(t.product_aliases.c.product_id).where(t.product_aliases.c.alias_key == key)
        q = sa.select(t.products).where(sa.or_(t.products.c.id.in_(by_alias), t.products.c.model_key == key))
        if manufacturer_ids is not None:
            q = q.where(t.products.c.manufacturer_id.in_(list(manufacturer_ids)))
        candidates = self._load(self.conn.execute(q))
        return [p for p in candidates if key in p.name_keys()]

    def makers_by_model_key(self, key: str) -> dict[str, str]:
        from endwatch.db.registry import trace  # here: that module builds on this one

        return trace.makers_by_model_key(self.conn, key)


class SqlPolicyRepository(_Repo):
    @staticmethod
    def _policy(r: sa.Row[Any]) -> Policy:
        return Policy(
            id=r.id,
            country=r.country,
            measure=Measure(r.measure),
            categories=tuple(r.categories),
            effective_from=r.effective_from,
            effective_to=r.effective_to,
            exceptions=tuple(r.exceptions),
            reference=r.reference,
        )

    def get(self, policy_id: str) -> Policy | None:
        row = self.conn.execute(sa.select(t.policies).where(t.policies.c.id == policy_id)).first()
        return self._policy(row) if row else None

    def list(self, country: str | None = None) -> builtins.list[Policy]:
        q = sa.select(t.policies).order_by(t.policies.c.country, t.policies.c.effective_from, t.policies.c.id)
        if country is not None:
            q = q.where(t.policies.c.country == country)
        return [self._policy(r) for r in self.conn.execute(q)]

    def save(self, policy: Policy) -> None:
        values = {
            "country": policy.country,
            "measure": policy.measure.value,
            "categories": list(policy.categories),
            "effective_from": policy.effective_from,
            "effective_to": policy.effective_to,
            "exceptions": list(policy.exceptions),
            "reference": policy.reference,
        }
        if self.conn.scalar(sa.select(t.policies.c.id).where(t.policies.c.id == policy.id)) is None:
            self.conn.execute(t.policies.insert().values(id=policy.id, **values))
        else:
            self.conn.execute(t.policies.update().where(t.policies.c.id == policy.id).values(**values))


def _undertaking(r: sa.Row[Any]) -> EndUseUndertaking:
    return EndUseUndertaking(r.end_use, bool(r.no_reexport), r.signatory, r.signed_on)


def _undertaking_values(u: EndUseUndertaking) -> dict[str, Any]:
    return {"end_use": u.end_use, "no_reexport": u.no_reexport, "signatory": u.signatory, "signed_on": u.signed_on}


def _value(v: Any) -> Decimal | None:
    return None if v is None else Decimal(v).quantize(Decimal("0.01"))


class SqlApplicationRepository(_Repo):
    @staticmethod
    def _application(r: sa.Row[Any]) -> Application:
        return Application(
            number=r.number,
            exporter_id=r.exporter_id,
            consignee_id=r.consignee_id,
            end_user_id=r.end_user_id,
            destination=r.destination,
            product_id=r.product_id,
            quantity=r.quantity,
            received_on=r.received_on,
            undertaking=_undertaking(r),
            value=_value(r.value),
            currency=r.currency,
            status=ApplicationStatus(r.status),
            historical_source=r.historical_source,
        )

    def get(self, number: str) -> Application | None:
        row = self.conn.execute(sa.select(t.applications).where(t.applications.c.number == number)).first()
        return self._application(row) if row else None

    def list(self) -> builtins.list[Application]:
        q = sa.select(t.applications).order_by(t.applications.c.received_on, t.applications.c.number)
        return [self._application(r) for r in self.conn.execute(q)]

    def save(self, application: Application) -> None:
        a = application
        values = {
            "exporter_id": a.exporter_id,
            "consignee_id": a.consignee_id,
            "end_user_id": a.end_user_id,
            "destination": a.destination,
            "product_id": a.product_id,
            "quantity": a.quantity,
            "value": a.value,
            "currency": a.currency,
            "received_on": a.received_on,
            "status": a.status.value,
            "historical_source": a.historical_source,
            **_undertaking_values(a.undertaking),
        }
        table = t.applications
        if self.conn.scalar(sa.select(table.c.number).where(table.c.number == a.number)) is None:
            self.conn.execute(table.insert().values(number=a.number, **values))
        else:
            self.conn.execute(table.update().where(table.c.number == a.number).values(**values))

    def add_status_change(
        self, number: str, status: ApplicationStatus, effective_on: date, reason: str, reference: str
    ) -> None:
        self.conn.execute(
            t.application_status_changes.insert().values(
                application_number=number,
                status=status.value,
                effective_on=effective_on,
                reason=reason,
                reference=reference,
            )
        )
        self.conn.execute(
            t.applications.update().where(t.applications.c.number == number).values(status=status.value)
        )

    def status_history(self, numbers: Sequence[str]) -> builtins.list[dict[str, Any]]:
        h = t.application_status_changes
        if not numbers:
            return []
        q = sa.select(h).where(h.c.application_number.in_(list(numbers))).order_by(h.c.effective_on, h.c.id)
        return [dict(r._mapping) for r in self.conn.execute(q)]


class SqlPermitRepository(_Repo):
    def _load(self, rows: Iterable[sa.Row[Any]]) -> builtins.list[Permit]:
        rows = list(rows)
        history: dict[str, list[StatusChange]] = defaultdict(list)
        sc = t.permit_status_changes
        for chunk in chunks([r.number for r in rows]):
            q = (sa.select(sc).where(sc.c.permit_number.in_(chunk), sc.c.superseded.is_(None))
                 .order_by(sc.c.effective_on, sc.c.id))
            for h in self.conn.execute(q):
                history[h.permit_number].append(
                    StatusChange(PermitStatus(h.status), h.effective_on, h.reason, h.reference, h.historical_source)
                )
        return [permit_from_row(r, history[r.number]) for r in rows]

    def get(self, number: str) -> Permit | None:
        found = self._load(self.conn.execute(sa.select(t.permits).where(t.permits.c.number == number)))
        return found[0] if found else None

    def list(self) -> builtins.list[Permit]:
        return self._load(self.conn.execute(sa.select(t.permits).order_by(t.permits.c.issued_on, t.permits.c.number)))

    def exporter_of(self, number: str) -> str | None:
        found = self.conn.execute(sa.select(t.permits.c.exporter_id).where(t.permits.c.number == number)).scalar()
        return None if found is None else str(found)

    def save(self, permit: Permit) -> None:
        p = permit
        values = {
            "application_number": p.application_number,
            "exporter_id": p.exporter_id,
            "consignee_id": p.consignee_id,
            "end_user_id": p.end_user_id,
            "destination": p.destination,
            "product_id": p.product_id,
            "quantity": p.quantity,
            "value": p.value,
            "currency": p.currency,
            "issued_on": p.issued_on,
            "expires_on": p.expires_on,
            "policy_id": p.policy_id,
            "policy_measure": p.policy_measure,
            "exception": p.exception,
            "justification": p.justification,
            "historical_source": p.historical_source,
            **_undertaking_values(p.undertaking),
        }
        table = t.permits
        if self.conn.scalar(sa.select(table.c.number).where(table.c.number == p.number)) is None:
            self.conn.execute(table.insert().values(number=p.number, **values))
        else:
            self.conn.execute(table.update().where(table.c.number == p.number).values(**values))

    def supersede_status_change(self, number: str, change: StatusChange, note: str) -> None:
        sc = t.permit_status_changes
        row = self.conn.execute(
            sa.select(sc.c.id).where(sc.c.permit_number == number, sc.c.status == change.status.value,
                                     sc.c.effective_on == change.effective_on, sc.c.superseded.is_(None))
            .order_by(sc.c.id)).first()
        if row is not None:
            self.conn.execute(sc.update().where(sc.c.id == row.id).values(superseded=note))

    def add_status_change(self, number: str, change: StatusChange) -> None:
        self.conn.execute(
            t.permit_status_changes.insert().values(
                permit_number=number,
                status=change.status.value,
                effective_on=change.effective_on,
                reason=change.reason,
                reference=change.reference,
                historical_source=change.historical_source,
            )
        )
