"""Spatial questions about the area tree, one interface over two engines: PostGIS on PostgreSQL, the STRtree on SQLite.

Which grid contains a point (grid_at, grids_at), which township or county contains it when no grid does
(enclosing_area), how far a point lies from given grids (distances_m, for the geofence tolerance), the nearest grid
within N metres (nearest_grid) and which grids a new boundary overlaps (overlapping_grids).  On PostgreSQL with
PostGIS (migration 0009) the database answers through the GiST index on ``areas.geom``, so no process holds the
province's grids; on SQLite (and PostgreSQL without PostGIS) the per-process STRtree of ``server.org.index`` does.
Both give the same answers point by point (tests/test_spatial.py): a point on a shared edge belongs to the grid with
the lowest id, distances are metres from the nearest point of the boundary by the same formula.
"""
from __future__ import annotations

import json
import math
import threading
import weakref
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import shapely
import shapely.ops
from geoalchemy2 import Geometry
from geoalchemy2 import functions as gf
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    case,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from server.common.geo import distance_m
from server.org.index import grid_index
from server.org.models import Area

# Metres per degree of latitude (mean earth radius 6,371 km, as server.common.geo.distance_m).
M_PER_DEGREE = 6_371_000.0 * math.pi / 180


class Spatial(Protocol):
    def grid_at(self, lat: float, lng: float) -> int | None:
        """The grid containing the WGS-84 point (on a shared edge the lowest id), or None."""

    def grids_at(self, lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
        """grid_at for many points at once (imports, bulk routing): -1 where no grid contains the point."""

    def enclosing_area(self, lat: float, lng: float) -> int | None:
        """For a point outside every grid: the township containing it (lowest id), else the county, else None."""

    def distances_m(self, grid_ids: Sequence[int], lat: float, lng: float) -> dict[int, float]:
        """Metres from the point to each grid with a boundary (0 inside or on the edge)."""

    def nearest_grid(self, lat: float, lng: float, within_m: float) -> tuple[int, float] | None:
        """(grid, metres) of the grid nearest the point within ``within_m`` (ties: lowest id), or None."""

    def overlapping_grids(self, geom: Any, exclude_id: int | None, tolerance: float) -> list[tuple[int, float]]:
        """(grid, overlap area in square degrees) of every grid whose overlap with ``geom`` exceeds ``tolerance``."""


def _box_degrees(lat: float, metres: float) -> tuple[float, float]:
    """Half-sides (lng, lat) in degrees of a box that holds every point within ``metres`` of latitude ``lat``."""
    dlat = metres / M_PER_DEGREE * 1.01
    dlng = dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6)
    return dlng, dlat


# --- PostGIS --------------------------------------------------------------------------------------------------------

# The columns of areas the spatial queries read, with the geometry column that exists only where PostGIS does (it is
# not on the ORM model, which both databases share; migration 0009 keeps it equal to ``boundary``).
shapes = Table("areas", MetaData(), Column("id", Integer, primary_key=True), Column("level", String(16)),
               Column("geom", Geometry("MULTIPOLYGON", 4326, spatial_index=False)))


def _point(lat: Any, lng: Any) -> Any:
    return func.ST_SetSRID(func.ST_MakePoint(lng, lat), 4326)


_pt = _point(bindparam("lat", type_=Float), bindparam("lng", type_=Float))
# "ORDER BY id + 0": the lowest id among the hits, without letting the planner walk the primary key in order and
# test every grid until one contains the point (it would, at LIMIT 1); the GiST index finds the few candidates.
_GRID_AT = (select(shapes.c.id).where(shapes.c.level == "grid", gf.ST_Intersects(shapes.c.geom, _pt))
            .order_by(shapes.c.id + 0).limit(1))
_ENCLOSING = (select(shapes.c.id).where(shapes.c.level.in_(("township", "county")),
                                        gf.ST_Intersects(shapes.c.geom, _pt))
              .order_by(case((shapes.c.level == "township", 0), else_=1), shapes.c.id + 0).limit(1))
_closest = gf.ST_ClosestPoint(shapes.c.geom, _pt)
_DISTANCES = (select(shapes.c.id, gf.ST_Intersects(shapes.c.geom, _pt), func.ST_X(_closest), func.ST_Y(_closest))
              .where(shapes.c.id.in_(bindparam("ids", expanding=True)), shapes.c.geom.is_not(None)))
_NEAR = (select(shapes.c.id, gf.ST_Intersects(shapes.c.geom, _pt), func.ST_X(_closest), func.ST_Y(_closest))
         .where(shapes.c.level == "grid",
                shapes.c.geom.op("&&")(func.ST_Expand(_pt, bindparam("dlng", type_=Float),
                                                      bindparam("dlat", type_=Float)))))
_GRIDS_AT = text("""
    SELECT p.i, (SELECT a.id FROM areas a WHERE a.level = 'grid'
                 AND ST_Intersects(a.geom, ST_SetSRID(ST_MakePoint(p.lng, p.lat), 4326)) ORDER BY a.id + 0 LIMIT 1)
    FROM unnest(CAST(:lngs AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS p(lng, lat, i)""")


def _metres(rows: Any, lat: float, lng: float) -> dict[int, float]:
    return {int(gid): 0.0 if inside else distance_m(lat, lng, y, x) for gid, inside, x, y in rows}


class PostGIS:
    """Answers in SQL through the GiST index on areas.geom; nothing is held in the process."""

    def __init__(self, session: Session):
        self.session = session

    def grid_at(self, lat: float, lng: float) -> int | None:
        return self.session.scalar(_GRID_AT, {"lat": lat, "lng": lng})

    def grids_at(self, lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
        out = np.full(len(lats), -1, dtype=np.int64)
        if not len(out):
            return out
        rows = self.session.execute(_GRIDS_AT, {"lngs": [float(x) for x in lngs], "lats": [float(y) for y in lats]})
        for i, gid in rows:
            if gid is not None:
                out[i - 1] = gid
        return out

    def enclosing_area(self, lat: float, lng: float) -> int | None:
        return self.session.scalar(_ENCLOSING, {"lat": lat, "lng": lng})

    def distances_m(self, grid_ids: Sequence[int], lat: float, lng: float) -> dict[int, float]:
        if not grid_ids:
            return {}
        rows = self.session.execute(_DISTANCES, {"ids": list(grid_ids), "lat": lat, "lng": lng})
        return _metres(rows, lat, lng)

    def nearest_grid(self, lat: float, lng: float, within_m: float) -> tuple[int, float] | None:
        dlng, dlat = _box_degrees(lat, within_m)
        rows = self.session.execute(_NEAR, {"lat": lat, "lng": lng, "dlng": dlng, "dlat": dlat})
        return _nearest(_metres(rows, lat, lng), within_m)

    def overlapping_grids(self, geom: Any, exclude_id: int | None, tolerance: float) -> list[tuple[int, float]]:
        other = func.ST_SetSRID(func.ST_GeomFromGeoJSON(literal(shapely.to_geojson(geom))), 4326)
        overlap = func.ST_Area(func.ST_Intersection(shapes.c.geom, other))
        stmt = (select(shapes.c.id, overlap).where(shapes.c.level == "grid", gf.ST_Intersects(shapes.c.geom, other))
                .order_by(shapes.c.id))
        if exclude_id is not None:
            stmt = stmt.where(shapes.c.id != exclude_id)
        return [(int(gid), float(a)) for gid, a in self.session.execute(stmt) if a > tolerance]


# --- STRtree (SQLite, the embedded path) ----------------------------------------------------------------------------

_outlines: dict[tuple[int, str], Any] = {}  # (area id, updated_at): its prepared polygon


def _outline(area_id: int, version: str, boundary: dict[str, Any]) -> Any:
    geom = _outlines.get((area_id, version))
    if geom is None:
        if len(_outlines) > 512:
            _outlines.clear()
        geom = _outlines[(area_id, version)] = shapely.from_geojson(json.dumps(boundary))
        shapely.prepare(geom)
    return geom


class Embedded:
    """The per-process STRtree of every grid (server.org.index); townships and counties by bounding box in SQL."""

    def __init__(self, session: Session):
        self.session = session

    def grid_at(self, lat: float, lng: float) -> int | None:
        return grid_index(self.session).locate(lat, lng)

    def grids_at(self, lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
        return grid_index(self.session).locate_many(np.asarray(lats), np.asarray(lngs))

    def enclosing_area(self, lat: float, lng: float) -> int | None:
        # townships and counties are few; their bounding boxes narrow it in SQL, their polygons parse once a version
        rows = self.session.execute(select(Area.id, Area.level, Area.updated_at, Area.boundary).where(
            Area.level.in_(("township", "county")), Area.boundary.is_not(None), Area.min_lat <= lat,
            Area.max_lat >= lat, Area.min_lng <= lng, Area.max_lng >= lng).order_by(Area.id)).all()
        point = shapely.Point(lng, lat)
        found = [(r.id, r.level) for r in rows if _outline(r.id, str(r.updated_at), r.boundary).intersects(point)]
        best = next((f for f in found if f[1] == "township"), None) or next(iter(found), None)
        return best[0] if best else None

    def distances_m(self, grid_ids: Sequence[int], lat: float, lng: float) -> dict[int, float]:
        index = grid_index(self.session)
        found = {g: index.distance_m(g, lat, lng) for g in grid_ids}
        return {g: d for g, d in found.items() if d is not None}

    def nearest_grid(self, lat: float, lng: float, within_m: float) -> tuple[int, float] | None:
        index = grid_index(self.session)
        dlng, dlat = _box_degrees(lat, within_m)
        hits = index.tree.query(shapely.box(lng - dlng, lat - dlat, lng + dlng, lat + dlat))
        metres = {int(index.grid_ids[h]): index.distance_m(int(index.grid_ids[h]), lat, lng) for h in hits}
        return _nearest({g: d for g, d in metres.items() if d is not None}, within_m)

    def overlapping_grids(self, geom: Any, exclude_id: int | None, tolerance: float) -> list[tuple[int, float]]:
        index = grid_index(self.session)
        out = []
        for hit in index.tree.query(geom, predicate="intersects"):
            gid = int(index.grid_ids[hit])
            if gid != exclude_id:
                overlap = float(shapely.intersection(index.geoms[hit], geom).area)
                if overlap > tolerance:
                    out.append((gid, overlap))
        return sorted(out)


def _nearest(metres: dict[int, float], within_m: float) -> tuple[int, float] | None:
    best = min(((d, g) for g, d in metres.items() if d <= within_m), default=None)
    return (best[1], best[0]) if best else None


# --- choosing the engine --------------------------------------------------------------------------------------------

_has_postgis: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()
_has_postgis_lock = threading.Lock()


def postgis_enabled(engine: Engine) -> bool:
    """Whether this database keeps area geometries in PostGIS (PostgreSQL with migration 0009 applied)."""
    known = _has_postgis.get(engine)
    if known is None:
        if engine.dialect.name != "postgresql":
            known = False
        else:
            with engine.connect() as conn:
                known = bool(conn.execute(text(
                    "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = 'areas' AND column_name = 'geom'")).scalar())
        with _has_postgis_lock:
            _has_postgis[engine] = known
    return known


def forget_engines() -> None:
    """Check again which engine has PostGIS (after a schema is dropped and migrated again, in tests)."""
    with _has_postgis_lock:
        _has_postgis.clear()


def spatial(session: Session) -> Spatial:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return PostGIS(session) if postgis_enabled(engine) else Embedded(session)
