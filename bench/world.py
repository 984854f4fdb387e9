"""Large registries written by SQL in bulk, shared by the benchmarks that need millions of rows (bench.checks,
bench.lists): a few parties and products through the services, then permits, applications, delivered items,
sightings, findings and cases inserted by `INSERT ... SELECT` over a generated series of numbers, with the audit
trail's row triggers set aside (`bulk`). Writing these through the gate would take hours; the benchmarks only read
them, and say so.

Every row is a function of its number, so two databases built with the same arguments hold the same registry.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa

from bench import BENCH
from endwatch.db.audit import capture
from endwatch.db.registry import delivered_counts
from endwatch.domain.audit import canonical_json, seal
from endwatch.domain.matching import serial_fold
from endwatch.domain.parties import Party, PartyKind
from endwatch.domain.products import Product
from endwatch.services.registry.parties import save_party
from endwatch.services.registry.products import save_product

DESTINATIONS = ("TR", "UA", "PL", "EE", "LT", "LV", "RO", "BG")
ENTRIES = 4


def base_parties(ew: Any) -> None:
    """The parties and products the bulk rows name, through the services: `maker`, `user-0`.. (one armed force
    a destination) and, for each control-list entry ML1-ML4 (i = 0..3), a product designated for end-use
    monitoring (dprod-i) and one not (prod-i)."""
    save_party(ew.uow(), BENCH, Party("maker", "Maker", PartyKind.COMPANY, "CA"))
    for i, country in enumerate(DESTINATIONS):
        save_party(ew.uow(), BENCH, Party(f"user-{i}", f"Armed Forces {country}", PartyKind.ARMED_FORCE, country))
    for i in range(ENTRIES):
        for prefix in ("prod", "dprod"):
            save_product(ew.uow(), BENCH, Product(f"{prefix}-{i}", "maker", f"Model {prefix} {i}",
                                                  categories=(f"ML{i + 1}",), designated=prefix == "dprod"))


def designated_percent(share: float) -> int:
    """Permit k is of a designated product when k % 100 is below this (the share in whole percent)."""
    return round(share * 100)


def _indexes(conn: sa.Connection, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the secondary indexes of `table` (not its primary key)."""
    if _postgres(conn):
        rows = conn.execute(sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t AND indexname NOT IN"
            " (SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass))"), {"t": table}).all()
    else:
        rows = conn.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
                                    " AND sql IS NOT NULL"), {"t": table}).all()
    return [(str(r[0]), str(r[1])) for r in rows]


@contextmanager
def bulk(ew: Any, rebuild: Sequence[str] = ("deliveries",)) -> Iterator[sa.Connection]:
    """One transaction with the audit trail's row triggers and the delivered counts' triggers removed (put back at
    the end, the counts counted again) and the secondary indexes
    of the `rebuild` tables dropped and built again at the end (one sort of millions of rows is far quicker than
    millions of index insertions), then ANALYZE, so the planner knows the new sizes."""
    with ew.engine.begin() as conn:
        capture.uninstall(conn)
        delivered_counts.uninstall(conn)  # counted once at the end instead of once per item
        if _postgres(conn):
            conn.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
        dropped = [index for table in rebuild for index in _indexes(conn, table)]
        for name, _sql in dropped:
            conn.execute(sa.text(f'DROP INDEX "{name}"'))
        yield conn
        for _name, sql in dropped:
            conn.execute(sa.text(sql))
        delivered_counts.recount(conn)
        delivered_counts.install(conn)
        capture.install(conn)
    with ew.engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))


def _postgres(conn: sa.Connection) -> bool:
    return conn.dialect.name == "postgresql"


def pad(conn: sa.Connection, expr: str, width: int) -> str:
    """SQL for the integer `expr` written with `width` digits (leading zeros)."""
    return f"lpad(({expr})::text, {width}, '0')" if _postgres(conn) else f"printf('%0{width}d', {expr})"


def day(conn: sa.Connection, first: date, expr: str) -> str:
    """SQL for the date `expr` days after `first`."""
    if _postgres(conn):
        return f"(DATE '{first.isoformat()}' + ({expr})::int)"
    return f"date('{first.isoformat()}', '+' || ({expr}) || ' days')"


def pick(values: Sequence[str], expr: str) -> str:
    """SQL for values[expr % len(values)] (two-letter codes; substr works the same on both databases)."""
    assert all(len(v) == 2 for v in values)
    return f"substr('{''.join(values)}', (({expr}) % {len(values)}) * 2 + 1, 2)"


def insert_numbered(conn: sa.Connection, table: str, columns: Sequence[str], exprs: Sequence[str], count: int,
                    where: str = "") -> None:
    """INSERT INTO `table` one row for each n in 0..count-1, each column the SQL expression over `n` (optionally
    only where `where` holds)."""
    if count <= 0:
        return
    cols, values = ", ".join(columns), ", ".join(exprs)
    cond = f" WHERE {where}" if where else ""
    if _postgres(conn):
        conn.execute(sa.text(f"INSERT INTO {table} ({cols}) SELECT {values} FROM generate_series(0, {count - 1})"
                             f" AS g(n){cond}"))
    else:
        conn.execute(sa.text(f"INSERT INTO {table} ({cols}) WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1"
                             f" FROM g WHERE n < {count - 1}) SELECT {values} FROM g{cond}"))


def permits_and_items(conn: sa.Connection, items: int, permits: int, designated_share: float = 0.25) -> int:
    """`permits` permits P-000000.. (exporter `maker`, end user and destination cycling over DESTINATIONS, control
    entry k % 4, of the designated product when k % 100 < 100 x `designated_share`) and `items` // `permits`
    delivered items each, serial B000000000.. (item n under permit n // per, delivered on a day spread over 2019 to
    2024). Returns the items per permit."""
    per = items // permits
    cut = designated_percent(designated_share)
    conn.execute(sa.text(
        "INSERT INTO permits (number, exporter_id, consignee_id, end_user_id, destination, product_id, quantity,"
        " end_use, no_reexport, issued_on, expires_on) VALUES (:n, 'maker', :u, :u, :d, :p, :q, '', false, :i,"
        " :e)"),
        [{"n": f"P-{k:06d}", "u": f"user-{k % len(DESTINATIONS)}", "d": DESTINATIONS[k % len(DESTINATIONS)],
          "p": f"{'dprod' if k % 100 < cut else 'prod'}-{k % ENTRIES}", "q": per, "i": date(2019, 1, 1),
          "e": date(2030, 12, 31)}
         for k in range(permits)])
    k = f"(n / {per})"
    serial = "'B' || " + pad(conn, "n", 9)
    folded = "'8' || " + pad(conn, "n", 9)  # detection's fold of 'B' and digits (checked below): near matches work
    assert serial_fold("B000000001") == "8000000001"
    product = f"(CASE WHEN {k} % 100 < {cut} THEN 'dprod-' ELSE 'prod-' END) || ({k} % {ENTRIES})"
    insert_numbered(
        conn, "deliveries",
        ("permit_number", "product_id", "manufacturer_id", "family", "serial", "serial_norm", "serial_fold",
         "delivered_on", "recipient_id"),
        ("'P-' || " + pad(conn, k, 6), product, "'maker'", product, serial, serial, folded,
         day(conn, date(2019, 2, 1), f"{k} % 1800"), f"'user-' || ({k} % {len(DESTINATIONS)})"),
        per * permits)
    return per


def applications(conn: sa.Connection, count: int) -> None:
    """`count` applications A-000000.. received over 2018 to 2024, statuses cycling over the five."""
    statuses = ("received", "on_hold", "approved", "denied", "withdrawn")
    status = "CASE " + " ".join(f"WHEN n % 5 = {i} THEN '{s}'" for i, s in enumerate(statuses)) + " END"
    insert_numbered(
        conn, "applications",
        ("number", "exporter_id", "consignee_id", "end_user_id", "destination", "product_id", "quantity",
         "end_use", "no_reexport", "received_on", "status"),
        ("'A-' || " + pad(conn, "n", 6), "'maker'", f"'user-' || (n % {len(DESTINATIONS)})",
         f"'user-' || (n % {len(DESTINATIONS)})", pick(DESTINATIONS, "n"), f"'prod-' || (n % {ENTRIES})",
         "10", "''", "false", day(conn, date(2018, 1, 1), "n % 2500"), status),
        count)


def sightings_and_findings(conn: sa.Connection, sightings: int, items: int, cases: int) -> None:
    """`sightings` sightings S-0000000.. (odd: a delivered item's serial; even: a serial never delivered), each
    with its finding (delivered: a diversion, confirmed, every other one, else consistent; never delivered:
    unmatched), and `cases` cases CASE-0100.. of five diversions each (a third closed)."""
    pg = _postgres(conn)
    serial = (f"CASE WHEN n % 2 = 1 THEN 'B' || {pad(conn, f'(n * 7919) % {items}', 9)}"
              f" ELSE 'UNKNOWN-' || {pad(conn, 'n', 7)} END")
    insert_numbered(
        conn, "sightings",
        ("id", "observed_on", "place", "country", "serial", "reliability", "credibility", "recorded_at",
         "recorded_by"),
        ("'S-' || " + pad(conn, "n", 7), day(conn, date(2020, 7, 1), "n % 1500"), "''", pick(DESTINATIONS, "n"),
         serial, "'B'", "'2'", "'2024-01-01T00:00:00'", "'bench'"),
        sightings)
    number = "CAST(substr(s.id, 3) AS INTEGER)"
    empty = "'[]'::json" if pg else "'[]'"
    diversion = f"{number} % 4 = 1"
    conn.execute(sa.text(
        "INSERT INTO findings (sighting_id, verdict, confidence, tier, delivery_id, permit_number, product_id,"
        " serial, observed_country, observed_on, reasons, candidates, decided_at)"
        f" SELECT s.id, CASE WHEN d.id IS NULL THEN 'unmatched' WHEN {diversion} THEN 'diversion'"
        f" ELSE 'consistent' END, CASE WHEN d.id IS NULL THEN NULL WHEN {diversion} THEN 'confirmed' END,"
        " CASE WHEN d.id IS NULL THEN NULL ELSE 'exact' END, d.id, d.permit_number, d.product_id, s.serial,"
        f" s.country, s.observed_on, {empty}, {empty}, '2024-01-02T00:00:00'"
        " FROM sightings s LEFT JOIN deliveries d ON d.serial_norm = s.serial AND d.manufacturer_id = 'maker'"
        " WHERE s.recorded_by = 'bench' AND s.id LIKE 'S-%'"))
    # Diversions are sightings 1, 5, 9, ... (n % 4 = 1): case k holds diversions 5k .. 5k + 4.
    cases = min(cases, sightings // 20)
    insert_numbered(
        conn, "cases",
        ("id", "title", "status", "opened_on", "closed_on", "consignee_id", "opened_by", "summary"),
        ("'CASE-' || " + pad(conn, "n + 100", 4), "'Diversion ' || " + pad(conn, "n", 5),
         "CASE WHEN n % 3 = 0 THEN 'closed' ELSE 'open' END", day(conn, date(2020, 8, 1), "n % 1500"),
         f"CASE WHEN n % 3 = 0 THEN {day(conn, date(2024, 1, 1), 'n % 300')} END",
         f"'user-' || (n % {len(DESTINATIONS)})", "'bench'", "''"),
        cases)
    insert_numbered(conn, "case_findings", ("case_id", "sighting_id"),
                    ("'CASE-' || " + pad(conn, "n / 5 + 100", 4), "'S-' || " + pad(conn, "4 * n + 1", 7)),
                    cases * 5)


def audit_entries(conn: sa.Connection, count: int) -> None:
    """`count` entries appended to the audit trail's hash chain (each sealed as the trail seals them, so the
    chain verifies), naming the bulk permits in turn."""
    head = conn.execute(sa.text("SELECT seq, hash FROM audit_head WHERE id = 1")).first()
    seq, prev = (int(head[0]), str(head[1])) if head else (0, "0" * 64)
    rows: list[dict[str, Any]] = []
    actions = ("permit.issue", "delivery.record", "sighting.import", "case.note")
    for i in range(count):
        action = actions[i % len(actions)]
        after = {"n": i}
        entry = seal(seq=seq + 1, recorded_at=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00", actor="bench",
                     action=action, entity=action.split(".")[0], entity_key=f"P-{i % 20_000:06d}", before=None,
                     after=after, reason="", prev_hash=prev)
        rows.append({"seq": entry.seq, "recorded_at": entry.recorded_at, "actor": entry.actor,
                     "action": entry.action, "entity": entry.entity, "entity_key": entry.entity_key,
                     "after": canonical_json(after), "prev_hash": entry.prev_hash, "hash": entry.hash})
        seq, prev = entry.seq, entry.hash
        if len(rows) == 10_000 or i == count - 1:
            conn.execute(sa.text(
                "INSERT INTO audit_log (seq, recorded_at, actor, action, entity, entity_key, after, reason,"
                " prev_hash, hash) VALUES (:seq, :recorded_at, :actor, :action, :entity, :entity_key, :after, '',"
                " :prev_hash, :hash)"), rows)
            rows = []
    if count:
        if head:
            conn.execute(sa.text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"), {"s": seq, "h": prev})
        else:
            conn.execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, :s, :h)"), {"s": seq, "h": prev})


def outbox_and_inquiries(conn: sa.Connection, count: int, cases: int) -> None:
    """`count` outbox messages (every other one sent) and `count` inquiries on the bulk cases (every other one
    answered, due 30 days after asking)."""
    if cases <= 0:
        return
    case = "'CASE-' || " + pad(conn, f"n % {cases} + 100", 4)
    insert_numbered(
        conn, "outbox",
        ("message_id", "kind", "party_id", "subject", "body", "case_id", "created_at", "status", "attempts",
         "next_attempt_at"),
        ("'bench-' || " + pad(conn, "n", 7), "'notice'", f"'user-' || (n % {len(DESTINATIONS)})",
         "'Notice ' || n", "'Body'", case, "'2024-01-01T00:00:00'",
         "CASE WHEN n % 2 = 0 THEN 'sent' ELSE 'pending' END", "0", "'2024-01-01T00:00:00'"),
        count)
    asked = day(conn, date(2021, 1, 1), "n % 1200")
    insert_numbered(
        conn, "case_inquiries",
        ("case_id", "to_party", "question", "asked_on", "asked_by", "answer", "answered_on", "due_on"),
        (case, f"'user-' || (n % {len(DESTINATIONS)})", "'Where is it?'", asked, "'bench'",
         "CASE WHEN n % 2 = 0 THEN 'Here.' END", f"CASE WHEN n % 2 = 0 THEN {asked} END",
         day(conn, date(2021, 1, 31), "n % 1200")),
        count)
