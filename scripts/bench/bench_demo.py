#!/usr/bin/env python3
"""Seeding the demo county (``gridpatrol demo``): areas, people and places, then the history of activity through the
services, on SQLite with the local object store (what ./scripts/serve does), and on PostgreSQL with the S3 server
when ./scripts/bench/run provides them and GRIDPATROL_BENCH_DEMO_PG=1.

Prints the seconds of each part and where the history's time goes, the database and object store sizes, and a
floor measured in the same run: the media library alone (``media.process``) over as many photos as were seeded,
the part of every photo upload no database or store can save.

    ./scripts/bench/run demo
    GRIDPATROL_BENCH_DEMO_TODAY=2026-11-16 GRIDPATROL_BENCH_DEMO_SCALE=demo .venv/bin/python scripts/bench/bench_demo.py

The default day is today (Asia/Shanghai), as ./scripts/serve would seed it: on the 1st a history of one month, on
the 16th of a month and a half, on the 31st of two.
"""
from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text

import media
from server import demo, demo_activity
from server.app import create_app
from server.audit.service import CLI, set_context
from server.common.timeutil import local_day
from server.config import Config
from server.migrate import upgrade
from server.storage import S3ObjectStore

SCALE = os.environ.get("GRIDPATROL_BENCH_DEMO_SCALE", "demo")
SEED = int(os.environ.get("GRIDPATROL_BENCH_DEMO_SEED", "7"))
GOAL_CPU_SECONDS = 60  # issue 13: under a minute on SQLite for the default demo size


def _today() -> date:
    if os.environ.get("GRIDPATROL_BENCH_DEMO_TODAY"):
        return date.fromisoformat(os.environ["GRIDPATROL_BENCH_DEMO_TODAY"])
    return local_day(datetime.now(UTC))


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def run(label: str, config: Config, store: Any, today: date) -> demo_activity.Made:
    app = create_app(config, store=store)
    store = app.extensions["gridpatrol.store"]
    engine = app.extensions["gridpatrol.engine"]
    with engine.begin() as conn:
        upgrade(connection=conn)
    session = app.extensions["gridpatrol.sessionmaker"]()
    set_context(session, CLI)
    statements = [0]  # SQL statements the history sends: unlike seconds, the same on a busy machine and an idle one

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        statements[0] += 1

    with app.app_context():
        started = time.perf_counter()
        made = demo.generate(session, demo.Scale.named(SCALE), seed=SEED)
        session.commit()
        areas = time.perf_counter() - started
        statements[0] = 0
        seen: list[demo_activity.Made] = []
        try:
            history = demo_activity.seed(session, config, store, today=today, seed=SEED,
                                         profile=demo_activity.PROFILES[SCALE],
                                         progress=lambda _day, made: seen[:1] or seen.append(made))
        except Exception:
            if seen:  # what was seeded before the failure, so a long run is not lost for nothing
                print(f"FAILED after {time.perf_counter() - started:.1f} s: {seen[0].counts}")
                print({k: round(v, 1) for k, v in seen[0].timings.items()})
            raise
        total = time.perf_counter() - started
        sent = statements[0]
        lines = demo_activity.summary(session, history)
        if engine.dialect.name == "postgresql":
            db_size = session.scalar(text("SELECT pg_database_size(current_database())"))
        else:
            db = Path(engine.url.database or "")
            db_size = sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())
    session.close()
    engine.dispose()
    print(f"-- {label}: {made.grids} grids, {made.members} members, {made.places} places; history to {today}")
    print(f"areas, people, places: {areas:.1f} s; history: {history.seconds:.1f} s ({history.cpu_seconds:.1f} s of "
          f"CPU); total {total:.1f} s")
    for line in lines:
        print(line)
    records = sum(history.counts.get(k, 0) for k in ("checkins", "visits", "publicity", "reports", "reports:late"))
    print(f"SQL statements of the history: {sent} ({sent / max(1, records + history.counts.get('photos', 0)):.1f} "
          f"per field record or photo)")
    print("where the history's time goes (s; a step includes the photos it takes):")
    for name, seconds in sorted(history.timings.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {name:<16} {seconds:7.1f}")
    print(f"database {_mb(db_size)}")
    if engine.dialect.name == "sqlite":
        print(f"goal: the history in under {GOAL_CPU_SECONDS} s of CPU on SQLite: "
              f"{'met' if history.cpu_seconds < GOAL_CPU_SECONDS else 'NOT met'} ({history.cpu_seconds:.1f} s)")
    return history


def media_floor(photos: int) -> float:
    """Seconds media.process needs for ``photos`` of the seeder's pictures (a sample of 200, scaled)."""
    bases = demo_activity._base_pictures(__import__("random").Random(1), 20)
    now = datetime.now(UTC)
    shots = [jpeg[:cut] + demo_activity.exif_segment(("HUAWEI", "NOVA 9"), now, (29.3, 120.05)) + jpeg[cut:]
             for jpeg, cut in bases]
    mark = media.Watermark(time=now, place="城关镇某某超市", member="张伟", lat=29.3, lng=120.05)
    started = time.process_time()
    for i in range(200):
        media.process(shots[i % len(shots)], mark, max_bytes=media.MAX_BYTES, now=now)
    return (time.process_time() - started) / 200 * photos


def main() -> None:
    logging.disable(logging.INFO)
    today = _today()
    work = Path(tempfile.mkdtemp(prefix="gridpatrol-bench-demo-"))
    base = Config.from_env()
    sqlite = replace(base, database_url=f"sqlite:///{work}/demo.sqlite3", store="local",
                     store_dir=str(work / "objects"), testing=True)
    history = run("SQLite, local object store", sqlite, None, today)
    print(f"object store {_mb(_size(work / 'objects'))}")
    photos = history.counts.get("photos", 0)
    floor = media_floor(photos)
    print(f"floor: media.process alone for the {photos} photos takes {floor:.1f} s of CPU = "
          f"{floor / history.cpu_seconds:.0%} of the history's {history.cpu_seconds:.1f} s of CPU")
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    if url and os.environ.get("GRIDPATROL_BENCH_DEMO_PG") == "1" and os.environ.get("GRIDPATROL_BENCH_S3_ENDPOINT"):
        store = S3ObjectStore(os.environ["GRIDPATROL_BENCH_S3_ENDPOINT"], os.environ["GRIDPATROL_BENCH_S3_ACCESS_KEY"],
                              os.environ["GRIDPATROL_BENCH_S3_SECRET_KEY"], f"gp-bench-demo-{uuid.uuid4().hex[:8]}")
        run("PostgreSQL, S3 object store", replace(base, database_url=url, store="s3", testing=True), store, today)


if __name__ == "__main__":
    main()
