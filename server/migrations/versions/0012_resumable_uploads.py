"""resumable photo uploads (tus) and one-time login tickets for the mini-program's web-view

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import server.db

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('resumable_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('fields', server.db.JSONType, nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('offset', sa.Integer(), nullable=False),
    sa.Column('parts', server.db.JSONType, nullable=False),
    sa.Column('photo_uuid', sa.String(length=36), nullable=True),
    sa.Column('error', server.db.JSONType, nullable=True),
    sa.Column('created_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('completed_at', server.db.UTCDateTime(), nullable=True),
    sa.Column('failed_at', server.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_resumable_uploads_uploader_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resumable_uploads')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_resumable_uploads_client_uuid')),
    sa.UniqueConstraint('token', name=op.f('uq_resumable_uploads_token'))
    )
    with op.batch_alter_table('resumable_uploads', schema=None) as batch_op:
        batch_op.create_index('ix_resumable_uploads_expires_at', ['expires_at'], unique=False)
    op.create_table('login_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ticket_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', server.db.UTCDateTime(), nullable=False),
    sa.Column('used_at', server.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_tickets_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_tickets')),
    sa.UniqueConstraint('ticket_hash', name=op.f('uq_login_tickets_ticket_hash'))
    )
    with op.batch_alter_table('login_tickets', schema=None) as batch_op:
        batch_op.create_index('ix_login_tickets_user', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('login_tickets')
    op.drop_table('resumable_uploads')
