"""The monitoring area's tables and repository for partner authorities and their exchanges."""

from __future__ import annotations

import sqlalchemy as sa


class SqlPartnerRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
