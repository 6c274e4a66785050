"""background jobs and their state

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', server.db.JSONType, nullable=False),
    sa.Column('dedupe_key', sa.String(length=64), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=200), nullable=False),
    sa.Column('result', server.db.JSONType, nullable=True),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('error_detail', server.db.JSONType, nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('started_at', server.db.UTCDateTime(), nullable=True),
    sa.Column('finished_at', server.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("state IN ('queued','running','done','failed')", name=op.f('ck_jobs_state')),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_jobs_progress')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_jobs_area_id_areas'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_jobs_requested_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_area_created', ['area_id', 'created_at'], unique=False)
        batch_op.create_index('ix_jobs_requested_by_created', ['requested_by_id', 'created_at'], unique=False)
        batch_op.create_index('ix_jobs_kind_dedupe_state', ['kind', 'dedupe_key', 'state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_kind_dedupe_state')
        batch_op.drop_index('ix_jobs_requested_by_created')
        batch_op.drop_index('ix_jobs_area_created')
    op.drop_table('jobs')
