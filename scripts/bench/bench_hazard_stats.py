#!/usr/bin/env python3
"""The hazard statistics of a county year on PostgreSQL: the set-based query the API runs (one grouped query for
the county and its 25 townships) against a per-township loop (one query per township) in the same run.

Run through ./scripts/bench/run hazard_stats (it starts PostgreSQL), or with GRIDPATROL_BENCH_DATABASE_URL set.
The data: the county-scale areas and 170,000 places of scripts/gen_scale.py, then a year of hazards in seed 001's
order (74,966 found, 2,383 of them major) bulk-inserted with Core, each with a realistic path through the loop:
ordered within days, a deadline of 7 days (30 for major ones), most rectified in time, some late, some still open
at the end of the year, a few rejected.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from gen_scale import seed  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from server.auth.models import User, UserArea  # noqa: E402
from server.auth.scope import SYSTEM  # noqa: E402
from server.common.timeutil import LOCAL_TZ  # noqa: E402
from server.db import make_engine, make_sessionmaker  # noqa: E402
from server.hazards import stats as hazards  # noqa: E402
from server.hazards.models import Hazard  # noqa: E402
from server.org.models import Area, subtree_range  # noqa: E402
from server.places.models import Place  # noqa: E402

FOUND = int(os.environ.get("GRIDPATROL_BENCH_HAZARDS", 74_966))  # seed 001: "74966" hazards found in a year
MAJOR = int(os.environ.get("GRIDPATROL_BENCH_MAJOR", 2_383))     # of which major
REPEAT = int(os.environ.get("GRIDPATROL_BENCH_REPEAT", 30))
YEAR = 2025
START, END = date(YEAR, 1, 1), date(YEAR, 12, 31)
TODAY = date(YEAR + 1, 1, 10)  # the year's figures as they stand ten days after it ended
CATEGORIES = ["疏散通道", "消防设施器材", "电气安全", "电动自行车", "用火安全", "燃气管道", "气瓶存放", "安全管理",
              "有限空间", "粉尘涉爆", "特种设备", "建筑防火", "三合一场所"]


def at(day: date, rng: random.Random) -> datetime:
    """A working-hours moment of a local day, in UTC."""
    local = datetime.combine(day, dtime(8, 0), tzinfo=LOCAL_TZ) + timedelta(minutes=rng.randrange(10 * 60))
    return local.astimezone(timezone.utc)


def hazard_rows(rng: random.Random, places: list[tuple[int, int, str]], members: dict[int, list[int]]) -> list[dict]:
    """FOUND hazards over the year, MAJOR of them major, each at the status its dates give it on TODAY."""
    major = set(rng.sample(range(FOUND), MAJOR))
    days = (END - START).days + 1
    sources = ["patrol"] * 80 + ["inspector"] * 10 + ["admin"] * 8 + ["tipoff"] * 2
    now = datetime.now(timezone.utc)
    rows = []
    for i in range(FOUND):
        place_id, area_id, sector = rng.choice(places)
        found_day = START + timedelta(days=rng.randrange(days))
        found_at = at(found_day, rng)
        level = "major" if i in major else "general"
        source = rng.choice(sources)
        row: dict[str, Any] = {
            "place_id": place_id, "area_id": area_id, "sector": sector, "category": rng.choice(CATEGORIES),
            "level": level, "description": "巡查发现隐患", "source": source, "version": 1,
            "found_by_id": rng.choice(members[area_id]) if source == "patrol" and members.get(area_id) else None,
            "lat": None, "lng": None, "photo_ids": [], "after_photo_ids": [], "found_at": found_at,
            "found_day": found_day, "created_at": now, "updated_at": now, "status": "reported",
            **{k: None for k in ("client_uuid", "visit_id", "checklist_item", "reject_reason", "ordered_at",
                                 "deadline", "first_deadline", "rectified_at", "rectified_day", "rectified_by_id",
                                 "rectification_statement", "rechecked_at", "rechecked_by_id", "closed_at",
                                 "closed_day", "closed_by_id")},
        }
        rows.append(row)
        if rng.random() < 0.015:  # not a hazard after all
            row["status"], row["reject_reason"] = "rejected", "不属于隐患"
            continue
        ordered_day = found_day + timedelta(days=rng.choice((0, 0, 1, 1, 2, 3)))
        if ordered_day > TODAY:
            continue
        deadline = ordered_day + timedelta(days=30 if level == "major" else 7)
        row.update(status="ordered", ordered_at=at(ordered_day, rng), deadline=deadline, first_deadline=deadline)
        roll = rng.random()
        if roll < 0.88:
            rectified_day = ordered_day + timedelta(days=rng.randrange((deadline - ordered_day).days + 1))
        elif roll < 0.97:
            rectified_day = deadline + timedelta(days=rng.randrange(1, 20))  # late
        else:
            continue  # not rectified yet: overdue once the deadline has passed
        if rectified_day > TODAY:
            continue
        row.update(status="rectified", rectified_at=at(rectified_day, rng), rectified_day=rectified_day,
                   after_photo_ids=["after"], rectification_statement="已整改")
        recheck_day = rectified_day + timedelta(days=rng.randrange(1, 6))
        if recheck_day > TODAY:
            continue
        row.update(status="closed", rechecked_at=at(recheck_day, rng), closed_at=at(recheck_day, rng),
                   closed_day=recheck_day)
    return rows


def per_township(session: Any, county: Area, townships: list[Area]) -> list[dict[str, Any]]:
    """The baseline: one query per township, the county's row summed from theirs."""
    columns = hazards.stats_columns(TODAY)
    out = []
    for township in townships:
        lo, hi = subtree_range(township.path)
        row = session.execute(select(*columns).select_from(Hazard).join(Area, Area.id == Hazard.area_id)
                              .where(Area.path >= lo, Area.path < hi, Hazard.found_day >= START,
                                     Hazard.found_day <= END)).one()
        out.append({"area": township, **hazards._figures(row)})
    total = {k: sum(r[k] for r in out) for k in hazards.FIGURES}
    return [{"area": county, **hazards._figures(total)}] + out


def set_based(session: Any, county: Area) -> list[dict[str, Any]]:
    return hazards.stats(session, SYSTEM, area_id=county.id, start=START, end=END, today=TODAY)


def timed(fn: Any, *args: Any) -> tuple[list[float], Any]:
    fn(*args)  # warm: plans and caches
    times, result = [], None
    for _ in range(REPEAT):
        t = time.perf_counter()
        result = fn(*args)
        times.append((time.perf_counter() - t) * 1000)
    return times, result


def describe(label: str, times: list[float]) -> str:
    p95 = sorted(times)[int(len(times) * 0.95) - 1]
    return f"{label:<34} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   min {min(times):7.1f} ms"


def main() -> None:
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit("set GRIDPATROL_BENCH_DATABASE_URL to a PostgreSQL URL (./scripts/bench/run hazard_stats)")
    t = time.perf_counter()
    made = seed(url, places=True)
    print(f"seeded {made.grids} grids, {made.members} members, {made.places} places "
          f"in {time.perf_counter() - t:.1f} s")

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    rng = random.Random(1)
    with sessions() as session:
        places = [tuple(r) for r in session.execute(select(Place.id, Place.area_id, Place.sector))]
        members: dict[int, list[int]] = {}
        for user_id, area_id in session.execute(select(UserArea.user_id, UserArea.area_id).join(User)
                                                .where(User.role == "member")):
            members.setdefault(area_id, []).append(user_id)
    t = time.perf_counter()
    rows = hazard_rows(rng, places, members)
    with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(insert(Hazard.__table__), rows[i:i + 5000])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE hazards"))
        conn.execute(text("ANALYZE areas"))
    print(f"inserted {len(rows):,} hazards ({sum(r['level'] == 'major' for r in rows):,} major) "
          f"in {time.perf_counter() - t:.1f} s")

    with sessions() as session:
        county = session.scalar(select(Area).where(Area.level == "county"))
        townships = list(session.scalars(select(Area).where(Area.parent_id == county.id).order_by(Area.code)))
        # the loop gets PostgreSQL's default plan caching and the custom plans the set-based query asks for;
        # the faster of the two is the baseline
        loop_default, loop_rows = timed(per_township, session, county, townships)
        session.rollback()
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        loop_custom, _ = timed(per_township, session, county, townships)
        session.rollback()
        loop_times = min(loop_default, loop_custom, key=statistics.median)
        set_times, set_rows = timed(set_based, session, county)
        plan = session.execute(text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) "
                                    + str(hazards.stats_query(county, start=START, end=END, today=TODAY)
                                          .compile(engine, compile_kwargs={"literal_binds": True})))).all()

    def comparable(result: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(r["area"].id, *(r[k] for k in hazards.FIGURES)) for r in result]

    assert comparable(set_rows) == comparable(loop_rows), "the two ways disagree"
    c = set_rows[0]
    print(f"county year {START}..{END} as of {TODAY}: found {c['found']:,}, closed {c['closed']:,} "
          f"({c['closure_rate']:.1%}), closed on time {c['closed_on_time']:,}, overdue {c['overdue']:,}, "
          f"major found {c['major_found']:,}, major open {c['major_open']:,}, rejected {c['rejected']:,}")
    print(f"{len(townships)} townships; each figure is the same both ways")
    print(describe("set-based (1 grouped query)", set_times))
    print(describe(f"per-township loop ({len(townships)} queries)", loop_times)
          + ("   (custom plans)" if loop_times is loop_custom else "   (default plan caching)"))
    other = loop_custom if loop_times is loop_default else loop_default
    print(describe("  the loop, other plan caching", other))
    print(f"ratio (loop / set-based, medians): {statistics.median(loop_times) / statistics.median(set_times):.1f}x")
    print("plan: " + next((p[0].strip() for p in plan if "Execution Time" in p[0]), "?"))
    engine.dispose()


if __name__ == "__main__":
    main()
