"""Which grid contains a point: an STRtree over every grid polygon, rebuilt when the grids change.

The index is cached per process and keyed on (count, last update) of the grids, a cheap indexed query, so a grid
edited through another app process is seen on the next lookup.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.ops
from shapely import STRtree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.common.geo import distance_m
from server.org.models import Area


@dataclass(frozen=True)
class GridIndex:
    key: tuple[int, str]
    grid_ids: np.ndarray
    geoms: np.ndarray
    tree: STRtree

    @classmethod
    def build(cls, key: tuple[int, str], rows: Sequence[tuple[int, dict]]) -> GridIndex:
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        geoms = np.array([shapely.from_geojson(_json(r[1])) for r in rows], dtype=object)
        shapely.prepare(geoms)
        return cls(key, ids, geoms, STRtree(geoms))

    def locate(self, lat: float, lng: float) -> int | None:
        """The id of the grid containing the point (lowest id wins on a shared edge), or None."""
        hits = self.tree.query(shapely.Point(lng, lat), predicate="intersects")
        return int(self.grid_ids[hits].min()) if len(hits) else None

    def locate_many(self, lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
        """Grid id per point (-1 where outside every grid), vectorized for imports."""
        points = shapely.points(lngs, lats)
        out = np.full(len(points), -1, dtype=np.int64)
        if not len(self.grid_ids):
            return out
        pairs = self.tree.query(points, predicate="intersects")
        # sorted by point then by grid id, keep the first grid for each point
        order = np.lexsort((self.grid_ids[pairs[1]], pairs[0]))
        pts, trees = pairs[0][order], pairs[1][order]
        first = np.ones(len(pts), dtype=bool)
        first[1:] = pts[1:] != pts[:-1]
        out[pts[first]] = self.grid_ids[trees[first]]
        return out

    def distance_m(self, grid_id: int, lat: float, lng: float) -> float | None:
        """Approximate distance in metres from the point to the grid (0 inside), for geofence tolerance."""
        idx = np.nonzero(self.grid_ids == grid_id)[0]
        if not len(idx):
            return None
        geom, point = self.geoms[idx[0]], shapely.Point(lng, lat)
        if geom.intersects(point):
            return 0.0
        nearest, _ = shapely.ops.nearest_points(geom, point)
        return distance_m(lat, lng, nearest.y, nearest.x)


def _json(value: object) -> str:
    import json
    return value if isinstance(value, str) else json.dumps(value)


_lock = threading.Lock()
_cache: GridIndex | None = None
_checked_at = 0.0
# Another app process that edits a grid is seen within this many seconds; edits made in this process are seen at
# once (they call invalidate()).  Saves a query on every clock-in.
RECHECK_SECONDS = 2.0


def invalidate() -> None:
    global _checked_at
    _checked_at = 0.0


def _version(session: Session) -> tuple[int, str]:
    count, latest = session.execute(
        select(func.count(Area.id), func.max(Area.updated_at)).where(Area.level == "grid",
                                                                     Area.boundary.is_not(None))).one()
    return int(count), str(latest)


def grid_index(session: Session) -> GridIndex:
    global _cache, _checked_at
    cached = _cache
    if cached is not None and time.monotonic() - _checked_at < RECHECK_SECONDS:
        return cached
    key = _version(session)
    if cached is not None and cached.key == key:
        _checked_at = time.monotonic()
        return cached
    with _lock:
        if _cache is None or _cache.key != key:
            rows = session.execute(select(Area.id, Area.boundary).where(
                Area.level == "grid", Area.boundary.is_not(None)).order_by(Area.id)).all()
            _cache = GridIndex.build(key, [(r[0], r[1]) for r in rows])
        _checked_at = time.monotonic()
        return _cache
