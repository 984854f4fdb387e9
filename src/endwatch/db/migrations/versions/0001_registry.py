"""The registry: parties, products, policies, applications, permits, deliveries, audit trail.

Revision ID: 0001_registry
Revises: 
Create Date: 2026-11-22 20:06:46.044219
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001_registry'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('audit_log',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('recorded_at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('entity', sa.String(length=100), nullable=False),
    sa.Column('entity_key', sa.String(length=300), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_entity', ['entity', 'entity_key'], unique=False)

    op.create_table('parties',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('parent_id', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['parties.id'], name=op.f('fk_parties_parent_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parties'))
    )
    op.create_table('policies',
    sa.Column('id', sa.String(length=150), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('measure', sa.String(length=30), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('exceptions', sa.JSON(), nullable=False),
    sa.Column('reference', sa.Text(), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policies'))
    )
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policies_country'), ['country'], unique=False)

    op.create_table('party_names',
    sa.Column('party_id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('name_key', sa.String(length=300), nullable=False),
    sa.Column('name_kind', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_party_names_party_id_parties'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('party_id', 'name', name=op.f('pk_party_names'))
    )
    with op.batch_alter_table('party_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_names_name_key'), ['name_key'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('manufacturer_id', sa.String(length=100), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('family', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['manufacturer_id'], ['parties.id'], name=op.f('fk_products_manufacturer_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_manufacturer_id'), ['manufacturer_id'], unique=False)

    op.create_table('applications',
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('exporter_id', sa.String(length=100), nullable=False),
    sa.Column('consignee_id', sa.String(length=100), nullable=False),
    sa.Column('end_user_id', sa.String(length=100), nullable=False),
    sa.Column('destination', sa.String(length=2), nullable=False),
    sa.Column('product_id', sa.String(length=100), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('end_use', sa.Text(), server_default='', nullable=False),
    sa.Column('no_reexport', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('signatory', sa.String(length=300), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['consignee_id'], ['parties.id'], name=op.f('fk_applications_consignee_id_parties')),
    sa.ForeignKeyConstraint(['end_user_id'], ['parties.id'], name=op.f('fk_applications_end_user_id_parties')),
    sa.ForeignKeyConstraint(['exporter_id'], ['parties.id'], name=op.f('fk_applications_exporter_id_parties')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_applications_product_id_products')),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_applications'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_consignee_id'), ['consignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_destination'), ['destination'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_end_user_id'), ['end_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_exporter_id'), ['exporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_product_id'), ['product_id'], unique=False)

    op.create_table('product_aliases',
    sa.Column('product_id', sa.String(length=100), nullable=False),
    sa.Column('alias', sa.String(length=200), nullable=False),
    sa.Column('alias_key', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_aliases_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', 'alias', name=op.f('pk_product_aliases'))
    )
    with op.batch_alter_table('product_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_aliases_alias_key'), ['alias_key'], unique=False)

    op.create_table('product_categories',
    sa.Column('product_id', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_categories_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', 'category', name=op.f('pk_product_categories'))
    )
    op.create_table('application_status_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_number', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('reference', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['application_number'], ['applications.number'], name=op.f('fk_application_status_changes_application_number_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_status_changes'))
    )
    with op.batch_alter_table('application_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_status_changes_application_number'), ['application_number'], unique=False)

    op.create_table('permits',
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('application_number', sa.String(length=100), nullable=True),
    sa.Column('exporter_id', sa.String(length=100), nullable=False),
    sa.Column('consignee_id', sa.String(length=100), nullable=False),
    sa.Column('end_user_id', sa.String(length=100), nullable=False),
    sa.Column('destination', sa.String(length=2), nullable=False),
    sa.Column('product_id', sa.String(length=100), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('end_use', sa.Text(), server_default='', nullable=False),
    sa.Column('no_reexport', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('signatory', sa.String(length=300), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('policy_id', sa.String(length=150), nullable=True),
    sa.Column('policy_measure', sa.String(length=30), nullable=True),
    sa.Column('exception', sa.Text(), nullable=True),
    sa.Column('justification', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['application_number'], ['applications.number'], name=op.f('fk_permits_application_number_applications')),
    sa.ForeignKeyConstraint(['consignee_id'], ['parties.id'], name=op.f('fk_permits_consignee_id_parties')),
    sa.ForeignKeyConstraint(['end_user_id'], ['parties.id'], name=op.f('fk_permits_end_user_id_parties')),
    sa.ForeignKeyConstraint(['exporter_id'], ['parties.id'], name=op.f('fk_permits_exporter_id_parties')),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_permits_policy_id_policies')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_permits_product_id_products')),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_permits'))
    )
    with op.batch_alter_table('permits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_permits_consignee_id'), ['consignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_permits_destination'), ['destination'], unique=False)
        batch_op.create_index(batch_op.f('ix_permits_end_user_id'), ['end_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_permits_exporter_id'), ['exporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_permits_product_id'), ['product_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('permit_number', sa.String(length=100), nullable=False),
    sa.Column('product_id', sa.String(length=100), nullable=False),
    sa.Column('manufacturer_id', sa.String(length=100), nullable=False),
    sa.Column('family', sa.String(length=100), nullable=False),
    sa.Column('serial', sa.String(length=100), nullable=False),
    sa.Column('serial_norm', sa.String(length=100), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=False),
    sa.Column('recipient_id', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['permit_number'], ['permits.number'], name=op.f('fk_deliveries_permit_number_permits')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_deliveries_product_id_products')),
    sa.ForeignKeyConstraint(['recipient_id'], ['parties.id'], name=op.f('fk_deliveries_recipient_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('manufacturer_id', 'family', 'serial_norm', name='uq_deliveries_serial')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_permit_number'), ['permit_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_serial_norm'), ['serial_norm'], unique=False)

    op.create_table('permit_status_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('permit_number', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('reference', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['permit_number'], ['permits.number'], name=op.f('fk_permit_status_changes_permit_number_permits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_permit_status_changes'))
    )
    with op.batch_alter_table('permit_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_permit_status_changes_permit_number'), ['permit_number'], unique=False)

    op.create_table('retransfers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('permit_number', sa.String(length=100), nullable=False),
    sa.Column('serial', sa.String(length=100), nullable=True),
    sa.Column('serial_norm', sa.String(length=100), nullable=True),
    sa.Column('to_party_id', sa.String(length=100), nullable=False),
    sa.Column('authorized_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['permit_number'], ['permits.number'], name=op.f('fk_retransfers_permit_number_permits')),
    sa.ForeignKeyConstraint(['to_party_id'], ['parties.id'], name=op.f('fk_retransfers_to_party_id_parties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retransfers'))
    )
    with op.batch_alter_table('retransfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retransfers_permit_number'), ['permit_number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('retransfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retransfers_permit_number'))

    op.drop_table('retransfers')
    with op.batch_alter_table('permit_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_permit_status_changes_permit_number'))

    op.drop_table('permit_status_changes')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_serial_norm'))
        batch_op.drop_index(batch_op.f('ix_deliveries_permit_number'))

    op.drop_table('deliveries')
    with op.batch_alter_table('permits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_permits_product_id'))
        batch_op.drop_index(batch_op.f('ix_permits_exporter_id'))
        batch_op.drop_index(batch_op.f('ix_permits_end_user_id'))
        batch_op.drop_index(batch_op.f('ix_permits_destination'))
        batch_op.drop_index(batch_op.f('ix_permits_consignee_id'))

    op.drop_table('permits')
    with op.batch_alter_table('application_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_status_changes_application_number'))

    op.drop_table('application_status_changes')
    op.drop_table('product_categories')
    with op.batch_alter_table('product_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_aliases_alias_key'))

    op.drop_table('product_aliases')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_product_id'))
        batch_op.drop_index(batch_op.f('ix_applications_exporter_id'))
        batch_op.drop_index(batch_op.f('ix_applications_end_user_id'))
        batch_op.drop_index(batch_op.f('ix_applications_destination'))
        batch_op.drop_index(batch_op.f('ix_applications_consignee_id'))

    op.drop_table('applications')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_manufacturer_id'))

    op.drop_table('products')
    with op.batch_alter_table('party_names', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_party_names_name_key'))

    op.drop_table('party_names')
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policies_country'))

    op.drop_table('policies')
    op.drop_table('parties')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_entity')

    op.drop_table('audit_log')
    op.drop_table('audit_head')
