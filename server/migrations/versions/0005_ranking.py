"""ranking: rules, drafts and published revisions, board rows

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ranking_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document', server.db.JSONType, nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_rules')),
    sa.UniqueConstraint('version', name=op.f('uq_ranking_rules_version'))
    )
    op.create_table('ranking_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('rule_version', sa.Integer(), nullable=False),
    sa.Column('cutoff', sa.Date(), nullable=False),
    sa.Column('working_days', server.db.JSONType, nullable=False),
    sa.Column('counts', server.db.JSONType, nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('computed_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('published_at', server.db.UTCDateTime(), nullable=True),
    sa.Column('published_by', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['rule_id'], ['ranking_rules.id'], name=op.f('fk_ranking_runs_rule_id_ranking_rules')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_runs')),
    sa.UniqueConstraint('month', 'revision', name='uq_ranking_runs_month_revision')
    )
    op.create_table('ranking_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('township_rank', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('grid_name', sa.String(length=64), nullable=True),
    sa.Column('village_id', sa.Integer(), nullable=True),
    sa.Column('village_name', sa.String(length=64), nullable=True),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('township_name', sa.String(length=64), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('metrics', server.db.JSONType, nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_ranking_entries_area_id_areas')),
    sa.ForeignKeyConstraint(['run_id'], ['ranking_runs.id'], name=op.f('fk_ranking_entries_run_id_ranking_runs'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['township_id'], ['areas.id'], name=op.f('fk_ranking_entries_township_id_areas')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ranking_entries_user_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['areas.id'], name=op.f('fk_ranking_entries_village_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ranking_entries'))
    )
    with op.batch_alter_table('ranking_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ranking_entries_run_level_rank', ['run_id', 'level', 'rank'], unique=False)
        batch_op.create_index('ix_ranking_entries_run_level_township',
                              ['run_id', 'level', 'township_id', 'township_rank'], unique=False)
        batch_op.create_index('ix_ranking_entries_run_user', ['run_id', 'user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('ranking_entries')
    op.drop_table('ranking_runs')
    op.drop_table('ranking_rules')
