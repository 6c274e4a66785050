"""five ones: checklists, clock-ins, visits, publicity, hazards, tasks, reports, bulletins

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 07:47:35.836284
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checklists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=48), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sector', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('definition', server.db.JSONType, nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', server.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklists')),
    sa.UniqueConstraint('key', 'version', name='uq_checklists_key_version')
    )
    op.create_table('bulletins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('content', server.db.JSONType, nullable=False),
    sa.Column('published_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('published_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_bulletins_area_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletins')),
    sa.UniqueConstraint('area_id', 'day', name='uq_bulletins_area_day')
    )
    op.create_table('checkins',
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('geofence', sa.String(length=16), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('device_time', server.db.UTCDateTime(), nullable=False),
    sa.Column('received_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('occurred_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('accuracy', sa.Float(), nullable=True),
    sa.Column('photo_ids', server.db.JSONType, nullable=False),
    sa.Column('flags', server.db.JSONType, nullable=False),
    sa.Column('review_status', sa.String(length=16), nullable=False),
    sa.Column('review_reason', sa.String(length=255), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_checkins_area_id_areas')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_checkins_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_checkins_client_uuid'))
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_area_day', ['area_id', 'day'], unique=False)
        batch_op.create_index('ix_checkins_user_day', ['user_id', 'day'], unique=False)
        batch_op.create_index('uq_checkins_counted', ['user_id', 'day'], unique=True, postgresql_where=sa.text('counted'), sqlite_where=sa.text('counted'))

    op.create_table('daily_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('nothing_found', sa.Boolean(), nullable=False),
    sa.Column('first_submitted_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('summary', server.db.JSONType, nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_daily_reports_area_id_areas')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_daily_reports_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_reports')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_daily_reports_client_uuid')),
    sa.UniqueConstraint('user_id', 'day', name='uq_daily_reports_user_day')
    )
    with op.batch_alter_table('daily_reports', schema=None) as batch_op:
        batch_op.create_index('ix_daily_reports_area_day', ['area_id', 'day'], unique=False)

    op.create_table('publicity_visits',
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('materials', server.db.JSONType, nullable=False),
    sa.Column('people_reached', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('device_time', server.db.UTCDateTime(), nullable=False),
    sa.Column('received_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('occurred_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('accuracy', sa.Float(), nullable=True),
    sa.Column('photo_ids', server.db.JSONType, nullable=False),
    sa.Column('flags', server.db.JSONType, nullable=False),
    sa.Column('review_status', sa.String(length=16), nullable=False),
    sa.Column('review_reason', sa.String(length=255), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_publicity_visits_area_id_areas')),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_publicity_visits_place_id_places')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_publicity_visits_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity_visits')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_publicity_visits_client_uuid'))
    )
    with op.batch_alter_table('publicity_visits', schema=None) as batch_op:
        batch_op.create_index('ix_publicity_area_day', ['area_id', 'day'], unique=False)
        batch_op.create_index('ix_publicity_place_day', ['place_id', 'day'], unique=False)
        batch_op.create_index('ix_publicity_user_day', ['user_id', 'day'], unique=False)

    op.create_table('visits',
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('answers', server.db.JSONType, nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('distance_to_place_m', sa.Float(), nullable=True),
    sa.Column('hazards_found', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('device_time', server.db.UTCDateTime(), nullable=False),
    sa.Column('received_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('occurred_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('accuracy', sa.Float(), nullable=True),
    sa.Column('photo_ids', server.db.JSONType, nullable=False),
    sa.Column('flags', server.db.JSONType, nullable=False),
    sa.Column('review_status', sa.String(length=16), nullable=False),
    sa.Column('review_reason', sa.String(length=255), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_visits_area_id_areas')),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklists.id'], name=op.f('fk_visits_checklist_id_checklists')),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_visits_place_id_places')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_visits_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_visits_client_uuid'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_area_day', ['area_id', 'day'], unique=False)
        batch_op.create_index('ix_visits_place_day', ['place_id', 'day'], unique=False)
        batch_op.create_index('ix_visits_user_day', ['user_id', 'day'], unique=False)

    op.create_table('hazards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('sector', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('found_by_id', sa.Integer(), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('checklist_item', sa.String(length=16), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('photo_ids', server.db.JSONType, nullable=False),
    sa.Column('found_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('found_day', sa.Date(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("level IN ('general','major')", name=op.f('ck_hazards_level')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_hazards_area_id_areas')),
    sa.ForeignKeyConstraint(['found_by_id'], ['users.id'], name=op.f('fk_hazards_found_by_id_users')),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_hazards_place_id_places')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_hazards_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazards'))
    )
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.create_index('ix_hazards_area_day', ['area_id', 'found_day'], unique=False)
        batch_op.create_index('ix_hazards_place_id', ['place_id'], unique=False)
        batch_op.create_index('ix_hazards_status', ['status'], unique=False)
        batch_op.create_index('ix_hazards_visit_id', ['visit_id'], unique=False)

    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('visit','recheck','publicity','other')", name=op.f('ck_tasks_kind')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_tasks_area_id_areas')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tasks_created_by_id_users')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_tasks_hazard_id_hazards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_area_due', ['area_id', 'due_date'], unique=False)

    op.create_table('task_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('completed_at', server.db.UTCDateTime(), nullable=True),
    sa.Column('completed_day', sa.Date(), nullable=True),
    sa.Column('completion_note', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_assignments_task_id_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_task_assignments_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_assignments')),
    sa.UniqueConstraint('task_id', 'user_id', name='uq_task_assignments_task_user')
    )
    with op.batch_alter_table('task_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_task_assignments_user_status', ['user_id', 'status'], unique=False)

    op.create_table('task_targets',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_task_targets_place_id_places')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_targets_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'place_id', name=op.f('pk_task_targets'))
    )
    op.create_table('task_progress',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('done_at', server.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['task_assignments.id'], name=op.f('fk_task_progress_assignment_id_task_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_task_progress_place_id_places')),
    sa.PrimaryKeyConstraint('assignment_id', 'place_id', name=op.f('pk_task_progress'))
    )


def downgrade() -> None:
    op.drop_table('task_progress')
    op.drop_table('task_targets')
    with op.batch_alter_table('task_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_task_assignments_user_status')

    op.drop_table('task_assignments')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_area_due')

    op.drop_table('tasks')
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_index('ix_hazards_visit_id')
        batch_op.drop_index('ix_hazards_status')
        batch_op.drop_index('ix_hazards_place_id')
        batch_op.drop_index('ix_hazards_area_day')

    op.drop_table('hazards')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_user_day')
        batch_op.drop_index('ix_visits_place_day')
        batch_op.drop_index('ix_visits_area_day')

    op.drop_table('visits')
    with op.batch_alter_table('publicity_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_publicity_user_day')
        batch_op.drop_index('ix_publicity_place_day')
        batch_op.drop_index('ix_publicity_area_day')

    op.drop_table('publicity_visits')
    with op.batch_alter_table('daily_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_daily_reports_area_day')

    op.drop_table('daily_reports')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('uq_checkins_counted', postgresql_where=sa.text('counted'), sqlite_where=sa.text('counted'))
        batch_op.drop_index('ix_checkins_user_day')
        batch_op.drop_index('ix_checkins_area_day')

    op.drop_table('checkins')
    op.drop_table('bulletins')
    op.drop_table('checklists')
