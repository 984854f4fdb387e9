"""The reads behind a trace, the registry's hottest question: everything about the items with one serial
in four statements, whatever the number of items, and the names a trace is narrowed by (manufacturer and
model) in one more.

The statements are built once, here, with bound parameters (building a statement and expanding an IN
list cost more than running it; every list is a subquery on the serial instead), compiled once per
database and run on the driver's cursor in the unit of work's transaction (see _Read).
"""

from __future__ import annotations

from collections import defaultdict, namedtuple
from collections.abc import Callable, Collection, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from endwatch.db.registry import tables as t
from endwatch.db.registry.repositories import party_from_row, permit_from_row, product_from_row
from endwatch.domain.deliveries import DeliveredItem, Retransfer
from endwatch.domain.parties import Party
from endwatch.domain.permits import PermitStatus, StatusChange
from endwatch.domain.products import Product
from endwatch.services.registry.store import ItemDossier, ItemRecord

_d, _p, _pr = t.deliveries, t.permits, t.products
_NORM: sa.BindParameter[str] = sa.bindparam("norm", type_=sa.String())
_KEY: sa.BindParameter[str] = sa.bindparam("key", type_=sa.String())


def _to_date(value: Any) -> Any:
    # SQLite keeps dates as ISO text (as SQLAlchemy's Date type writes them); PostgreSQL's driver gives dates.
    return date.fromisoformat(value) if isinstance(value, str) else value


class _Read:
    """A select run on the driver's own cursor, in the caller's transaction, its rows as named tuples.

    SQLAlchemy's work per execution (result metadata, and with it the driver's description of every
    column) costs more than these small indexed statements take to run, so they skip it: the SQL is
    compiled once per dialect, date columns are converted as SQLAlchemy's Date type would, and the
    engine's before/after_cursor_execute events still fire. Parameters are strings.
    """

    def __init__(self, stmt: sa.Select[Any] | sa.CompoundSelect[Any]) -> None:
        self.stmt = stmt
        columns = list(stmt.selected_columns)
        self.row: Any = namedtuple("Row", [c.key for c in columns])  # type: ignore[misc]
        self.dates = [i for i, c in enumerate(columns) if isinstance(c.type, sa.Date)]
        self._sql: dict[tuple[str, str], tuple[str, tuple[str, ...] | None]] = {}

    def _compiled(self, dialect: sa.Dialect) -> tuple[str, tuple[str, ...] | None]:
        key = (dialect.name, dialect.paramstyle)
        found = self._sql.get(key)
        if found is None:
            compiled = self.stmt.compile(dialect=dialect)
            found = self._sql[key] = (compiled.string, tuple(compiled.positiontup or ()) if compiled.positional
                                      else None)
        return found

    def rows(self, conn: sa.Connection, **params: str) -> list[Any]:
        """The rows the statement gives with these parameters."""
        sql, order = self._compiled(conn.dialect)
        args: Any = tuple(params[name] for name in order) if order is not None else params
        cursor = conn.connection.cursor()
        try:
            conn.dispatch.before_cursor_execute(conn, cursor, sql, args, None, False)
            cursor.execute(sql, args)
            conn.dispatch.after_cursor_execute(conn, cursor, sql, args, None, False)
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        make: Callable[[Any], Any] = self.row._make
        if not self.dates:
            return [make(r) for r in fetched]
        rows = []
        for r in fetched:
            values = list(r)
            for i in self.dates:
                values[i] = _to_date(values[i])
            rows.append(make(values))
        return rows


def _statements(match: sa.ColumnElement[bool]) -> tuple[sa.Select[Any], sa.CompoundSelect[Any], sa.Select[Any],
                                                          sa.Select[Any]]:
    """The four reads of the items whose serial key meets `match` (a condition on deliveries.serial_norm):
    items with their permits, the permits' events, the products and the parties."""

    def of_serial(*columns: Any) -> sa.Select[Any]:
        # `columns` of the items with the serial, joined to their permits and products.
        return (sa.select(*columns)
                .select_from(_d.join(_p, _p.c.number == _d.c.permit_number).join(_pr, _pr.c.id == _d.c.product_id))
                .where(match))

    # Items with their permits; item columns are labelled item_*, permit columns keep their names.
    items = (sa.select(*(c.label(f"item_{c.name}") for c in _d.c), *_p.c)
             .select_from(_d.join(_p, _p.c.number == _d.c.permit_number))
             .where(match)
             .order_by(_d.c.id))

    # The permits' status changes and retransfers, in one statement: each in date order within its kind.
    permits = sa.select(_d.c.permit_number).where(match)
    sc, rt = t.permit_status_changes, t.retransfers
    events = sa.union_all(
        sa.select(sa.literal_column("'status'").label("kind"), sc.c.permit_number, sc.c.effective_on.label("day"),
                  sc.c.status.label("what"), sc.c.reason, sc.c.reference,
                  sa.cast(sa.null(), sa.String).label("serial"), sc.c.id, sc.c.historical_source)
        .where(sc.c.permit_number.in_(permits)),
        sa.select(sa.literal_column("'retransfer'").label("kind"), rt.c.permit_number, rt.c.authorized_on,
                  rt.c.to_party_id, sa.cast(sa.null(), sa.Text), rt.c.reference, rt.c.serial, rt.c.id,
                  sa.cast(sa.null(), sa.String))
        .where(rt.c.permit_number.in_(permits)),
    ).order_by(sa.literal_column("kind"), sa.literal_column("day"), sa.literal_column("id"))

    # Products with their aliases and control-list entries, one (kind, value) per row.
    product_ids = sa.select(_d.c.product_id).where(match)
    extras = sa.union_all(
        sa.select(t.product_aliases.c.product_id, sa.literal_column("'alias'").label("kind"),
                  t.product_aliases.c.alias.label("value"))
        .where(t.product_aliases.c.product_id.in_(product_ids)),
        sa.select(t.product_categories.c.product_id, sa.literal_column("'category'").label("kind"),
                  t.product_categories.c.category.label("value"))
        .where(t.product_categories.c.product_id.in_(product_ids)),
    ).subquery("extras")
    products = (sa.select(_pr, extras.c.kind, extras.c.value)
                .select_from(_pr.outerjoin(extras, extras.c.product_id == _pr.c.id))
                .where(_pr.c.id.in_(product_ids)))

    # Every party an item names (its product's maker, its permit's parties, its recipient), with all its
    # names: the items' rows joined to parties by key, so that each party is one index probe however big
    # the table.
    named = of_serial(_pr.c.manufacturer_id.label("maker"), _d.c.recipient_id.label("recipient"),
                      _p.c.exporter_id.label("exporter"), _p.c.consignee_id.label("consignee"),
                      _p.c.end_user_id.label("end_user")).subquery("named")
    parties = (sa.select(t.parties, t.party_names.c.name.label("other_name"), t.party_names.c.name_kind)
               .distinct()
               .select_from(t.parties
                            .join(named, t.parties.c.id.in_([named.c.maker, named.c.recipient, named.c.exporter,
                                                             named.c.consignee, named.c.end_user]))
                            .outerjoin(t.party_names, t.party_names.c.party_id == t.parties.c.id))
               .order_by(t.parties.c.id, t.party_names.c.name))
    return items, events, products, parties


_ITEMS, _EVENTS, _PRODUCTS, _PARTIES = (_Read(s) for s in _statements(_d.c.serial_norm == _NORM))
# The same reads for many serial keys at once (the serials of an incoming trace request): a list of keys is
# one expanding parameter, so these go through SQLAlchemy's own execution and its statement cache.
_NORMS = sa.bindparam("norms", expanding=True, type_=sa.String())
_MANY = _statements(_d.c.serial_norm.in_(_NORMS))

_PARTIES_BY_NAME = _Read(sa.select(t.party_names.c.party_id).where(t.party_names.c.name_key == _KEY).distinct())
_PRODUCTS_BY_MODEL = _Read(sa.select(_pr.c.id, _pr.c.manufacturer_id).where(sa.or_(
    _pr.c.id.in_(sa.select(t.product_aliases.c.product_id).where(t.product_aliases.c.alias_key == _KEY)),
    _pr.c.model_key == _KEY,
)))
# Both at once, for a trace narrowed by manufacturer and model: one round trip instead of two.
_MAKER_KEY: sa.BindParameter[str] = sa.bindparam("maker_key", type_=sa.String())
_MODEL_KEY: sa.BindParameter[str] = sa.bindparam("model_key", type_=sa.String())
_MAKERS_AND_MODELS = _Read(sa.union_all(
    sa.select(sa.literal_column("'party'").label("kind"), t.party_names.c.party_id.label("id"),
              sa.cast(sa.null(), sa.String).label("maker"))
    .where(t.party_names.c.name_key == _MAKER_KEY),
    sa.select(sa.literal_column("'product'"), _pr.c.id, _pr.c.manufacturer_id).where(sa.or_(
        _pr.c.id.in_(sa.select(t.product_aliases.c.product_id).where(t.product_aliases.c.alias_key == _MODEL_KEY)),
        _pr.c.model_key == _MODEL_KEY,
    )),
))


def party_ids_by_name_key(conn: sa.Connection, key: str) -> set[str]:
    """Ids of the parties with a name, alias or former name of this key."""
    return {r.party_id for r in _PARTIES_BY_NAME.rows(conn, key=key)}


def makers_and_models(conn: sa.Connection, maker_key: str, model_key: str) -> tuple[set[str], dict[str, str]]:
    """party_ids_by_name_key(maker_key) and makers_by_model_key(model_key), in one statement."""
    if not model_key:
        return party_ids_by_name_key(conn, maker_key), {}
    parties: set[str] = set()
    products: dict[str, str] = {}
    for r in _MAKERS_AND_MODELS.rows(conn, maker_key=maker_key, model_key=model_key):
        if r.kind == "party":
            parties.add(r.id)
        else:
            products[r.id] = r.maker
    return parties, products


def makers_by_model_key(conn: sa.Connection, key: str) -> dict[str, str]:
    """Product id -> manufacturer id, for the products whose model or an alias has this key.

    The same products as SqlProductRepository.find_by_model_key: stored model and alias keys are the
    model and alias normalised, and normalising is idempotent, so its check of name_keys() only ever
    drops the blank key.
    """
    if not key:
        return {}
    return {r.id: r.manufacturer_id for r in _PRODUCTS_BY_MODEL.rows(conn, key=key)}


def dossiers_by_serial_norm(conn: sa.Connection, serial_norm: str) -> list[ItemDossier]:
    """Every item with this normalised serial, in storage order, with its permit, product, parties and
    retransfers (see DeliveryRepository.dossiers_by_serial_norm)."""
    rows = _ITEMS.rows(conn, norm=serial_norm)
    if not rows:
        return []
    return _dossiers(rows, _EVENTS.rows(conn, norm=serial_norm), _PRODUCTS.rows(conn, norm=serial_norm),
                     _PARTIES.rows(conn, norm=serial_norm))


def dossiers_by_serial_norms(conn: sa.Connection, serial_norms: Collection[str]) -> dict[str, list[ItemDossier]]:
    """dossiers_by_serial_norm of each key, in four statements for all of them (keys with no item left out)."""
    if not serial_norms:
        return {}
    params = {"norms": list(serial_norms)}
    items, events, products, parties = (conn.execute(s, params).all() for s in _MANY)
    found: dict[str, list[ItemDossier]] = defaultdict(list)
    for row, dossier in zip(items, _dossiers(items, events, products, parties), strict=True):
        found[row.item_serial_norm].append(dossier)
    return dict(found)


def _dossiers(rows: Sequence[Any], events: Sequence[Any], product_rows: Sequence[Any],
              party_rows: Sequence[Any]) -> list[ItemDossier]:
    """One dossier for each item row (in their order) from the rows of the four reads."""
    history: dict[str, list[StatusChange]] = defaultdict(list)
    retransfers: dict[str, list[Retransfer]] = defaultdict(list)
    for e in events:
        if e.kind == "status":
            history[e.permit_number].append(StatusChange(PermitStatus(e.what), _to_date(e.day), e.reason,
                                                         e.reference, e.historical_source))
        else:
            retransfers[e.permit_number].append(Retransfer(e.permit_number, e.what, _to_date(e.day), e.reference,
                                                           e.serial))
    products = _products(product_rows)
    parties = _parties(party_rows)
    permits = {r.number: permit_from_row(r, history[r.number]) for r in rows}
    dossiers = []
    for r in rows:
        permit, product = permits[r.number], products[r.item_product_id]
        ids = (product.manufacturer_id, permit.exporter_id, permit.consignee_id, permit.end_user_id,
               r.item_recipient_id)
        dossiers.append(ItemDossier(
            ItemRecord(DeliveredItem(r.item_permit_number, r.item_delivered_on, r.item_serial, r.item_recipient_id),
                       r.item_product_id, r.item_manufacturer_id, r.item_family, r.item_serial_norm,
                       bool(r.item_serial_held)),
            permit, product, {i: parties[i] for i in ids}, tuple(retransfers[permit.number])))
    return dossiers


def _products(found: Sequence[Any]) -> dict[str, Product]:
    rows: dict[str, Any] = {}
    extras: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in found:
        rows[r.id] = r
        if r.kind is not None:
            extras[r.id][r.kind].append(r.value)
    return {pid: product_from_row(r, extras[pid]["alias"], extras[pid]["category"]) for pid, r in rows.items()}


def _parties(found: Sequence[Any]) -> dict[str, Party]:
    rows: dict[str, Any] = {}
    names: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in found:  # ordered by party, then name
        rows[r.id] = r
        if r.name_kind is not None:
            names[r.id][r.name_kind].append(r.other_name)
    return {pid: party_from_row(r, names[pid]) for pid, r in rows.items()}
