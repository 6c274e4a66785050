#!/usr/bin/env python3
"""One county's monthly ranking alone in its database, and the same county among several more: does a county's
compute + publish grow with the other counties in the database?  (Goal: < 1.2× alone, and < 2 s for a 1× month of
5,100 members and 1.46 M visits.)

Run through ./scripts/bench/run ranking_counties (it starts PostgreSQL), or with GRIDPATROL_BENCH_DATABASE_URL set.

1. A county at GRIDPATROL_BENCH_COUNTIES_SCALE (default 1: 25 townships, ~3,000 grids, ~5,100 members, 170,000
   places) is seeded by scripts/gen_scale.py, and October 2026 filled by server/ranking/testing/activity.py (the same
   data as bench_ranking.py); VACUUM ANALYZE, as autovacuum would.  Its publish (the cron path) and compute + publish
   are measured, best of three.
2. GRIDPATROL_BENCH_COUNTIES more counties (default 3) are added as copies of it made in SQL (new ids, codes, user
   names and client uuids; the same figures), which takes seconds where generating them would take minutes each.
   The field-record tables are then rewritten in day order (CLUSTER … USING the day index), so every county's rows
   are interleaved on the same pages as they would be after a month of arrivals from all counties — a county's rows
   are not conveniently contiguous.  VACUUM ANALYZE again.
3. The same county's publish and compute + publish are measured again, and a copy's, and the plan of the largest
   query (the visits coverage) is printed: the ratio to step 1 is the figure.
4. The baseline in the same run: the member-day indexes rebuilt as they were before migration 0014 (user_id, day
   without the covered columns), and the county measured once more among the others.
"""
from __future__ import annotations

import os
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_ranking  # noqa: E402  # scripts/bench is on the path when a benchmark runs
from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402

from server import demo  # noqa: E402
from server.audit.service import CLI, install, set_context  # noqa: E402
from server.auth.scope import SYSTEM  # noqa: E402
from server.db import make_engine, make_sessionmaker  # noqa: E402
from server.ranking import rules, service  # noqa: E402

MONTH, YEAR, MON = "2026-10", 2026, 10
TODAY = date(2026, 11, 23)
SCALE = float(os.environ.get("GRIDPATROL_BENCH_COUNTIES_SCALE", "1"))
MORE = int(os.environ.get("GRIDPATROL_BENCH_COUNTIES", "3"))
KEEP = os.environ.get("GRIDPATROL_BENCH_COUNTIES_KEEP") == "1"  # reuse a database holding the one seeded county
REPEAT = 3

# copied per county, parents first; the field records are the ranking's inputs
TABLES = ("areas", "users", "user_areas", "places", "checkins", "visits", "publicity_visits", "daily_reports",
          "hazards", "tasks", "task_assignments")
FIELD_TABLES = {"checkins": "ix_checkins_day", "visits": "ix_visits_day", "publicity_visits": "ix_publicity_day"}
SUFFIXED = {("users", "username"), ("places", "natural_key"), ("users", "wechat_openid")}


def vacuum(url: str) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()


def prepare(url: str) -> dict[str, Any]:
    """One county's month, made as the ranking benchmark makes it, then vacuumed for index-only scans."""
    t = time.perf_counter()
    made = bench_ranking.prepare(url, SCALE)
    vacuum(url)
    return {"members": made["members"], "grids": made["grids"], "rows": made["rows"], "made_s": time.perf_counter() - t}


def _columns(conn: Connection, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in conn.execute(text(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = :t AND table_schema = "
        "'public' ORDER BY ordinal_position"), {"t": table})]


def _references(conn: Connection, table: str) -> dict[str, str]:
    """{column: referenced table} of the table's foreign keys."""
    return {r[0]: r[1] for r in conn.execute(text(
        "SELECT a.attname, c.confrelid::regclass::text FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND c.conrelid = CAST(:t AS regclass)"), {"t": table})}


def add_counties(url: str, more: int) -> float:
    """``more`` copies of the database's county, each with ids shifted past the original's."""
    engine = make_engine(url)
    t = time.perf_counter()
    with engine.begin() as conn:
        base = {tbl: int(conn.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {tbl}")).scalar_one())
                for tbl in TABLES if tbl != "user_areas"}
        code = conn.execute(text("SELECT code FROM areas WHERE level = 'county'")).scalar_one()
        plans = {tbl: (_columns(conn, tbl), _references(conn, tbl)) for tbl in TABLES}
        for k in range(1, more + 1):
            for tbl in TABLES:
                columns, refs = plans[tbl]
                exprs = []
                for name, kind in columns:
                    if name == "id":
                        expr = f"id + {k * base[tbl]}"
                    elif name in refs and refs[name] in base:
                        expr = f"{name} + {k * base[refs[name]]}"
                    elif name == "client_uuid":
                        expr = f"md5({name}::text || '{k}')" + ("::uuid" if kind == "uuid" else "")
                    elif (tbl, name) == ("places", "credit_code"):  # 18 characters, unique
                        expr = f"substr(md5({name} || '{k}'), 1, 18)"
                    elif (tbl, name) in SUFFIXED:
                        expr = f"{name} || '~{k}'"
                    elif tbl == "areas" and name == "code":
                        expr = f"'{int(code) + k}' || substr(code, 7)"
                    elif tbl == "areas" and name == "name":
                        expr = f"CASE WHEN level = 'county' THEN name || '{k}' ELSE name END"
                    elif tbl == "areas" and name == "path":
                        expr = (f"'/' || (SELECT string_agg((x::bigint + {k * base['areas']})::text, '/' ORDER BY o) "
                                "FROM unnest(string_to_array(trim(both '/' from path), '/')) WITH ORDINALITY AS "
                                "u(x, o)) || '/'")
                    else:
                        expr = name
                    exprs.append(expr)
                names = ", ".join(n for n, _ in columns)
                conn.execute(text(f"INSERT INTO {tbl} ({names}) SELECT {', '.join(exprs)} FROM {tbl} "
                                  + ("WHERE id < :lim" if tbl in base else "WHERE user_id < :lim")),
                             {"lim": base[tbl] if tbl in base else base["users"]})
        for tbl in base:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{tbl}', 'id'), (SELECT max(id) FROM {tbl}))"))
    with engine.begin() as conn:  # the month's arrivals from every county, interleaved on the pages by day
        for tbl, index in FIELD_TABLES.items():
            conn.execute(text(f"CLUSTER {tbl} USING {index}"))
    engine.dispose()
    vacuum(url)
    return time.perf_counter() - t


def member_day_indexes(url: str, covering: bool) -> float:
    """The (user_id, day) indexes as migration 0014 makes them (covering the ranking's columns) or as they were
    before it (plain: the rows must be read from the heap)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("m0014", ROOT / "server/migrations/versions/0014_county_rankings.py")
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    engine = make_engine(url)
    t = time.perf_counter()
    with engine.begin() as conn:
        for name, table, include in migration.COVERING:
            conn.execute(text(f"DROP INDEX {name}"))
            conn.execute(text(f"CREATE INDEX {name} ON {table} (user_id, day)"
                              + (f" INCLUDE ({', '.join(include)})" if covering else "")))
    engine.dispose()
    vacuum(url)
    return time.perf_counter() - t


def kept(url: str) -> dict[str, Any] | None:
    """With GRIDPATROL_BENCH_COUNTIES_KEEP=1, the setup of a database that already holds the one seeded county and
    its October (an earlier run stopped before it added counties), its indexes made as the migration makes them;
    None otherwise."""
    if not KEEP:
        return None
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            counties = conn.execute(text("SELECT count(*) FROM areas WHERE level = 'county'")).scalar_one()
            rows = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in ("checkins", "visits", "publicity_visits", "daily_reports")}
            members = conn.execute(text("SELECT count(*) FROM users WHERE role = 'member'")).scalar_one()
            grids = conn.execute(text("SELECT count(*) FROM areas WHERE level = 'grid'")).scalar_one()
    except Exception:  # noqa: BLE001 - no such tables: nothing to keep
        return None
    finally:
        engine.dispose()
    if counties != 1 or not rows["visits"]:
        return None  # deleting copies costs more than making the county again (unindexed reviewed_by_id checks)
    made = time.perf_counter()
    member_day_indexes(url, covering=True)
    return {"members": members, "grids": grids, "rows": rows, "made_s": time.perf_counter() - made, "kept": True}


def measure(url: str, county_code: str) -> dict[str, float]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    install(sessions)
    calendar = rules.load_calendar()
    now = datetime(2026, 11, 23, 2, tzinfo=timezone.utc)
    with engine.connect() as conn:
        county_id = conn.execute(text("SELECT id FROM areas WHERE code = :c"), {"c": county_code}).scalar_one()
    out: dict[str, list[float]] = {"publish": [], "compute": [], "publish_after_draft": []}

    def fresh() -> None:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM ranking_entries"))
            conn.execute(text("DELETE FROM ranking_runs"))

    members = 0
    for _ in range(REPEAT):
        fresh()
        with sessions() as session:
            set_context(session, CLI)
            t = time.perf_counter()
            run = service.publish(session, county_id, MONTH, SYSTEM, today=TODAY, now=now, calendar=calendar)
            session.commit()
            out["publish"].append(time.perf_counter() - t)
            members = run.counts["members"]
        fresh()
        with sessions() as session:
            set_context(session, CLI)
            t = time.perf_counter()
            service.compute(session, county_id, MONTH, SYSTEM, today=TODAY, now=now, calendar=calendar)
            session.commit()
            out["compute"].append(time.perf_counter() - t)
            t = time.perf_counter()
            service.publish(session, county_id, MONTH, SYSTEM, today=TODAY, now=now, calendar=calendar)
            session.commit()
            out["publish_after_draft"].append(time.perf_counter() - t)
    engine.dispose()
    best = {k: min(v) for k, v in out.items()}
    return best | {"both": best["compute"] + best["publish_after_draft"], "members": members}


def coverage_plan(url: str, county_code: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the visits coverage query for the county."""
    from sqlalchemy.dialects import postgresql

    from server.org.models import Area
    from server.patrol.models import Visit
    from server.ranking.figures import county_members, coverage_pairs
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        county = session.scalar(select(Area).where(Area.code == county_code))
        first, last = rules.month_days(YEAR, MON)
        stmt = coverage_pairs(Visit, first, last, county_members(county))
        sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        plan = "\n".join(r[0] for r in session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)))
    engine.dispose()
    return plan


def main() -> None:
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    if not url:
        sys.exit("set GRIDPATROL_BENCH_DATABASE_URL or run ./scripts/bench/run ranking_counties")
    setup = kept(url) or prepare(url)
    r = setup["rows"]
    code = demo.COUNTY_CODE
    engine = make_engine(url)
    with engine.connect() as conn:
        code = conn.execute(text("SELECT code FROM areas WHERE level = 'county'")).scalar_one()
    engine.dispose()
    print(f"one county ×{SCALE:g}: {setup['members']:,} members, {setup['grids']:,} grids; October: "
          f"{r.get('checkins', 0):,} clock-ins, {r.get('visits', 0):,} visits, {r.get('publicity_visits', 0):,} "
          f"publicity, {r.get('daily_reports', 0):,} reports ("
          + ("kept from an earlier run, indexes rebuilt" if setup.get("kept") else "made")
          + f" in {setup['made_s']:.0f} s)", flush=True)
    alone = measure(url, code)
    print(f"  alone:  publish {alone['publish']:.2f} s, compute + publish {alone['both']:.2f} s "
          f"({alone['members']:,} members ranked)", flush=True)
    added = add_counties(url, MORE)
    print(f"{MORE} more counties copied in SQL and the field records interleaved by day in {added:.0f} s: "
          f"{MORE + 1} counties, {(MORE + 1) * r.get('visits', 0):,} visits in the database", flush=True)
    among = measure(url, code)
    copy = measure(url, str(int(code) + MORE))
    print(f"  among {MORE + 1}: publish {among['publish']:.2f} s, compute + publish {among['both']:.2f} s "
          f"({among['members']:,} members ranked); a copy: publish {copy['publish']:.2f} s")
    print(coverage_plan(url, code))
    rebuilt = member_day_indexes(url, covering=False)
    plain = measure(url, code)
    print(f"baseline, the member-day indexes without the covered columns (rebuilt in {rebuilt:.0f} s): "
          f"among {MORE + 1}: publish {plain['publish']:.2f} s, compute + publish {plain['both']:.2f} s "
          f"= {plain['publish'] / alone['publish']:.2f}× / {plain['both'] / alone['both']:.2f}× alone")
    print(coverage_plan(url, code))
    ratio = among["publish"] / alone["publish"]
    ratio_both = among["both"] / alone["both"]
    print(f"summary (PostgreSQL, ×{SCALE:g} county, {MORE + 1} counties): publish alone {alone['publish']:.2f} s, "
          f"among {MORE + 1} {among['publish']:.2f} s = {ratio:.2f}× (goal < 1.2×: "
          f"{'met' if ratio < 1.2 else 'not met'}); compute + publish {alone['both']:.2f} s → {among['both']:.2f} s "
          f"= {ratio_both:.2f}×; goal < 2 s for the 1× month: "
          f"{'met' if SCALE >= 1 and among['publish'] < 2 else 'not met' if SCALE >= 1 else 'not measured at 1×'}")


if __name__ == "__main__":
    main()
