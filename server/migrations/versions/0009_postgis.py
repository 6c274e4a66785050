"""area boundaries in PostGIS on PostgreSQL: a geometry column kept from the stored GeoJSON, with a GiST index

On PostgreSQL with the PostGIS extension available, ``areas.geom`` (``geometry(MultiPolygon, 4326)``) is filled from
``areas.boundary`` and kept equal to it by a trigger, so every writer (the API, the importer, bulk generators) keeps
it right without knowing it exists.  Without PostGIS, and on SQLite, nothing changes: the in-process STRtree
answers the spatial questions there (``server/org/spatial.py``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# The stored GeoJSON was validated by server.common.geo.parse_boundary before it was stored (on both databases);
# the trigger only converts it.
TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION areas_boundary_to_geom() RETURNS trigger AS $$
BEGIN
  IF NEW.boundary IS NULL OR NEW.boundary::text = 'null' THEN  -- JSON null as well as SQL NULL
    NEW.geom := NULL;
  ELSE
    NEW.geom := ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(NEW.boundary::text), 4326));
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql
"""


def _postgis_available(bind: sa.engine.Connection) -> bool:
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).scalar():
        return True
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).scalar():
        return False
    try:
        with bind.begin_nested():  # a role that may not create extensions leaves the migration usable
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        return True
    except sa.exc.DBAPIError:
        return False


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not _postgis_available(bind):
        return
    op.add_column('areas', sa.Column('geom', Geometry('MULTIPOLYGON', 4326, spatial_index=False), nullable=True))
    op.execute(TRIGGER_FUNCTION)
    op.execute("CREATE TRIGGER areas_boundary_to_geom BEFORE INSERT OR UPDATE OF boundary ON areas "
               "FOR EACH ROW EXECUTE FUNCTION areas_boundary_to_geom()")
    op.execute("UPDATE areas SET geom = ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(boundary::text), 4326)) "
               "WHERE boundary IS NOT NULL AND boundary::text <> 'null'")
    op.create_index('ix_areas_geom', 'areas', ['geom'], postgresql_using='gist')


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    has_geom = bind.execute(sa.text("SELECT 1 FROM information_schema.columns WHERE table_name = 'areas' "
                                    "AND column_name = 'geom'")).scalar()
    if not has_geom:
        return
    op.execute("DROP TRIGGER IF EXISTS areas_boundary_to_geom ON areas")
    op.execute("DROP FUNCTION IF EXISTS areas_boundary_to_geom()")
    op.drop_index('ix_areas_geom', table_name='areas')
    op.drop_column('areas', 'geom')
