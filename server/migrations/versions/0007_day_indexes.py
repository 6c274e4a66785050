"""indexes on the local day of field records, for the month-wide scans of rankings

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

INDEXES = (("ix_checkins_day", "checkins"), ("ix_visits_day", "visits"), ("ix_publicity_day", "publicity_visits"))


def upgrade() -> None:
    for name, table in INDEXES:
        op.create_index(name, table, ["day"], unique=False)


def downgrade() -> None:
    for name, table in INDEXES:
        op.drop_index(name, table_name=table)
