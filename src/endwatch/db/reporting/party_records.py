"""A party's related records over SQLAlchemy Core (`uow.party_records`): counts capped like a list's, the newest
permits through one index range per role, and routes and sightings grouped in SQL, so that a party named on a
hundred thousand permits costs its page the same few statements and rows as one named on three."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from endwatch.db.bulk import chunks
from endwatch.db.detection import tables as td
from endwatch.db.registry import tables as t
from endwatch.db.registry.repositories import SqlPermitRepository
from endwatch.domain.permits import Permit
from endwatch.services.reporting.store import PERMIT_ROLES, Route, SeenWith

_p, _f = t.permits, td.findings
# Each role's column; with the issue day and number, each is one index (db/reporting/indexes.py, PARTY_INDEXES).
_ROLE_COLUMNS = {role: _p.c[f"{role}_id"] for role in PERMIT_ROLES}


def _naming(party_id: str) -> sa.ColumnElement[bool]:
    return sa.or_(*(column == party_id for column in _ROLE_COLUMNS.values()))


class SqlPartyRecordRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def _capped_count(self, q: sa.Select[Any], cap: int) -> int:
        capped = q.limit(cap).subquery()
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one())

    def permit_counts(self, party_id: str, cap: int) -> dict[str, int]:
        # One statement: each role's capped count is a scalar subquery over its own index range.
        counts = [sa.select(sa.func.count()).select_from(sa.select(sa.literal(1)).where(column == party_id)
                                                          .limit(cap).subquery()).scalar_subquery()
                  for column in _ROLE_COLUMNS.values()]
        row = self.conn.execute(sa.select(*counts)).one()
        return {role: int(n) for role, n in zip(PERMIT_ROLES, row, strict=True)}

    def latest_permits(self, party_id: str, limit: int) -> list[Permit]:
        # The newest `limit` of each role (an index range each), then the newest `limit` of those: an OR over
        # the three roles would read and sort every permit of the party.
        newest = [sa.select(_p.c.number).where(column == party_id)
                  .order_by(_p.c.issued_on.desc(), _p.c.number.desc()).limit(limit).subquery()
                  for column in _ROLE_COLUMNS.values()]
        picked = sa.union(*(sa.select(n.c.number) for n in newest)).subquery()
        rows = self.conn.execute(sa.select(_p).where(_p.c.number.in_(sa.select(picked.c.number)))
                                 .order_by(_p.c.issued_on.desc(), _p.c.number.desc()).limit(limit)).all()
        return SqlPermitRepository(self.conn)._load(rows)

    def routes(self, party_id: str, limit: int) -> list[Route]:
        n = sa.func.count().label("n")
        q = (sa.select(_p.c.exporter_id, _p.c.consignee_id, _p.c.end_user_id, n).where(_naming(party_id))
             .group_by(_p.c.exporter_id, _p.c.consignee_id, _p.c.end_user_id)
             .order_by(n.desc(), _p.c.exporter_id, _p.c.consignee_id, _p.c.end_user_id).limit(limit))
        return [Route(e, c, u, int(k)) for e, c, u, k in self.conn.execute(q)]

    def seen_with(self, party_id: str, limit: int) -> list[SeenWith]:
        n = sa.func.count().label("n")
        q = (sa.select(_p.c.end_user_id, _f.c.observed_user_id, n)
             .select_from(_f.join(_p, _p.c.number == _f.c.permit_number))
             .where(_naming(party_id), _f.c.observed_user_id.is_not(None),
                    _f.c.observed_user_id != _p.c.end_user_id)
             .group_by(_p.c.end_user_id, _f.c.observed_user_id)
             .order_by(n.desc(), _p.c.end_user_id, _f.c.observed_user_id).limit(limit))
        return [SeenWith(u, o, int(k)) for u, o, k in self.conn.execute(q)]

    def findings_seen_with(self, party_id: str, cap: int) -> int:
        return self._capped_count(sa.select(sa.literal(1)).where(_f.c.observed_user_id == party_id), cap)

    def names(self, party_ids: Collection[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in chunks(sorted(set(party_ids))):
            q = sa.select(t.parties.c.id, t.parties.c.name).where(t.parties.c.id.in_(chunk))
            found.update((pid, name) for pid, name in self.conn.execute(q))
        return found
