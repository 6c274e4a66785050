"""The rules of the area tree: codes nest, grids have valid boundaries that do not overlap, paths stay right."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from server.auth.scope import Actor
from server.common.geo import parse_boundary, to_geojson, to_wgs84
from server.common.text import name_problem, normalize_name
from server.errors import ApiError, conflict, forbidden, invalid
from server.org.index import grid_index
from server.org.index import invalidate as invalidate_grid_index
from server.org.models import CHILD_LEVEL, Area, subtree_range, township_id_of
from server.org.spatial import Embedded, spatial

CODE_DIGITS = {"county": 6, "township": 9, "village": 12, "grid": 15}
# Two grids may share an edge; an overlap larger than this (square degrees, about 10 m²) is a drawing mistake.
OVERLAP_TOLERANCE = 1e-9


def _check_code(level: str, code: str, parent: Area | None) -> None:
    want = CODE_DIGITS[level]
    if not re.fullmatch(rf"\d{{{want}}}", code):
        raise invalid("code", f"{level} 编码应为 {want} 位数字")
    if parent is not None and not code.startswith(parent.code):
        raise invalid("code", f"编码应以上级编码 {parent.code} 开头")


def _check_name(name: str) -> str:
    name = normalize_name(name)
    problem = name_problem(name)
    if problem:
        raise invalid("name", problem)
    return name


def _set_boundary(session: Session, area: Area, geojson: dict[str, Any] | None) -> None:
    if geojson is None:
        if area.level == "grid":
            raise invalid("boundary", "网格必须有边界")
        area.boundary = None
        area.min_lng = area.min_lat = area.max_lng = area.max_lat = None
        return
    geom = parse_boundary(geojson)
    if area.level == "grid":
        overlaps = spatial(session).overlapping_grids(geom, area.id, OVERLAP_TOLERANCE)
        if overlaps:
            raise conflict("grid_overlap", detail={"other_area_id": overlaps[0][0]})
    area.boundary = to_geojson(geom)
    area.min_lng, area.min_lat, area.max_lng, area.max_lat = geom.bounds
    invalidate_grid_index()


def create_county(session: Session, *, code: str, name: str, boundary: dict[str, Any] | None = None) -> Area:
    """Counties are the roots; made by the CLI when a county is set up, never through the API."""
    _check_code("county", code, None)
    area = Area(level="county", code=code, name=_check_name(name))
    return _insert(session, area, None, boundary)


def create_area(session: Session, actor: Actor, *, parent_id: int, code: str, name: str,
                boundary: dict[str, Any] | None = None) -> Area:
    parent = actor.require_area(session.get(Area, parent_id), "上级区域")
    level = CHILD_LEVEL.get(parent.level)
    if level is None:
        raise invalid("parent_id", "网格下不能再建下级区域")
    _check_code(level, code, parent)
    area = Area(level=level, code=code, name=_check_name(name), parent_id=parent.id)
    return _insert(session, area, parent, boundary)


def _insert(session: Session, area: Area, parent: Area | None, boundary: dict[str, Any] | None) -> Area:
    if session.scalar(select(Area.id).where(Area.code == area.code)) is not None:
        raise conflict("area_code_taken")
    area.path = ""
    session.add(area)
    session.flush()  # the id is part of the path
    area.path = (parent.path if parent else "/") + f"{area.id}/"
    _set_boundary(session, area, boundary)
    session.flush()
    return area


def get_area(session: Session, actor: Actor, area_id: int) -> Area:
    return actor.require_area(session.get(Area, area_id), "区域")


def update_area(session: Session, actor: Actor, area_id: int, changes: dict[str, Any]) -> Area:
    area = get_area(session, actor, area_id)
    # editing an area is the business of the level above it: a township admin draws grids, not the township
    if area.parent is None or not actor.covers(area.parent.path):
        raise forbidden("无权修改本级或上级区域")
    if "name" in changes:
        area.name = _check_name(changes["name"])
    if "code" in changes and changes["code"] != area.code:
        _check_code(area.level, changes["code"], area.parent)
        if session.scalar(select(Area.id).where(Area.code == changes["code"])) is not None:
            raise conflict("area_code_taken")
        area.code = changes["code"]
    if "boundary" in changes:
        _set_boundary(session, area, changes["boundary"])
    session.flush()
    return area


def areas_query(actor: Actor, *, level: str | None = None, parent_id: int | None = None,
                under_id: int | None = None, q: str | None = None) -> Select[Area]:
    stmt = select(Area).where(actor.area_clause(Area.path))
    if level:
        stmt = stmt.where(Area.level == level)
    if parent_id is not None:
        stmt = stmt.where(Area.parent_id == parent_id)
    if q:
        stmt = stmt.where(Area.name.contains(q, autoescape=True) | Area.code.startswith(q, autoescape=True))
    if under_id is not None:
        stmt = stmt.where(descendants_clause_for_id(under_id))
    return stmt.order_by(Area.code)


def descendants_clause_for_id(area_id: int) -> Any:
    """Area.path within the subtree of ``area_id``, as one range on the indexed path column."""
    path_of = select(Area.path).where(Area.id == area_id).scalar_subquery()
    return (Area.path >= path_of) & (Area.path < _subtree_upper(path_of))


def _subtree_upper(path_expr: Any) -> Any:
    # '/1/7/' -> '/1/70': everything under '/1/7/' sorts between the two, since '/' is just below '0'
    return func.substr(path_expr, 1, func.length(path_expr) - 1) + "0"


def descendants(session: Session, actor: Actor, area_id: int, level: str | None = None) -> Sequence[Area]:
    area = get_area(session, actor, area_id)
    lo, hi = subtree_range(area.path)
    stmt = select(Area).where(Area.path >= lo, Area.path < hi, Area.id != area.id)
    if level:
        stmt = stmt.where(Area.level == level)
    return session.scalars(stmt.order_by(Area.path)).all()


def ancestors(session: Session, area: Area) -> list[Area]:
    """The chain county → … → area, in one query."""
    rows = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(area.ancestor_ids)))}
    return [rows[i] for i in area.ancestor_ids if i in rows]


@dataclass(frozen=True)
class Location:
    lat: float
    lng: float
    grid: Area
    chain: list[Area]

    def at(self, level: str) -> Area | None:
        return next((a for a in self.chain if a.level == level), None)


def locate(session: Session, lat: Any, lng: Any, coord_system: str = "wgs84") -> Location | None:
    """The grid (and its village, township, county) that contains a point; no scope, for internal routing."""
    lat_w, lng_w = to_wgs84(lat, lng, coord_system)
    grid_id = spatial(session).grid_at(lat_w, lng_w)
    if grid_id is None:
        return None
    grid = session.get(Area, grid_id)
    assert grid is not None
    return Location(lat_w, lng_w, grid, ancestors(session, grid))


def locate_for(session: Session, actor: Actor, lat: Any, lng: Any, coord_system: str = "wgs84") -> Location:
    found = locate(session, lat, lng, coord_system)
    if found is None or not actor.covers(found.grid.path):
        raise ApiError(404, "point_outside_grids")
    return found


def enclosing_area(session: Session, lat: float, lng: float) -> Area | None:
    """For a WGS-84 point outside every grid: the township, else the county, whose boundary contains it (None
    when no area's boundary does)."""
    found = spatial(session).enclosing_area(lat, lng)
    return session.get(Area, found) if found is not None else None


def counties(session: Session) -> Sequence[Area]:
    return session.scalars(select(Area).where(Area.level == "county").order_by(Area.id)).all()


_townships: tuple[tuple[int, str], dict[int, int]] | None = None


def township_of_grid(session: Session, grid_id: int) -> int | None:
    """The township of a grid.  With PostGIS one primary-key query (no process holds the province's grids); on the
    embedded path without a query: the map of every grid's township is cached with the grid index and reloaded when
    the index is (a grid never changes parent, and a new grid rebuilds the index)."""
    global _townships
    if not isinstance(spatial(session), Embedded):
        path = session.scalar(select(Area.path).where(Area.id == grid_id))
        return township_id_of(path) if path else None
    key = grid_index(session).key
    cached = _townships
    if cached is None or cached[0] != key:
        cached = _townships = (key, grid_townships(session))
    return cached[1].get(grid_id)


def grid_townships(session: Session) -> dict[int, int]:
    """{grid id: township id} of every grid, in one query (from the materialized paths /county/township/...)."""
    return {gid: township
            for gid, path in session.execute(select(Area.id, Area.path).where(Area.level == "grid")).all()
            if (township := township_id_of(path)) is not None}
