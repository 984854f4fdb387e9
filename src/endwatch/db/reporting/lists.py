"""The list repository over SQLAlchemy Core: every list's filters, keyset order and capped count as SQL.

A page costs a few statements whatever the table's size: the page itself (LIMIT over an indexed order), the
count of matching rows up to EXACT_UP_TO + 1, and the loading of the page's own records.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from endwatch.db.audit import tables as audit_tables
from endwatch.db.audit.repository import SqlAuditRepository
from endwatch.db.bulk import chunks
from endwatch.db.casefiles import tables as tc
from endwatch.db.casefiles.repository import SqlCasefileRepository, _case
from endwatch.db.detection import tables as td
from endwatch.db.detection.repository import _finding, _sighting
from endwatch.db.enforcement import tables as te
from endwatch.db.enforcement.repository import _message
from endwatch.db.registry import tables as t
from endwatch.db.registry.deliveries import SqlDeliveryRepository, _item
from endwatch.db.registry.repositories import (
    SqlApplicationRepository,
    SqlPartyRepository,
    SqlPermitRepository,
    SqlProductRepository,
)
from endwatch.db.reporting import delivered_pages
from endwatch.db.reporting.search import name_key_starts
from endwatch.domain.names import normalise_name
from endwatch.domain.permits import ApplicationStatus
from endwatch.domain.verdicts import Verdict
from endwatch.errors import InvalidInput, Problem
from endwatch.services.reporting.store import EXACT_UP_TO, ListPage, ListQuery, encode_cursor

Where = Callable[[Any], sa.ColumnElement[bool]]
# Applications awaiting a decision (domain.permits.ApplicationStatus.pending).
_PENDING = tuple(s.value for s in ApplicationStatus if s.pending)


@dataclass(frozen=True)
class _Table:
    """How one list reads: its rows, key, sort columns, filters (value -> condition), exporter column, loader."""

    table: sa.Table
    key: sa.ColumnElement[Any]
    sorts: dict[str, sa.ColumnElement[Any]]
    filters: dict[str, Where]
    exporter: Callable[[str], sa.ColumnElement[bool]] | None
    load: Callable[[sa.Connection, Sequence[sa.Row[Any]]], list[Any]]
    # Filters the count reads through a join instead (filter -> (table joined, ON clause, condition on it)): a
    # page walks its own order and looks each row's related row up (EXISTS), but a count of the rows that match
    # reads the related table's index for the value and joins, far fewer reads when most rows do not match.
    count_joins: dict[str, tuple[sa.Table, sa.ColumnElement[bool], Where]] = field(default_factory=dict)


def _between(column: sa.ColumnElement[Any], name: str) -> dict[str, Where]:
    return {f"{name}_from": lambda v: column >= v, f"{name}_to": lambda v: column <= v}


_d, _p, _a = t.deliveries, t.permits, t.applications
_log = audit_tables.audit_log
_s, _f, _c, _q, _o = td.sightings, td.findings, tc.cases, tc.case_inquiries, te.outbox
_cf = tc.case_findings


def _on_day(column: sa.ColumnElement[Any], name: str) -> dict[str, Where]:
    # Timestamps stored as ISO text: a day's bounds compare as text (`to` takes the whole day).
    return {f"{name}_from": lambda v: column >= v.isoformat(),
            f"{name}_to": lambda v: column < date.fromordinal(v.toordinal() + 1).isoformat()}


def _verdict_of_sighting(v: str) -> sa.ColumnElement[bool]:
    # EXISTS, not IN: the page walks the sightings' own order and looks each one's finding up by its key,
    # instead of reading every finding of the verdict and sorting their sightings.
    return sa.exists().where(_f.c.sighting_id == _s.c.id, _f.c.verdict == v)


def _in_case(sighting_id: sa.ColumnElement[Any]) -> Where:
    return lambda v: sighting_id.in_(sa.select(_cf.c.sighting_id).where(_cf.c.case_id == v))


def _overdue(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(_q.c.answer.is_(None), _q.c.due_on.is_not(None), _q.c.due_on < today)


def _party(column: sa.ColumnElement[Any]) -> Where:
    """A party filter: its value is the ids of the parties the text named (services/reporting/lists.py resolves
    them), or one id."""
    def where(v: str | tuple[str, ...]) -> sa.ColumnElement[bool]:
        if isinstance(v, str):
            return column == v
        return column == v[0] if len(v) == 1 else column.in_(v)  # one party: the plan an id always had
    return where


def _permit_exporter(exporter: str | tuple[str, ...]) -> sa.ColumnElement[bool]:
    return _d.c.permit_number.in_(sa.select(_p.c.number).where(_party(_p.c.exporter_id)(exporter)))


def _permit_destination(code: str) -> sa.ColumnElement[bool]:
    return _d.c.permit_number.in_(sa.select(_p.c.number).where(_p.c.destination == code))


def _in_category(product_id: sa.ColumnElement[Any]) -> Where:
    pc = t.product_categories
    return lambda v: product_id.in_(sa.select(pc.c.product_id).where(pc.c.category == v))


def _party_name(v: str) -> sa.ColumnElement[bool]:
    pn = t.party_names
    key = normalise_name(v)
    return t.parties.c.id.in_(sa.select(pn.c.party_id).where(pn.c.name_key.contains(key, autoescape=True)))


def _latest_status(as_of: date) -> sa.ScalarSelect[Any]:
    sc = t.permit_status_changes
    return (sa.select(sc.c.status)
            .where(sc.c.permit_number == _p.c.number, sc.c.effective_on <= as_of, sc.c.superseded.is_(None))
            .order_by(sc.c.effective_on.desc(), sc.c.id.desc()).limit(1).scalar_subquery())


def permit_state(as_of: date) -> sa.ColumnElement[str]:
    """A permit's state on `as_of` as SQL, as domain.permits.Permit.state_on computes it."""
    latest = _latest_status(as_of)
    return sa.case(
        (_p.c.issued_on > as_of, "not_yet_issued"),
        (latest.in_(("revoked", "cancelled")), latest),
        (latest == "suspended", "suspended"),
        (_p.c.expires_on < as_of, "expired"),
        else_="in_force")


_LISTS: dict[str, _Table] = {
    "deliveries": _Table(
        _d, _d.c.id,
        {"delivered_on": _d.c.delivered_on, "serial": _d.c.serial, "permit": _d.c.permit_number},
        {"permit": lambda v: _d.c.permit_number == v, "serial": lambda v: _d.c.serial == v,
         "product": lambda v: _d.c.product_id == v, "recipient": _party(_d.c.recipient_id),
         "exporter": _permit_exporter, "destination": _permit_destination,
         **_between(_d.c.delivered_on, "delivered")},
        _permit_exporter, lambda conn, rows: [_item(r) for r in rows]),
    "permits": _Table(
        _p, _p.c.number,
        {"issued_on": _p.c.issued_on, "number": _p.c.number, "expires_on": _p.c.expires_on,
         "destination": _p.c.destination},
        {"exporter": _party(_p.c.exporter_id), "consignee": _party(_p.c.consignee_id),
         "end_user": _party(_p.c.end_user_id), "destination": lambda v: _p.c.destination == v,
         "product": lambda v: _p.c.product_id == v, "category": _in_category(_p.c.product_id),
         **_between(_p.c.issued_on, "issued"), **_between(_p.c.expires_on, "expires")},
        lambda v: _p.c.exporter_id == v, lambda conn, rows: SqlPermitRepository(conn)._load(rows)),
    "applications": _Table(
        _a, _a.c.number,
        {"received_on": _a.c.received_on, "number": _a.c.number, "destination": _a.c.destination},
        {"exporter": _party(_a.c.exporter_id), "consignee": _party(_a.c.consignee_id),
         "end_user": _party(_a.c.end_user_id), "destination": lambda v: _a.c.destination == v,
         "product": lambda v: _a.c.product_id == v, "status": lambda v: _a.c.status == v,
         "pending": lambda v: _a.c.status.in_(_PENDING),
         **_between(_a.c.received_on, "received")},
        lambda v: _a.c.exporter_id == v,
        lambda conn, rows: [SqlApplicationRepository._application(r) for r in rows]),
    "parties": _Table(
        t.parties, t.parties.c.id,
        {"id": t.parties.c.id, "name": t.parties.c.name},
        {"kind": lambda v: t.parties.c.kind == v, "country": lambda v: t.parties.c.country == v,
         "name": _party_name},
        None, lambda conn, rows: SqlPartyRepository(conn)._load(rows)),
    "products": _Table(
        t.products, t.products.c.id,
        {"id": t.products.c.id, "model": t.products.c.model, "manufacturer": t.products.c.manufacturer_id},
        {"manufacturer": _party(t.products.c.manufacturer_id),
         "category": _in_category(t.products.c.id),
         "model": lambda v: t.products.c.model_key.contains(normalise_name(v), autoescape=True)},
        None, lambda conn, rows: SqlProductRepository(conn)._load(rows)),
    "audit": _Table(
        _log, _log.c.seq, {"seq": _log.c.seq},
        {"entity": lambda v: _log.c.entity == v, "entity_key": lambda v: _log.c.entity_key == v,
         "actor": lambda v: _log.c.actor == v, "action": lambda v: _log.c.action == v,
         "recorded_from": lambda v: _log.c.recorded_at >= v.isoformat(),
         "recorded_to": lambda v: _log.c.recorded_at < date.fromordinal(v.toordinal() + 1).isoformat()},
        None, lambda conn, rows: [SqlAuditRepository._entry(r) for r in rows]),
    "sightings": _Table(
        _s, _s.c.id,
        {"observed_on": _s.c.observed_on, "id": _s.c.id, "country": _s.c.country},
        {"country": lambda v: _s.c.country == v, "serial": lambda v: _s.c.serial == v,
         "reliability": lambda v: _s.c.reliability == v, "credibility": lambda v: _s.c.credibility == v,
         "verdict": _verdict_of_sighting, "case": _in_case(_s.c.id),
         "undecided": lambda v: ~sa.exists().where(_f.c.sighting_id == _s.c.id),
         **_between(_s.c.observed_on, "observed")},
        None, lambda conn, rows: [_sighting(r) for r in rows],
        {"verdict": (_f, _f.c.sighting_id == _s.c.id, lambda v: _f.c.verdict == v)}),
    "findings": _Table(
        _f, _f.c.sighting_id,
        {"observed_on": _f.c.observed_on, "sighting": _f.c.sighting_id, "decided_at": _f.c.decided_at},
        {"verdict": lambda v: _f.c.verdict == v, "confidence": lambda v: _f.c.confidence == v,
         "tier": lambda v: _f.c.tier == v, "permit": lambda v: _f.c.permit_number == v,
         "serial": lambda v: _f.c.serial == v, "observed_user": _party(_f.c.observed_user_id),
         "country": lambda v: _f.c.observed_country == v, "case": _in_case(_f.c.sighting_id),
         "delivered_on": lambda v: _f.c.delivery_id.in_(sa.select(_d.c.id).where(_d.c.delivered_on == v)),
         "flagged": lambda v: _f.c.verdict != Verdict.CONSISTENT.value,
         **_between(_f.c.observed_on, "observed")},
        None, lambda conn, rows: [_finding(r) for r in rows]),
    "cases": _Table(
        _c, _c.c.id,
        {"id": _c.c.id, "opened_on": _c.c.opened_on},
        {"status": lambda v: _c.c.status == v, "consignee": _party(_c.c.consignee_id),
         "observed_user": _party(_c.c.observed_user_id), "assigned_to": lambda v: _c.c.assigned_to == v,
         **_between(_c.c.opened_on, "opened")},
        None, lambda conn, rows: [_case(r) for r in rows]),
    "inquiries": _Table(
        _q, _q.c.id,
        {"asked_on": _q.c.asked_on, "id": _q.c.id, "due_on": _q.c.due_on},
        {"case": lambda v: _q.c.case_id == v, "to_party": _party(_q.c.to_party),
         "answered": lambda v: _q.c.answer.is_not(None) if v == "yes" else _q.c.answer.is_(None),
         "overdue_on": _overdue,
         **_between(_q.c.asked_on, "asked"), **_between(_q.c.due_on, "due")},
        lambda v: _q.c.to_party == v, lambda conn, rows: [SqlCasefileRepository._inquiry(r) for r in rows]),
    "outbox": _Table(
        _o, _o.c.id,
        {"id": _o.c.id},
        {"status": lambda v: _o.c.status == v, "kind": lambda v: _o.c.kind == v,
         "party": _party(_o.c.party_id), "case": lambda v: _o.c.case_id == v,
         **_on_day(_o.c.created_at, "created")},
        None, lambda conn, rows: [_message(r) for r in rows]),
}


class SqlListRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def _conditions(self, spec: _Table, query: ListQuery, exporter: str | None,
                    joined: Collection[str] = ()) -> list[sa.ColumnElement[bool]]:
        """The query's conditions; those of the filters in `joined` on their joined table (`count_joins`)."""
        found = [spec.count_joins[name][2](value) if name in joined else spec.filters[name](value)
                 for name, value in query.filters.items() if name in spec.filters]
        if query.kind == "permits":
            as_of = query.filters.get("as_of") or date.max
            if not query.filters.get("include_future"):
                found.append(_p.c.issued_on <= as_of)
            if "state" in query.filters:
                found.append(permit_state(as_of) == query.filters["state"])
        if exporter is not None:
            # A list of records of no company (parties, products, audit) is not an exporter's to page through.
            found.append(spec.exporter(exporter) if spec.exporter is not None else sa.false())
        return found

    def page(self, query: ListQuery, exporter: str | None) -> ListPage[Any]:
        spec = _LISTS[query.kind]
        column = spec.sorts[query.sort]
        conditions = self._conditions(spec, query, exporter)
        counted = (delivered_pages.conditions(query.filters, exporter)
                   if query.kind == "deliveries" and column is _d.c.delivered_on else None)
        if counted is not None:  # the page bounded to the days it can reach (delivered_pages.py)
            start = self._typed((column,), query.after[:1])[0] if query.after else None
            bound = delivered_pages.last_day(self.conn, counted, start, query.descending,
                                             query.offset + query.limit + 1)
            conditions.append(sa.false() if bound is None else column >= bound if query.descending
                              else column <= bound)
        order = (column, spec.key) if column is not spec.key else (spec.key,)
        q = sa.select(spec.table).where(*conditions)
        if query.after is not None:
            q = q.where(self._after(order, query.after, query.descending))
        q = q.order_by(*(c.desc() if query.descending else c.asc() for c in order))
        rows = self.conn.execute(q.offset(query.offset or None).limit(query.limit + 1)).all()
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        last = rows[-1] if more and rows else None
        cursor = encode_cursor(tuple(last._mapping[c.name] for c in order)) if last is not None else None
        if counted is not None:
            return ListPage(spec.load(self.conn, rows), delivered_pages.total(self.conn, counted), True, cursor)
        joined = [name for name in spec.count_joins if name in query.filters]
        source: sa.FromClause = spec.table
        for name in joined:
            other, on, _where = spec.count_joins[name]
            source = source.join(other, on)
        total, exact = self._count(spec, source, self._conditions(spec, query, exporter, joined) if joined
                                   else conditions)
        return ListPage(spec.load(self.conn, rows), total, exact, cursor)

    @staticmethod
    def _after(order: Sequence[sa.ColumnElement[Any]], values: Sequence[Any], descending: bool) -> Any:
        if len(values) != len(order):
            return sa.false()
        typed = SqlListRepository._typed(order, values)
        left, right = sa.tuple_(*order), sa.tuple_(*(sa.literal(v, c.type) for c, v in zip(order, typed, strict=True)))
        return left < right if descending else left > right

    @staticmethod
    def _typed(columns: Sequence[sa.ColumnElement[Any]], values: Sequence[Any]) -> list[Any]:
        """A cursor's values as their columns take them (days come back from JSON as text); InvalidInput
        (query.after) for a day that is not one, as a cursor this service gave never holds."""
        try:
            return [date.fromisoformat(v) if isinstance(c.type, sa.Date) and isinstance(v, str) else v
                    for c, v in zip(columns, values, strict=True)]
        except ValueError:
            raise InvalidInput([Problem("not a cursor this service gave (use the page's `next` link)",
                                        column="query.after")]) from None

    def _count(self, spec: _Table, source: sa.FromClause,
               conditions: Sequence[sa.ColumnElement[bool]]) -> tuple[int, bool]:
        capped = sa.select(sa.literal(1)).select_from(source).where(*conditions).limit(EXACT_UP_TO + 1).subquery()
        n = int(self.conn.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one())
        if n <= EXACT_UP_TO:
            return n, True
        if conditions:
            return EXACT_UP_TO, False  # "more than" this many: counting further would read them all
        return max(n, self._table_estimate(spec.table)), False

    def _table_estimate(self, table: sa.Table) -> int:
        if self.conn.dialect.name == "postgresql":
            q = sa.text("SELECT reltuples::bigint FROM pg_class WHERE relname = :name")
            return int(self.conn.execute(q, {"name": table.name}).scalar() or 0)
        return int(self.conn.execute(sa.text(f'SELECT max(rowid) FROM "{table.name}"')).scalar() or 0)

    def parties_named(self, text: str, limit: int) -> list[tuple[str, str]]:
        pc = t.parties.c
        exact = self.conn.execute(sa.select(pc.id, pc.name).where(pc.id == text)).first()
        if exact is not None:
            return [(exact[0], exact[1])]
        key = normalise_name(text)
        if not key:
            return []
        n = t.party_names.c
        named = sa.select(n.party_id).where(name_key_starts(n.name_key, key, self.conn.dialect.name))
        q = sa.select(pc.id, pc.name).where(pc.id.in_(named)).order_by(pc.name, pc.id).limit(limit)
        return [(pid, name) for pid, name in self.conn.execute(q)]

    def delivered_by(self, numbers: Collection[str], as_of: date) -> dict[str, int]:
        return SqlDeliveryRepository(self.conn).count_for_permits(numbers, as_of)

    # -- the public figures' aggregates (services/reporting/transparency.py) ---------------------------------
    def permit_groups(self, through: date) -> list[tuple[str, int, str, str, int, int]]:
        year = sa.extract("year", _p.c.issued_on)
        q = (sa.select(_p.c.destination, year, _p.c.product_id, _p.c.exporter_id, sa.func.count(),
                       sa.func.sum(_p.c.quantity))
             .where(_p.c.issued_on <= through)
             .group_by(_p.c.destination, year, _p.c.product_id, _p.c.exporter_id))
        return [(d, int(y), pid, e, int(n), int(qty or 0)) for d, y, pid, e, n, qty in self.conn.execute(q)]

    def delivery_groups(self, through: date) -> list[tuple[str, int, str, str, str, int]]:
        # From the counts kept per permit, day and product, not the items: tens of thousands of rows, not millions.
        dc = t.delivered_counts
        year = sa.extract("year", dc.c.delivered_on)
        q = (sa.select(_p.c.destination, year, dc.c.product_id, dc.c.permit_number, _p.c.exporter_id,
                       sa.func.sum(dc.c.delivered))
             .select_from(dc.join(_p, _p.c.number == dc.c.permit_number))
             .where(dc.c.delivered_on <= through)
             .group_by(_p.c.destination, year, dc.c.product_id, dc.c.permit_number, _p.c.exporter_id))
        return [(d, int(y), pid, number, e, int(n)) for d, y, pid, number, e, n in self.conn.execute(q)]

    def categories_of(self, product_ids: Collection[str]) -> dict[str, tuple[str, ...]]:
        pc = t.product_categories
        found: dict[str, list[str]] = {}
        for chunk in chunks(sorted(set(product_ids))):
            for pid, category in self.conn.execute(sa.select(pc.c.product_id, pc.c.category)
                                                   .where(pc.c.product_id.in_(chunk))):
                found.setdefault(pid, []).append(category)
        return {pid: tuple(sorted(cats)) for pid, cats in found.items()}

    def sightings_by_country(self) -> dict[str, int]:
        q = (sa.select(_s.c.country, sa.func.count()).where(_s.c.country.is_not(None)).group_by(_s.c.country))
        return {country: int(n) for country, n in self.conn.execute(q)}
