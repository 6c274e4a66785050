#!/usr/bin/env python3
"""Generate data for benchmarks: a county (25 townships, ~3,000 grids, ~5,000 members, 170,000 places) or a
province's area tree (90 such counties: 270,000 grids with realistic boundaries of ~50-200 vertices).

    .venv/bin/python scripts/gen_scale.py --database-url postgresql+psycopg://... [--no-places] [--csv places.csv]
    .venv/bin/python scripts/gen_scale.py --database-url ... --province 90    # areas only, 270,000 grids

Migrates the database, seeds the county (same generator as ``gridpatrol demo --scale county``) and optionally
writes the places as an import CSV instead of inserting them.  ``--province N`` seeds N counties' areas instead.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np
import shapely
from shapely.geometry import Polygon
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from server import demo
from server.audit.service import CLI, install, set_context
from server.db import make_engine, make_sessionmaker
from server.migrate import upgrade
from server.org.index import invalidate as invalidate_grid_index
from server.org.models import Area

CSV_HEADER = ["名称", "统一社会信用代码", "行业领域", "风险等级", "地址", "纬度", "经度", "网格编码", "联系人", "联系电话"]


def seed(url: str, *, places: bool, scale: demo.Scale = demo.COUNTY, seed_value: int = 11) -> demo.Generated:
    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(connection=conn)
    sessions = make_sessionmaker(engine)
    install(sessions)
    with sessions() as session:
        set_context(session, CLI)
        made = demo.generate(session, scale, seed=seed_value, with_places=places)
        session.commit()
    engine.dispose()
    return made


# --- a province: many counties of realistic grids -----------------------------------------------------------------

@dataclass(frozen=True)
class ProvinceScale:
    counties: int
    townships: int = 25
    villages_per_township: int = 20
    grids_per_village: int = 6

    @property
    def grids(self) -> int:
        return self.counties * self.townships * self.villages_per_township * self.grids_per_village


# Boundaries are the generator's Voronoi cells densified on a lattice of LATTICE degrees (every edge gets a vertex
# where it crosses a lattice line, so two neighbours that share an edge get the same vertices) and then bent by a
# smooth displacement of the plane (roads and rivers, not straight lines).  The displacement is (x + a(y), y + b(x))
# with |a'|, |b'| < 1, a one-to-one map: cells stay valid and still tile, and a grid of the county benchmark's size
# (~1 km) gets ~50-200 vertices.
LATTICE = 0.0005
WAVES = ((0.02, 0.20), (0.008, 0.06))  # (wavelength in degrees, steepness): steepness sum < 1 keeps it one-to-one


def _densify(ring: np.ndarray) -> np.ndarray:
    """The closed ring with a vertex added wherever an edge crosses a lattice line."""
    p0, p1 = ring[:-1], ring[1:]
    seg = np.arange(len(p0))
    ts = [np.zeros(len(p0))]
    segs = [seg]
    for axis in (0, 1):
        a0, a1 = p0[:, axis], p1[:, axis]
        lo, hi = np.ceil(np.minimum(a0, a1) / LATTICE), np.floor(np.maximum(a0, a1) / LATTICE)
        n = np.where(a1 != a0, np.maximum(hi - lo + 1, 0), 0).astype(np.int64)
        which = np.repeat(seg, n)
        if not len(which):
            continue
        k = lo[which] + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
        ts.append((k * LATTICE - a0[which]) / (a1[which] - a0[which]))
        segs.append(which)
    t, s = np.concatenate(ts), np.concatenate(segs)
    keep = (t >= 0) & (t < 1)
    t, s = t[keep], s[keep]
    order = np.lexsort((t, s))
    t, s = t[order], s[order]
    pts = p0[s] + (p1[s] - p0[s]) * t[:, None]
    return np.vstack([pts, ring[-1:]])


class _Bend:
    def __init__(self, rng: random.Random):
        self.waves = [(length, steep * length / (2 * np.pi), rng.uniform(0, 2 * np.pi), rng.uniform(0, 2 * np.pi))
                      for length, steep in WAVES]

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0].copy(), xy[:, 1].copy()
        for length, amp, ph1, ph2 in self.waves:
            x += amp * np.sin(2 * np.pi * xy[:, 1] / length + ph1)
            y += amp * np.sin(2 * np.pi * xy[:, 0] / length + ph2)
        return np.column_stack([x, y])


def realistic(polygons: list[Polygon], bend: _Bend) -> list[Polygon]:
    """The cells densified and bent (see LATTICE), snapped to 1e-7 degrees (~1 cm) as the demo's are."""
    out = []
    for poly in polygons:
        shell = np.round(bend(_densify(np.asarray(poly.exterior.coords))), 7)
        keep = np.ones(len(shell), dtype=bool)
        keep[1:] = np.any(shell[1:] != shell[:-1], axis=1)  # rounding may repeat a point
        out.append(Polygon(shell[keep]))
    shapes = np.array(out, dtype=object)
    bad = ~shapely.is_valid(shapes)
    if bad.any():  # rare: rounding folded an edge; the topology-preserving snap repairs it
        shapes[bad] = shapely.set_precision(shapes[bad], 1e-7)
    return [max(shapely.get_parts(g), key=lambda p: p.area) if g.geom_type != "Polygon" else g for g in shapes]


@dataclass
class AreaRow:
    level: str
    code: str
    name: str
    parent: int | None  # index into the list of rows
    geom: Polygon | None


def _county_areas(args: tuple[int, Polygon, ProvinceScale, int]) -> list[AreaRow]:
    """One county's rows (parents as indexes within them): counties are independent, so they generate in parallel."""
    ci, county_cell, scale, seed_value = args
    rng = random.Random(seed_value * 1000 + ci)
    bend = _Bend(random.Random(seed_value))  # one displacement for the whole province: neighbours bend alike
    county_code = f"{340001 + ci}"
    town_cells = demo.split(county_cell, scale.townships, rng)
    shaped_county, *shaped_towns = realistic([county_cell, *town_cells], bend)
    rows = [AreaRow("county", county_code, f"第{ci + 1}县", None, shaped_county)]
    grid_cells: list[Polygon] = []
    grid_meta: list[tuple[int, str, str]] = []
    for ti, (town_cell, town_shape) in enumerate(zip(town_cells, shaped_towns)):
        town_code = f"{county_code}{ti + 1:03d}"
        rows.append(AreaRow("township", town_code, f"{demo.TOWNSHIP_NAMES[ti % len(demo.TOWNSHIP_NAMES)]}{ti + 1}",
                            0, town_shape))
        t_idx = len(rows) - 1
        for vi, village_cell in enumerate(demo.split(town_cell, scale.villages_per_township, rng)):
            village_code = f"{town_code}{vi + 1:03d}"
            rows.append(AreaRow("village", village_code, f"{ti + 1}镇{vi + 1}村", t_idx, None))
            v_idx = len(rows) - 1
            for gi, cell in enumerate(demo.split(village_cell, scale.grids_per_village, rng)):
                grid_cells.append(cell)
                grid_meta.append((v_idx, f"{village_code}{gi + 1:03d}", f"{ti + 1}镇{vi + 1}村第{gi + 1}网格"))
    for (v_idx, code, name), geom in zip(grid_meta, realistic(grid_cells, bend)):
        rows.append(AreaRow("grid", code, name, v_idx, geom))
    return rows


def province_areas(scale: ProvinceScale, seed_value: int = 21, processes: int = 2) -> list[AreaRow]:
    """Every area of a province, parents before children (the demo's hierarchical Voronoi split, made realistic)."""
    rng = random.Random(seed_value)
    outline = demo.county_boundary(rng, radius_deg=0.28 * scale.counties ** 0.5)
    jobs = [(ci, cell, scale, seed_value) for ci, cell in enumerate(demo.split(outline, scale.counties, rng))]
    if processes > 1 and len(jobs) > 2:
        from multiprocessing import Pool
        with Pool(processes) as pool:
            parts = pool.map(_county_areas, jobs, chunksize=1)
    else:
        parts = [_county_areas(job) for job in jobs]
    rows: list[AreaRow] = []
    for part in parts:
        base = len(rows)
        rows.extend(AreaRow(r.level, r.code, r.name, None if r.parent is None else r.parent + base, r.geom)
                    for r in part)
    return rows


def insert_areas(session: Session, rows: list[AreaRow]) -> list[int]:
    """Insert the rows with their ids and paths computed here (COPY on PostgreSQL); returns the ids.  The caller
    commits.  The boundaries are the generator's, valid by construction (the API's parse_boundary is skipped)."""
    first = int(session.scalar(select(func.coalesce(func.max(Area.id), 0)))) + 1
    ids = list(range(first, first + len(rows)))
    paths: list[str] = []
    now = datetime.now(UTC).replace(tzinfo=None)
    geojson = shapely.to_geojson(np.array([r.geom for r in rows], dtype=object))
    records = []
    for i, r in enumerate(rows):
        paths.append((paths[r.parent] if r.parent is not None else "/") + f"{ids[i]}/")
        bounds = r.geom.bounds if r.geom is not None else (None, None, None, None)
        records.append((ids[i], r.level, r.code, r.name, ids[r.parent] if r.parent is not None else None, paths[i],
                        geojson[i], *bounds, now, now))
    columns = ["id", "level", "code", "name", "parent_id", "path", "boundary", "min_lng", "min_lat", "max_lng",
               "max_lat", "created_at", "updated_at"]
    if session.get_bind().dialect.name == "postgresql":
        raw = session.connection().connection.driver_connection
        # a GiST index built once after the load is many times faster than one grown row by row
        gist = len(rows) > 10_000 and session.scalar(text("SELECT indexdef FROM pg_indexes "
                                                           "WHERE indexname = 'ix_areas_geom'"))
        if gist:
            session.execute(text("DROP INDEX ix_areas_geom"))
        with raw.cursor() as cur, cur.copy(f"COPY areas ({', '.join(columns)}) FROM STDIN") as copy:
            for rec in records:
                copy.write_row(rec)
        if gist:
            session.execute(text(gist))
        session.execute(text("SELECT setval(pg_get_serial_sequence('areas', 'id'), :v)"), {"v": ids[-1]})
    else:
        aware = now.replace(tzinfo=UTC)
        session.execute(insert(Area), [dict(zip(columns, rec)) | {
            "boundary": None if rec[6] is None else json.loads(rec[6]), "created_at": aware, "updated_at": aware}
            for rec in records])
    invalidate_grid_index()
    return ids


def seed_province(url: str, scale: ProvinceScale, seed_value: int = 21) -> tuple[int, float, float]:
    """(grids, seconds generating, seconds inserting) of a province's areas in a migrated database."""
    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(connection=conn)
    t = time.perf_counter()
    rows = province_areas(scale, seed_value)
    generated = time.perf_counter() - t
    t = time.perf_counter()
    with make_sessionmaker(engine)() as session:
        insert_areas(session, rows)
        session.commit()
        if engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE areas"))
            session.commit()
    inserted = time.perf_counter() - t
    engine.dispose()
    return sum(r.level == "grid" for r in rows), generated, inserted


def write_csv(url: str, path: Path, count: int, seed_value: int = 12) -> int:
    """Places of the seeded grids as a CSV in the township spreadsheet layout (Chinese headers and labels)."""
    import shapely

    from server.common.vocab import RISK_LEVELS, SECTORS
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Area.id, Area.code, Area.name, Area.boundary).where(Area.level == "grid")
                            .order_by(Area.id)).all()
    engine.dispose()
    grids = [{"id": r.id, "code": r.code, "name": r.name} for r in rows]
    geoms = [shapely.from_geojson(__import__("json").dumps(r.boundary)) for r in rows]
    n = 0
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_HEADER)
        for p in demo.place_rows(random.Random(seed_value), count, grids, geoms):
            w.writerow([p["name"], p["credit_code"] or "", SECTORS[p["sector"]], RISK_LEVELS[p["risk_level"]],
                        p["address"], p["lat"], p["lng"], "", p["contact_name"], p["contact_phone"]])
            n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--no-places", action="store_true", help="areas and people only")
    ap.add_argument("--csv", type=Path, help="also write 170,000 places to this import CSV")
    ap.add_argument("--province", type=int, metavar="COUNTIES", help="seed this many counties' areas instead")
    args = ap.parse_args()
    started = time.perf_counter()
    if args.province:
        grids, gen_s, ins_s = seed_province(args.database_url, ProvinceScale(args.province))
        print(f"seeded {args.province} counties, {grids} grids: generated in {gen_s:.1f} s, inserted in {ins_s:.1f} s")
        return
    made = seed(args.database_url, places=not args.no_places)
    print(f"seeded {made.grids} grids, {made.members} members, {made.places} places "
          f"in {time.perf_counter() - started:.1f} s")
    if args.csv:
        print(f"wrote {write_csv(args.database_url, args.csv, demo.COUNTY.places)} rows to {args.csv}")


if __name__ == "__main__":
    main()
