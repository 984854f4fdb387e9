"""The monitoring area's tables and repository for the check programme and checks, in the caller's transaction."""

from __future__ import annotations

import sqlalchemy as sa


class SqlCheckRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
