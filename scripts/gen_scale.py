#!/usr/bin/env python3
"""Generate county-scale data for benchmarks: 25 townships, ~3,000 grids, ~5,000 members, 170,000 places.

    .venv/bin/python scripts/gen_scale.py --database-url postgresql+psycopg://... [--no-places] [--csv places.csv]

Migrates the database, seeds the county (same generator as ``gridpatrol demo --scale county``) and optionally
writes the places as an import CSV instead of inserting them.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from server import demo  # noqa: E402
from server.audit.service import CLI, install, set_context  # noqa: E402
from server.db import make_engine, make_sessionmaker  # noqa: E402
from server.migrate import upgrade  # noqa: E402
from server.org.models import Area  # noqa: E402

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
    args = ap.parse_args()
    started = time.perf_counter()
    made = seed(args.database_url, places=not args.no_places)
    print(f"seeded {made.grids} grids, {made.members} members, {made.places} places "
          f"in {time.perf_counter() - started:.1f} s")
    if args.csv:
        print(f"wrote {write_csv(args.database_url, args.csv, demo.COUNTY.places)} rows to {args.csv}")


if __name__ == "__main__":
    main()
