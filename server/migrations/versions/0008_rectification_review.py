"""rectifications in the review queue: who recorded them, their photos, flags and review decision

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rectification_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rectified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('photo_ids', server.db.JSONType, server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('flags', server.db.JSONType, server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('review_status', sa.String(length=16), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('review_reason', sa.String(length=255), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_rectification_orders_rectified_by_id_users'), 'users',
                                    ['rectified_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('rectification_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rectification_orders_rectified_by_id_users'), type_='foreignkey')
        for column in ('review_reason', 'review_status', 'flags', 'photo_ids', 'rectified_by_id'):
            batch_op.drop_column(column)
