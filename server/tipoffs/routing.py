"""Where a tip-off goes: a point in a grid to that grid and its township; a point in the county but in no grid to the
township (else the county) whose boundary contains it; an address without a point to the triage queue of the county
it was made in (the QR poster's township or county, else the database's only county)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.errors import error
from server.org import service as org
from server.org.index import grid_index
from server.org.models import Area, path_ids


@dataclass(frozen=True)
class Route:
    area_id: int  # where the tip-off sits: a grid, a township or the county (the triage queue)
    township_id: int | None
    grid_id: int | None


def route_point(session: Session, lat: float, lng: float) -> Route | None:
    """The grid and township containing a WGS-84 point; outside every grid, the township (else the county) whose
    boundary contains it; None outside every area."""
    grid_id = grid_index(session).locate(lat, lng)
    if grid_id is not None:
        return Route(grid_id, org.township_of_grid(session, grid_id), grid_id)
    area = org.enclosing_area(session, lat, lng)
    if area is None:
        return None
    return Route(area.id, area.id if area.level == "township" else None, None)


def county_queue(session: Session, made_in: str | None = None) -> Route:
    """The county's triage queue, for a tip-off with an address and no point: the county of ``made_in`` (the area
    code of the township or county whose QR poster the page was opened from), else the only county of the database.
    With several counties and no usable hint nobody could tell whose it is: 422 asking for the location."""
    hint = session.scalar(select(Area.path).where(Area.code == made_in, Area.level.in_(("township", "county")))
                          ) if made_in else None
    if hint is not None:
        return Route(path_ids(hint)[0], None, None)
    counties = org.counties(session)
    if not counties:
        raise error("no_county")
    if len(counties) > 1:
        raise error("location_required", {"fields": {"location": ["请在地图上标出位置, 或从所在乡镇的举报二维码进入"]}})
    return Route(counties[0].id, None, None)


def route_many(session: Session, lats: np.ndarray, lngs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(grid id, township id) per WGS-84 point, -1 where the point is in no grid: the grid index's vectorized
    lookup and one query for the townships of all grids (for bulk routing and the benchmark)."""
    grids = grid_index(session).locate_many(lats, lngs)
    townships_of = org.grid_townships(session)
    lookup = np.full(int(max(townships_of, default=0)) + 2, -1, dtype=np.int64)
    for gid, tid in townships_of.items():
        lookup[gid] = tid
    townships = np.where(grids >= 0, lookup[np.clip(grids, 0, len(lookup) - 1)], -1)
    return grids, townships
