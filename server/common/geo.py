"""Coordinates and boundaries.

Everything is stored in WGS-84.  Phones inside WeChat often report GCJ-02 (the obfuscated datum that Chinese map
providers use); :func:`to_wgs84` converts it on the way in.  Boundaries are GeoJSON polygons validated with shapely.
"""
from __future__ import annotations

import json
import math
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.validation import explain_validity

from server.errors import ApiError

EARTH_RADIUS_M = 6_371_008.8

# GCJ-02 constants (Krasovsky 1940 ellipsoid), as used by every public implementation of the transform.
_A = 6378245.0
_EE = 0.00669342162296594323


def _out_of_china(lat: float, lng: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    if _out_of_china(lat, lng):
        return lat, lng
    dlat = _transform_lat(lng - 105.0, lat - 35.0)
    dlng = _transform_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """Inverse of :func:`wgs84_to_gcj02` by fixed-point iteration (exact to well under a centimetre)."""
    if _out_of_china(lat, lng):
        return lat, lng
    wlat, wlng = lat, lng
    for _ in range(30):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        dlat, dlng = glat - lat, glng - lng
        wlat, wlng = wlat - dlat, wlng - dlng
        if abs(dlat) < 1e-10 and abs(dlng) < 1e-10:
            break
    return wlat, wlng


def check_point(lat: Any, lng: Any, field: str = "location") -> tuple[float, float]:
    """Refuse NaN, out-of-range and the (0, 0) "no fix" that cheap GPS chips report."""
    try:
        lat_f, lng_f = float(lat), float(lng)
    except (TypeError, ValueError):
        raise ApiError(422, "coordinates_invalid", "坐标格式错误", {"fields": {field: ["坐标必须是数字"]}})
    if not (math.isfinite(lat_f) and math.isfinite(lng_f)):
        raise ApiError(422, "coordinates_invalid", detail={"fields": {field: ["坐标不是有限数值"]}})
    if not (-90.0 <= lat_f <= 90.0 and -180.0 <= lng_f <= 180.0):
        raise ApiError(422, "coordinates_out_of_range", detail={"fields": {field: ["纬度须在 -90..90, 经度须在 -180..180"]}})
    if lat_f == 0.0 and lng_f == 0.0:
        raise ApiError(422, "coordinates_invalid", "坐标 (0,0) 不是有效定位", {"fields": {field: ["定位无效 (0,0)"]}})
    return lat_f, lng_f


def to_wgs84(lat: Any, lng: Any, coord_system: str = "wgs84", field: str = "location") -> tuple[float, float]:
    lat_f, lng_f = check_point(lat, lng, field)
    if coord_system == "gcj02":
        return gcj02_to_wgs84(lat_f, lng_f)
    if coord_system != "wgs84":
        raise ApiError(422, "validation_error", detail={"fields": {field: ["coord_system 必须是 wgs84 或 gcj02"]}})
    return lat_f, lng_f


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _boundary_error(message: str, code: str = "boundary_invalid") -> ApiError:
    return ApiError(422, code, message, {"fields": {"boundary": [message]}})


def parse_boundary(geojson: Any) -> Polygon | MultiPolygon:
    """A GeoJSON Polygon or MultiPolygon in WGS-84, closed, in range and valid (no self-intersection)."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise _boundary_error("边界必须是 GeoJSON Polygon 或 MultiPolygon")
    coords = geojson.get("coordinates")
    polygons = [coords] if geojson["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        raise _boundary_error("边界坐标为空")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise _boundary_error("边界坐标格式错误")
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise _boundary_error("每个环至少需要 4 个点 (首尾相同)")
            for pt in ring:
                if (not isinstance(pt, list) or len(pt) not in (2, 3)
                        or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in pt)):
                    raise _boundary_error("坐标点必须是 [经度, 纬度]")
                lng, lat = float(pt[0]), float(pt[1])
                if not (math.isfinite(lng) and math.isfinite(lat) and -180 <= lng <= 180 and -90 <= lat <= 90):
                    raise _boundary_error("边界坐标超出范围", "coordinates_out_of_range")
            if ring[0][:2] != ring[-1][:2]:
                raise _boundary_error("边界环未闭合: 首尾坐标必须相同", "polygon_not_closed")
    try:
        geom = shape(geojson)
    except Exception:  # shapely raises several types for malformed input
        raise _boundary_error("边界无法解析")
    if not geom.is_valid:
        raise _boundary_error(f"边界无效 (自相交或重叠): {explain_validity(geom)}", "polygon_invalid")
    if geom.is_empty or geom.area == 0:
        raise _boundary_error("边界面积为零")
    return geom


def to_geojson(geom: Polygon | MultiPolygon) -> dict[str, Any]:
    return json.loads(shapely.to_geojson(geom))
