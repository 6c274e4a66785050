"""Background jobs: rankings, the bulletins of every township and hazard exports run as jobs whose state the console
polls.  The embedded mode (no Redis: a thread of the app process, what ./scripts/serve uses) on both databases;
RQ on the real Redis that ./scripts/test starts, with a real ``gridpatrol worker`` process on the test database,
in tests/test_jobs_rq.py."""
from __future__ import annotations

import io
import time
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from server.jobs import queue as job_queue
from server.jobs import service as jobs
from server.jobs.models import Job
from server.org import service as org
from server.ranking.models import RankingRun
from server.reports.models import Bulletin
from server.storage.base import ObjectNotFound
from tests.factories import add_user, box

ASYNC = {"Prefer": "respond-async"}


def headers(world, user="county", **extra):
    return world.headers(user) | extra


def poll(client, world, location, user="county", seconds=60.0):
    """GET the job until it has ended; returns every (state, progress) seen and the last answer."""
    seen = []
    deadline = time.monotonic() + seconds
    while True:
        resp = client.get(location, headers=world.headers(user))
        assert resp.status_code == 200, resp.get_json()
        job = resp.get_json()
        if not seen or seen[-1] != (job["state"], job["progress"]):
            seen.append((job["state"], job["progress"]))
        if job["state"] in ("done", "failed"):
            return seen, job
        assert time.monotonic() < deadline, f"job still {job['state']} after {seconds} s"
        time.sleep(0.05)


def other_county(session, world):
    """A second county with its own admin (``county_b``), in the same database."""
    county = org.create_county(session, code="330899", name="白水县", boundary=box(121.0, 29.0, 121.4, 29.4))
    world.users["county_b"] = add_user(session, "county_b", "county_admin", county)
    session.commit()
    return county


# --- the synchronous answer is kept when the job ends within the wait ------------------------------------------------

def test_a_compute_that_ends_within_the_wait_answers_201_as_before_and_leaves_a_done_job(client, world, session):
    resp = client.post("/api/v1/rankings/2026-10/compute", headers=headers(world))
    assert resp.status_code == 201, resp.get_json()
    run = resp.get_json()
    assert run["month"] == "2026-10" and run["status"] == "draft"

    listed = client.get("/api/v1/jobs", headers=world.headers("county")).get_json()
    assert len(listed) == 1
    job = listed[0]
    assert job["kind"] == "ranking_compute" and job["state"] == "done" and job["progress"] == 100
    assert session.get(RankingRun, job["result"]["run_id"]).digest == run["digest"]
    assert job["result"]["revision"] == 0 and job["area_id"] == world.areas["C"].id
    assert job["requested_by"] == {"id": world.users["county"].id, "display_name": world.users["county"].display_name}
    assert job["created_at"] <= job["started_at"] <= job["finished_at"] and job["attempts"] == 1
    assert job["params"]["month"] == "2026-10" and job["error"] is None


def test_a_job_that_fails_within_the_wait_answers_the_error_of_the_synchronous_call(client, world):
    assert client.post("/api/v1/rankings/2026-10/publish", json={}, headers=headers(world)).status_code == 201
    again = client.post("/api/v1/rankings/2026-10/publish", json={}, headers=headers(world))
    assert again.status_code == 409 and again.get_json()["code"] == "ranking_published"
    assert again.get_json()["detail"]["revision"] == 1
    failed = client.get("/api/v1/jobs", query_string={"state": "failed"}, headers=world.headers("county")).get_json()
    assert [j["error"]["code"] for j in failed] == ["ranking_published"]
    assert failed[0]["error"]["detail"] == {"revision": 1} and failed[0]["message"].startswith("2026-10 的排名已发布")


def test_bad_input_is_answered_before_any_job_is_made(client, world, session):
    assert client.post("/api/v1/rankings/2026-13/compute", headers=headers(world)).status_code == 422
    assert client.post("/api/v1/rankings/2027-01/compute", headers=headers(world)).get_json()["code"] == \
        "month_in_future"
    assert client.post("/api/v1/rankings/2026-10/compute", headers=headers(world, "town1")).status_code == 403
    assert session.scalar(select(func.count(Job.id))) == 0


# --- respond-async: 202 at once, then queued → running → done ------------------------------------------------------

def test_respond_async_answers_202_with_the_job_and_its_location_then_the_run_exists(client, world, session):
    resp = client.post("/api/v1/rankings/2026-10/compute", headers=headers(world, **ASYNC))
    assert resp.status_code == 202, resp.get_json()
    job = resp.get_json()
    assert resp.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert resp.headers["Preference-Applied"] == "respond-async"
    assert job["kind"] == "ranking_compute" and job["state"] == "queued" and job["progress"] == 0
    assert job["label"] == "计算月排名草稿" and job["message"] == "排队等待中"

    seen, done = poll(client, world, resp.headers["Location"])
    order = [["queued", "running", "done"].index(state) for state, _ in seen]
    assert seen[-1] == ("done", 100) and order == sorted(order)  # never back to an earlier state
    run = session.get(RankingRun, done["result"]["run_id"])
    assert run is not None and run.month == "2026-10" and run.status == "draft"
    board = client.get("/api/v1/rankings/2026-10", query_string={"draft": "true", "page_size": 100},
                       headers=world.headers("county"))
    assert board.status_code == 200 and board.get_json() == []  # a month with no activity: an empty board


def test_a_failing_async_job_ends_failed_with_its_code_and_message(client, world):
    resp = client.post("/api/v1/rankings/2026-11/publish", json={}, headers=headers(world, **ASYNC))
    assert resp.status_code == 202
    _seen, job = poll(client, world, resp.headers["Location"])
    assert job["state"] == "failed" and job["result"] is None and job["finished_at"]
    assert job["error"]["code"] == "month_not_ended" and "尚未结束" in job["error"]["message"]
    assert job["error"]["status"] == 422
    assert job["error"]["detail"]["fields"]["month"]


# --- who sees a job --------------------------------------------------------------------------------------------------

def test_a_job_is_seen_by_its_requester_and_admins_whose_scope_holds_its_area_only(client, world, session):
    other_county(session, world)
    resp = client.post("/api/v1/bulletins/publish-all", json={"date": "2026-11-22"},
                       headers=headers(world, "town1", **ASYNC))
    assert resp.status_code == 202, resp.get_json()
    location = resp.headers["Location"]
    _seen, job = poll(client, world, location, user="town1")
    assert job["state"] == "done" and job["area_id"] == world.areas["T1"].id
    for user in ("town1", "county"):  # the requester; the county admin, whose scope holds T1
        assert client.get(location, headers=world.headers(user)).status_code == 200
        assert [j["id"] for j in client.get("/api/v1/jobs", headers=world.headers(user)).get_json()] == [job["id"]]
    for user in ("town2", "county_b", "m1", "insp1"):  # another township, another county, a member, an inspector
        resp = client.get(location, headers=world.headers(user))
        assert resp.status_code == 404 and resp.get_json()["code"] == "not_found", user
        assert client.get("/api/v1/jobs", headers=world.headers(user)).get_json() == []
    assert client.get("/api/v1/jobs/999999", headers=world.headers("county")).status_code == 404
    assert client.get("/api/v1/jobs").status_code == 401


def test_a_ranking_job_of_another_county_is_404_to_this_county(client, world, session):
    other_county(session, world)
    resp = client.post("/api/v1/rankings/2026-10/compute", headers=headers(world, "county_b", **ASYNC))
    assert resp.status_code == 202, resp.get_json()
    _seen, job = poll(client, world, resp.headers["Location"], user="county_b")
    assert job["state"] == "done"
    assert client.get(resp.headers["Location"], headers=world.headers("county")).status_code == 404
    assert client.get("/api/v1/jobs", headers=world.headers("county")).get_json() == []


# --- the bulletins of every township, and an export, as jobs --------------------------------------------------------

def test_publishing_every_townships_bulletin_is_a_job_scoped_to_my_area(client, world, session):
    resp = client.post("/api/v1/bulletins/publish-all", json={"date": "2026-11-22"}, headers=headers(world, "town1"))
    assert resp.status_code == 201, resp.get_json()
    job = resp.get_json()
    assert job["state"] == "done" and job["result"]["published"] == 1  # town1's scope: T1 only
    assert session.scalars(select(Bulletin.area_id)).all() == [world.areas["T1"].id]

    county = client.post("/api/v1/bulletins/publish-all", json={"date": "2026-11-22"}, headers=headers(world)).get_json()
    assert county["result"]["published"] == 1 and county["result"]["bulletin_ids"]  # T2; T1's is frozen already
    session.rollback()  # a fresh snapshot
    bulletin = session.get(Bulletin, county["result"]["bulletin_ids"][0])
    assert bulletin.area_id == world.areas["T2"].id and bulletin.published_by == "county"

    today = client.post("/api/v1/bulletins/publish-all", json={"date": "2026-11-23"}, headers=headers(world))
    assert today.status_code == 422 and today.get_json()["code"] == "day_not_over"


def test_a_hazard_export_job_stores_the_workbook_and_links_to_it(client, world):
    resp = client.post("/api/v1/hazards/exports", json={"status": ["reported"]}, headers=headers(world))
    assert resp.status_code == 201, resp.get_json()
    job = resp.get_json()
    assert job["kind"] == "hazard_export" and job["state"] == "done"
    result = job["result"]
    assert result["filename"] == "hazards-2026-11-23.xlsx" and result["key"].startswith(f"exports/jobs/{job['id']}/")
    url = urlsplit(result["url"])
    fetched = client.get(f"{url.path}?{url.query}")
    assert fetched.status_code == 200 and fetched.data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(fetched.data)).active
    assert sheet.title == "隐患清单" and "共 0 条" in sheet["A1"].value
    again = client.get(f"/api/v1/jobs/{job['id']}", headers=world.headers("county")).get_json()
    assert again["result"]["url"] != "" and again["result"]["key"] == result["key"]
    bad = client.post("/api/v1/hazards/exports", json={"status": ["nonsense"]}, headers=headers(world))
    assert bad.status_code == 422
    assert client.post("/api/v1/hazards/exports", json={}, headers=headers(world, "m1")).status_code == 403


# --- running a job: idempotent, every outcome recorded ----------------------------------------------------------------

def test_running_a_done_job_again_does_nothing_and_a_failed_one_runs_afresh(app, client, world, session):
    resp = client.post("/api/v1/rankings/2026-10/compute", headers=headers(world))
    job_id = client.get("/api/v1/jobs", headers=world.headers("county")).get_json()[0]["id"]
    runs = session.scalar(select(func.count(RankingRun.id)))
    rt = job_queue.runtime_of(app)
    with app.app_context():
        assert jobs.run(rt, job_id) == "done"  # a redelivery: nothing recomputed
    session.rollback()  # a fresh snapshot
    assert session.scalar(select(func.count(RankingRun.id))) == runs
    assert resp.status_code == 201 and session.get(RankingRun, session.get(Job, job_id).result["run_id"]) is not None
    assert session.get(Job, job_id).attempts == 1

    failing = client.post("/api/v1/rankings/2026-10/publish", json={"revision": 2, "reason": "更正"},
                          headers=headers(world))
    assert failing.status_code == 409 and failing.get_json()["code"] == "revision_conflict"
    session.rollback()  # a fresh snapshot
    failed_id = session.scalar(select(Job.id).where(Job.state == "failed"))
    assert client.post("/api/v1/rankings/2026-10/publish", json={}, headers=headers(world)).status_code == 201
    with app.app_context():  # the failed job delivered again runs afresh: revision 2 is the next one by now
        assert jobs.run(rt, failed_id) == "done"
    session.rollback()  # a fresh snapshot
    job = session.get(Job, failed_id)
    assert job.attempts == 2 and job.error_code is None and job.progress == 100
    assert session.get(RankingRun, job.result["run_id"]).revision == 2 and job.result["revision"] == 2


def test_the_same_work_asked_twice_while_queued_is_one_job(app, client, world, session):
    # submitted and never handed to a runner: it stays queued
    rt = job_queue.runtime_of(app)
    job, created = jobs.submit(rt, kind_name="ranking_compute", area_id=world.areas["C"].id, actor=_actor(world),
                               params={"county_id": world.areas["C"].id, "month": "2026-10", "today": "2026-11-23",
                                       "now": "2026-11-23T02:00:00+00:00"})
    assert created
    resp = client.post("/api/v1/rankings/2026-10/compute", headers=headers(world, **ASYNC))
    assert resp.status_code == 202 and resp.get_json()["id"] == job.id  # the queued one, not a second
    assert session.scalar(select(func.count(Job.id))) == 1
    other = client.post("/api/v1/rankings/2026-09/compute", headers=headers(world, **ASYNC))
    assert other.get_json()["id"] != job.id
    _seen, done = poll(client, world, other.headers["Location"])
    assert done["state"] == "done"


def test_an_unexpected_error_is_recorded_as_internal_error_and_the_work_rolled_back(app, world, session):
    rt = job_queue.runtime_of(app)
    job, _ = jobs.submit(rt, kind_name="ranking_compute", area_id=world.areas["C"].id, actor=_actor(world),
                         params={"county_id": world.areas["C"].id, "month": "2026-10"})  # no today/now: a bug
    with app.app_context():
        assert jobs.run(rt, job.id) == "failed"
    session.rollback()  # a fresh snapshot
    failed = session.get(Job, job.id)
    assert failed.state == "failed" and failed.error_code == "internal_error"
    assert failed.error_detail == {"status": 500, "detail": {"type": "KeyError"}}
    assert session.scalar(select(func.count(RankingRun.id))) == 0


def test_a_job_whose_runner_died_is_shown_failed_once_past_its_timeout(app, client, world, session, clock):
    rt = job_queue.runtime_of(app)
    job, _ = jobs.submit(rt, kind_name="ranking_compute", area_id=world.areas["C"].id, actor=_actor(world),
                         params={"county_id": world.areas["C"].id, "month": "2026-10"})
    session.execute(update(Job).where(Job.id == job.id).values(state="running", started_at=clock()))
    session.commit()
    location = f"/api/v1/jobs/{job.id}"
    clock.advance(seconds=app.extensions["gridpatrol.config"].jobs_timeout_seconds)
    assert client.get(location, headers=world.headers("county")).get_json()["state"] == "running"  # within grace
    clock.advance(minutes=6)
    stale = client.get(location, headers=world.headers("county")).get_json()
    assert stale["state"] == "failed" and stale["error"]["code"] == "job_interrupted"
    assert stale["finished_at"] and stale["error"]["detail"] == {"reason": "stale"}


def test_the_files_of_old_jobs_are_swept_and_their_result_says_so(app, client, world, session, clock):
    from server.cli import jobs_group

    job = client.post("/api/v1/hazards/exports", json={}, headers=headers(world)).get_json()
    key = job["result"]["key"]
    store = app.extensions["gridpatrol.store"]
    runner = app.test_cli_runner()
    assert runner.invoke(jobs_group, ["sweep", "--days", "7"]).output.strip() == "deleted 0 job files"
    assert store.get(key)[:2] == b"PK"
    clock.advance(days=8)
    assert runner.invoke(jobs_group, ["sweep", "--days", "7"]).output.strip() == "deleted 1 job files"
    with pytest.raises(ObjectNotFound):
        store.get(key)
    swept = client.get(f"/api/v1/jobs/{job['id']}", headers=world.headers("county")).get_json()
    assert swept["state"] == "done" and swept["result"]["expired"] is True and "url" not in swept["result"]


def test_the_worker_command_needs_the_redis_url(app):
    from server.cli import worker

    result = app.test_cli_runner().invoke(worker, ["--burst"])
    assert result.exit_code != 0 and "GRIDPATROL_JOBS_REDIS_URL" in result.output


def _actor(world):
    from server.auth.scope import actor_for

    return actor_for(world.users["county"])
