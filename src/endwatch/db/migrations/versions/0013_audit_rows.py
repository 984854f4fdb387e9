"""The audit trail covers the records: row digests sealed into the entries, and the triggers that note rows.

Revision ID: 0013_audit_rows
Revises: 0012_historical_records, 0012_proposals_any_scope

- audit_log.rows_digest: the digest of the rows an entry's write created, changed or deleted.
- audit_rows: each such row's digest, by entry (db/audit/tables.py).
- audit_touched, and triggers on every audited table noting the rows a transaction writes (db/audit/capture.py).
A database that already holds records gets one audited entry, `audit.baseline`, recording the digest
of every row it holds: from then on `endwatch audit verify` names any row changed outside the application.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from endwatch.db.audit import capture
from endwatch.db.audit import rows as row_store
from endwatch.domain.audit import GENESIS, canonical_json, seal
from endwatch.domain.audit_rows import rows_digest

revision: str = "0013_audit_rows"
# Both 0012 revisions (made in parallel from 0011) end here: this migration joins them, and its baseline
# records the rows as both left them.
down_revision: str | Sequence[str] | None = ("0012_historical_records", "0012_proposals_any_scope")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BASELINE_ACTOR = "endwatch migration 0013_audit_rows"


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("rows_digest", sa.String(64), nullable=True))
    op.create_table(
        "audit_rows",
        sa.Column("seq", _BIG_ID, nullable=False),
        sa.Column("tbl", sa.String(100), nullable=False),
        sa.Column("row_key", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(32), nullable=True),
    )
    op.create_index("ix_audit_rows_tbl", "audit_rows", ["tbl", "seq"])
    op.create_index("ix_audit_rows_seq", "audit_rows", ["seq"])
    op.create_table(
        "audit_touched",
        sa.Column("tbl", sa.String(100), nullable=False),
        sa.Column("k1", sa.Text(), nullable=False),
        sa.Column("k2", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tbl", "k1", "k2", name=op.f("pk_audit_touched")),
    )
    conn = op.get_bind()
    capture.install(conn)
    _baseline(conn)


def _baseline(conn: sa.Connection) -> None:
    """Record the digest of every row the database holds, in one audited entry (none for an empty one)."""
    changes = [(table.name, key, digest) for table in row_store.live_tables(conn, {})
               for key, digest in row_store.digests(conn, table)]
    if not changes:
        return
    head = conn.execute(sa.text("SELECT seq, hash FROM audit_head WHERE id = 1")).first()
    seq, prev = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    counts: dict[str, int] = {}
    for name, _key, _digest in changes:
        counts[name] = counts.get(name, 0) + 1
    after = {"rows": counts}
    entry = seal(seq=seq + 1, recorded_at=datetime.now(UTC).isoformat(timespec="microseconds"),
                 actor=BASELINE_ACTOR, action="audit.baseline", entity="rows", entity_key="",
                 before=None, after=after,
                 reason="the rows this database held when the audit trail began to cover them",
                 prev_hash=prev, rows=rows_digest(changes))
    conn.execute(sa.text(
        "INSERT INTO audit_log (seq, recorded_at, actor, action, entity, entity_key, before, after, reason,"
        " prev_hash, hash, rows_digest) VALUES (:seq, :recorded_at, :actor, :action, :entity, :entity_key,"
        " NULL, :after, :reason, :prev_hash, :hash, :rows)"),
        {"seq": entry.seq, "recorded_at": entry.recorded_at, "actor": entry.actor, "action": entry.action,
         "entity": entry.entity, "entity_key": entry.entity_key, "after": canonical_json(after),
         "reason": entry.reason, "prev_hash": entry.prev_hash, "hash": entry.hash, "rows": entry.rows})
    if head:
        conn.execute(sa.text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"),
                     {"seq": entry.seq, "hash": entry.hash})
    else:
        conn.execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, :seq, :hash)"),
                     {"seq": entry.seq, "hash": entry.hash})
    row_store.store(conn, entry.seq, changes)


def downgrade() -> None:
    capture.uninstall(op.get_bind())
    op.drop_table("audit_touched")
    op.drop_index("ix_audit_rows_seq", table_name="audit_rows")
    op.drop_index("ix_audit_rows_tbl", table_name="audit_rows")
    op.drop_table("audit_rows")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("rows_digest")

