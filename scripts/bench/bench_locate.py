#!/usr/bin/env python3
"""Point → grid at county and province scale: PostGIS (PostgreSQL) against the per-process STRtree (the SQLite path).

Run through ./scripts/bench/run locate (it starts PostgreSQL with PostGIS).  For each size (counties of ~3,000 grids
with realistic boundaries of ~50-200 vertices, from scripts/gen_scale.py; default 1 and 90 counties = 3,000 and
270,000 grids) it prints:
- lookups per second and p50/p99 of one point per call through the app's spatial interface, for points inside a grid
  (grid_at, and distances_m as the clock-in geofence asks it) and outside every grid (grid_at + enclosing_area, the
  tip-off routing of a point in no grid);
- memory: the growth of a process answering 20,000 lookups through PostGIS, against the STRtree's build time and
  memory per worker (measured in a fresh subprocess);
- the cost of editing one grid (overlap check, update, commit) while a thread keeps asking geofence questions, and
  those questions' p99 during the edits against before them.  With the STRtree, an edit costs every worker a rebuild.

    GRIDPATROL_BENCH_LOCATE_COUNTIES="1 90"   # sizes; the province size takes minutes to generate
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from gen_scale import ProvinceScale, seed_province
from sqlalchemy import text

from server.db import make_engine, make_sessionmaker
from server.org.spatial import PostGIS

SIZES = [int(x) for x in os.environ.get("GRIDPATROL_BENCH_LOCATE_COUNTIES", "1 90").split()]


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timed(fn, args_list) -> list[float]:
    out = []
    for args in args_list:
        t = time.perf_counter()
        fn(*args)
        out.append(time.perf_counter() - t)
    return out


def line(label: str, lat: list[float]) -> str:
    q = statistics.quantiles(lat, n=100)
    return (f"  {label:<46} {len(lat) / sum(lat):9.0f} /s   mean {statistics.fmean(lat) * 1e6:7.0f} µs   "
            f"p50 {q[49] * 1e6:6.0f} µs   p99 {q[98] * 1e6:6.0f} µs")


STRTREE_PROBE = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[2])
import numpy as np
from sqlalchemy import select
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
from server.db import make_engine
from server.org.index import GridIndex
from server.org.models import Area
import gc
engine = make_engine(sys.argv[1])
before = rss()
with engine.connect() as conn:
    t = time.perf_counter()
    rows = conn.execute(select(Area.id, Area.boundary).where(Area.level == 'grid').order_by(Area.id)).all()
    load_s = time.perf_counter() - t
t = time.perf_counter()
index = GridIndex.build((len(rows), 'bench'), [(r[0], r[1]) for r in rows])
build_s = time.perf_counter() - t
peak = rss() - before
del rows
gc.collect()
grown = rss() - before
pts = json.loads(sys.argv[3])
lat = []
for lng, la in pts:
    t = time.perf_counter(); index.locate(la, lng); lat.append(time.perf_counter() - t)
lat.sort()
print(json.dumps({"load_s": load_s, "build_s": build_s, "mb": grown, "peak_mb": peak, "mean_us": sum(lat) / len(lat) * 1e6,
                  "p99_us": lat[int(len(lat) * 0.99)] * 1e6}))
"""


def one_size(url: str, counties: int) -> dict:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    grids, gen_s, ins_s = seed_province(url, ProvinceScale(counties))
    print(f"{counties} counties, {grids} grids: generated in {gen_s:.1f} s, inserted (COPY, GeoJSON → geometry "
          f"trigger, GiST) in {ins_s:.1f} s")
    engine = make_engine(url, pool_size=4)
    sessions = make_sessionmaker(engine)
    session = sessions()
    sp = PostGIS(session)
    inside = session.execute(text(
        "SELECT id, ST_X(p), ST_Y(p) FROM (SELECT id, ST_PointOnSurface(geom) AS p FROM areas "
        "WHERE level = 'grid' ORDER BY md5(id::text) LIMIT 5000) s")).all()
    x0, y0, x1, y1 = session.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM areas "
        "WHERE level = 'county') s")).one()
    rng = np.random.default_rng(1)
    cand_lng, cand_lat = rng.uniform(x0, x1, 40_000), rng.uniform(y0, y1, 40_000)
    miss = sp.grids_at(cand_lat, cand_lng) < 0
    outside = list(zip(cand_lng[miss][:2000].tolist(), cand_lat[miss][:2000].tolist()))
    vertices = session.scalar(text("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ST_NPoints(geom)) "
                                   "FROM areas WHERE level = 'grid'"))
    print(f"  {len(inside)} points inside grids, {len(outside)} in the province's box outside every grid "
          f"(median grid {vertices:.0f} vertices)")

    for lng, lat in [(x, y) for _, x, y in inside[:200]]:  # warm the cache and the statement cache
        sp.grid_at(lat, lng)
    before = rss_mb()
    t_in = timed(sp.grid_at, [(y, x) for _, x, y in inside])
    t_fence = timed(sp.distances_m, [([gid], y, x) for gid, x, y in inside])
    t_out = timed(lambda la, ln: sp.grid_at(la, ln) is None and sp.enclosing_area(la, ln), [(y, x) for x, y in outside])
    for _ in range(2):
        timed(sp.grid_at, [(y, x) for _, x, y in inside])
    grown = rss_mb() - before
    print(line("PostGIS grid_at, inside a grid", t_in))
    print(line("PostGIS distances_m (geofence), inside", t_fence))
    print(line("PostGIS grid_at + enclosing_area, outside", t_out))
    print(f"  PostGIS: this process grew {grown:.1f} MB over {len(t_in) * 3 + len(t_fence) + len(t_out)} lookups")

    # editing one grid while geofence questions run beside it
    stop = threading.Event()
    during: list[float] = []

    def fence_loop(sink: list[float]) -> None:
        with sessions() as s:
            other = PostGIS(s)
            i = 0
            while not stop.is_set():
                gid, x, y = inside[i % len(inside)]
                t = time.perf_counter()
                other.distances_m([gid], y, x)
                sink.append(time.perf_counter() - t)
                i += 1
                s.rollback()

    quiet: list[float] = []
    th = threading.Thread(target=fence_loop, args=(quiet,))
    th.start()
    time.sleep(3)
    stop.set()
    th.join()
    stop.clear()
    th = threading.Thread(target=fence_loop, args=(during,))
    th.start()
    edits = edit_grids(sessions, [gid for gid, _, _ in inside[:20]])
    stop.set()
    th.join()
    print(line("geofence question, no edits (thread)", quiet))
    print(line("geofence question, while grids are edited", during))
    print(line("edit one grid (overlap check, update, commit)", edits))
    session.close()

    probe = subprocess.run([sys.executable, "-c", STRTREE_PROBE, url, str(ROOT),
                            json.dumps([[x, y] for _, x, y in inside[:2000]])],
                           capture_output=True, text=True, check=True)
    tree = json.loads(probe.stdout.strip().splitlines()[-1])
    print(f"  STRtree (SQLite path), per worker: load {tree['load_s']:.1f} s + build {tree['build_s']:.1f} s, "
          f"+{tree['mb']:.0f} MB kept (peak +{tree['peak_mb']:.0f} MB); locate mean {tree['mean_us']:.1f} µs, p99 {tree['p99_us']:.1f} µs; every grid "
          f"edit costs each worker that load + build again")
    engine.dispose()
    return {"grids": grids, "in": t_in, "out": t_out, "fence": t_fence, "grown": grown, "tree": tree,
            "edits": edits, "during": during, "quiet": quiet}


def edit_grids(sessions, grid_ids: list[int]) -> list[float]:
    """Shrink each grid by ~2 m and back (clear of the generator's sub-metre slivers), as a township admin would
    redraw one, through the service's rules."""
    import shapely

    from server.audit.service import CLI, install, set_context
    from server.auth.scope import SYSTEM
    from server.org import service as org
    from server.org.models import Area
    install(sessions)
    out = []
    for n, gid in enumerate(grid_ids * 2):
        with sessions() as s:
            set_context(s, CLI)
            area = s.get(Area, gid)
            geom = shapely.from_geojson(json.dumps(area.boundary)).buffer(-2e-5 if n < len(grid_ids) else 1e-5)
            t = time.perf_counter()
            org.update_area(s, SYSTEM, gid, {"boundary": json.loads(shapely.to_geojson(geom))})
            s.commit()
            out.append(time.perf_counter() - t)
        time.sleep(0.05)
    return out


def main() -> None:
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    if not url:
        sys.exit("set GRIDPATROL_BENCH_DATABASE_URL or run ./scripts/bench/run locate")
    results = [one_size(url, c) for c in SIZES]
    if len(results) > 1:
        a, b = results[0], results[-1]
        m = lambda xs: statistics.fmean(xs)
        print(f"province / county: {b['grids']} / {a['grids']} grids; PostGIS inside {m(b['in']) / m(a['in']):.2f}x, "
              f"outside {m(b['out']) / m(a['out']):.2f}x per point; STRtree build "
              f"{b['tree']['build_s'] / max(a['tree']['build_s'], 1e-9):.0f}x, memory "
              f"{b['tree']['mb']:.0f} MB against {a['tree']['mb']:.0f} MB per worker")
    last = results[-1]
    p99 = max(statistics.quantiles(last["in"], n=100)[98], statistics.quantiles(last["out"], n=100)[98])
    print(f"goal < 1 ms a point at {last['grids']} grids inside and outside every grid (p99): "
          f"{'met' if p99 < 1e-3 else 'NOT met'} ({p99 * 1e3:.2f} ms); per-worker growth with PostGIS "
          f"{last['grown']:.1f} MB")


if __name__ == "__main__":
    main()
