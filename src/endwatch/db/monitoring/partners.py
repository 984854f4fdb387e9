"""The monitoring area's tables and repository for partner authorities and their exchanges (migration
0026_partner_exchanges): the partners and their limits, the log of every private-set-intersection exchange,
and the items each exchange matched. No blinded set is stored: each later step's file carries what it needs
and is bound to this log by digests."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from endwatch.db.registry.tables import deliveries
from endwatch.db.tables import BigId, metadata
from endwatch.services.monitoring.store import Exchange, Partner, PartnerMatch

partners = sa.Table(
    "partners",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("max_items", sa.Integer),
    sa.Column("max_exchanges", sa.Integer),
    sa.Column("added_at", sa.String(40), nullable=False),
    sa.Column("added_by", sa.String(200), nullable=False),
)

partner_exchanges = sa.Table(
    "partner_exchanges",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("partner_id", sa.String(100), sa.ForeignKey("partners.id"), nullable=False, index=True),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("started_at", sa.String(40), nullable=False),
    sa.Column("started_by", sa.String(200), nullable=False),
    sa.Column("key_fingerprint", sa.String(64), nullable=False),
    sa.Column("check_digest", sa.String(64), nullable=False),
    sa.Column("sent", sa.Integer, nullable=False),
    sa.Column("received", sa.Integer),
    sa.Column("finished_at", sa.String(40)),
    sa.Column("finished_by", sa.String(200)),
    sa.Column("matched", sa.Integer),
)

partner_matches = sa.Table(
    "partner_matches",
    metadata,
    sa.Column("exchange_id", sa.String(32), sa.ForeignKey("partner_exchanges.id"), primary_key=True),
    sa.Column("delivery_id", BigId, sa.ForeignKey("deliveries.id"), primary_key=True),
    sa.Column("tier", sa.String(12), nullable=False),
    sa.Column("reference", sa.String(100), nullable=False),
)


def _partner(r: Any) -> Partner:
    return Partner(r.id, r.name, r.added_at, r.added_by, r.max_items, r.max_exchanges)


def _exchange(r: Any) -> Exchange:
    return Exchange(r.id, r.partner_id, r.role, r.status, r.started_at, r.started_by, r.key_fingerprint,
                    r.check_digest, r.sent, r.received, r.finished_at, r.finished_by, r.matched)


class SqlPartnerRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add_partner(self, partner: Partner) -> None:
        self.conn.execute(partners.insert().values(
            id=partner.id, name=partner.name, max_items=partner.max_items, max_exchanges=partner.max_exchanges,
            added_at=partner.added_at, added_by=partner.added_by))

    def partner(self, partner_id: str) -> Partner | None:
        r = self.conn.execute(partners.select().where(partners.c.id == partner_id)).first()
        return _partner(r) if r is not None else None

    def partners(self) -> builtins.list[Partner]:
        return [_partner(r) for r in self.conn.execute(partners.select().order_by(partners.c.id))]

    def add_exchange(self, exchange: Exchange) -> None:
        self.conn.execute(partner_exchanges.insert().values(
            id=exchange.id, partner_id=exchange.partner_id, role=exchange.role, status=exchange.status,
            started_at=exchange.started_at, started_by=exchange.started_by,
            key_fingerprint=exchange.key_fingerprint, check_digest=exchange.check_digest, sent=exchange.sent,
            received=exchange.received))

    def exchange(self, exchange_id: str) -> Exchange | None:
        r = self.conn.execute(partner_exchanges.select().where(partner_exchanges.c.id == exchange_id)).first()
        return _exchange(r) if r is not None else None

    def exchanges(self, partner_id: str | None = None) -> builtins.list[Exchange]:
        q = partner_exchanges.select().order_by(partner_exchanges.c.started_at.desc(), partner_exchanges.c.id)
        if partner_id is not None:
            q = q.where(partner_exchanges.c.partner_id == partner_id)
        return [_exchange(r) for r in self.conn.execute(q)]

    def exchanges_started_since(self, partner_id: str, since: str) -> int:
        q = sa.select(sa.func.count()).select_from(partner_exchanges).where(
            partner_exchanges.c.partner_id == partner_id, partner_exchanges.c.started_at >= since)
        return int(self.conn.execute(q).scalar_one())

    def finish_exchange(self, exchange_id: str, *, finished_at: str, finished_by: str, matched: int,
                        received: int | None) -> None:
        values: dict[str, Any] = {"status": "finished", "finished_at": finished_at, "finished_by": finished_by,
                                  "matched": matched}
        if received is not None:
            values["received"] = received
        self.conn.execute(partner_exchanges.update().where(partner_exchanges.c.id == exchange_id).values(**values))

    def add_matches(self, matches: Sequence[PartnerMatch]) -> None:
        if matches:
            self.conn.execute(partner_matches.insert(), [
                {"exchange_id": m.exchange_id, "delivery_id": m.delivery_id, "tier": m.tier,
                 "reference": m.reference} for m in matches])

    def matches(self, exchange_id: str) -> builtins.list[PartnerMatch]:
        q = (sa.select(partner_matches, deliveries.c.serial, deliveries.c.permit_number)
             .join(deliveries, deliveries.c.id == partner_matches.c.delivery_id)
             .where(partner_matches.c.exchange_id == exchange_id)
             .order_by(partner_matches.c.reference))
        return [PartnerMatch(r.exchange_id, r.delivery_id, r.tier, r.reference, r.serial, r.permit_number)
                for r in self.conn.execute(q)]

    def delivered_serials(self) -> builtins.list[tuple[int, str, str]]:
        q = sa.select(deliveries.c.id, deliveries.c.serial_norm, deliveries.c.serial).order_by(deliveries.c.id)
        return [(int(r[0]), str(r[1]), str(r[2])) for r in self.conn.execute(q)]
