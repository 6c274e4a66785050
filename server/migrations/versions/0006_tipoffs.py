"""tipoffs: tip-offs from the public, rewards, the hazard's link back to its tip-off

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tipoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('tracking_code', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('photo_ids', server.db.JSONType, nullable=False),
    sa.Column('media_url', sa.String(length=1000), nullable=True),
    sa.Column('name_cipher', sa.Text(), nullable=True),
    sa.Column('name_masked', sa.String(length=64), nullable=True),
    sa.Column('phone_cipher', sa.Text(), nullable=True),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('phone_masked', sa.String(length=20), nullable=True),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('public_answer', sa.Text(), nullable=True),
    sa.Column('merged_into_tipoff_id', sa.Integer(), nullable=True),
    sa.Column('merged_into_hazard_id', sa.Integer(), nullable=True),
    sa.Column('hazard_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', server.db.UTCDateTime(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('received_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('received_day', sa.Date(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("channel IN ('api','open311')", name=op.f('ck_tipoffs_channel')),
    sa.CheckConstraint("status IN ('received','rejected','merged','converted')", name=op.f('ck_tipoffs_status')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_tipoffs_area_id_areas')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_tipoffs_handled_by_id_users')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_tipoffs_hazard_id_hazards')),
    sa.ForeignKeyConstraint(['merged_into_hazard_id'], ['hazards.id'],
                            name=op.f('fk_tipoffs_merged_into_hazard_id_hazards')),
    sa.ForeignKeyConstraint(['merged_into_tipoff_id'], ['tipoffs.id'],
                            name=op.f('fk_tipoffs_merged_into_tipoff_id_tipoffs')),
    sa.ForeignKeyConstraint(['township_id'], ['areas.id'], name=op.f('fk_tipoffs_township_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tipoffs')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_tipoffs_client_uuid')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_tipoffs_code_hash'))
    )
    with op.batch_alter_table('tipoffs', schema=None) as batch_op:
        batch_op.create_index('ix_tipoffs_area_status', ['area_id', 'status'], unique=False)
        batch_op.create_index('ix_tipoffs_hazard_id', ['hazard_id'], unique=False)
        batch_op.create_index('ix_tipoffs_phone_hash', ['phone_hash'], unique=False)
        batch_op.create_index('ix_tipoffs_received_at', ['received_at'], unique=False)

    op.create_table('tipoff_rewards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tipoff_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_name', sa.String(length=64), nullable=False),
    sa.Column('decided_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('decided_day', sa.Date(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.Column('paid_at', server.db.UTCDateTime(), nullable=True),
    sa.Column('paid_note', sa.Text(), nullable=True),
    sa.CheckConstraint("(decision = 'approved' AND amount_fen > 0) OR (decision = 'declined' AND amount_fen IS NULL)",
                       name=op.f('ck_tipoff_rewards_amount')),
    sa.CheckConstraint("decision IN ('approved','declined')", name=op.f('ck_tipoff_rewards_decision')),
    sa.CheckConstraint("paid_on IS NULL OR decision = 'approved'", name=op.f('ck_tipoff_rewards_paid')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_tipoff_rewards_area_id_areas')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_tipoff_rewards_decided_by_id_users')),
    sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], name=op.f('fk_tipoff_rewards_paid_by_id_users')),
    sa.ForeignKeyConstraint(['tipoff_id'], ['tipoffs.id'], name=op.f('fk_tipoff_rewards_tipoff_id_tipoffs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tipoff_rewards')),
    sa.UniqueConstraint('tipoff_id', name=op.f('uq_tipoff_rewards_tipoff_id'))
    )
    with op.batch_alter_table('tipoff_rewards', schema=None) as batch_op:
        batch_op.create_index('ix_tipoff_rewards_decided_day', ['decided_day'], unique=False)
        batch_op.create_index('ix_tipoff_rewards_paid_on', ['paid_on'], unique=False)

    # the hazard's link back to the tip-off it was converted from
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tipoff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_hazards_tipoff_id_tipoffs'), 'tipoffs', ['tipoff_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_hazards_tipoff_id_tipoffs'), type_='foreignkey')
        batch_op.drop_column('tipoff_id')
    with op.batch_alter_table('tipoff_rewards', schema=None) as batch_op:
        batch_op.drop_index('ix_tipoff_rewards_paid_on')
        batch_op.drop_index('ix_tipoff_rewards_decided_day')
    op.drop_table('tipoff_rewards')
    with op.batch_alter_table('tipoffs', schema=None) as batch_op:
        batch_op.drop_index('ix_tipoffs_received_at')
        batch_op.drop_index('ix_tipoffs_phone_hash')
        batch_op.drop_index('ix_tipoffs_hazard_id')
        batch_op.drop_index('ix_tipoffs_area_status')
    op.drop_table('tipoffs')
