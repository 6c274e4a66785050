"""evidence: photos

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('phash', sa.String(length=16), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('original_key', sa.String(length=128), nullable=False),
    sa.Column('display_key', sa.String(length=128), nullable=False),
    sa.Column('thumbnail_key', sa.String(length=128), nullable=False),
    sa.Column('exif_time', server.db.UTCDateTime(), nullable=True),
    sa.Column('exif_lat', sa.Float(), nullable=True),
    sa.Column('exif_lng', sa.Float(), nullable=True),
    sa.Column('camera', sa.String(length=128), nullable=True),
    sa.Column('has_camera_exif', sa.Boolean(), nullable=False),
    sa.Column('claimed_time', server.db.UTCDateTime(), nullable=True),
    sa.Column('claimed_lat', sa.Float(), nullable=True),
    sa.Column('claimed_lng', sa.Float(), nullable=True),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('flags', server.db.JSONType, nullable=False),
    sa.Column('attached_to', sa.String(length=64), nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_photos_area_id_areas')),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_photos_place_id_places')),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_photos_uploader_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_photos_client_uuid'))
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index('ix_photos_area_id', ['area_id'], unique=False)
        batch_op.create_index('ix_photos_sha256', ['sha256'], unique=False)
        batch_op.create_index('ix_photos_uploader_created', ['uploader_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_table('photos')
