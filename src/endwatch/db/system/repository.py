"""The system repository over SQLAlchemy Core."""

from __future__ import annotations

import sqlalchemy as sa

from endwatch.db.system import tables as t


class SqlSystemRepository:
    """The installation's settings on one connection."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def get(self, key: str) -> str | None:
        value = self.conn.execute(sa.select(t.system_settings.c.value).where(t.system_settings.c.key == key)).scalar()
        return None if value is None else str(value)

    def set(self, key: str, value: str) -> None:
        if self.get(key) is None:
            self.conn.execute(t.system_settings.insert().values(key=key, value=value))
        else:
            self.conn.execute(t.system_settings.update().where(t.system_settings.c.key == key).values(value=value))
