"""Detection: sightings, findings, cases, case findings, recommended actions; deliveries.serial_fold.

Revision ID: 0002_detection
Revises: 0001_registry
Create Date: 2026-11-22 20:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from endwatch.domain.matching import serial_fold

revision: str = '0002_detection'
down_revision: str | Sequence[str] | None = '0001_registry'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.add_column('deliveries', sa.Column('serial_fold', sa.String(length=100), nullable=True))
    _backfill_serial_fold()
    op.create_index('ix_deliveries_serial_fold', 'deliveries', ['serial_fold'])
    if op.get_bind().dialect.name == 'postgresql':
        # Lets LIKE 'ABC_1%' patterns (readings with many unreadable characters) use the index prefix.
        op.execute('CREATE INDEX ix_deliveries_serial_fold_pattern ON deliveries (serial_fold text_pattern_ops)')

    op.create_table(
        'sightings',
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('observed_on', sa.Date(), nullable=False),
        sa.Column('place', sa.Text(), server_default='', nullable=False),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('observed_user', sa.Text(), server_default='', nullable=False),
        sa.Column('manufacturer', sa.Text(), server_default='', nullable=False),
        sa.Column('model', sa.Text(), server_default='', nullable=False),
        sa.Column('serial', sa.Text(), nullable=False),
        sa.Column('platform', sa.Text(), server_default='', nullable=False),
        sa.Column('source', sa.Text(), server_default='', nullable=False),
        sa.Column('reliability', sa.String(length=1), nullable=False),
        sa.Column('credibility', sa.String(length=1), nullable=False),
        sa.Column('media', sa.Text(), server_default='', nullable=False),
        sa.Column('recorded_at', sa.String(length=40), nullable=False),
        sa.Column('recorded_by', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sightings')),
    )
    op.create_index('ix_sightings_observed_on', 'sightings', ['observed_on'])
    op.create_table(
        'findings',
        sa.Column('sighting_id', sa.String(length=100), nullable=False),
        sa.Column('verdict', sa.String(length=20), nullable=False),
        sa.Column('confidence', sa.String(length=20), nullable=True),
        sa.Column('tier', sa.String(length=20), nullable=True),
        sa.Column('delivery_id', BigId, nullable=True),
        sa.Column('permit_number', sa.String(length=100), nullable=True),
        sa.Column('product_id', sa.String(length=100), nullable=True),
        sa.Column('serial', sa.Text(), nullable=True),
        sa.Column('observed_user_id', sa.String(length=100), nullable=True),
        sa.Column('observed_country', sa.String(length=2), nullable=True),
        sa.Column('observed_on', sa.Date(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('candidates', sa.JSON(), nullable=False),
        sa.Column('decided_at', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['sighting_id'], ['sightings.id'], name=op.f('fk_findings_sighting_id_sightings')),
        sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_findings_delivery_id_deliveries')),
        sa.ForeignKeyConstraint(['observed_user_id'], ['parties.id'],
                                name=op.f('fk_findings_observed_user_id_parties')),
        sa.PrimaryKeyConstraint('sighting_id', name=op.f('pk_findings')),
    )
    op.create_index('ix_findings_verdict', 'findings', ['verdict'])
    op.create_table(
        'cases',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('opened_on', sa.Date(), nullable=False),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('consignee_id', sa.String(length=100), nullable=True),
        sa.Column('observed_user_id', sa.String(length=100), nullable=True),
        sa.Column('opened_by', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.Text(), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['consignee_id'], ['parties.id'], name=op.f('fk_cases_consignee_id_parties')),
        sa.ForeignKeyConstraint(['observed_user_id'], ['parties.id'], name=op.f('fk_cases_observed_user_id_parties')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    )
    op.create_table(
        'case_findings',
        sa.Column('case_id', sa.String(length=40), nullable=False),
        sa.Column('sighting_id', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_findings_case_id_cases')),
        sa.ForeignKeyConstraint(['sighting_id'], ['sightings.id'],
                                name=op.f('fk_case_findings_sighting_id_sightings')),
        sa.PrimaryKeyConstraint('case_id', 'sighting_id', name=op.f('pk_case_findings')),
    )
    op.create_table(
        'case_actions',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('case_id', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('target', sa.String(length=100), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('decided_at', sa.String(length=40), nullable=True),
        sa.Column('decided_by', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_actions_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_actions')),
    )
    op.create_index('ix_case_actions_case_id', 'case_actions', ['case_id'])


def _backfill_serial_fold() -> None:
    """Fill serial_fold for items delivered before this migration, in chunks by id."""
    bind = op.get_bind()
    d = sa.table('deliveries', sa.column('id', sa.BigInteger()), sa.column('serial', sa.String()),
                 sa.column('serial_fold', sa.String()))
    last = -1
    while True:
        rows = bind.execute(sa.select(d.c.id, d.c.serial).where(d.c.id > last).order_by(d.c.id).limit(5000)).all()
        if not rows:
            return
        bind.execute(d.update().where(d.c.id == sa.bindparam('b_id')).values(serial_fold=sa.bindparam('b_fold')),
                     [{'b_id': r.id, 'b_fold': serial_fold(r.serial)} for r in rows])
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index('ix_case_actions_case_id', table_name='case_actions')
    op.drop_table('case_actions')
    op.drop_table('case_findings')
    op.drop_table('cases')
    op.drop_index('ix_findings_verdict', table_name='findings')
    op.drop_table('findings')
    op.drop_index('ix_sightings_observed_on', table_name='sightings')
    op.drop_table('sightings')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_deliveries_serial_fold_pattern')
    op.drop_index('ix_deliveries_serial_fold', table_name='deliveries')
    op.drop_column('deliveries', 'serial_fold')
