"""Exporting a filtered list as CSV or XLSX: the exchange format's columns where the list has a file there,
every text cell formula-safe (exchange/cells.py), the caller's scope applied, and an audit entry naming who
exported which list, with which filters, and how many rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook

from endwatch.errors import InvalidInput, Problem
from endwatch.exchange.cells import format_cell
from endwatch.exchange.schema import SPECS as FILES
from endwatch.exchange.schema_detection import SIGHTINGS
from endwatch.services.authz import Action, Principal, company_scope
from endwatch.services.gate import write
from endwatch.services.registry.exports import _goods
from endwatch.services.reporting.lists import every_row, filter_params, permit_views, sort_param
from endwatch.services.reporting.store import MAX_LIMIT, ListQuery, decode_cursor
from endwatch.services.uow import Database

# An export is built in memory: larger ones must be narrowed by filters (or taken with `endwatch export`).
MAX_EXPORT_ROWS = 100_000

READ_ACTION = {"deliveries": Action.DELIVERIES_READ, "permits": Action.PERMITS_READ,
               "applications": Action.APPLICATIONS_READ, "parties": Action.PARTIES_READ,
               "products": Action.PRODUCTS_READ, "audit": Action.AUDIT_READ,
               "sightings": Action.SIGHTINGS_READ, "findings": Action.SIGHTINGS_READ, "cases": Action.CASES_READ,
               "inquiries": Action.INQUIRIES_READ, "outbox": Action.OUTBOX_READ}
# Lists whose records belong to one company: an exporter exports only its own.
SCOPED = ("deliveries", "permits", "applications", "inquiries")


def _row(kind: str, r: Any) -> dict[str, Any]:
    if kind in _OWN_COLUMNS or kind == "sightings":
        return _own_row(kind, r)
    if kind == "deliveries":
        return {"permit_number": r.item.permit_number, "delivered_on": r.item.delivered_on, "serial": r.item.serial,
                "recipient_id": r.item.recipient_id, "product_id": r.product_id}
    if kind == "permits":
        p = r.permit
        return {"number": p.number, "application_number": p.application_number, "issued_on": p.issued_on,
                "expires_on": p.expires_on, "status": p.latest_status().value, "exception": p.exception,
                "justification": p.justification, "historical_source": p.historical_source, **_goods(p),
                "state": r.state.value, "as_of": r.as_of, "delivered": r.delivered}
    if kind == "applications":
        return {"number": r.number, "received_on": r.received_on, "status": r.status.value,
                "historical_source": r.historical_source, **_goods(r)}
    if kind == "parties":
        return {"id": r.id, "name": r.name, "kind": r.kind.value, "country": r.country, "parent_id": r.parent_id,
                "aliases": r.aliases, "former_names": r.former_names}
    return {"id": r.id, "manufacturer_id": r.manufacturer_id, "model": r.model, "aliases": r.aliases,
            "category": r.categories, "description": r.description, "family": r.family}


def _own_row(kind: str, r: Any) -> dict[str, Any]:
    if kind == "sightings":
        s, f = r.sighting, r.finding
        return {**{c: getattr(s, c) for c in SIGHTINGS.column_names}, "verdict": f.verdict if f else None,
                "confidence": f.confidence if f else None, "tier": f.tier if f else None,
                "permit_number": f.permit_number if f else None, "case_id": r.case_id}
    if kind == "findings":
        f = r.finding
        return {**{c: getattr(f, c) for c in _OWN_COLUMNS["findings"] if hasattr(f, c)}, "case_id": r.case_id}
    return {c: getattr(r, c) for c in _OWN_COLUMNS[kind]}


_EXTRA = {"deliveries": ("product_id",), "permits": ("state", "as_of", "delivered"),
          "sightings": ("verdict", "confidence", "tier", "permit_number", "case_id")}
# Lists with no exchange file: their stored columns.
_OWN_COLUMNS = {
    "audit": ("seq", "recorded_at", "actor", "delegate", "action", "entity", "entity_key", "reason", "hash"),
    "findings": ("sighting_id", "observed_on", "verdict", "confidence", "tier", "permit_number", "product_id",
                 "serial", "observed_user_id", "observed_country", "reasons", "decided_at", "case_id"),
    "cases": ("id", "title", "status", "opened_on", "closed_on", "consignee_id", "observed_user_id", "opened_by",
              "assigned_to", "summary"),
    "inquiries": ("id", "case_id", "to_party", "question", "asked_on", "asked_by", "due_on", "reminded_on",
                  "answer", "answered_on", "answered_by"),
    "outbox": ("id", "message_id", "kind", "party_id", "to_address", "case_id", "subject", "body", "status",
               "attempts", "created_at", "next_attempt_at", "sent_at", "last_error"),
}
# What an exporter is not told about the inquiries put to it (as on its pages and the API).
_HIDDEN_FROM_EXPORTERS = ("case_id", "asked_by")


def columns(kind: str) -> tuple[str, ...]:
    """The export's columns: the exchange file's, then what the list adds (a permit's state on the day); the
    stored columns of lists with no exchange file."""
    if kind in _OWN_COLUMNS:
        return _OWN_COLUMNS[kind]
    spec = SIGHTINGS if kind == "sightings" else FILES[f"{kind}.csv"]
    return (*spec.column_names, *_EXTRA.get(kind, ()))


@dataclass(frozen=True)
class Exported:
    """A finished export: its bytes, media type, file name and number of data rows."""

    body: bytes
    media_type: str
    filename: str
    rows: int


def _records(db: Database, query: ListQuery, exporter: str | None, today: date) -> Iterator[Any]:
    if query.kind != "permits":
        yield from every_row(db.reader, query, exporter)
        return
    after = query.after
    while True:
        found = permit_views(db.reader(), ListQuery("permits", query.filters, query.sort, query.descending,
                                                     after, 0, MAX_LIMIT), exporter, today)
        yield from found.items
        if found.next_after is None:
            return
        after = decode_cursor(found.next_after)


def export_list(db: Database, principal: Principal, query: ListQuery, fmt: str, today: date) -> Exported:
    """The whole filtered list (in the caller's scope) as `csv` or `xlsx`, audited as `list.export`.
    More than MAX_EXPORT_ROWS rows is refused (InvalidInput), with nothing recorded."""
    # Parties and products are every company's reference data (the lists show them to all who may read them).
    exporter = company_scope(principal) if query.kind in SCOPED else None
    names = columns(query.kind)
    rows: list[list[str]] = []
    for record in _records(db, query, exporter, today):
        if len(rows) >= MAX_EXPORT_ROWS:
            raise InvalidInput([Problem(f"more than {MAX_EXPORT_ROWS:,} rows match: narrow the filters",
                                        column="query.format")])
        row = _row(query.kind, record)
        if exporter is not None and query.kind == "inquiries":
            row.update(dict.fromkeys(_HIDDEN_FROM_EXPORTERS))
        rows.append([format_cell(row.get(c)) for c in names])
    body, media = _xlsx(query.kind, names, rows) if fmt == "xlsx" else _csv(names, rows)
    filters = filter_params(query)
    with write(db.uow(), principal, READ_ACTION[query.kind]) as w:
        w.record(action="list.export", entity="export", key=query.kind,
                 after={"list": query.kind, "format": fmt, "filters": filters, "sort": sort_param(query),
                        "rows": len(rows), "scope": exporter}, reason=f"{len(rows)} rows exported")
    return Exported(body, media, f"{query.kind}-{today.isoformat()}.{fmt}", len(rows))


def _csv(names: tuple[str, ...], rows: list[list[str]]) -> tuple[bytes, str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8"), "text/csv; charset=utf-8"


def _xlsx(kind: str, names: tuple[str, ...], rows: list[list[str]]) -> tuple[bytes, str]:
    # Cells are the CSV's formula-safe text (numbers and dates included, as written there): a spreadsheet
    # shows them as they are and never evaluates one.
    book = Workbook(write_only=True)
    sheet = book.create_sheet(kind)
    sheet.append(list(names))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

