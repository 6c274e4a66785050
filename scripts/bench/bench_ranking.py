#!/usr/bin/env python3
"""The monthly ranking on PostgreSQL at county scale: time to compute and publish a month, against a naive
per-member ORM loop over the same data in the same run, and how both grow with the data.

Run through ./scripts/bench/run ranking (it starts PostgreSQL), or with GRIDPATROL_BENCH_DATABASE_URL set.

For each scale (GRIDPATROL_BENCH_RANKING_SCALES, default "0.5 1 2", about 8 minutes, most of it generating data;
"0.5 1 2 4" adds 4×, whose 5.9 million visits take 7 minutes more to generate) the database is emptied, a county
is seeded with scripts/gen_scale.py's generator (places included) with the number of townships multiplied by the scale
(1× = 25 townships, ~3,000 grids, ~5,100 members, 170,000 places), and October 2026 is filled with
server/ranking/testing/activity.py (1×: ~150,000 clock-ins, ~1,500,000 visits, publicity, reports, hazards, tasks and
review decisions) by Core executemany batches; then ANALYZE, as autovacuum would.  Measured:

* publish: the cron path, ``gridpatrol ranking publish`` — compute the month and freeze it, one transaction;
* compute + publish: a draft first (an admin looks at it), then publish (computes again, finds the same
  digest and freezes the draft's rows);
* the naive loop: server/ranking/testing/reference.py (ORM objects per member, counted in Python) on a random sample of
  members, extrapolated to all of them; its scoring and writes are not even counted.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from sqlalchemy import func, select, text  # noqa: E402

from server import demo  # noqa: E402
from server.audit.service import CLI, install, set_context  # noqa: E402
from server.auth.models import User  # noqa: E402
from server.auth.scope import SYSTEM  # noqa: E402
from server.db import make_engine, make_sessionmaker  # noqa: E402
from server.org.models import Area  # noqa: E402
from server.ranking import figures, rules, service  # noqa: E402
from server.ranking.testing import activity, reference  # noqa: E402

MONTH, YEAR, MON = "2026-10", 2026, 10
TODAY = date(2026, 11, 23)
SAMPLE = int(os.environ.get("GRIDPATROL_BENCH_RANKING_SAMPLE", 60))
SCALES = [float(s) for s in os.environ.get("GRIDPATROL_BENCH_RANKING_SCALES", "0.5 1 2").split()]
REPEAT = 3


def reset(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def prepare(url: str, scale: float) -> dict:
    from gen_scale import seed
    county = demo.COUNTY
    size = demo.Scale(f"county×{scale:g}", townships=max(1, round(county.townships * scale)),
                      villages_per_township=county.villages_per_township, grids_per_village=county.grids_per_village,
                      members_per_grid=county.members_per_grid, places=round(county.places * scale))
    reset(url)
    t = time.perf_counter()
    made = seed(url, places=True, scale=size)
    seeded = time.perf_counter() - t
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    install(sessions)
    with sessions() as session:
        set_context(session, CLI)
        from server.checklists.service import load_directory
        load_directory(session)
        session.commit()
        t = time.perf_counter()
        calendar = rules.load_calendar()
        rows = activity.generate_month(session, YEAR, MON, seed=7, is_working=calendar.is_working)
        session.commit()
        generated = time.perf_counter() - t
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    engine.dispose()
    return {"scale": scale, "townships": size.townships, "grids": made.grids, "members": made.members,
            "places": made.places, "seeded_s": seeded, "generated_s": generated, "rows": rows.counts}


def measure(url: str) -> dict:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    install(sessions)
    calendar = rules.load_calendar()
    now = datetime(2026, 11, 23, 2, tzinfo=timezone.utc)
    out: dict = {"publish": [], "compute": [], "publish_after_draft": [], "read": []}
    with sessions() as session:
        county = session.scalar(select(Area).where(Area.level == "county"))
        assert county is not None
        county_id = county.id

    def fresh() -> None:  # forget earlier runs, so each measurement computes and writes a month from scratch
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM ranking_entries"))
            conn.execute(text("DELETE FROM ranking_runs"))

    for _i in range(REPEAT):
        fresh()
        with sessions() as session:
            set_context(session, CLI)
            t = time.perf_counter()
            run = service.publish(session, county_id, MONTH, SYSTEM, today=TODAY, now=now, calendar=calendar)
            session.commit()
            out["publish"].append(time.perf_counter() - t)
            out["members_ranked"] = run.counts["members"]
        fresh()
        with sessions() as session:
            set_context(session, CLI)
            t = time.perf_counter()
            service.compute(session, county_id, MONTH, SYSTEM, today=TODAY, now=now, calendar=calendar)
            session.commit()
            out["compute"].append(time.perf_counter() - t)
            t = time.perf_counter()
            run = service.publish(session, county_id, MONTH, SYSTEM, today=TODAY, now=now, calendar=calendar)
            session.commit()
            out["publish_after_draft"].append(time.perf_counter() - t)
        with sessions() as session:
            first, last = rules.month_days(YEAR, MON)
            t = time.perf_counter()
            figures.read_figures(session, county, first, last, calendar.working_days(first, last))
            out["read"].append(time.perf_counter() - t)

    with sessions() as session:
        members = session.scalars(select(User).where(User.role == "member", User.active.is_(True))).all()
        sample = random.Random(3).sample(list(members), min(SAMPLE, len(members)))
        first, last = rules.month_days(YEAR, MON)
        working = calendar.working_days(first, last)
        t = time.perf_counter()
        for user in sample:
            reference.member_figures(session, user, first, last, working)
        out["naive_sample_s"] = time.perf_counter() - t
        out["naive_sample"] = len(sample)
        out["naive_s"] = out["naive_sample_s"] / len(sample) * len(members)
        out["entries"] = session.scalar(select(func.count()).select_from(text("ranking_entries")))
    engine.dispose()
    return out


def main() -> None:
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    if not url:
        sys.exit("set GRIDPATROL_BENCH_DATABASE_URL or run ./scripts/bench/run ranking")
    results = []
    for scale in SCALES:
        setup = prepare(url, scale)
        r = setup["rows"]
        print(f"{scale:g}×: {setup['townships']} townships, {setup['grids']:,} grids, {setup['members']:,} members, "
              f"{setup['places']:,} places (seeded in {setup['seeded_s']:.0f} s); October: "
              f"{r.get('checkins', 0):,} clock-ins, {r.get('visits', 0):,} visits, "
              f"{r.get('publicity_visits', 0):,} publicity, {r.get('daily_reports', 0):,} reports, "
              f"{r.get('hazards', 0):,} hazards, {r.get('tasks', 0):,} tasks (generated in {setup['generated_s']:.0f} s)",
              flush=True)
        m = measure(url)
        best = {k: min(m[k]) for k in ("publish", "compute", "publish_after_draft", "read")}
        both = best["compute"] + best["publish_after_draft"]
        print(f"  the eight grouped queries         {best['read']:6.2f} s   (best of {REPEAT})")
        print(f"  publish (cron: compute + freeze)  {best['publish']:6.2f} s   (median {statistics.median(m['publish']):.2f} s)")
        print(f"  compute draft, then publish       {both:6.2f} s   ({best['compute']:.2f} + "
              f"{best['publish_after_draft']:.2f})")
        print(f"  naive per-member ORM loop         {m['naive_s']:6.0f} s   ({m['naive_sample']} members in "
              f"{m['naive_sample_s']:.1f} s, extrapolated to {setup['members']:,}); "
              f"{m['naive_s'] / best['publish']:.0f}× the publish, {m['naive_s'] / both:.0f}× compute + publish",
              flush=True)
        results.append((scale, setup, best, both, m))
    print("summary (PostgreSQL; goal: < 2 s for the 1× month, ≥ 20× the naive loop)")
    base = next((x for x in results if x[0] == 1), results[0])
    for scale, setup, best, both, m in results:
        print(f"  {scale:>4g}×  {setup['members']:>6,} members  {setup['rows'].get('visits', 0):>9,} visits   "
              f"publish {best['publish']:5.2f} s ({best['publish'] / base[2]['publish']:4.2f}× of 1×)   "
              f"compute+publish {both:5.2f} s   naive ≈ {m['naive_s']:6.0f} s   "
              f"speed-up {m['naive_s'] / best['publish']:4.0f}×")


if __name__ == "__main__":
    main()
