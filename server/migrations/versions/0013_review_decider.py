"""who decided a review and when

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-01
"""
from __future__ import annotations

revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
