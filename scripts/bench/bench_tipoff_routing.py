#!/usr/bin/env python3
"""Routing tip-offs over county-scale grids on PostgreSQL: points per second through the grid index (one point per
call, and vectorized), the service's routing of one tip-off (index + its grid's township from the database), and
end-to-end POST /api/v1/tipoffs in-process, against a linear scan of every grid polygon in the same run.

Run through ./scripts/bench/run tipoff_routing (it starts PostgreSQL), or with GRIDPATROL_BENCH_DATABASE_URL set.
The data: the county-scale areas of scripts/gen_scale.py (25 townships, ~3,000 grids; no places needed).  The
points: uniform over the county's bounding box, so some fall outside the county as real mistaken taps do.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from cryptography.fernet import Fernet  # noqa: E402
from gen_scale import seed  # noqa: E402

from server.config import Config  # noqa: E402
from server.db import make_engine, make_sessionmaker  # noqa: E402
from server.org import service as org  # noqa: E402
from server.org.index import grid_index  # noqa: E402
from server.tipoffs import routing as tipoffs  # noqa: E402

POINTS = int(os.environ.get("GRIDPATROL_BENCH_POINTS", 50_000))
LINEAR_SAMPLE = int(os.environ.get("GRIDPATROL_BENCH_LINEAR_SAMPLE", 1_000))
SERVICE_SAMPLE = int(os.environ.get("GRIDPATROL_BENCH_SERVICE_SAMPLE", 2_000))
POSTS = int(os.environ.get("GRIDPATROL_BENCH_POSTS", 1_000))


def per_second(n: int, seconds: float) -> str:
    return f"{n / seconds:12,.0f} points/s  ({seconds / n * 1e6:8.1f} µs/point)"


def main() -> None:
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("set GRIDPATROL_BENCH_DATABASE_URL to a PostgreSQL URL (./scripts/bench/run tipoff_routing)")
    t = time.perf_counter()
    made = seed(url, places=False)
    print(f"seeded {made.grids} grids, {made.members} members in {time.perf_counter() - t:.1f} s")
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        t = time.perf_counter()
        index = grid_index(session)
        built_ms = (time.perf_counter() - t) * 1000
        print(f"{len(index.grid_ids):,} grids; grid index (STRtree) built in {built_ms:.0f} ms")
        townships_of = org.grid_townships(session)
        minx, miny, maxx, maxy = shapely.total_bounds(index.geoms)
        rng = np.random.default_rng(5)
        lngs, lats = rng.uniform(minx, maxx, POINTS), rng.uniform(miny, maxy, POINTS)

        # the index, one point per call (what a request does), with the grid's township from a dict
        t = time.perf_counter()
        single = []
        for lat, lng in zip(lats.tolist(), lngs.tolist()):
            gid = index.locate(lat, lng)
            single.append((gid, townships_of.get(gid, -1) if gid is not None else -1))
        single_s = time.perf_counter() - t

        # the index, vectorized (bulk routing: imports, re-routing after the grids are redrawn)
        t = time.perf_counter()
        grids, townships = tipoffs.route_many(session, lats, lngs)
        vector_s = time.perf_counter() - t

        # the service's routing of one tip-off as POST runs it: the index and the grid's township (cached with the
        # index); a point in no grid asks the database for the township or county whose boundary contains it
        service_s: dict[bool, float] = {}
        routed: dict[bool, list[tipoffs.Route | None]] = {}
        for in_grid in (True, False):
            pick = np.nonzero((grids >= 0) == in_grid)[0][:SERVICE_SAMPLE]
            t = time.perf_counter()
            routed[in_grid] = [tipoffs.route_point(session, float(lats[i]), float(lngs[i])) for i in pick]
            service_s[in_grid] = time.perf_counter() - t
            assert [(r.grid_id if r and r.grid_id else -1) for r in routed[in_grid]] == grids[pick].tolist()

        # the baseline: a linear scan of every (prepared) grid polygon, lowest id first
        order = np.argsort(index.grid_ids)
        geoms, ids = index.geoms[order], index.grid_ids[order]
        t = time.perf_counter()
        linear = []
        for lat, lng in zip(lats[:LINEAR_SAMPLE].tolist(), lngs[:LINEAR_SAMPLE].tolist()):
            p = shapely.Point(lng, lat)
            linear.append(next((int(ids[i]) for i, g in enumerate(geoms) if g.intersects(p)), None))
        linear_s = time.perf_counter() - t

    inside = int((grids >= 0).sum())
    assert [g for g, _ in single[:LINEAR_SAMPLE]] == linear, "index and linear scan disagree"
    assert [g if g is not None else -1 for g, _ in single] == grids.tolist(), "single and vectorized disagree"
    assert [tw for _, tw in single] == townships.tolist()

    print(f"{POINTS:,} points over the county's bounding box, {inside:,} in a grid "
          f"({POINTS - inside:,} outside: refused or sent to a township)")
    print(f"grid index, one point per call:                 {per_second(POINTS, single_s)}")
    print(f"grid index, vectorized:                         {per_second(POINTS, vector_s)}")
    print(f"service route_point, in a grid:                 {per_second(len(routed[True]), service_s[True])}")
    print(f"service route_point, in no grid (+1-2 queries): {per_second(len(routed[False]), service_s[False])}")
    print(f"linear scan baseline:                           {per_second(LINEAR_SAMPLE, linear_s)}")
    print(f"  index vs linear scan: {(linear_s / LINEAR_SAMPLE) / (single_s / POINTS):,.0f}x one by one, "
          f"{(linear_s / LINEAR_SAMPLE) / (vector_s / POINTS):,.0f}x vectorized")

    end_to_end(url, lats[grids >= 0], lngs[grids >= 0])
    engine.dispose()


def end_to_end(url: str, lats: np.ndarray, lngs: np.ndarray) -> None:
    """POST /api/v1/tipoffs through the whole app in-process (validation, routing, encryption, insert, audit,
    commit), with a location and, for comparison, with an address only (no routing)."""
    from server.app import create_app

    config = Config(database_url=url, store="local", store_dir=tempfile.mkdtemp(prefix="gridpatrol-bench-"),
                    url_signing_key="bench", jwt_keys="bench:bench-secret-key-0123456789abcdef",
                    tipoff_phone_key=Fernet.generate_key().decode(), tipoff_hash_key="bench-hash-key",
                    ratelimit_tipoff="1000000 per hour", ratelimit_tipoff_phone="1000000 per hour", testing=True)
    app = create_app(config)
    client = app.test_client()

    def post(i: int, located: bool) -> float:
        body = {"category": "fire_escape", "description": f"楼道堆放杂物堵塞安全出口 #{i}",
                "phone": f"138{i % 100_000_000:08d}"}
        if located:
            body["location"] = {"lat": float(lats[i % len(lats)]), "lng": float(lngs[i % len(lngs)])}
        else:
            body["address"] = f"某村{i}号"
        t = time.perf_counter()
        resp = client.post("/api/v1/tipoffs", json=body)
        took = time.perf_counter() - t
        assert resp.status_code == 201, resp.get_json()
        return took

    for i in range(50):  # warm-up: connections, the grid index, the first statements
        post(i, True)
    for label, located in (("with a location (routed)", True), ("with an address (triage queue)", False)):
        t = time.perf_counter()
        times = [post(i, located) for i in range(POSTS)]
        total = time.perf_counter() - t
        print(f"POST /api/v1/tipoffs {label:32s} {POSTS / total:7,.0f} tip-offs/s   "
              f"median {statistics.median(times) * 1000:5.2f} ms, p95 {np.percentile(times, 95) * 1000:5.2f} ms")
    app.extensions["gridpatrol.engine"].dispose()


if __name__ == "__main__":
    main()
