"""One contract for the spatial questions on both databases: PostGIS on PostgreSQL and the STRtree on SQLite give the
answers a linear scan over the stored boundaries gives, point by point, on realistic many-vertex grids."""
from __future__ import annotations

import functools
import json
import random

import numpy as np
import pytest
import shapely
import shapely.ops
from sqlalchemy import delete, select, text

from scripts.gen_scale import ProvinceScale, insert_areas, province_areas
from server.auth.scope import SYSTEM
from server.common.geo import distance_m
from server.errors import ApiError
from server.org import service as org
from server.org.models import Area
from server.org.spatial import Embedded, PostGIS, spatial
from tests.factories import box

SMALL = ProvinceScale(counties=2, townships=2, villages_per_township=2, grids_per_village=4)  # 32 grids


@functools.lru_cache(maxsize=1)
def _generated():
    return province_areas(SMALL, seed_value=5)


@pytest.fixture
def province(app, session):
    """Two counties of realistic grids (~50-200 vertices), and the stored boundaries to check against."""
    insert_areas(session, _generated())
    session.commit()
    rows = session.execute(select(Area.id, Area.level, Area.boundary).where(Area.boundary.is_not(None))
                           .order_by(Area.id)).all()
    return {level: [(r.id, shapely.from_geojson(json.dumps(r.boundary))) for r in rows if r.level == level]
            for level in ("county", "township", "grid")}


def _truth_grid(grids, lng: float, lat: float) -> int | None:
    p = shapely.Point(lng, lat)
    return next((gid for gid, g in grids if g.intersects(p)), None)  # ids ascending: the lowest wins on an edge


def _engines(session):
    """The engine the app uses here, and the STRtree path beside it when that is PostGIS (they must agree)."""
    main = spatial(session)
    return [main] if isinstance(main, Embedded) else [main, Embedded(session)]


def _points(province, n: int, seed: int = 3) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    minx, miny, maxx, maxy = shapely.total_bounds([g for _, g in province["county"]])
    pts = [(rng.uniform(minx - 0.01, maxx + 0.01), rng.uniform(miny - 0.01, maxy + 0.01)) for _ in range(n)]
    # points exactly on boundaries: vertices shared by neighbours, and midpoints of edges
    for _, g in province["grid"][:12]:
        coords = list(g.exterior.coords)
        pts += [coords[0], coords[len(coords) // 3]]
        (x0, y0), (x1, y1) = coords[1], coords[2]
        pts.append(((x0 + x1) / 2, (y0 + y1) / 2))
    return pts


def test_postgresql_answers_with_postgis(session, province):
    bind = session.get_bind()
    assert isinstance(spatial(session), PostGIS if bind.dialect.name == "postgresql" else Embedded)


def test_the_generated_grids_are_realistic_and_valid(province):
    vertices = [len(g.exterior.coords) - 1 for _, g in province["grid"]]
    assert len(vertices) == SMALL.grids
    assert np.median(vertices) >= 40
    assert all(g.is_valid for _, g in province["grid"])


def test_which_grid_contains_a_point_agrees_point_by_point(session, province):
    pts = _points(province, 1500)
    truth = [_truth_grid(province["grid"], x, y) for x, y in pts]
    assert sum(t is not None for t in truth) > 500 and sum(t is None for t in truth) > 50
    lngs, lats = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    for engine in _engines(session):
        assert [engine.grid_at(y, x) for x, y in pts] == truth, type(engine).__name__
        assert engine.grids_at(lats, lngs).tolist() == [-1 if t is None else t for t in truth]


def test_outside_every_grid_the_township_then_the_county_then_nothing(session, province):
    # a hole where a grid was: the township answers; outside the province: nothing
    gone_id, gone = province["grid"][5]
    session.execute(delete(Area).where(Area.id == gone_id))
    session.commit()
    org.invalidate_grid_index()
    rng = random.Random(8)
    minx, miny, maxx, maxy = gone.bounds
    inside_hole = [p for p in (shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy)) for _ in range(200))
                   if gone.contains(p)][:20]
    assert inside_hole
    grids = [(i, g) for i, g in province["grid"] if i != gone_id]
    for engine in _engines(session):
        for p in inside_hole:
            expect_grid = _truth_grid(grids, p.x, p.y)  # slivers along a neighbour's edge may still hold it
            assert engine.grid_at(p.y, p.x) == expect_grid
            if expect_grid is None:
                town = next(i for i, t in province["township"] if t.intersects(p))
                assert engine.enclosing_area(p.y, p.x) == town
        assert engine.enclosing_area(10.0, 100.0) is None
    # a county without townships drawn: the county answers
    session.execute(text("UPDATE areas SET boundary = NULL WHERE level = 'township'"))
    session.commit()
    county = next(i for i, c in province["county"] if c.intersects(inside_hole[0]))
    for engine in _engines(session):
        if engine.grid_at(inside_hole[0].y, inside_hole[0].x) is None:
            assert engine.enclosing_area(inside_hole[0].y, inside_hole[0].x) == county


def _truth_metres(geom, lat: float, lng: float) -> float:
    p = shapely.Point(lng, lat)
    if geom.intersects(p):
        return 0.0
    near, _ = shapely.ops.nearest_points(geom, p)
    return distance_m(lat, lng, near.y, near.x)


def test_distances_and_the_nearest_grid_within_a_tolerance(session, province):
    grids = dict(province["grid"])
    some = list(grids)[:6]
    for x, y in _points(province, 150, seed=4):
        want = {g: _truth_metres(grids[g], y, x) for g in some}
        near = min(((d, g) for g, d in ((g, _truth_metres(geom, y, x)) for g, geom in grids.items()) if d <= 300),
                   default=None)
        for engine in _engines(session):
            got = engine.distances_m(some, y, x)
            assert got.keys() == want.keys()
            assert all(abs(got[g] - want[g]) < 1e-3 for g in some)
            found = engine.nearest_grid(y, x, 300)
            if near is None:
                assert found is None
            else:
                assert found is not None and found[0] == near[1] and abs(found[1] - near[0]) < 1e-3
    for engine in _engines(session):
        assert engine.distances_m([10**9], 29.0, 120.0) == {}


def test_overlap_checks_agree_and_refuse_a_grid_drawn_over_others(session, province):
    _, g = province["grid"][0]
    probe = g.centroid.buffer(g.area ** 0.5)  # around a grid's centre: it and some neighbours
    want = sorted(i for i, other in province["grid"] if shapely.intersection(other, probe).area > org.OVERLAP_TOLERANCE)
    assert len(want) >= 2
    for engine in _engines(session):
        got = engine.overlapping_grids(probe, None, org.OVERLAP_TOLERANCE)
        assert [i for i, _ in got] == want
        assert engine.overlapping_grids(probe, want[0], org.OVERLAP_TOLERANCE)[0][0] == want[1]
    village = session.scalar(select(Area).where(Area.level == "village").order_by(Area.id))
    with pytest.raises(ApiError) as err:
        org.create_area(session, SYSTEM, parent_id=village.id, code=village.code + "901", name="重叠网格",
                        boundary=json.loads(shapely.to_geojson(probe)))
    assert err.value.code == "grid_overlap"
    session.rollback()


def test_boundaries_are_validated_the_same_on_both(session, province):
    village = session.scalar(select(Area).where(Area.level == "village").order_by(Area.id))
    bow_tie = {"type": "Polygon", "coordinates": [[[130, 40], [130.1, 40.1], [130.1, 40], [130, 40.1], [130, 40]]]}
    with pytest.raises(ApiError) as err:
        org.create_area(session, SYSTEM, parent_id=village.id, code=village.code + "902", name="自交网格",
                        boundary=bow_tie)
    assert err.value.code == "polygon_invalid"
    session.rollback()


def test_an_edited_grid_is_answered_at_once(session, province):
    """PostGIS keeps the geometry from the stored GeoJSON (trigger): an edit is seen in the same transaction."""
    far = box(131.0, 41.0, 131.01, 41.01)
    grid_id, _ = province["grid"][-1]
    org.update_area(session, SYSTEM, grid_id, {"boundary": far})
    for engine in _engines(session):
        assert engine.grid_at(41.005, 131.005) == grid_id
    session.commit()
    for engine in _engines(session):
        assert engine.grid_at(41.005, 131.005) == grid_id
    if isinstance(spatial(session), PostGIS):
        same, valid = session.execute(text(
            "SELECT bool_and(ST_Equals(geom, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(boundary::text), 4326)))), "
            "bool_and(ST_IsValid(geom)) FROM areas WHERE boundary IS NOT NULL")).one()
        assert same and valid
        assert session.scalar(text("SELECT count(*) FROM areas WHERE boundary IS NULL AND geom IS NOT NULL")) == 0
