"""Monthly rankings: the figures and points of a generated month explained row by row, drafts and frozen
revisions, scope, the bad input of the issue, posters and the XLSX export."""
from __future__ import annotations

import dataclasses
import io
import json
import uuid
from datetime import date

import numpy as np
import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import insert, select

from server import demo
from server.auth import tokens
from server.auth.models import User
from server.checklists.models import Checklist
from server.common.timeutil import local_day
from server.dispatch.models import Task, TaskAssignment
from server.org.models import Area
from server.patrol.models import CheckIn, Visit
from server.ranking import poster, rules
from server.ranking.models import RankingEntry, RankingRun
from server.ranking.testing import activity, reference
from server.reports.models import DailyReport
from tests.patrol_helpers import checkin, local, publicity, visit

OCT_WORKING_DAYS = 18  # 2026-10: 22 weekdays, 1-7 October off (5 of them weekdays), Saturday 10 October worked


def call(client, world, method, path, user="county", **kw):
    return client.open(f"/api/v1/rankings/{path}", method=method, headers=world.headers(user), **kw)


def board(client, world, month, user="county", **query):
    query.setdefault("page_size", 100)
    resp = client.get(f"/api/v1/rankings/{month}", headers=world.headers(user), query_string=query)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def metrics_of(row):
    return {m["name"]: m for m in row["metrics"]}


# --- records made directly (the API paths that make them are tested in their own modules) --------------------------

def _record(session, model, user, area_id, at, review="approved", **extra):
    row = model(client_uuid=str(uuid.uuid4()), user_id=user.id, area_id=area_id, device_time=at, received_at=at,
                occurred_at=at, day=local_day(at), lat=29.2, lng=120.05, photo_ids=[], flags=[],
                review_status=review, **extra)
    session.add(row)
    session.flush()
    return row


def clock_in(session, world, username, at, review="approved", counted=True):
    user = world.users[username]
    return _record(session, CheckIn, user, user.areas[0].id, at, review, counted=counted, geofence="in_area")


def patrol(session, world, username, place, at, review="approved"):
    checklist_id = session.scalar(select(Checklist.id).limit(1))
    return _record(session, Visit, world.users[username], world.places[place].area_id, at, review,
                   place_id=world.places[place].id, checklist_id=checklist_id, answers=[])


def daily_report(session, world, username, day, late=False):
    user = world.users[username]
    at = local(day.year, day.month, day.day, 18)
    session.add(DailyReport(client_uuid=str(uuid.uuid4()), user_id=user.id, area_id=user.areas[0].id, day=day,
                            first_submitted_at=at, submitted_at=at, late=late, summary={}))


def hazard(session, world, username, place, at, level="general", visit_id=None, status="reported", source="patrol"):
    session.execute(insert(activity.HAZARDS).values(
        place_id=world.places[place].id, area_id=world.places[place].area_id, sector="fire", category="fire",
        level=level, description="灭火器过期", status=status, source=source,
        found_by_id=world.users[username].id if username else None,
        visit_id=visit_id, photo_ids=[], found_at=at, found_day=local_day(at), created_at=at, updated_at=at))


def task(session, world, username, kind, due, done=None):
    session.add(Task(area_id=world.areas["T1"].id, kind=kind, title="复查" if kind == "recheck" else "走访", due_date=due,
                     created_by_id=world.users["town1"].id,
                     assignments=[TaskAssignment(user_id=world.users[username].id, status="done" if done else "open",
                                                 completed_day=done,
                                                 completed_at=local(done.year, done.month, done.day, 15) if done
                                                 else None)]))


@pytest.fixture
def october(world, session, checklists_loaded):
    """October 2026 of the small county: m1 works, m1b less so, m2 (the other township) a little."""
    for d in range(1, 32):
        day = date(2026, 10, d)
        at = local(2026, 10, d, 8, 0)
        if d % 3 != 0:
            clock_in(session, world, "m1", at)
        if d % 2 == 0:
            clock_in(session, world, "m1b", at)
        if d % 10 == 0:
            clock_in(session, world, "m2", at)
        if d % 3 != 0:
            daily_report(session, world, "m1", day, late=d % 7 == 0)
    patrol(session, world, "m1", "P1", local(2026, 10, 12, 10))
    v = patrol(session, world, "m1b", "P1b", local(2026, 10, 13, 10), review="rejected")
    hazard(session, world, "m1b", "P1b", local(2026, 10, 13, 10), level="major", visit_id=v.id)  # from a rejected visit
    hazard(session, world, "m1", "P1", local(2026, 10, 12, 10), level="major")
    hazard(session, world, "m1", "P1", local(2026, 10, 14, 10))
    hazard(session, world, "m1", "P1", local(2026, 10, 15, 10), status="rejected")  # 不属于隐患
    task(session, world, "m1", "recheck", date(2026, 10, 20), done=date(2026, 10, 19))
    task(session, world, "m1", "visit", date(2026, 10, 20), done=date(2026, 10, 22))  # late
    task(session, world, "m1b", "visit", date(2026, 10, 25))  # never done
    session.commit()
    return world


# --- a generated month, explained through the API ------------------------------------------------------------------

def test_a_generated_month_explains_its_top_and_bottom_metric_by_metric(app, client, session, clock):
    made = demo.generate(session, demo.DEMO, seed=3)
    from server.checklists.service import load_directory
    load_directory(session)
    activity.generate_month(session, 2026, 9, seed=1, profile=activity.Profile(visits=30, publicity=6))
    activity.generate_month(session, 2026, 10, seed=2, profile=activity.Profile(visits=30, publicity=6))
    session.commit()
    cfg = app.extensions["gridpatrol.config"]
    users = {u.username: u for u in session.scalars(select(User))}

    def headers(username):
        u = users[username]
        return {"Authorization": f"Bearer {tokens.issue_access_token(cfg, u.id, u.role, clock())}"}

    assert client.post("/api/v1/rankings/2026-09/publish", headers=headers("admin"), json={}).status_code == 201
    draft = client.post("/api/v1/rankings/2026-10/compute", headers=headers("admin")).get_json()
    assert draft["revision"] == 0 and draft["status"] == "draft" and draft["counts"]["members"] == made.members
    published = client.post("/api/v1/rankings/2026-10/publish", headers=headers("admin"), json={}).get_json()
    assert published["revision"] == 1 and published["digest"] == draft["digest"]  # the draft, frozen
    assert len(published["working_days"]) == OCT_WORKING_DAYS

    township = session.scalars(select(Area).where(Area.level == "township").order_by(Area.code)).first()
    resp = client.get("/api/v1/rankings/2026-10", headers=headers("admin"),
                      query_string={"level": "member", "township_id": township.id, "page_size": 100})
    rows = resp.get_json()
    assert rows and json.loads(resp.headers["X-Pagination"])["total"] == len(rows)
    assert [r["township_rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    top, bottom = rows[0], rows[-1]
    assert top["score"] > bottom["score"]
    rule = rules.load_default_rule()
    first, last = date(2026, 10, 1), date(2026, 10, 31)
    working = rules.load_calendar().working_days(first, last)
    for row in rows:
        # every metric: raw value as the naive per-member computation finds it, points as the rule makes them
        expected = reference.member_figures(session, session.get(User, row["user_id"]), first, last, working).raw()
        m = metrics_of(row)
        assert list(m) == list(rule["metrics"])
        # a rate with nothing to measure scores the member's share on the measured rates (unmeasured: scale)
        rates = [n for n, x in rules.METRICS.items() if x.kind == "rate" and not x.penalty and n in rule["metrics"]]
        measured = [n for n in rates if expected[n][0] is not None]
        share = (sum(rules.points_of(n, expected[n][0], rule["metrics"][n]) for n in measured)
                 / sum(rule["metrics"][n]["weight"] for n in measured))
        for name, (raw, num, den) in expected.items():
            assert (m[name]["raw"], m[name]["num"], m[name]["den"]) == (raw, num, den), (row["username"], name)
            want = (rules.points_of(name, raw, rule["metrics"][name]) if raw is not None or name not in rates
                    else round(rule["metrics"][name]["weight"] * share, 2))
            assert m[name]["points"] == pytest.approx(want, abs=0.011), (row["username"], name)
            assert m[name]["full_marks"] == rule["metrics"][name]["weight"]
        assert row["score"] == pytest.approx(sum(x["points"] for x in row["metrics"]), abs=0.011)
    # the bottom member sees the same figures, the township's medians and the change since September
    mine = client.get("/api/v1/rankings/2026-10/me", headers=headers(bottom["username"])).get_json()
    assert (mine["rank"], mine["township_rank"], mine["score"]) == (bottom["rank"], bottom["township_rank"],
                                                                    bottom["score"])
    assert mine["township_members"] == len(rows) and mine["members"] == made.members
    for item in mine["metrics"]:
        peers = [metrics_of(r)[item["name"]]["points"] for r in rows]
        assert item["township_median"]["points"] == pytest.approx(rules.median(peers))
        assert item["points"] == metrics_of(bottom)[item["name"]]["points"]
    assert mine["township_median_score"] >= mine["score"]
    assert mine["change"]["month"] == "2026-09" and mine["change"]["rank"] == mine["change"]["previous_rank"] - mine["rank"]
    # townships rank on the mean member score: size-neutral
    towns = client.get("/api/v1/rankings/2026-10", headers=headers("admin"),
                       query_string={"level": "township"}).get_json()
    assert len(towns) == 5 and [t["rank"] for t in towns] == [1, 2, 3, 4, 5]
    this = next(t for t in towns if t["township_id"] == township.id)
    assert this["members"] == len(rows)
    assert this["score"] == pytest.approx(sum(r["score"] for r in rows) / len(rows), abs=0.01)
    villages = client.get("/api/v1/rankings/2026-10", headers=headers("admin"),
                          query_string={"level": "village", "township_id": township.id}).get_json()
    assert sum(v["members"] for v in villages) == len(rows)
    # the XLSX has the whole board with every metric's raw value and points
    xlsx = client.get("/api/v1/rankings/2026-10/export.xlsx", headers=headers("admin"),
                      query_string={"level": "member"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 3 + made.members
    header = [c.value for c in sheet[3]]
    assert len(header) == 9 + 2 * len(rule["metrics"]) and "进岗打卡率 原始值" in header


# --- the bad input of the issue ------------------------------------------------------------------------------------

@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-10", "2026-10-01", "octobre", "1999-12"])
def test_a_malformed_month_is_422(client, world, month):
    resp = call(client, world, "POST", f"{month}/compute")
    assert resp.status_code == 422 and resp.get_json()["detail"]["fields"]["month"]
    assert call(client, world, "GET", month).status_code == 422


def test_a_month_in_the_future_is_422_and_a_running_month_is_not_published(client, world):
    resp = call(client, world, "POST", "2026-12/compute")
    assert resp.status_code == 422 and resp.get_json()["code"] == "month_in_future"
    assert call(client, world, "GET", "2027-01").get_json()["code"] == "month_in_future"
    assert call(client, world, "POST", "2026-11/compute").status_code == 201  # a draft of the month so far
    resp = call(client, world, "POST", "2026-11/publish", json={})
    assert resp.status_code == 422 and resp.get_json()["code"] == "month_not_ended"


def test_publishing_a_month_twice_is_409_and_a_correction_is_the_next_revision_with_a_reason(client, october):
    assert call(client, october, "POST", "2026-10/publish", json={}).status_code == 201
    again = call(client, october, "POST", "2026-10/publish", json={})
    assert again.status_code == 409 and again.get_json()["code"] == "ranking_published"
    assert again.get_json()["detail"]["revision"] == 1
    no_reason = call(client, october, "POST", "2026-10/publish", json={"revision": 2})
    assert no_reason.status_code == 422 and no_reason.get_json()["code"] == "reason_required"
    blank = call(client, october, "POST", "2026-10/publish", json={"revision": 2, "reason": "   "})
    assert blank.status_code == 422
    skipped = call(client, october, "POST", "2026-10/publish", json={"revision": 3, "reason": "更正"})
    assert skipped.status_code == 409 and skipped.get_json()["code"] == "revision_conflict"
    ok = call(client, october, "POST", "2026-10/publish", json={"revision": 2, "reason": "补录 10 月 12 日的巡查"})
    assert ok.status_code == 201 and ok.get_json()["revision"] == 2


def test_a_revision_leaves_revision_1_intact(client, session, october):
    first = call(client, october, "POST", "2026-10/publish", json={}).get_json()
    before = board(client, october, "2026-10")
    # a late-synced visit and a review decision change October; the correction is revision 2
    patrol(session, october, "m1b", "P1b", local(2026, 10, 30, 10))
    session.execute(CheckIn.__table__.update().where(CheckIn.user_id == october.users["m1"].id,
                                                     CheckIn.day == date(2026, 10, 8)).values(review_status="rejected"))
    session.commit()
    second = call(client, october, "POST", "2026-10/publish",
                  json={"revision": 2, "reason": "补录巡查, 10 月 8 日打卡经复核驳回"}).get_json()
    assert second["digest"] != first["digest"]
    assert board(client, october, "2026-10", revision=1) == before
    after = board(client, october, "2026-10")
    assert after != before
    m1 = metrics_of(next(r for r in after if r["username"] == "m1"))
    assert m1["evidence_rejected"]["raw"] == 1 and m1["clock_in_rate"]["num"] == metrics_of(
        next(r for r in before if r["username"] == "m1"))["clock_in_rate"]["num"] - 1
    month = call(client, october, "GET", "months").get_json()[0]
    assert [(r["revision"], r["reason"]) for r in month["revisions"]] == [(1, None), (2, second["reason"])]
    assert month["revisions"][0]["digest"] == first["digest"]


def test_a_member_asking_for_another_townships_board_gets_404(client, october):
    call(client, october, "POST", "2026-10/publish", json={})
    t1, t2 = october.areas["T1"].id, october.areas["T2"].id
    for path in ("2026-10", "2026-10/poster.png", "2026-10/export.xlsx"):
        resp = call(client, october, "GET", path, user="m2", query_string={"township_id": t1})
        assert resp.status_code == 404 and resp.get_json()["code"] == "not_found", path
    assert call(client, october, "GET", "2026-10", user="town2", query_string={"township_id": t1}).status_code == 404
    # without a filter a member sees their own township, the county admin every member
    assert {r["username"] for r in board(client, october, "2026-10", user="m1")} == {"m1", "m1b"}
    assert {r["username"] for r in board(client, october, "2026-10", user="m2")} == {"m2"}
    assert {r["username"] for r in board(client, october, "2026-10", township_id=t2)} == {"m2"}
    assert len(board(client, october, "2026-10")) == 3
    # the comparison of townships is the county's, read by everyone
    assert len(board(client, october, "2026-10", user="m2", level="township")) == 2


def test_drafts_are_for_admins_only(client, october):
    assert call(client, october, "POST", "2026-10/compute").status_code == 201
    assert call(client, october, "GET", "2026-10", user="m1", query_string={"draft": "true"}).status_code == 403
    assert call(client, october, "GET", "2026-10", user="insp1", query_string={"draft": "true"}).status_code == 403
    assert {r["username"] for r in board(client, october, "2026-10", user="town1", draft="true")} == {"m1", "m1b"}
    assert call(client, october, "GET", "2026-10", user="m1").status_code == 404  # nothing published yet
    assert call(client, october, "GET", "months", user="m1").get_json() == []
    assert call(client, october, "GET", "months", user="town1").get_json()[0]["draft"]["revision"] == 0
    assert call(client, october, "POST", "2026-10/compute", user="town1").status_code == 403
    assert call(client, october, "POST", "2026-10/publish", user="town1", json={}).status_code == 403


@pytest.mark.parametrize("rule,field", [
    ({"metrics": {"clock_in_rate": {"weight": 50, "cap": 1}, "selfies_taken": {"weight": 10, "cap": 5}}},
     "metrics.selfies_taken"),
    ({"metrics": {"hazards_found": {"weight": 10, "cap": -3}}}, "metrics.hazards_found.cap"),
    ({"metrics": {"hazards_found": {"weight": -10, "cap": 3}}}, "metrics.hazards_found.weight"),
    ({"metrics": {"hazards_found": {"weight": 10, "cap": 0}}}, "metrics.hazards_found.cap"),
    ({"metrics": {"clock_in_rate": {"weight": 10, "cap": 1.5}}}, "metrics.clock_in_rate.cap"),
    ({"metrics": {"clock_in_rate": {"weight": 10}}}, "metrics.clock_in_rate.cap"),
    ({"metrics": {"clock_in_rate": {"weight": 10, "cap": 1}}, "tie_break": ["patrol_coverage"]}, "tie_break"),
    ({"metrics": {}}, "metrics"),
    ({"metrics": {"clock_in_rate": {"weight": 10, "cap": 1}}, "aggregate": "sum"}, "aggregate"),
])
def test_a_rule_with_unknown_metrics_or_negative_caps_is_rejected(client, world, rule, field):
    resp = call(client, world, "POST", "rules", json={"rule": rule})
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["code"] == "rule_invalid" and field in resp.get_json()["detail"]["fields"]


def test_a_new_rule_version_is_used_by_the_next_compute_and_rules_are_readable(client, october):
    assert call(client, october, "POST", "rules", user="town1", json={"rule": {}}).status_code == 403
    resp = call(client, october, "POST", "rules", json={"rule": {"title": "只看打卡", "metrics": {
        "clock_in_rate": {"weight": 100, "cap": 0.8}}}, "note": "试行"})
    assert resp.status_code == 201 and resp.get_json()["version"] == 2  # the default became version 1
    run = call(client, october, "POST", "2026-10/compute").get_json()
    assert run["rule_version"] == 2
    m1 = next(r for r in board(client, october, "2026-10", draft="true") if r["username"] == "m1")
    assert [m["name"] for m in m1["metrics"]] == ["clock_in_rate"]
    assert m1["score"] == min(100.0, round(100 * (m1["metrics"][0]["raw"] / 0.8), 2))
    listed = call(client, october, "GET", "rules", user="m1").get_json()
    assert [r["version"] for r in listed] == [2, 1]
    assert listed[1]["metrics"][0] | {} and {m["name"] for m in listed[1]["metrics"]} == set(rules.METRICS)


def test_a_month_with_no_data_is_an_empty_board(client, world):
    run = call(client, world, "POST", "2026-09/publish", json={}).get_json()
    assert run["revision"] == 1 and run["counts"]["members"] == 0
    resp = call(client, world, "GET", "2026-09")
    assert resp.status_code == 200 and resp.get_json() == []
    assert json.loads(resp.headers["X-Pagination"])["total"] == 0
    mine = call(client, world, "GET", "2026-09/me", user="m1")
    assert mine.status_code == 200 and (mine.get_json()["status"], mine.get_json()["reason"]) == ("not_ranked",
                                                                                                  "not_listed")
    png = call(client, world, "GET", "2026-09/poster.png", query_string={"township_id": world.areas["T1"].id})
    assert png.status_code == 200 and Image.open(io.BytesIO(png.data)).width == poster.WIDTH


def test_records_on_the_last_minute_and_the_first_minute_of_a_month_count_in_their_own_months(
        app, client, patrol_world, clock, tmp_path):
    w = patrol_world
    every_day = tmp_path / "calendar.json"
    every_day.write_text(json.dumps({"weekend": [], "holidays": [], "workdays": []}))
    cfg = app.extensions["gridpatrol.config"]
    app.extensions["gridpatrol.config"] = dataclasses.replace(cfg, ranking_calendar=str(every_day))
    p1 = w.places["P1"].id
    clock.set(local(2026, 10, 31, 23, 59))
    for path, body in (("checkins", checkin(clock())), ("publicity", publicity(clock(), p1))):
        assert client.post(f"/api/v1/{path}", headers=w.headers("m1"), json=body).status_code == 201
    clock.set(local(2026, 11, 1, 0, 0))
    for path, body in (("checkins", checkin(clock())), ("visits", visit(clock(), p1))):
        assert client.post(f"/api/v1/{path}", headers=w.headers("m1"), json=body).status_code == 201
    clock.set(local(2026, 11, 23, 10, 0))
    for month in ("2026-10", "2026-11"):
        assert call(client, w, "POST", f"{month}/compute").status_code == 201
    october = metrics_of(next(r for r in board(client, w, "2026-10", draft="true") if r["username"] == "m1"))
    november = metrics_of(next(r for r in board(client, w, "2026-11", draft="true") if r["username"] == "m1"))
    assert (october["clock_in_rate"]["num"], october["clock_in_rate"]["den"]) == (1, 31)
    assert (november["clock_in_rate"]["num"], november["clock_in_rate"]["den"]) == (1, 23)  # 1-23 November so far
    assert (october["publicity_coverage"]["num"], october["patrol_coverage"]["num"]) == (1, 0)
    assert (november["publicity_coverage"]["num"], november["patrol_coverage"]["num"]) == (0, 1)


# --- what counts ---------------------------------------------------------------------------------------------------

def test_rejected_records_do_not_count_and_cost_points(client, october):
    call(client, october, "POST", "2026-10/publish", json={})
    rows = {r["username"]: r for r in board(client, october, "2026-10")}
    m1, m1b, m2 = (metrics_of(rows[u]) for u in ("m1", "m1b", "m2"))
    clocked = sum(1 for d in range(1, 32) if d % 3 != 0 and rules.load_calendar().is_working(date(2026, 10, d)))
    assert (m1["clock_in_rate"]["num"], m1["clock_in_rate"]["den"]) == (clocked, OCT_WORKING_DAYS)
    assert m1["patrol_coverage"]["raw"] == 1.0 and m1b["patrol_coverage"]["raw"] == 0.0  # m1b's visit was rejected
    assert (m1["hazards_found"]["raw"], m1["major_hazards_found"]["raw"]) == (1, 1)  # a rejected hazard is no hazard
    assert m1b["major_hazards_found"]["raw"] == 0  # found on a rejected visit
    assert m1b["evidence_rejected"]["raw"] == 1 and m1b["evidence_rejected"]["points"] == -2.0
    assert (m1["rechecks_on_time"]["raw"], m1["tasks_on_time"]["raw"]) == (1.0, 0.0)  # the visit task was late
    assert (m1b["tasks_on_time"]["num"], m1b["tasks_on_time"]["den"]) == (0, 1)
    # nothing asked: scored at m2's own share on the rates that applied (little done: far from full marks)
    assert m2["tasks_on_time"]["raw"] is None and 0 < m2["tasks_on_time"]["points"] < 2
    assert all(metrics_of(r)["tipoffs_missed"]["points"] == 0 for r in rows.values())
    assert [r["username"] for r in sorted(rows.values(), key=lambda r: r["rank"])][0] == "m1"


def test_ties_share_a_rank_and_the_next_rank_counts_them(client, world, session, checklists_loaded):
    # m1 and m1b do exactly the same; m2 clocks in once less
    for username in ("m1", "m1b", "m2"):
        clock_in(session, world, username, local(2026, 10, 8, 8))
    for username in ("m1", "m1b"):
        clock_in(session, world, username, local(2026, 10, 9, 8))
    session.commit()
    call(client, world, "POST", "2026-10/publish", json={})
    rows = board(client, world, "2026-10", township_id=world.areas["T1"].id)
    assert [(r["username"], r["township_rank"], r["rank"]) for r in rows] == [("m1", 1, 1), ("m1b", 1, 1)]
    assert rows[0]["score"] == rows[1]["score"]  # listed by username within the tie
    county = board(client, world, "2026-10")
    assert [(r["username"], r["rank"]) for r in county] == [("m1", 1), ("m1b", 1), ("m2", 3)]
    towns = board(client, world, "2026-10", level="township")
    assert [t["rank"] for t in towns] == [1, 2]
    rules_text = call(client, world, "GET", "rules").get_json()[0]
    assert "并列同一名次" in rules_text["explanation"] and rules_text["unmeasured"] == "scale"


def test_me_is_for_members_and_shows_the_change_since_last_month(client, session, october):
    clock_in(session, october, "m1b", local(2026, 9, 8, 8))
    session.commit()
    call(client, october, "POST", "2026-09/publish", json={})
    call(client, october, "POST", "2026-10/publish", json={})
    assert call(client, october, "GET", "2026-10/me", user="town1").status_code == 403
    mine = call(client, october, "GET", "2026-10/me", user="m1").get_json()
    assert mine["township_rank"] == 1 and mine["township_members"] == 2 and mine["members"] == 3
    september = board(client, october, "2026-09", user="m1")
    before = next(r for r in september if r["username"] == "m1")
    assert mine["change"] == {"month": "2026-09", "revision": 1, "previous_rank": before["rank"],
                              "previous_township_rank": before["township_rank"], "previous_score": before["score"],
                              "rank": before["rank"] - mine["rank"],
                              "township_rank": before["township_rank"] - mine["township_rank"],
                              "score": round(mine["score"] - before["score"], 2)}
    clocks = next(m for m in mine["metrics"] if m["name"] == "clock_in_rate")
    assert set(clocks) >= {"raw", "num", "den", "points", "full_marks", "township_median"}


# --- posters ---------------------------------------------------------------------------------------------------------

def _ink(img, box, background):
    """Pixels in ``box`` that differ from the background colour: glyphs drawn there."""
    region = np.asarray(img.crop(box).convert("RGB"), dtype=int)
    return int((np.abs(region - np.array(background)).sum(axis=2) > 60).sum())


def test_the_poster_renders_chinese_text(client, october):
    call(client, october, "POST", "2026-10/publish", json={})
    resp = call(client, october, "GET", "2026-10/poster.png", user="m1",
                query_string={"township_id": october.areas["T1"].id})
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    img = Image.open(io.BytesIO(resp.data))
    assert img.width == 1080 and img.height > 600
    assert _ink(img, (0, 30, 1080, 130), poster.RED) > 2000  # the title, white on red
    # the font has real glyphs for the title: distinct characters are distinct shapes, not one "missing" box
    from media.fonts import cjk_font
    font = cjk_font(60)
    shapes = {bytes(font.getmask(ch)) for ch in "城关镇网格员月排名"}
    assert len(shapes) == len("城关镇网格员月排名")
    assert bytes(font.getmask("城")) != bytes(font.getmask("\U000f0000"))
    county = call(client, october, "GET", "2026-10/poster.png")
    img = Image.open(io.BytesIO(county.data))
    assert county.status_code == 200 and img.width == 1080 and _ink(img, (0, 30, 1080, 130), poster.RED) > 2000


def test_cli_computes_and_publishes_with_revisions(app, october, session):
    from server.cli import ranking_group
    runner = app.test_cli_runner()
    result = runner.invoke(ranking_group, ["compute", "--month", "2026-10"])
    assert result.exit_code == 0 and "draft of 2026-10" in result.output
    assert runner.invoke(ranking_group, ["publish"]).output.startswith("published 2026-10 revision 1")
    again = runner.invoke(ranking_group, ["publish", "--month", "2026-10"])
    assert again.exit_code == 1 and "ranking_published" in again.output
    fixed = runner.invoke(ranking_group, ["publish", "--month", "2026-10", "--reason", "复核更正"])
    assert fixed.exit_code == 0 and "revision 2" in fixed.output
    runs = session.scalars(select(RankingRun).where(RankingRun.month == "2026-10").order_by(RankingRun.revision)).all()
    assert [(r.revision, r.status, r.published_by, r.reason) for r in runs] == [
        (1, "published", "cli", None), (2, "published", "cli", "复核更正")]
    assert session.scalar(select(RankingEntry.id).where(RankingEntry.run_id == runs[0].id)) is not None


def test_a_tip_off_in_my_grid_that_i_had_not_found_first_costs_points(client, world, session, october):
    # a tip-off at P1 on the 20th: m1 had found a hazard at P1 on the 14th, so it is not m1's miss;
    # a tip-off at P1b on the 10th: m1b found nothing there until the 13th, so it is m1b's miss
    hazard(session, world, None, "P1", local(2026, 10, 20, 9), source="tipoff")
    hazard(session, world, None, "P1b", local(2026, 10, 10, 9), source="tipoff")
    session.commit()
    call(client, october, "POST", "2026-10/publish", json={})
    rows = {r["username"]: metrics_of(r) for r in board(client, october, "2026-10")}
    assert rows["m1"]["tipoffs_missed"]["raw"] == 0
    assert rows["m1b"]["tipoffs_missed"]["raw"] == 1 and rows["m1b"]["tipoffs_missed"]["points"] < 0
    assert rows["m2"]["tipoffs_missed"]["raw"] == 0
