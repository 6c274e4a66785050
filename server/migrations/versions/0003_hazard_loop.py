"""hazard loop: rectification orders, the history of every step, supervision, the loop's columns on hazards

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:15:49.899928
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hazard_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=True),
    sa.Column('at', server.db.UTCDateTime(), nullable=False),
    sa.Column('data', server.db.JSONType, nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_hazard_events_actor_id_users')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_hazard_events_hazard_id_hazards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_events')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_hazard_events_client_uuid'))
    )
    with op.batch_alter_table('hazard_events', schema=None) as batch_op:
        batch_op.create_index('ix_hazard_events_hazard_id', ['hazard_id', 'id'], unique=False)

    op.create_table('hazard_supervisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=False),
    sa.Column('supervisor', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('listed_by_id', sa.Integer(), nullable=False),
    sa.Column('listed_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('signed_off_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_off_at', server.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("level IN ('county','city','province')", name=op.f('ck_hazard_supervisions_level')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_hazard_supervisions_area_id_areas')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_hazard_supervisions_hazard_id_hazards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listed_by_id'], ['users.id'], name=op.f('fk_hazard_supervisions_listed_by_id_users')),
    sa.ForeignKeyConstraint(['signed_off_by_id'], ['users.id'], name=op.f('fk_hazard_supervisions_signed_off_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_supervisions')),
    sa.UniqueConstraint('hazard_id', name=op.f('uq_hazard_supervisions_hazard_id'))
    )
    op.create_table('rectification_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=128), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('responsible_person', sa.String(length=64), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_by_name', sa.String(length=64), nullable=False),
    sa.Column('issued_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('issued_day', sa.Date(), nullable=False),
    sa.Column('rectified_at', server.db.UTCDateTime(), nullable=True),
    sa.Column('rectified_day', sa.Date(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_rectification_orders_area_id_areas')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_rectification_orders_hazard_id_hazards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_rectification_orders_issued_by_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_rectification_orders_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_orders')),
    sa.UniqueConstraint('hazard_id', 'round', name='uq_rectification_orders_hazard_round')
    )
    with op.batch_alter_table('rectification_orders', schema=None) as batch_op:
        batch_op.create_index('ix_rectification_orders_deadline', ['deadline'], unique=False)

    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_uuid', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('first_deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ordered_at', server.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('rectified_at', server.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('rectified_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('rectified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('after_photo_ids', server.db.JSONType, server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('rectification_statement', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('rechecked_at', server.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('rechecked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', server.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reject_reason', sa.Text(), nullable=True))
        batch_op.create_index('ix_hazards_found_day', ['found_day'], unique=False)
        batch_op.create_index('ix_hazards_status_deadline', ['status', 'deadline'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_hazards_client_uuid'), ['client_uuid'])
        batch_op.create_foreign_key(batch_op.f('fk_hazards_rechecked_by_id_users'), 'users', ['rechecked_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_hazards_closed_by_id_users'), 'users', ['closed_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_hazards_rectified_by_id_users'), 'users', ['rectified_by_id'], ['id'])
        batch_op.create_check_constraint(
            op.f('ck_hazards_status'), "status IN ('reported','ordered','rectified','rechecked','closed','rejected')")
        batch_op.create_check_constraint(op.f('ck_hazards_source'), "source IN ('patrol','inspector','admin','tipoff')")



def downgrade() -> None:
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_hazards_source'), type_='check')
        batch_op.drop_constraint(op.f('ck_hazards_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_hazards_rectified_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_hazards_closed_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_hazards_rechecked_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_hazards_client_uuid'), type_='unique')
        batch_op.drop_index('ix_hazards_status_deadline')
        batch_op.drop_index('ix_hazards_found_day')
        batch_op.drop_column('reject_reason')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('closed_day')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('rechecked_by_id')
        batch_op.drop_column('rechecked_at')
        batch_op.drop_column('rectification_statement')
        batch_op.drop_column('after_photo_ids')
        batch_op.drop_column('rectified_by_id')
        batch_op.drop_column('rectified_day')
        batch_op.drop_column('rectified_at')
        batch_op.drop_column('ordered_at')
        batch_op.drop_column('deadline')
        batch_op.drop_column('first_deadline')
        batch_op.drop_column('version')
        batch_op.drop_column('client_uuid')

    with op.batch_alter_table('rectification_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_rectification_orders_deadline')

    op.drop_table('rectification_orders')
    op.drop_table('hazard_supervisions')
    with op.batch_alter_table('hazard_events', schema=None) as batch_op:
        batch_op.drop_index('ix_hazard_events_hazard_id')

    op.drop_table('hazard_events')
