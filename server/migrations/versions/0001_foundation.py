"""foundation: areas, users, places, audit

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 07:31:56.200846
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
    sa.Column('boundary', server.db.JSONType, nullable=True),
    sa.Column('min_lng', sa.Float(), nullable=True),
    sa.Column('min_lat', sa.Float(), nullable=True),
    sa.Column('max_lng', sa.Float(), nullable=True),
    sa.Column('max_lat', sa.Float(), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("level IN ('county','township','village','grid')", name=op.f('ck_areas_level')),
    sa.ForeignKeyConstraint(['parent_id'], ['areas.id'], name=op.f('fk_areas_parent_id_areas'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_areas')),
    sa.UniqueConstraint('code', name=op.f('uq_areas_code'))
    )
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.create_index('ix_areas_parent_id', ['parent_id'], unique=False)
        batch_op.create_index('ix_areas_path', ['path'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', server.db.UTCDateTime(), nullable=True),
    sa.Column('wechat_openid', sa.String(length=64), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("role IN ('member','township_admin','county_admin','inspector')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username')),
    sa.UniqueConstraint('wechat_openid', name=op.f('uq_users_wechat_openid'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', server.db.UTCDateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('summary', server.db.JSONType, nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_audit_log_area_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_actor', ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_log_object', ['object_type', 'object_id'], unique=False)

    op.create_table('binding_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('used_at', server.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_binding_codes_issued_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_binding_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_binding_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_binding_codes_code_hash'))
    )
    op.create_table('places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('natural_key', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('sector', sa.String(length=32), nullable=False),
    sa.Column('risk_level', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('contact_name', sa.String(length=64), nullable=True),
    sa.Column('contact_phone', sa.String(length=20), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', server.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("risk_level IN ('major','high','general','low')", name=op.f('ck_places_risk_level')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_places_area_id_areas'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_places')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_places_credit_code')),
    sa.UniqueConstraint('natural_key', name=op.f('uq_places_natural_key'))
    )
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.create_index('ix_places_area_id', ['area_id'], unique=False)
        batch_op.create_index('ix_places_name', ['name'], unique=False)
        batch_op.create_index('ix_places_sector', ['sector'], unique=False)

    op.create_table('refresh_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('rotated_at', server.db.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', server.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_refresh_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_refresh_tokens_token_hash'))
    )
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_refresh_tokens_family', ['family_id'], unique=False)
        batch_op.create_index('ix_refresh_tokens_user', ['user_id'], unique=False)

    op.create_table('user_areas',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_user_areas_area_id_areas'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_areas_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'area_id', name=op.f('pk_user_areas'))
    )
    with op.batch_alter_table('user_areas', schema=None) as batch_op:
        batch_op.create_index('ix_user_areas_area_id', ['area_id'], unique=False)



    if op.get_bind().dialect.name == "postgresql":
        # the audit log is append-only even for someone with SQL access through the app's role
        op.execute("""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only';
            END $$;
        """)
        op.execute("""
            CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
        """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    with op.batch_alter_table('user_areas', schema=None) as batch_op:
        batch_op.drop_index('ix_user_areas_area_id')

    op.drop_table('user_areas')
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_refresh_tokens_user')
        batch_op.drop_index('ix_refresh_tokens_family')

    op.drop_table('refresh_tokens')
    with op.batch_alter_table('places', schema=None) as batch_op:
        batch_op.drop_index('ix_places_sector')
        batch_op.drop_index('ix_places_name')
        batch_op.drop_index('ix_places_area_id')

    op.drop_table('places')
    op.drop_table('binding_codes')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_object')
        batch_op.drop_index('ix_audit_log_at')
        batch_op.drop_index('ix_audit_log_actor')

    op.drop_table('audit_log')
    op.drop_table('users')
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_index('ix_areas_path')
        batch_op.drop_index('ix_areas_parent_id')

    op.drop_table('areas')
