#!/usr/bin/env python3
"""How long a ranking compute holds a web worker, before (the synchronous call) and as a background job (RQ on a
real Redis), on PostgreSQL with a county's month of activity; and what the job itself costs in the worker.

Run through ./scripts/bench/run jobs (it starts PostgreSQL and Redis), or with GRIDPATROL_BENCH_DATABASE_URL and
GRIDPATROL_BENCH_REDIS_URL set.  GRIDPATROL_BENCH_JOBS_SCALE (default 0.25: ~6 townships, ~1,300 members, ~375,000
visits; 1 is a county of 5,100 members) sizes the county, made as bench_ranking makes it.  Measured, each the median
of three:

* synchronous: ``ranking.service.compute`` in one transaction, what ``POST /rankings/{month}/compute`` ran inside the
  request before it became a job (the web worker was held this long);
* job, answer: ``POST /rankings/{month}/compute`` with ``Prefer: respond-async`` through the app (token check, scope,
  the job row committed, the id pushed to Redis) until its 202;
* job, run: the same job in an RQ worker (``gridpatrol worker``'s SimpleWorker, in this process), from the 202 to
  ``done`` in the jobs row.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))

from sqlalchemy import select  # noqa: E402

from server.app import create_app  # noqa: E402
from server.auth import tokens  # noqa: E402
from server.auth.models import User  # noqa: E402
from server.auth.scope import actor_for  # noqa: E402
from server.config import Config  # noqa: E402
from server.db import make_engine  # noqa: E402
from server.jobs import queue as job_queue  # noqa: E402
from server.jobs.models import Job  # noqa: E402
from server.org.service import counties  # noqa: E402
from server.ranking import rules, service  # noqa: E402

MONTH = "2026-10"
NOW = datetime(2026, 11, 23, 2, tzinfo=timezone.utc)
REPEAT = 3


def main() -> None:
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    redis_url = os.environ.get("GRIDPATROL_BENCH_REDIS_URL")
    if not url or not redis_url:
        sys.exit("set GRIDPATROL_BENCH_DATABASE_URL and GRIDPATROL_BENCH_REDIS_URL, or run ./scripts/bench/run jobs")
    scale = float(os.environ.get("GRIDPATROL_BENCH_JOBS_SCALE", "0.25"))
    from bench_ranking import prepare

    made = prepare(url, scale)
    print(f"county ×{scale:g}: {made['townships']} townships, {made['members']} members, "
          f"{made['rows'].get('visits', 0):,} visits (generated in {made['generated_s']:.0f} s)")

    engine = make_engine(url)
    cfg = Config(database_url=url, jobs_redis_url=redis_url, jobs_queue=f"bench-{uuid.uuid4().hex[:8]}",
                 jobs_wait_seconds=0.0, store_dir=str(ROOT / "var" / "bench-objects"), testing=True).with_defaults()
    app = create_app(cfg, clock=lambda: NOW, engine=engine)
    sessions = app.extensions["gridpatrol.sessionmaker"]
    calendar = rules.load_calendar()
    with sessions() as session:
        admin = session.scalars(select(User).where(User.role == "county_admin").order_by(User.id)).first()
        assert admin is not None
        actor = actor_for(admin)
        county_id = counties(session)[0].id
    token = tokens.issue_access_token(cfg, admin.id, admin.role, NOW)
    headers = {"Authorization": f"Bearer {token}", "Prefer": "respond-async"}

    sync, answer, run = [], [], []
    queue = job_queue.queue_of(app)
    from rq import SimpleWorker

    worker = SimpleWorker([queue.queue], connection=queue.queue.connection)  # type: ignore[union-attr]
    job_queue.set_worker_app(app)
    client = app.test_client()
    for _ in range(REPEAT):
        with sessions() as session:
            t = time.perf_counter()
            service.compute(session, county_id, MONTH, actor, today=NOW.date(), now=NOW, calendar=calendar)
            session.commit()
            sync.append(time.perf_counter() - t)
        t = time.perf_counter()
        resp = client.post(f"/api/v1/rankings/{MONTH}/compute", headers=headers)
        answer.append(time.perf_counter() - t)
        assert resp.status_code == 202, resp.get_json()
        job_id = resp.get_json()["id"]
        t = time.perf_counter()
        worker.work(burst=True, logging_level="WARNING")
        run.append(time.perf_counter() - t)
        with sessions() as session:
            state = session.scalar(select(Job.state).where(Job.id == job_id))
            assert state == "done", state
    queue.queue.delete(delete_jobs=True)  # type: ignore[union-attr]
    engine.dispose()

    s, a, r = (statistics.median(x) for x in (sync, answer, run))
    print(f"web worker held, synchronous compute: {s * 1000:8.0f} ms")
    print(f"web worker held, job (202 answer):    {a * 1000:8.1f} ms   ({s / a:,.0f}× shorter)")
    print(f"the job in the RQ worker:             {r * 1000:8.0f} ms   ({r / s:.2f}× the synchronous compute)")


if __name__ == "__main__":
    main()
