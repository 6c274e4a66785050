"""Background jobs on RQ: the real Redis that ./scripts/test starts and a real ``gridpatrol worker --burst`` process
working against the test database.  A compute that outlasts the route's wait answers 202 and goes queued → running
(with its progress) → done; a failing job ends failed with its code; a redelivered job does not run twice; a queue
that cannot be reached answers 503 and the job is recorded failed, not lost."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from server.app import create_app
from server.jobs import queue as job_queue
from server.jobs.models import Job
from server.ranking.models import RankingRun

ROOT = Path(__file__).resolve().parent.parent
ASYNC = {"Prefer": "respond-async"}


@pytest.fixture
def redis_url():
    url = os.environ.get("GRIDPATROL_TEST_REDIS_URL")
    if not url:
        if os.environ.get("GRIDPATROL_REQUIRE_SERVERS") == "1":
            pytest.fail("GRIDPATROL_TEST_REDIS_URL not set by ./scripts/test")
        pytest.skip("needs the Redis started by ./scripts/test")
    return url


@pytest.fixture
def rq(app, config, clock, engine, redis_url, tmp_path):
    """An app whose jobs go to RQ (a queue of this test's own on the suite's Redis), and a way to run a worker."""
    cfg = dataclasses.replace(config, jobs_redis_url=redis_url, jobs_queue=f"test-{uuid.uuid4().hex[:12]}",
                              jobs_wait_seconds=0.3)
    rq_app = create_app(cfg, clock=clock, engine=engine)
    yield RQ(rq_app, cfg, tmp_path)
    job_queue.queue_of(rq_app).queue.delete(delete_jobs=True)  # type: ignore[union-attr]


@dataclasses.dataclass
class RQ:
    app: object
    config: object
    tmp_path: Path

    @property
    def client(self):
        return self.app.test_client()  # type: ignore[attr-defined]

    def worker(self) -> subprocess.Popen:
        """``gridpatrol worker --burst``: runs what is queued, then exits."""
        cfg = self.config
        env = os.environ | {
            "GRIDPATROL_DATABASE_URL": cfg.database_url, "GRIDPATROL_JOBS_REDIS_URL": cfg.jobs_redis_url,
            "GRIDPATROL_JOBS_QUEUE": cfg.jobs_queue, "GRIDPATROL_STORE": "local", "GRIDPATROL_STORE_DIR": cfg.store_dir,
            "GRIDPATROL_VAR_DIR": str(self.tmp_path / "worker-var"), "GRIDPATROL_URL_SIGNING_KEY": cfg.url_signing_key,
            "GRIDPATROL_PUBLIC_URL": cfg.public_url, "GRIDPATROL_LOG_LEVEL": "WARNING"}
        return subprocess.Popen([sys.executable, "-m", "server.cli", "worker", "--burst"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen, seconds: float = 120) -> str:
    out, _ = proc.communicate(timeout=seconds)
    assert proc.returncode == 0, out
    return out


def get_job(client, world, location, user="county"):
    resp = client.get(location, headers=world.headers(user))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def until(client, world, location, states, seconds=60.0, message=None):
    """Poll until the job is in one of ``states`` or (given) shows ``message``."""
    deadline = time.monotonic() + seconds
    while True:
        job = get_job(client, world, location)
        if job["state"] in states or job["message"] == message:
            return job
        assert time.monotonic() < deadline, f"job still {job['state']}"
        time.sleep(0.05)


def test_a_compute_longer_than_the_wait_answers_202_and_goes_queued_running_done(rq, world, session, engine):
    client = rq.client
    resp = client.post("/api/v1/rankings/2026-10/compute", headers=world.headers("county"))
    assert resp.status_code == 202, resp.get_json()  # nobody works the queue yet: it outlasts the 0.3 s wait
    location = resp.headers["Location"]
    assert "Preference-Applied" not in resp.headers
    job = get_job(client, world, location)
    assert job["state"] == "queued" and job["progress"] == 0 and job["started_at"] is None
    again = client.post("/api/v1/rankings/2026-10/compute", headers=world.headers("county") | ASYNC)
    assert again.status_code == 202 and again.get_json()["id"] == job["id"]  # the same work: the same job

    postgres = engine.dialect.name == "postgresql"
    if postgres:  # hold the run's table so that the job stops inside its work, where the console would see it
        session.execute(text("LOCK TABLE ranking_runs IN SHARE MODE"))
    proc = rq.worker()
    try:
        if postgres:
            # held at the run's first write, past the service's "scoring" step, where it stays until released
            running = until(client, world, location, ("done", "failed"), message="正在计分并保存")
            assert running["state"] == "running" and running["started_at"] and running["attempts"] == 1
            assert 10 < running["progress"] < 100
            session.rollback()
        finish(proc)
    finally:
        session.rollback()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    done = get_job(client, world, location)
    assert done["state"] == "done" and done["progress"] == 100 and done["message"] == "已完成"
    assert done["started_at"] <= done["finished_at"]
    run = session.get(RankingRun, done["result"]["run_id"])
    assert run is not None and run.month == "2026-10" and run.status == "draft" and run.revision == 0
    board = client.get("/api/v1/rankings/2026-10", query_string={"draft": "true"}, headers=world.headers("county"))
    assert board.status_code == 200


def test_a_failing_job_ends_failed_with_its_code_and_a_redelivery_does_not_run_twice(rq, world, session):
    client = rq.client
    bad = client.post("/api/v1/rankings/2026-11/publish", json={}, headers=world.headers("county") | ASYNC)
    good = client.post("/api/v1/rankings/2026-10/publish", json={}, headers=world.headers("county") | ASYNC)
    assert bad.status_code == good.status_code == 202
    finish(rq.worker())
    failed = get_job(client, world, bad.headers["Location"])
    assert failed["state"] == "failed" and failed["error"]["code"] == "month_not_ended"
    assert failed["error"]["detail"]["fields"]["month"] and failed["result"] is None
    published = get_job(client, world, good.headers["Location"])
    assert published["state"] == "done" and published["result"]["revision"] == 1

    queue = job_queue.queue_of(rq.app)  # type: ignore[arg-type]
    queue.enqueue(published["id"])  # delivered again (a worker lost after the commit, say)
    finish(rq.worker())
    assert get_job(client, world, good.headers["Location"])["attempts"] == 1
    assert session.scalar(select(func.count(RankingRun.id)).where(RankingRun.status == "published")) == 1


def test_a_queue_that_cannot_be_reached_answers_503_and_the_job_is_recorded_failed(app, config, clock, engine, world,
                                                                                   session):
    cfg = dataclasses.replace(config, jobs_redis_url="redis://127.0.0.1:1")  # nothing listens on port 1
    client = create_app(cfg, clock=clock, engine=engine).test_client()
    resp = client.post("/api/v1/rankings/2026-10/compute", headers=world.headers("county"))
    assert resp.status_code == 503 and resp.get_json()["code"] == "job_queue_unavailable"
    job = session.scalar(select(Job))
    assert job.state == "failed" and job.error_code == "job_queue_unavailable" and job.finished_at
    assert session.scalar(select(func.count(RankingRun.id))) == 0


def test_a_job_that_outlasts_its_timeout_is_stopped_and_recorded_interrupted(rq, world, session, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("holds a table lock to keep the job inside its work")
    short = RQ(create_app(dataclasses.replace(rq.config, jobs_timeout_seconds=1), clock=rq.app.extensions[
        "gridpatrol.clock"], engine=engine), rq.config, rq.tmp_path)
    resp = short.client.post("/api/v1/rankings/2026-10/compute", headers=world.headers("county") | ASYNC)
    session.execute(text("LOCK TABLE ranking_runs IN SHARE MODE"))
    try:
        finish(short.worker())
    finally:
        session.rollback()
    job = get_job(short.client, world, resp.headers["Location"])
    assert job["state"] == "failed" and job["error"]["code"] == "job_interrupted"
    assert job["error"]["detail"] == {"reason": "JobTimeoutException"}
    assert session.scalar(select(func.count(RankingRun.id))) == 0
