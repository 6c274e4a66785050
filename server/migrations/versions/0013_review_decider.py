"""who decided a review and when: reviewed_by_id and reviewed_at on every reviewable table

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db

revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None

# the tables of every Reviewable record (server/review/models.py KINDS)
TABLES = ('checkins', 'visits', 'publicity_visits', 'rectification_orders')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('reviewed_at', server.db.UTCDateTime(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_reviewed_by_id_users'), 'users',
                                        ['reviewed_by_id'], ['id'])


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_reviewed_by_id_users'), type_='foreignkey')
            batch_op.drop_column('reviewed_at')
            batch_op.drop_column('reviewed_by_id')
