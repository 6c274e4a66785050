"""rankings belong to their county: ranking_runs.county_id, unique on (county, month, revision); the member-day
indexes of clock-ins, visits and publicity cover the ranking's columns

Until now a database served one county, so the existing runs are that county's (the first county, the only one).
A county's month reads its members' records through (user_id, day); on PostgreSQL those indexes now also carry the
few columns the ranking reads, so the month is an index-only scan of the county's own entries, however many other
counties' rows share the table's pages.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

COVERING = (("ix_checkins_user_day", "checkins", ["counted", "review_status"]),
            ("ix_visits_user_day", "visits", ["place_id", "review_status"]),
            ("ix_publicity_user_day", "publicity_visits", ["place_id", "review_status"]))


def _member_day_indexes(covering: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, include in COVERING:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ["user_id", "day"], postgresql_include=include if covering else [])


def upgrade() -> None:
    with op.batch_alter_table('ranking_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('county_id', sa.Integer(), nullable=True))
    op.execute("UPDATE ranking_runs SET county_id = (SELECT min(id) FROM areas WHERE level = 'county')")
    op.execute("DELETE FROM ranking_runs WHERE county_id IS NULL")  # runs without any county ranked nobody
    with op.batch_alter_table('ranking_runs', schema=None) as batch_op:
        batch_op.alter_column('county_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_ranking_runs_county_id_areas'), 'areas', ['county_id'], ['id'])
        batch_op.drop_constraint('uq_ranking_runs_month_revision', type_='unique')
        batch_op.create_unique_constraint('uq_ranking_runs_county_month_revision',
                                          ['county_id', 'month', 'revision'])
    _member_day_indexes(covering=True)


def downgrade() -> None:
    _member_day_indexes(covering=False)
    with op.batch_alter_table('ranking_runs', schema=None) as batch_op:
        batch_op.drop_constraint('uq_ranking_runs_county_month_revision', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_ranking_runs_county_id_areas'), type_='foreignkey')
        batch_op.drop_column('county_id')
    # one county per database again: fails (as it should) while two counties hold a run of the same month
    with op.batch_alter_table('ranking_runs', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_ranking_runs_month_revision', ['month', 'revision'])
