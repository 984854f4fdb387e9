"""The search repository over SQLAlchemy Core: prefix matches on record numbers and party name keys, each
kind one indexed statement with a LIMIT, so a search never reads a table."""

from __future__ import annotations

import sqlalchemy as sa

from endwatch.db.casefiles import tables as case_tables
from endwatch.db.detection import tables as detection_tables
from endwatch.db.registry import tables as t
from endwatch.services.reporting.store import Found


def _escaped(text: str) -> str:
    """`text` for a LIKE pattern: its own wildcards and the escape character matched literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix_range(column: sa.ColumnElement[str], prefix: str) -> sa.ColumnElement[bool]:
    """`column` between `prefix` and the next string of its length, in byte order: a range of the column's index.
    SQLite's LIKE ignores case, so it never reads a (case-sensitive) index for a prefix: this range does."""
    if not prefix or ord(prefix[-1]) >= 0x10FFFF:
        return column >= prefix
    following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return sa.and_(column >= prefix, column < following)


def _starts_with(column: sa.ColumnElement[str], prefix: str, dialect: str) -> sa.ColumnElement[bool]:
    """True where `column` starts with `prefix` as typed or in capitals (record numbers are written in capitals).

    LIKE narrows (and uses the index on PostgreSQL); on SQLite, a range of the index for each form does; the
    comparison of the first characters makes the answer the same on SQLite (whose LIKE ignores case) and
    PostgreSQL (whose LIKE does not)."""
    prefixes = sorted({prefix, prefix.upper()})
    if dialect == "sqlite":
        narrow = sa.or_(*(_prefix_range(column, p) for p in prefixes))
    else:
        narrow = sa.or_(*(column.like(_escaped(p) + "%", escape="\\") for p in prefixes))
    return sa.and_(narrow, sa.func.substr(column, 1, len(prefix)).in_(prefixes))


def name_key_starts(column: sa.ColumnElement[str], key_prefix: str, dialect: str) -> sa.ColumnElement[bool]:
    """True where the name key `column` starts with `key_prefix` (already a name key): a range of its index on
    SQLite, LIKE over the pattern-operator index on PostgreSQL, the first characters compared on both."""
    narrow = (_prefix_range(column, key_prefix) if dialect == "sqlite"
              else column.like(_escaped(key_prefix) + "%", escape="\\"))
    return sa.and_(narrow, sa.func.substr(column, 1, len(key_prefix)) == key_prefix)


class SqlSearchRepository:
    """Prefix search over permits, applications, cases, sightings and party names."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name

    def numbers(self, kind: str, prefix: str, exporter: str | None, limit: int) -> list[Found]:
        """Records of `kind` (permits, applications, cases, sightings) whose number starts with `prefix`."""
        if kind in ("permits", "applications"):
            table = t.permits if kind == "permits" else t.applications
            date_column = table.c.issued_on if kind == "permits" else table.c.received_on
            where = _starts_with(table.c.number, prefix, self.dialect)
            if exporter is not None:
                where = sa.and_(where, table.c.exporter_id == exporter)
            rows = self.conn.execute(
                sa.select(table.c.number, table.c.destination, date_column, table.c.exporter_id)
                .where(where).order_by(table.c.number).limit(limit)).all()
            return [Found(r[0], r[0], f"{r[1]}, {r[2].isoformat()}") for r in rows]
        if kind == "cases":
            c = case_tables.cases.c
            cases = self.conn.execute(sa.select(c.id, c.title, c.status).where(_starts_with(c.id, prefix, self.dialect))
                                      .order_by(c.id).limit(limit)).all()
            return [Found(r[0], r[1], r[2]) for r in cases]
        if kind == "sightings":
            s = detection_tables.sightings.c
            seen = self.conn.execute(sa.select(s.id, s.serial, s.place, s.observed_on)
                                     .where(_starts_with(s.id, prefix, self.dialect)).order_by(s.id).limit(limit)).all()
            return [Found(r[0], f"serial {r[1]}", f"{r[2]}, {r[3].isoformat()}".strip(", ")) for r in seen]
        raise ValueError(f"no number search for {kind!r}")

    def parties(self, key_prefix: str, limit: int) -> list[Found]:
        """Parties with a name, alias or former name whose name key starts with `key_prefix` (one row a party)."""
        n = t.party_names.c
        p = t.parties.c
        # The matching names first (LIMIT over the name_key index), then their parties.
        names = (sa.select(n.party_id, n.name, n.name_kind)
                 .where(name_key_starts(n.name_key, key_prefix, self.dialect))
                 .order_by(n.name_key, n.party_id).limit(limit * 4)).subquery()
        rows = self.conn.execute(
            sa.select(p.id, p.name, p.kind, p.country, names.c.name, names.c.name_kind)
            .join(names, names.c.party_id == p.id)).all()
        found: dict[str, Found] = {}
        for pid, name, kind, country, matched, name_kind in sorted(rows, key=lambda r: (r[1], r[0])):
            if pid in found:
                continue
            via = "" if name_kind == "name" or matched == name else f"; {name_kind} name {matched!r}"
            found[pid] = Found(pid, name, f"{kind}, {country or 'no country'}{via}")
        return list(found.values())[:limit]
