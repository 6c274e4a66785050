"""daily reports keep the submissions a resubmission replaced; hazards carry an address and a responsible party
when no place is named; hazard history names the member who found a hazard on patrol

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('daily_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('history', server.db.JSONType, server_default=sa.text("'[]'"), nullable=False))
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('responsible_party', sa.String(length=128), nullable=True))
    # patrol findings were written with the role ("网格员") instead of the person
    op.execute("UPDATE hazard_events SET actor_name = (SELECT users.display_name FROM users "
               "WHERE users.id = hazard_events.actor_id) "
               "WHERE actor_name = '网格员' AND actor_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_column('responsible_party')
        batch_op.drop_column('address')
    with op.batch_alter_table('daily_reports', schema=None) as batch_op:
        batch_op.drop_column('history')
