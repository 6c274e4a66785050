"""The hazard loop (闭环整改) through the API: found → ordered with a deadline → rectified → re-checked → closed,
rejected ones, overdue orders escalating into the county's list and the township's bulletin, supervision of major
hazards with the county's sign-off, lists, statistics against hand-counted figures, the XLSX export and the
printable order."""
from __future__ import annotations

import io
import threading
import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from server.dispatch.models import Task, TaskAssignment
from server.hazards import queries as hazards
from server.hazards.models import HazardEvent, RectificationOrder
from tests.factories import add_user
from tests.patrol_helpers import fire_answers, local, visit
from tests.photos import upload


class Loop:
    """The back office and the phones, as the hazard endpoints see them.  Each call asks for a fresh token: the
    tests move the clock by days."""

    def __init__(self, client: Any, world: Any):
        self.client, self.world = client, world

    def post(self, user: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"/api/v1/hazards{path}", headers=self.world.headers(user), json=body or {})

    def get(self, user: str, path: str = "", **query: Any) -> Any:
        return self.client.get(f"/api/v1/hazards{path}", headers=self.world.headers(user), query_string=query)

    def photo(self, user: str, purpose: str) -> str:
        """A real photo uploaded by ``user``: records name photos that exist."""
        resp = upload(self.client, self.world.headers(user), purpose)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    def create(self, user: str = "insp1", place: str = "P1", level: str = "general", **extra: Any) -> int:
        resp = self.post(user, "", {"place_id": self.world.places[place].id, "category": "消防设施器材",
                                    "level": level, "description": "灭火器压力不足",
                                    "photo_ids": [self.photo(user, "hazard")], **extra})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    def order(self, hid: int, user: str = "town1", deadline: str = "2026-11-30", **extra: Any) -> Any:
        return self.post(user, f"/{hid}/order", {"deadline": deadline, "measures": "更换灭火器并每月检查",
                                                 "responsible_person": "李四", **extra})

    def rectify(self, hid: int, user: str = "m1", **extra: Any) -> Any:
        self.last_after = [self.photo(user, "rectification"), self.photo(user, "rectification")]
        return self.post(user, f"/{hid}/rectify", {"photo_ids": self.last_after,
                                                   "statement": "已更换全部灭火器", **extra})

    def recheck(self, hid: int, user: str = "town1", result: str = "pass", **extra: Any) -> Any:
        return self.post(user, f"/{hid}/recheck", {"result": result, **extra})

    def close(self, hid: int, user: str) -> Any:
        return self.post(user, f"/{hid}/close", {})

    def hazard(self, hid: int, user: str = "county") -> dict[str, Any]:
        resp = self.get(user, f"/{hid}")
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    def status(self, hid: int) -> str:
        return self.hazard(hid)["status"]

    def bulletin(self, day: str, township: str = "T1") -> dict[str, Any]:
        resp = self.client.get("/api/v1/bulletins/preview", headers=self.world.headers("town1" if township == "T1"
                                                                                         else "town2"),
                               query_string={"township_id": self.world.areas[township].id, "date": day})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["content"]


@pytest.fixture
def loop(client: Any, world: Any, clock: Any) -> Loop:
    clock.set(local(2026, 11, 23, 10, 0))
    return Loop(client, world)


def ok(resp: Any, status: int = 200) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def refused(resp: Any, status: int, code: str) -> dict[str, Any]:
    body = resp.get_json()
    assert (resp.status_code, body["code"]) == (status, code), body
    assert set(body) == {"code", "message", "detail"}
    return body


# --- the loop ---------------------------------------------------------------------------------------------------------

def test_a_hazard_found_on_patrol_is_ordered_rectified_rechecked_and_closed(client, patrol_world, clock):
    w = patrol_world
    loop = Loop(client, w)
    # Monday 10:05: the member's patrol finds wiring pulled anyhow (F07, a general hazard)
    clock.set(local(2026, 11, 23, 10, 5))
    v = client.post("/api/v1/visits", headers=w.headers("m1"),
                    json=visit(clock(), w.places["P1"].id, answers=fire_answers(F07="no")))
    assert v.status_code == 201, v.get_json()
    (found,) = loop.get("town1", status="reported").get_json()
    assert (found["source"], found["category"], found["status"]) == ("patrol", "电气安全", "reported")
    hid = found["id"]

    # 14:00 the township orders the place to rectify by Friday: the grid's member gets a re-check task due then
    clock.set(local(2026, 11, 23, 14, 0))
    ordered = ok(loop.order(hid, deadline="2026-11-27"))
    assert ordered["status"] == "ordered" and ordered["deadline"] == "2026-11-27"
    (order,) = ordered["orders"]
    assert order["number"] == f"城关镇应急责改〔2026〕{hid}-1号" and order["responsible_person"] == "李四"
    (task,) = client.get("/api/v1/me/tasks?status=open", headers=w.headers("m1")).get_json()
    assert task["task"]["kind"] == "recheck" and task["task"]["due_date"] == "2026-11-27"
    assert task["task"]["place_ids"] == [w.places["P1"].id] and task["task"]["id"] == order["task_id"]
    assert client.get("/api/v1/me/tasks?status=open", headers=w.headers("m1b")).get_json() == []  # another grid

    # Wednesday the member records the place's rectification with after-photos
    clock.set(local(2026, 11, 25, 9, 0))
    rectified = ok(loop.rectify(hid))
    assert rectified["status"] == "rectified" and rectified["after_photo_ids"] == loop.last_after

    # Thursday the township re-checks: it passes and the hazard is closed (销号) in the same step
    clock.set(local(2026, 11, 26, 9, 0))
    closed = ok(loop.recheck(hid, note="复查合格", photo_ids=[loop.photo("town1", "rectification")]))
    assert closed["status"] == "closed" and closed["closed_at"].startswith("2026-11-26")
    assert [(e["action"], e["from_status"], e["to_status"]) for e in closed["history"]] == [
        ("create", None, "reported"), ("order", "reported", "ordered"), ("rectify", "ordered", "rectified"),
        ("recheck", "rectified", "rechecked"), ("close", "rechecked", "closed")]
    assert [e["actor_name"] for e in closed["history"][1:]] == ["测试town1", "测试m1", "测试town1", "测试town1"]
    # the re-check completed the member's task
    assert client.get("/api/v1/me/tasks?status=open", headers=w.headers("m1")).get_json() == []
    assert closed["allowed_actions"] == []


def test_a_failed_recheck_orders_again_with_a_new_deadline(loop, clock, session):
    hid = loop.create()
    ok(loop.order(hid, deadline="2026-11-25"))
    ok(loop.rectify(hid))
    body = refused(loop.recheck(hid, result="fail"), 422, "validation_error")
    assert "deadline" in body["detail"]["fields"]

    again = ok(loop.recheck(hid, result="fail", note="灭火器仍未更换", deadline="2026-12-02"))
    assert again["status"] == "ordered" and again["deadline"] == "2026-12-02"
    assert again["first_deadline"] == "2026-11-25"  # "on time" stays measured against the first order
    assert [(o["round"], o["deadline"], o["measures"]) for o in again["orders"]] == [
        (1, "2026-11-25", "更换灭火器并每月检查"), (2, "2026-12-02", "更换灭火器并每月检查")]
    assert again["after_photo_ids"] == [] and again["rectified_at"] is None
    tasks = session.execute(select(Task.due_date, TaskAssignment.status).join(TaskAssignment)
                            .where(Task.hazard_id == hid).order_by(Task.id)).all()
    assert [(d.isoformat(), s) for d, s in tasks] == [("2026-11-25", "done"), ("2026-12-02", "open")]
    # the second round runs to the end
    ok(loop.rectify(hid))
    assert ok(loop.recheck(hid))["status"] == "closed"


def test_a_member_of_the_grid_rechecks_and_closes_a_general_hazard(loop, world, session):
    world.users["m1c"] = add_user(session, "m1c", "member", world.areas["G1"])  # a second member of grid G1
    session.commit()
    hid = loop.create()
    ok(loop.order(hid))
    ok(loop.rectify(hid, user="m1"))
    assert ok(loop.recheck(hid, user="m1c"))["status"] == "closed"


def test_rejecting_needs_a_reason_and_only_a_reported_hazard_can_be_rejected(loop):
    hid = loop.create()
    refused(loop.post("town1", f"/{hid}/reject", {}), 422, "validation_error")
    rejected = ok(loop.post("town1", f"/{hid}/reject", {"reason": "灭火器为展示用样品, 不属于隐患"}))
    assert rejected["status"] == "rejected" and rejected["reject_reason"].startswith("灭火器为展示用样品")
    refused(loop.order(hid), 409, "hazard_transition_invalid")
    other = loop.create()
    ok(loop.order(other))
    refused(loop.post("town1", f"/{other}/reject", {"reason": "不是隐患"}), 409, "hazard_transition_invalid")


# --- bad input (the list) -------------------------------------------------------------------------------------

def test_a_transition_out_of_order_is_409_and_changes_nothing(loop, session):
    hid = loop.create()
    before = loop.hazard(hid)
    body = refused(loop.rectify(hid), 409, "hazard_transition_invalid")
    assert body["detail"] == {"status": "reported", "action": "rectify", "allowed": ["order", "reject"]}
    refused(loop.recheck(hid), 409, "hazard_transition_invalid")
    refused(loop.close(hid, "town1"), 409, "hazard_transition_invalid")
    after = loop.hazard(hid)
    assert (after["status"], after["version"], after["history"]) == ("reported", before["version"], before["history"])
    ok(loop.order(hid))
    refused(loop.order(hid), 409, "hazard_transition_invalid")  # ordered twice
    assert session.scalar(select(func.count(RectificationOrder.id))) == 1
    assert session.scalar(select(func.count(Task.id))) == 1


def test_an_order_with_a_deadline_in_the_past_is_refused(loop, session):
    hid = loop.create()
    body = refused(loop.order(hid, deadline="2026-11-22"), 422, "validation_error")
    assert "deadline" in body["detail"]["fields"]
    assert loop.status(hid) == "reported"
    assert session.scalar(select(func.count(Task.id))) == 0
    assert ok(loop.order(hid, deadline="2026-11-23"))["deadline"] == "2026-11-23"  # today is allowed


def test_a_member_cannot_close_a_major_hazard(loop, world, session):
    world.users["m1c"] = add_user(session, "m1c", "member", world.areas["G1"])  # a second member of grid G1
    session.commit()
    hid = loop.create(level="major")
    ok(loop.order(hid))
    ok(loop.rectify(hid, user="m1"))
    # another member of the grid re-checks: it passes, but a member does not close a major hazard
    assert ok(loop.recheck(hid, user="m1c"))["status"] == "rechecked"
    body = refused(loop.close(hid, "m1c"), 403, "major_hazard_needs_admin")
    assert "重大事故隐患" in body["message"]
    assert loop.status(hid) == "rechecked"
    assert ok(loop.close(hid, "town1"))["status"] == "closed"


def test_the_person_who_rectified_cannot_recheck(loop):
    hid = loop.create()
    ok(loop.order(hid))
    ok(loop.rectify(hid, user="m1"))
    refused(loop.recheck(hid, user="m1"), 403, "recheck_by_rectifier")
    assert loop.status(hid) == "rectified"


def test_twenty_concurrent_orders_of_one_hazard_make_exactly_one(app, loop, world, session):
    hid = loop.create()
    headers = world.headers("town1")
    statuses: list[int] = []
    codes: set[str] = set()
    barrier = threading.Barrier(20)

    def send(n: int) -> None:
        c = app.test_client()
        barrier.wait()
        resp = c.post(f"/api/v1/hazards/{hid}/order", headers=headers, json={
            "deadline": f"2026-12-{n + 1:02d}", "measures": f"措施{n}", "responsible_person": "李四"})
        statuses.append(resp.status_code)
        if resp.status_code == 409:
            codes.add(resp.get_json()["code"])

    threads = [threading.Thread(target=send, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * 19
    # losers that read the hazard before the winner committed fail on the version; later ones on the status
    assert codes <= {"hazard_changed", "hazard_transition_invalid"}
    assert session.scalar(select(func.count(RectificationOrder.id))) == 1
    assert session.scalar(select(func.count(Task.id))) == 1
    assert session.scalar(select(func.count(HazardEvent.id)).where(HazardEvent.action == "order")) == 1
    (winner,) = loop.hazard(hid)["orders"]
    assert loop.hazard(hid)["deadline"] == winner["deadline"]


def test_concurrent_pass_and_fail_rechecks_leave_one_outcome(app, loop, world, session):
    hid = loop.create()
    ok(loop.order(hid))
    ok(loop.rectify(hid))
    results: dict[str, int] = {}
    barrier = threading.Barrier(2)
    bodies = {"town1": {"result": "pass"}, "insp1": {"result": "fail", "deadline": "2026-12-05"}}
    headers = {u: world.headers(u) for u in bodies}

    def send(user: str) -> None:
        c = app.test_client()
        barrier.wait()
        results[user] = c.post(f"/api/v1/hazards/{hid}/recheck", headers=headers[user], json=bodies[user]).status_code

    threads = [threading.Thread(target=send, args=(u,)) for u in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [200, 409]
    winner = next(u for u, s in results.items() if s == 200)
    assert loop.status(hid) == ("closed" if winner == "town1" else "ordered")
    assert session.scalar(select(func.count(HazardEvent.id)).where(HazardEvent.action == "recheck")) == 1


# --- who may do what --------------------------------------------------------------------------------------------------

def test_members_see_only_their_grid_and_foreign_hazards_answer_404(loop):
    mine, theirs = loop.create(place="P1"), loop.create(user="town2", place="P2")
    assert [h["id"] for h in loop.get("m1").get_json()] == [mine]
    assert loop.get("m1", f"/{theirs}").status_code == 404
    assert loop.get("m1", "/999999").status_code == 404
    refused(loop.order(theirs, user="town1"), 404, "not_found")  # another township's hazard
    refused(loop.order(mine, user="m1"), 403, "forbidden")  # members do not issue orders
    # members report hazards too (随手拍, tests/test_member_hazards.py), but with the phone's uuid and a photo
    bare = refused(loop.post("m1", "", {"place_id": 1, "category": "x", "level": "general", "description": "x"}),
                   422, "validation_error")
    assert {"client_uuid", "photo_ids"} <= set(bare["detail"]["fields"])
    refused(loop.post("insp1", "", {"place_id": loop.world.places["P2"].id, "category": "疏散通道",
                                    "level": "major", "description": "安全出口锁闭"}), 404, "not_found")
    ok(loop.order(theirs, user="town2"))
    refused(loop.rectify(theirs, user="m1"), 404, "not_found")  # scope before status
    refused(loop.get("m1", "/stats", start="2026-11-01", end="2026-11-30"), 403, "forbidden")
    refused(loop.post("town1", f"/{mine}/supervision", {"level": "county", "target_date": "2026-12-31",
                                                        "supervisor": "王局长"}), 403, "forbidden")


def test_inspectors_and_township_admins_record_hazards_and_a_retry_returns_the_first(loop, world):
    key = str(uuid.uuid4())
    body = {"client_uuid": key, "place_id": world.places["P1"].id, "category": "疏散通道", "level": "major",
            "description": "安全出口上锁", "location": {"lat": 29.2, "lng": 120.05, "coord_system": "wgs84"}}
    first = ok(loop.post("insp1", "", body), 201)
    assert (first["source"], first["status"], first["level_label"]) == ("inspector", "reported", "重大事故隐患")
    assert first["grid"]["name"] == "东溪村第1网格" and first["township"]["name"] == "城关镇"
    again = ok(loop.post("insp1", "", body | {"description": "改过的描述"}), 200)
    assert again["id"] == first["id"] and again["description"] == "安全出口上锁"
    refused(loop.post("town1", "", body), 409, "client_uuid_conflict")
    assert ok(loop.post("town1", "", {k: v for k, v in body.items() if k != "client_uuid"}), 201)["source"] == "admin"
    refused(loop.post("insp1", "", {**body, "client_uuid": str(uuid.uuid4()), "found_at": "2026-11-24T10:00:00+08:00"}),
            422, "validation_error")


def test_a_retried_step_from_the_phone_returns_the_hazard_unchanged(loop):
    hid = loop.create()
    ok(loop.order(hid))
    key = str(uuid.uuid4())
    first = ok(loop.rectify(hid, client_uuid=key))
    second = ok(loop.rectify(hid, client_uuid=key))
    assert second["version"] == first["version"]
    assert [e["action"] for e in second["history"]].count("rectify") == 1
    refused(loop.recheck(hid, client_uuid=key), 409, "client_uuid_conflict")


# --- overdue and escalation -------------------------------------------------------------------------------------------

def test_an_overdue_order_escalates_into_the_county_list_and_the_township_bulletin(loop, clock, world, session):
    late = loop.create(level="major")
    ok(loop.order(late, deadline="2026-11-25"))
    on_time = loop.create(place="P1b")
    ok(loop.order(on_time, deadline="2026-11-25"))
    ok(loop.rectify(on_time, user="m1b"))

    # Thursday: the deadline ended last night: overdue, not yet escalated
    clock.set(local(2026, 11, 26, 10, 0))
    (overdue,) = loop.get("town1", overdue="true").get_json()
    assert (overdue["id"], overdue["overdue_days"], overdue["escalated"]) == (late, 1, False)
    assert loop.get("county", "/escalated").get_json() == []
    b = loop.bulletin("2026-11-26")
    assert (b["rectifications_overdue"], b["rectifications_escalated"]) == (1, [])

    # Sunday: overdue by 4 days, more than hazard_escalation_days (3): on the county's list and in the bulletin
    clock.set(local(2026, 11, 29, 10, 0))
    (escalated,) = loop.get("county", "/escalated").get_json()
    assert (escalated["id"], escalated["overdue_days"], escalated["escalated"]) == (late, 4, True)
    assert escalated["township"]["name"] == "城关镇"
    assert loop.get("town2", "/escalated").get_json() == []  # another township's list is empty
    refused(loop.get("m1", "/escalated"), 403, "forbidden")
    b = loop.bulletin("2026-11-29")
    assert b["rectifications_overdue"] == 1
    (listed,) = b["rectifications_escalated"]
    assert (listed["id"], listed["overdue_days"], listed["deadline"]) == (late, 4, "2026-11-25")
    assert listed["order_number"].startswith("城关镇应急责改")
    assert loop.bulletin("2026-11-28")["rectifications_escalated"] == []  # 3 days is not more than 3
    assert loop.bulletin("2026-11-29", "T2")["rectifications_overdue"] == 0
    # the escalation threshold is a setting
    assert len(hazards.overdue_on(session, world.areas["T1"].path, date(2026, 11, 27), 1)["escalated"]) == 1

    # the place rectifies on Sunday: no longer overdue today, but a past day's bulletin keeps what it was
    ok(loop.rectify(late))
    assert loop.get("county", "/escalated").get_json() == []
    assert loop.bulletin("2026-11-29")["rectifications_overdue"] == 0
    assert loop.bulletin("2026-11-28")["rectifications_overdue"] == 1

    published = ok(loop.client.post("/api/v1/bulletins", headers=world.headers("town1"),
                                    json={"township_id": world.areas["T1"].id, "date": "2026-11-28"}), 201)
    xlsx = loop.client.get(f"/api/v1/bulletins/{published['id']}.xlsx", headers=world.headers("town1"))
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(xlsx.data))
    assert dict(wb["通报"].iter_rows(min_row=2, values_only=True))["逾期未整改隐患"] == 1


# --- supervision (挂牌督办) -------------------------------------------------------------------------------------------

def test_a_supervised_major_hazard_is_closed_only_with_the_county_sign_off(loop, clock):
    hid = loop.create(level="major")
    general = loop.create()
    listing = {"level": "city", "target_date": "2026-12-31", "supervisor": "王局长", "note": "市安委办督办"}
    refused(loop.post("county", f"/{general}/supervision", listing), 409, "hazard_not_major")
    refused(loop.post("county", f"/{hid}/supervision", listing | {"target_date": "2026-11-01"}), 422,
            "validation_error")
    listed = ok(loop.post("county", f"/{hid}/supervision", listing))
    assert listed["supervision"]["level_label"] == "市级挂牌督办" and listed["status"] == "reported"
    refused(loop.post("county", f"/{hid}/supervision", listing), 409, "hazard_already_supervised")

    ok(loop.order(hid))
    ok(loop.rectify(hid))
    # the township re-checks and it passes: it waits for the county's sign-off
    assert ok(loop.recheck(hid, user="town1"))["status"] == "rechecked"
    refused(loop.close(hid, "town1"), 403, "supervision_sign_off_required")
    refused(loop.close(hid, "insp1"), 403, "supervision_sign_off_required")
    progress = ok(loop.get("county", "/supervised"))
    assert (progress["total"], progress["closed"], progress["closure_rate"]) == (1, 0, 0.0)
    (item,) = progress["items"]
    assert (item["hazard"]["id"], item["days_left"], item["target_missed"]) == (hid, 38, False)
    assert [p["action"] for p in item["progress"]] == ["create", "supervise", "order", "rectify", "recheck"]

    clock.set(local(2026, 11, 24, 9, 0))
    signed = ok(loop.close(hid, "county"))
    assert signed["status"] == "closed" and signed["supervision"]["signed_off_at"].startswith("2026-11-24")
    assert signed["history"][-1]["data"] == {"sign_off": True}
    progress = ok(loop.get("county", "/supervised"))
    assert (progress["total"], progress["closed"], progress["closure_rate"]) == (1, 1, 1.0)

    # a county admin's own passing re-check is the sign-off
    other = loop.create(level="major", place="P1b")
    ok(loop.post("county", f"/{other}/supervision", listing))
    ok(loop.order(other))
    ok(loop.rectify(other, user="m1b"))
    assert ok(loop.recheck(other, user="county"))["status"] == "closed"
    assert ok(loop.get("town1", "/supervised", open="true"))["items"] == []


# --- lists, statistics, export, the order page ------------------------------------------------------------------------

def hand_counted_november(loop: Loop, clock: Any) -> dict[str, int]:
    """A November in the test county, step by step; today is the 23rd.

    城关镇 (T1): H1 general closed on time; H2 major closed late; H3 general overdue; H4 major reported;
                 H5 general rejected; H6 found in October, closed.
    青山镇 (T2): H7 general ordered, not yet due; H8 major closed on time.
    """
    h: dict[str, int] = {}

    def day(d: int, hour: int = 10) -> None:
        clock.set(local(2026, 11, d, hour, 0))

    day(2)
    h["H1"] = loop.create(place="P1")
    h["H6"] = loop.create(place="P1", found_at="2026-10-20T09:00:00+08:00")
    ok(loop.order(h["H1"], deadline="2026-11-05"))
    ok(loop.order(h["H6"], deadline="2026-11-05"))
    day(3)
    h["H2"] = loop.create(place="P1b", level="major")
    ok(loop.order(h["H2"], deadline="2026-11-06"))
    day(4)
    for k in ("H1", "H6"):
        ok(loop.rectify(h[k]))
        ok(loop.recheck(h[k]))
    day(5)
    h["H3"] = loop.create(place="P1", category="电气安全")
    ok(loop.order(h["H3"], deadline="2026-11-10"))
    day(8)
    ok(loop.rectify(h["H2"], user="m1b"))  # two days late
    ok(loop.recheck(h["H2"]))
    day(10)
    h["H4"] = loop.create(place="P1b", level="major")
    day(12)
    h["H5"] = loop.create(place="P1")
    ok(loop.post("town1", f"/{h['H5']}/reject", {"reason": "不属于隐患"}))
    day(15)
    h["H7"] = loop.create(user="town2", place="P2")
    ok(loop.order(h["H7"], user="town2", deadline="2026-11-30"))
    day(20)
    h["H8"] = loop.create(user="town2", place="P2", level="major")
    ok(loop.order(h["H8"], user="town2", deadline="2026-11-22"))
    day(21)
    ok(loop.rectify(h["H8"], user="m2"))
    ok(loop.recheck(h["H8"], user="town2"))
    day(23)
    return h


def figures(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["area"]["name"], row["found"], row["closed"], row["closure_rate"], row["closed_on_time"],
            row["overdue"], row["major_found"], row["major_open"], row["rejected"])


def test_stats_per_township_match_the_hand_counted_november(loop, clock, world):
    hand_counted_november(loop, clock)
    rows = ok(loop.get("county", "/stats", area_id=world.areas["C"].id, start="2026-11-01", end="2026-11-30"))
    #                                 found closed rate on_time overdue major major_open rejected
    assert [figures(r) for r in rows] == [("青山县", 6, 3, 0.5, 2, 1, 3, 1, 1),
                                          ("城关镇", 4, 2, 0.5, 1, 1, 2, 1, 1),
                                          ("青山镇", 2, 1, 0.5, 1, 0, 1, 0, 0)]
    assert rows[0]["on_time_rate"] == round(2 / 3, 4)
    # October alone: H6, closed on time
    (county, t1, t2) = ok(loop.get("county", "/stats", start="2026-10-01", end="2026-10-31"))
    assert figures(county)[1:5] == (1, 1, 1.0, 1) and figures(t2)[1] == 0
    # major hazards only, and a township admin's own township by default (its villages as children)
    (t1_major, v1) = ok(loop.get("town1", "/stats", start="2026-11-01", end="2026-11-30", level="major"))
    assert figures(t1_major) == ("城关镇", 2, 1, 0.5, 0, 0, 2, 1, 0) and figures(v1)[0] == "东溪村"
    refused(loop.get("town1", "/stats", area_id=world.areas["C"].id, start="2026-11-01", end="2026-11-30"), 404,
            "not_found")
    refused(loop.get("county", "/stats", start="2026-11-30", end="2026-11-01"), 422, "validation_error")


def test_lists_filter_by_area_level_status_overdue_and_period(loop, clock, world):
    h = hand_counted_november(loop, clock)

    def ids(user: str = "county", **query: Any) -> set[str]:
        names = {v: k for k, v in h.items()}
        return {names[x["id"]] for x in ok(loop.get(user, "", page_size=100, **query))}

    t1, t2 = world.areas["T1"].id, world.areas["T2"].id
    assert ids(area_id=t1) == {"H1", "H2", "H3", "H4", "H5", "H6"}
    assert ids(area_id=t2, level="major") == {"H8"}
    assert ids(status=["closed"]) == {"H1", "H2", "H6", "H8"}
    assert ids(status=["ordered", "reported"]) == {"H3", "H4", "H7"}
    assert ids(overdue="true") == {"H3"}
    assert ids(start="2026-11-10", end="2026-11-20") == {"H4", "H5", "H7", "H8"}
    assert ids(source="admin") == {"H7", "H8"}
    assert ids(sector="industry_trade", area_id=t1, start="2026-11-01") == {"H1", "H2", "H3", "H4", "H5"}
    assert ids("town2") == {"H7", "H8"}
    assert ids("town2", area_id=t1) == set()  # an area outside the scope lists nothing
    assert ids("m1b") == {"H2", "H4"}


def test_the_xlsx_export_opens_and_has_the_filtered_rows(loop, clock, world):
    from openpyxl import load_workbook

    hand_counted_november(loop, clock)
    resp = loop.get("town1", "/export.xlsx", level="major")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("编号", "发现日期", "乡镇(街道)", "网格")
    body = rows[2:]
    assert len(body) == 2
    assert {(r[2], r[3], r[7], r[10]) for r in body} == {("城关镇", "东溪村第2网格", "重大事故隐患", "已销号"),
                                                       ("城关镇", "东溪村第2网格", "重大事故隐患", "已上报")}
    everything = load_workbook(io.BytesIO(loop.get("county", "/export.xlsx").data)).active
    assert everything.max_row == 2 + 8
    refused(loop.get("m1", "/export.xlsx"), 403, "forbidden")


def test_the_printable_order_carries_its_particulars(loop, clock):
    hid = loop.create(description="安全出口被<b>货物</b>堵塞")
    assert loop.get("town1", f"/{hid}/order.html").status_code == 404  # no order yet
    ok(loop.order(hid, deadline="2026-11-30"))
    page = loop.get("m1", f"/{hid}/order.html")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    number = loop.hazard(hid)["orders"][0]["number"]
    for particular in ("责令限期整改指令书", number, "测试P1五金厂", "P1路1号", "工贸", "安全出口被&lt;b&gt;货物&lt;/b&gt;堵塞",
                       "更换灭火器并每月检查", "2026年11月30日", "李四", "测试town1", "2026年11月23日", "城关镇",
                       "@media print", "@page"):
        assert particular in html, particular
    assert "<b>货物</b>" not in html
    assert loop.get("m2", f"/{hid}/order.html").status_code == 404
    assert loop.get("town1", f"/{hid}/order.html", round=2).status_code == 404


def test_a_rectification_goes_through_the_review_queue_flagged_first(loop, client, world):
    from tests.photos import jpeg

    hid = loop.create()
    assert loop.order(hid).status_code == 200
    screenshot = upload(client, world.headers("m1"), "rectification", jpeg(31, camera=False)).get_json()["id"]
    assert loop.post("m1", f"/{hid}/rectify", {"photo_ids": [screenshot], "statement": "已整改"}).status_code == 200
    queue = client.get("/api/v1/reviews?type=rectification", headers=world.headers("town1")).get_json()
    assert len(queue) == 1 and queue[0]["photo_ids"] == [screenshot]
    assert "photo_no_camera_exif" in queue[0]["flags"] and queue[0]["user_id"] == world.users["m1"].id
    assert client.get("/api/v1/reviews?type=rectification", headers=world.headers("town2")).get_json() == []
    decided = client.post(f"/api/v1/reviews/rectification/{queue[0]['id']}", headers=world.headers("town1"),
                          json={"decision": "reject", "reason": "整改照片不是现场拍摄"})
    assert decided.status_code == 200 and decided.get_json()["review_status"] == "rejected"
    # an order not yet rectified is not reviewable
    other = loop.create(place="P1b")
    loop.order(other)
    assert client.get("/api/v1/reviews?type=rectification", headers=world.headers("town1")).get_json() == []
