#!/usr/bin/env python3
"""Point-to-grid lookup over county-scale grids (~3,000 polygons): the STRtree index against a linear scan.

Needs no database: the grids come from the same generator as the county-scale data.
"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from server import demo  # noqa: E402
from server.org.index import GridIndex  # noqa: E402


def county_grids(scale: demo.Scale = demo.COUNTY, seed: int = 11) -> list[shapely.Polygon]:
    rng = random.Random(seed)
    grids = []
    for town in demo.split(demo.county_boundary(rng), scale.townships, rng):
        for village in demo.split(town, scale.villages_per_township, rng):
            grids.extend(demo.split(village, scale.grids_per_village, rng))
    return grids


def main() -> None:
    t = time.perf_counter()
    grids = county_grids()
    build_grids_s = time.perf_counter() - t
    rows = [(i + 1, shapely.to_geojson(g)) for i, g in enumerate(grids)]
    t = time.perf_counter()
    index = GridIndex.build((len(rows), "bench"), rows)
    build_s = time.perf_counter() - t
    minx, miny, maxx, maxy = shapely.total_bounds(index.geoms)
    rng = np.random.default_rng(1)
    n = 20_000
    lngs, lats = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)

    t = time.perf_counter()
    indexed = [index.locate(float(a), float(b)) for a, b in zip(lats, lngs)]
    per_point_us = (time.perf_counter() - t) / n * 1e6

    t = time.perf_counter()
    many = index.locate_many(lats, lngs)
    vector_us = (time.perf_counter() - t) / n * 1e6

    sample = 2_000  # the linear scan is slow; a sample is enough for its per-point figure
    t = time.perf_counter()
    linear = []
    for a, b in zip(lats[:sample], lngs[:sample]):
        p = shapely.Point(float(b), float(a))
        linear.append(next((int(index.grid_ids[i]) for i, g in enumerate(index.geoms) if g.intersects(p)), None))
    linear_us = (time.perf_counter() - t) / sample * 1e6

    assert indexed[:sample] == linear, "index and linear scan disagree"
    assert [x if x is not None else -1 for x in indexed] == many.tolist()
    inside = sum(x is not None for x in indexed)
    print(f"{len(grids)} grids generated in {build_grids_s:.1f} s; STRtree built in {build_s * 1000:.0f} ms")
    print(f"{n} random points ({inside} inside a grid)")
    print(f"STRtree, one point per call:  {per_point_us:8.1f} µs/point")
    print(f"STRtree, vectorized (import): {vector_us:8.1f} µs/point")
    print(f"linear scan baseline:         {linear_us:8.1f} µs/point  ({linear_us / per_point_us:.0f}x slower)")
    print(f"goal < 1 ms per point: {'met' if per_point_us < 1000 else 'NOT met'}")


if __name__ == "__main__":
    main()
