"""The monitoring area's tables and repository for trace requests, in the caller's transaction."""

from __future__ import annotations

import sqlalchemy as sa


class SqlTraceRequestRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
