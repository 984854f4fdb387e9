"""The monitoring area's tables and repository for the check programme and checks, in the caller's transaction.

The plan's heavy part is one aggregate over `deliveries` (counts and dates per permit, and how many items
arrived after the permit's latest inventory), read through the covering index declared here; everything
per permit after that is small.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Collection
from datetime import date
from typing import Any

import sqlalchemy as sa

from endwatch.db.detection import tables as _detection  # noqa: F401 (adds deliveries.serial_fold)
from endwatch.db.registry import tables as reg
from endwatch.db.tables import BigId, metadata
from endwatch.domain.risk.model import CheckRecord
from endwatch.services.detection.store import Candidate
from endwatch.services.monitoring.store import (
    ApplicationFacts,
    Check,
    FoundItem,
    ItemFacts,
    PermitFacts,
    ProgrammeVersion,
    SeriesDay,
)

check_programmes = sa.Table(
    "check_programmes",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("effective_from", sa.Date, nullable=False, unique=True),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("set_by", sa.String(200), nullable=False),
    sa.Column("set_at", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
)

checks = sa.Table(
    "checks",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("planned_on", sa.Date, nullable=False),
    sa.Column("done_on", sa.Date, index=True),
    sa.Column("inspector", sa.String(300), nullable=False),
    sa.Column("place", sa.Text, nullable=False, server_default=""),
    # Who checked: the authority's own staff (graded A1 unless recorded otherwise) or someone else.
    sa.Column("by_authority", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("reliability", sa.String(1), nullable=False, server_default="A"),
    sa.Column("credibility", sa.String(1), nullable=False, server_default="1"),
    sa.Column("outcome", sa.String(20)),  # favourable | unfavourable, once the result is recorded
    sa.Column("reasons", sa.Text, nullable=False, server_default=""),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

# The plan's figures day by day (`endwatch checks record`): one row a day, replaced when the day is recorded again.
# The age bands are plan.AGES: 1-30, 31-90, 91-180, 181-365 days and over a year.
AGE_COLUMNS = ("overdue_1_30", "overdue_31_90", "overdue_91_180", "overdue_181_365", "overdue_over_365")
check_series = sa.Table(
    "check_series",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("day", sa.Date, nullable=False, unique=True),
    sa.Column("designated_items", sa.BigInteger, nullable=False),
    sa.Column("designated_items_overdue", sa.BigInteger, nullable=False),
    *(sa.Column(name, sa.Integer, nullable=False) for name in AGE_COLUMNS),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
)

# What a check covers: permits (their delivered serials are what it expects) or, before a licence, applications.
check_subjects = sa.Table(
    "check_subjects",
    metadata,
    # A key of its own: the audit's row capture keys rows by at most two columns.
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("check_id", BigId, sa.ForeignKey("checks.id"), nullable=False),
    sa.Column("subject_kind", sa.String(20), nullable=False),  # permit | application
    sa.Column("subject_key", sa.String(100), nullable=False),
    sa.UniqueConstraint("check_id", "subject_kind", "subject_key", name="uq_check_subjects_check_id"),
    sa.Index("ix_check_subjects_subject", "subject_kind", "subject_key"),
)

# What a check found: one row per serial seen, where, with whom, in what condition, and how it was recorded.
check_items = sa.Table(
    "check_items",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("check_id", BigId, sa.ForeignKey("checks.id"), nullable=False, index=True),
    sa.Column("serial", sa.String(100), nullable=False),
    sa.Column("model", sa.String(200), nullable=False, server_default=""),
    sa.Column("place", sa.Text, nullable=False, server_default=""),
    sa.Column("user_id", sa.String(100)),  # a party id when the user is in the registry
    sa.Column("user_name", sa.String(300), nullable=False, server_default=""),
    sa.Column("condition", sa.String(100), nullable=False, server_default=""),
    sa.Column("source", sa.String(20), nullable=False),  # typed | file | sighting
    sa.Column("sighting_number", sa.String(100)),
)

check_photos = sa.Table(
    "check_photos",
    metadata,
    sa.Column("check_id", BigId, sa.ForeignKey("checks.id"), primary_key=True),
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("added_by", sa.String(200), nullable=False),
)

# Reconciliation reads the items a check's permits delivered up to a day: one range of this index per permit.
ix_deliveries_permit_delivered = sa.Index("ix_deliveries_permit_delivered", reg.deliveries.c.permit_number,
                                          reg.deliveries.c.delivered_on)

_FINAL = ("approved", "denied", "withdrawn")


def _own_checks(exporter_id: str) -> sa.ColumnElement[bool]:
    """Checks on at least one of the exporter's permits or applications."""
    s, pm, ap = check_subjects, reg.permits, reg.applications
    own = sa.union(
        sa.select(s.c.check_id).join(pm, sa.and_(s.c.subject_kind == "permit", pm.c.number == s.c.subject_key))
        .where(pm.c.exporter_id == exporter_id),
        sa.select(s.c.check_id).join(ap, sa.and_(s.c.subject_kind == "application", ap.c.number == s.c.subject_key))
        .where(ap.c.exporter_id == exporter_id))
    return checks.c.id.in_(sa.select(own.subquery().c.check_id))


class SqlCheckRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # The programme

    @staticmethod
    def _version(r: Any) -> ProgrammeVersion:
        return ProgrammeVersion(int(r.id), r.effective_from, dict(r.body), r.set_by, r.set_at, r.reason)

    def save_programme(self, version: ProgrammeVersion) -> int:
        p = check_programmes
        values = {"body": version.body, "set_by": version.set_by, "set_at": version.set_at, "reason": version.reason}
        existing = self.conn.scalar(sa.select(p.c.id).where(p.c.effective_from == version.effective_from))
        if existing is not None:
            self.conn.execute(p.update().where(p.c.id == existing).values(**values))
            return int(existing)
        key = self.conn.execute(p.insert().values(effective_from=version.effective_from, **values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def programme_on(self, on: date) -> ProgrammeVersion | None:
        p = check_programmes
        row = self.conn.execute(sa.select(p).where(p.c.effective_from <= on)
                                .order_by(p.c.effective_from.desc()).limit(1)).first()
        return self._version(row) if row else None

    def programme_on_exact(self, effective_from: date) -> ProgrammeVersion | None:
        p = check_programmes
        row = self.conn.execute(sa.select(p).where(p.c.effective_from == effective_from)).first()
        return self._version(row) if row else None

    def programme_versions(self) -> builtins.list[ProgrammeVersion]:
        p = check_programmes
        return [self._version(r) for r in self.conn.execute(sa.select(p).order_by(p.c.effective_from))]

    # Checks

    def add_check(self, check: Check) -> int:
        values = {"kind": check.kind, "planned_on": check.planned_on, "done_on": check.done_on,
                  "inspector": check.inspector, "place": check.place, "by_authority": check.by_authority,
                  "reliability": check.reliability, "credibility": check.credibility, "outcome": check.outcome,
                  "reasons": check.reasons, "created_by": check.created_by, "created_at": check.created_at}
        key = self.conn.execute(checks.insert().values(**values)).inserted_primary_key
        assert key is not None
        check_id = int(key[0])
        self.conn.execute(check_subjects.insert(), [{"check_id": check_id, "subject_kind": kind, "subject_key": k}
                                                    for kind, k in sorted(set(check.subjects))])
        return check_id

    def _checks(self, where: sa.ColumnElement[bool] | None = None) -> builtins.list[Check]:
        q = sa.select(checks).order_by(checks.c.planned_on.desc(), checks.c.id.desc())
        rows = self.conn.execute(q if where is None else q.where(where)).all()
        subjects: dict[int, builtins.list[tuple[str, str]]] = defaultdict(list)
        ids = [int(r.id) for r in rows]
        for start in range(0, len(ids), 500):
            s = check_subjects
            for r in self.conn.execute(sa.select(s).where(s.c.check_id.in_(ids[start:start + 500]))
                                       .order_by(s.c.subject_kind, s.c.subject_key)):
                subjects[int(r.check_id)].append((r.subject_kind, r.subject_key))
        return [Check(int(r.id), r.kind, tuple(subjects[int(r.id)]), r.planned_on, r.inspector, r.place,
                      bool(r.by_authority), r.reliability, r.credibility, r.done_on, r.outcome, r.reasons,
                      r.created_by, r.created_at) for r in rows]

    def get_check(self, check_id: int) -> Check | None:
        found = self._checks(checks.c.id == check_id)
        return found[0] if found else None

    def list_checks(self, exporter_id: str | None = None) -> builtins.list[Check]:
        if exporter_id is None:
            return self._checks()
        return self._checks(_own_checks(exporter_id))

    def late_checks(self, brackets: Collection[tuple[date | None, date]],
                    exporter_id: str | None = None) -> builtins.list[int]:
        # One aggregate: a sum per bracket of the checks planned within it and not done (on the index of done_on).
        c = checks.c
        sums = [sa.func.coalesce(sa.func.sum(sa.case(
            (sa.and_(c.planned_on <= last, *([c.planned_on >= first] if first is not None else [])), 1), else_=0)),
            0) for first, last in brackets]
        q = sa.select(*sums).where(c.done_on.is_(None))
        if exporter_id is not None:
            q = q.where(_own_checks(exporter_id))
        row = self.conn.execute(q).one()
        return [int(v) for v in row]

    def record_result(self, check_id: int, done_on: date, outcome: str, reasons: str,
                      items: builtins.list[FoundItem]) -> None:
        self.conn.execute(checks.update().where(checks.c.id == check_id)
                          .values(done_on=done_on, outcome=outcome, reasons=reasons))
        self.conn.execute(check_items.delete().where(check_items.c.check_id == check_id))
        if items:
            self.conn.execute(check_items.insert(), [
                {"check_id": check_id, "serial": i.serial, "model": i.model, "place": i.place, "user_id": i.user_id,
                 "user_name": i.user_name, "condition": i.condition, "source": i.source,
                 "sighting_number": i.sighting_number} for i in items])

    def found_items(self, check_id: int) -> builtins.list[FoundItem]:
        i = check_items
        return [FoundItem(r.serial, r.model, r.place, r.user_id, r.user_name, r.condition, r.source,
                          r.sighting_number)
                for r in self.conn.execute(sa.select(i).where(i.c.check_id == check_id).order_by(i.c.id))]

    def expected_items(self, permits: builtins.list[str], on: date) -> builtins.list[Candidate]:
        d, pm = reg.deliveries, reg.permits
        out: builtins.list[Candidate] = []
        for start in range(0, len(permits), 500):
            q = (sa.select(d.c.id, d.c.serial, d.c.serial_fold, d.c.product_id, d.c.manufacturer_id, d.c.permit_number,
                           d.c.delivered_on, d.c.recipient_id, pm.c.end_user_id, pm.c.destination)
                 .select_from(d.join(pm, pm.c.number == d.c.permit_number))
                 .where(d.c.permit_number.in_(permits[start:start + 500]), d.c.delivered_on <= on))
            out.extend(Candidate(int(r.id), r.serial, r.serial_fold, r.product_id, r.manufacturer_id, r.permit_number,
                                 r.delivered_on, r.recipient_id, r.end_user_id, r.destination)
                       for r in self.conn.execute(q))
        return out

    def outcomes(self) -> builtins.list[CheckRecord]:
        c, s, pm = checks, check_subjects, reg.permits
        q = (sa.select(c.c.id, c.c.kind, c.c.done_on, c.c.outcome, c.c.reasons, pm.c.number, pm.c.end_user_id,
                       pm.c.consignee_id, pm.c.destination)
             .select_from(c.join(s, sa.and_(s.c.check_id == c.c.id, s.c.subject_kind == "permit"))
                          .join(pm, pm.c.number == s.c.subject_key))
             .where(c.c.done_on.is_not(None), c.c.outcome.is_not(None)).order_by(c.c.id, pm.c.number))
        rows: dict[int, builtins.list[Any]] = defaultdict(list)
        for r in self.conn.execute(q):
            rows[int(r.id)].append(r)
        return [CheckRecord(i, rs[0].kind, rs[0].done_on, rs[0].outcome, rs[0].reasons,
                            tuple(r.number for r in rs), tuple(sorted({r.end_user_id for r in rs})),
                            tuple(sorted({r.consignee_id for r in rs})), tuple(sorted({r.destination for r in rs})))
                for i, rs in rows.items()]

    def add_photo(self, check_id: int, sha256: str, filename: str, added_by: str) -> None:
        p = check_photos
        if self.conn.scalar(sa.select(p.c.sha256).where(p.c.check_id == check_id, p.c.sha256 == sha256)) is None:
            self.conn.execute(p.insert().values(check_id=check_id, sha256=sha256, filename=filename,
                                                added_by=added_by))

    def photos(self, check_id: int) -> builtins.list[tuple[str, str]]:
        p = check_photos
        return [(r.sha256, r.filename) for r in self.conn.execute(
            sa.select(p).where(p.c.check_id == check_id).order_by(p.c.filename))]

    # The plan

    def _done(self, kind: str, as_of: date) -> dict[str, dict[str, date]]:
        """The latest check done by `as_of`, by subject key and kind of check."""
        c, s = checks, check_subjects
        q = (sa.select(s.c.subject_key, c.c.kind, sa.func.max(c.c.done_on))
             .select_from(c.join(s, s.c.check_id == c.c.id))
             .where(s.c.subject_kind == kind, c.c.done_on.is_not(None), c.c.done_on <= as_of)
             .group_by(s.c.subject_key, c.c.kind))
        done: dict[str, dict[str, date]] = defaultdict(dict)
        for key, check_kind, on in self.conn.execute(q):
            done[key][check_kind] = on
        return done

    def permit_facts(self, as_of: date) -> builtins.list[PermitFacts]:
        pm, pr = reg.permits, reg.products
        q = (sa.select(pm.c.number, pm.c.application_number, pm.c.exporter_id, pm.c.end_user_id, pm.c.destination,
                       pm.c.product_id, pr.c.monitoring_designated, pm.c.issued_on, pm.c.expires_on)
             .select_from(pm.join(pr, pr.c.id == pm.c.product_id))
             .where(pm.c.issued_on <= as_of).order_by(pm.c.number))
        done = self._done("permit", as_of)
        return [PermitFacts(r.number, r.application_number, r.exporter_id, r.end_user_id, r.destination, r.product_id,
                            bool(r.monitoring_designated), r.issued_on, r.expires_on, 0, None, None, 0, None,
                            done.get(r.number, {}))
                for r in self.conn.execute(q)]

    def item_facts(self, numbers: Collection[str] | None, as_of: date) -> dict[str, ItemFacts]:
        c, s, d = checks, check_subjects, reg.delivered_counts
        # Counts and dates per permit from the counts kept per permit, day and product (one row per delivery day,
        # not per item): all of them, or a range per permit asked for; then, only for permits with an inventory
        # done, the items delivered after it. No item is read.
        base = (sa.select(d.c.permit_number, sa.func.sum(d.c.delivered).label("n"),
                          sa.func.min(d.c.delivered_on).label("first"), sa.func.max(d.c.delivered_on).label("last"))
                .where(d.c.delivered_on <= as_of).group_by(d.c.permit_number))
        last_inventory = (sa.select(s.c.subject_key.label("permit_number"), sa.func.max(c.c.done_on).label("on"))
                          .select_from(c.join(s, s.c.check_id == c.c.id))
                          .where(s.c.subject_kind == "permit", c.c.kind == "inventory", c.c.done_on.is_not(None),
                                 c.c.done_on <= as_of)
                          .group_by(s.c.subject_key))
        since = (sa.select(d.c.permit_number, sa.func.sum(d.c.delivered).label("n"),
                           sa.func.min(d.c.delivered_on).label("first"))
                 .group_by(d.c.permit_number))
        counts: dict[str, Any] = {}
        inventoried: dict[str, date] = {}
        if numbers is None:
            counts = {r.permit_number: r for r in self.conn.execute(base)}
            inventoried = {r.permit_number: r.on for r in self.conn.execute(last_inventory)}
        else:
            keys = sorted(set(numbers))
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                counts.update((r.permit_number, r) for r in self.conn.execute(
                    base.where(d.c.permit_number.in_(chunk))))
                inventoried.update((r.permit_number, r.on) for r in self.conn.execute(
                    last_inventory.where(s.c.subject_key.in_(chunk))))
        after: dict[str, tuple[int, date]] = {}
        by_day: dict[date, builtins.list[str]] = defaultdict(list)
        for number, on in inventoried.items():
            if number in counts:
                by_day[on].append(number)
        for on, numbers_on in by_day.items():  # permits sharing the day of their last inventory: one query each
            for start in range(0, len(numbers_on), 500):
                q = since.where(d.c.permit_number.in_(numbers_on[start:start + 500]), d.c.delivered_on > on,
                                d.c.delivered_on <= as_of)
                after.update((r.permit_number, (int(r.n), r.first)) for r in self.conn.execute(q))
        out: dict[str, ItemFacts] = {}
        for number, r in counts.items():
            n = int(r.n)
            unchecked, first_unchecked = after.get(number, (0, None)) if number in inventoried else (n, r.first)
            out[number] = ItemFacts(n, r.first, r.last, unchecked, first_unchecked)
        return out

    def pending_applications(self, as_of: date) -> builtins.list[ApplicationFacts]:
        a, ch, pr = reg.applications, reg.application_status_changes, reg.products
        decided = (sa.select(ch.c.application_number).where(ch.c.status.in_(_FINAL), ch.c.effective_on <= as_of))
        q = (sa.select(a.c.number, a.c.exporter_id, a.c.end_user_id, a.c.destination, a.c.product_id,
                       pr.c.monitoring_designated, a.c.received_on, a.c.quantity)
             .select_from(a.join(pr, pr.c.id == a.c.product_id))
             .where(a.c.received_on <= as_of, a.c.number.not_in(decided), a.c.historical_source.is_(None),
                    # decided later than `as_of` (a dated change), or not decided at all
                    sa.or_(a.c.status.in_(("received", "on_hold")),
                           a.c.number.in_(sa.select(ch.c.application_number).where(ch.c.status.in_(_FINAL)))))
             .order_by(a.c.number))
        done = self._done("application", as_of)
        return [ApplicationFacts(r.number, r.exporter_id, r.end_user_id, r.destination, r.product_id,
                                 bool(r.monitoring_designated), r.received_on, int(r.quantity), done.get(r.number, {}))
                for r in self.conn.execute(q)]

    def product_categories(self) -> dict[str, tuple[str, ...]]:
        pc = reg.product_categories
        found: dict[str, builtins.list[str]] = defaultdict(list)
        for product_id, category in self.conn.execute(sa.select(pc.c.product_id, pc.c.category)):
            found[product_id].append(category)
        return {k: tuple(sorted(v)) for k, v in found.items()}

    # The series of the plan's figures

    def save_series_day(self, figures: SeriesDay) -> None:
        t = check_series
        values: dict[str, Any] = {"designated_items": figures.designated_items,
                                  "designated_items_overdue": figures.designated_items_overdue,
                                  "recorded_by": figures.recorded_by, "recorded_at": figures.recorded_at}
        values.update(zip(AGE_COLUMNS, figures.overdue_by_age, strict=True))
        existing = self.conn.scalar(sa.select(t.c.id).where(t.c.day == figures.day))
        if existing is not None:
            self.conn.execute(t.update().where(t.c.id == existing).values(**values))
        else:
            self.conn.execute(t.insert().values(day=figures.day, **values))

    @staticmethod
    def _series_day(r: Any) -> SeriesDay:
        return SeriesDay(r.day, int(r.designated_items), int(r.designated_items_overdue),
                         tuple(int(getattr(r, name)) for name in AGE_COLUMNS), r.recorded_by, r.recorded_at)

    def series_day(self, day: date) -> SeriesDay | None:
        row = self.conn.execute(sa.select(check_series).where(check_series.c.day == day)).first()
        return self._series_day(row) if row else None

    def series(self, start: date, end: date) -> builtins.list[SeriesDay]:
        t = check_series
        rows = self.conn.execute(sa.select(t).where(t.c.day >= start, t.c.day <= end).order_by(t.c.day))
        return [self._series_day(r) for r in rows]
