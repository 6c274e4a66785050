#!/usr/bin/env python3
"""Import of 170,000 places from CSV into PostgreSQL: seconds, rows/s, peak memory; then the re-import.

Run through ./scripts/bench/run import (it starts PostgreSQL), or with GRIDPATROL_BENCH_DATABASE_URL set.
The baseline in the same run is the raw floor: parsing the same CSV with the csv module and nothing else.
"""
from __future__ import annotations

import csv
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from server import demo  # noqa: E402
from server.audit.service import CLI, install, set_context  # noqa: E402
from server.auth.scope import SYSTEM  # noqa: E402
from server.db import make_engine, make_sessionmaker  # noqa: E402
from server.places.importer import import_places  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    if not url:
        sys.exit("set GRIDPATROL_BENCH_DATABASE_URL or run ./scripts/bench/run import")
    rows = int(os.environ.get("GRIDPATROL_BENCH_PLACES", demo.COUNTY.places))
    t0 = time.perf_counter()
    csv_path = Path(tempfile.mkdtemp()) / "places.csv"
    # the setup runs in a child process so that this process's peak RSS is the import's own
    subprocess.run([sys.executable, "-c", "import sys; sys.path[:0] = sys.argv[1:3]; from gen_scale import seed, "
                    "write_csv; seed(sys.argv[3], places=False); write_csv(sys.argv[3], __import__('pathlib')"
                    ".Path(sys.argv[4]), int(sys.argv[5]))", str(ROOT), str(ROOT / "scripts"), url, str(csv_path),
                    str(rows)], check=True)
    print(f"setup: county-scale grids, {rows} CSV rows ({csv_path.stat().st_size / 1e6:.1f} MB) "
          f"in {time.perf_counter() - t0:.1f} s")

    t = time.perf_counter()
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        floor_rows = sum(1 for _ in csv.reader(fh))
    floor_s = time.perf_counter() - t

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    install(sessions)
    results = []
    for label in ("first import", "re-import (unchanged)"):
        before = rss_mb()
        t = time.perf_counter()
        with sessions() as session, csv_path.open("rb") as fh:
            set_context(session, CLI)
            report = import_places(session, SYSTEM, fh, csv_path.name)
            session.commit()
        secs = time.perf_counter() - t
        results.append((label, secs, report))
        print(f"{label}: {secs:.1f} s, {report.total_rows / secs:,.0f} rows/s, created {report.created}, "
              f"updated {report.updated}, unchanged {report.unchanged}, failed {report.failed}; "
              f"peak RSS {rss_mb():.0f} MB (+{rss_mb() - before:.0f} MB)")
    reasons = Counter(re.sub(r"\d+", "N", e.message) for e in results[0][2].errors)
    print("rows refused on the first import:", dict(reasons) or "none")
    print(f"floor (csv.reader only over {floor_rows - 1} rows): {floor_s:.2f} s; "
          f"first import = {results[0][1] / floor_s:.0f}x the floor; goal < 60 s: "
          f"{'met' if results[0][1] < 60 else 'NOT met'}")
    engine.dispose()


if __name__ == "__main__":
    main()
