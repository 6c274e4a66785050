"""Hazards as members and townships make and correct them: a member's 随手拍 anywhere in their grids (idempotent on
client_uuid, also through /sync), history that names the person, and the township correcting a hazard's place or
its address and responsible party later, with history."""
from __future__ import annotations

import uuid

import pytest

from tests.patrol_helpers import fire_answers, local, visit
from tests.photos import upload


def _photo(client, world, user="m1", purpose="hazard"):
    resp = upload(client, world.headers(user), purpose)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def snap(client, world, user="m1", **body):
    base = {"client_uuid": str(uuid.uuid4()), "category": "消防设施器材", "description": "灭火器压力表指针在红区",
            "photo_ids": [_photo(client, world, user)]}
    return client.post("/api/v1/hazards", headers=world.headers(user), json=base | body)


@pytest.fixture
def w(world, clock):
    clock.set(local(2026, 11, 23, 10, 0))
    return world


def test_a_member_reports_a_hazard_at_a_place_of_the_grid_and_a_retry_finds_it(client, w):
    body = {"client_uuid": str(uuid.uuid4()), "place_id": w.places["P1"].id, "category": "消防设施器材",
            "description": "灭火器压力表指针在红区", "photo_ids": [_photo(client, w)]}
    made = client.post("/api/v1/hazards", headers=w.headers("m1"), json=body)
    assert made.status_code == 201, made.get_json()
    h = made.get_json()
    assert (h["source"], h["level"], h["status"], h["place"]["id"]) == ("patrol", "general", "reported",
                                                                        w.places["P1"].id)
    assert h["found_by_id"] == w.users["m1"].id and h["visit_id"] is None and h["sector"] == "industry_trade"
    assert h["history"][0]["actor_name"] == "测试m1"
    again = client.post("/api/v1/hazards", headers=w.headers("m1"), json=body)
    assert again.status_code == 200 and again.get_json()["id"] == h["id"]
    listed = client.get("/api/v1/hazards", headers=w.headers("town1")).get_json()
    assert [x["id"] for x in listed] == [h["id"]]


def test_a_member_reports_a_hazard_at_a_point_of_the_grid_without_a_place(client, w):
    made = snap(client, w, location={"lat": 29.3, "lng": 120.07, "accuracy": 10}, sector="road_traffic",
                category="道路交通", description="村口弯道护栏缺失")
    assert made.status_code == 201, made.get_json()
    h = made.get_json()
    assert h["place"] is None and h["grid"]["id"] == w.areas["G1"].id and h["sector"] == "road_traffic"
    assert h["location"] == {"lat": 29.3, "lng": 120.07}


@pytest.mark.parametrize("body,status,code,field", [
    ({"location": {"lat": 29.3, "lng": 120.3}, "sector": "fire"}, 422, "outside_grid", "location"),  # m2's grid
    ({"sector": "fire"}, 422, "validation_error", "location"),
    ({"location": {"lat": 29.3, "lng": 120.07}}, 422, "validation_error", "sector"),
    ({"location": {"lat": 29.3, "lng": 120.07}, "sector": "fire", "photo_ids": []}, 422, "validation_error",
     "photo_ids"),
    ({"location": {"lat": 29.3, "lng": 120.07}, "sector": "fire", "client_uuid": None}, 422, "validation_error",
     "client_uuid"),
])
def test_a_members_hazard_needs_a_photo_a_uuid_and_a_place_or_a_point_in_the_grid(client, w, body, status, code,
                                                                                   field):
    if body.get("client_uuid", "") is None:
        body = {k: v for k, v in body.items() if k != "client_uuid"}
        resp = client.post("/api/v1/hazards", headers=w.headers("m1"), json={
            "category": "消防设施器材", "description": "x", "photo_ids": [_photo(client, w)], **body})
    else:
        resp = snap(client, w, **body)
    got = resp.get_json()
    assert (resp.status_code, got["code"]) == (status, code), got
    assert field in got["detail"]["fields"]
    assert client.get("/api/v1/hazards", headers=w.headers("town1")).get_json() == []


def test_a_member_cannot_report_at_a_place_of_another_grid(client, w):
    assert snap(client, w, place_id=w.places["P1b"].id).status_code == 404


def test_a_members_hazard_goes_through_sync(client, w):
    data = {"client_uuid": str(uuid.uuid4()), "place_id": w.places["P1"].id, "category": "电气安全",
            "description": "配电箱门缺失", "photo_ids": [_photo(client, w)]}
    resp = client.post("/api/v1/sync", headers=w.headers("m1"), json={"items": [{"type": "hazard", "data": data},
                                                                               {"type": "hazard", "data": data}]})
    assert resp.status_code == 200, resp.get_json()
    assert [r["status"] for r in resp.get_json()["results"]] == ["created", "duplicate"]


def test_history_names_the_member_who_found_it_on_patrol(client, patrol_world, clock):
    w = patrol_world
    clock.set(local(2026, 11, 23, 10, 0))
    v = client.post("/api/v1/visits", headers=w.headers("m1"),
                    json=visit(clock(), w.places["P1"].id, answers=fire_answers(F07="no")))
    (found,) = client.get(f"/api/v1/visits/{v.get_json()['id']}/hazards", headers=w.headers("m1")).get_json()
    detail = client.get(f"/api/v1/hazards/{found['id']}", headers=w.headers("town1")).get_json()
    (created,) = detail["history"]
    assert (created["actor_name"], created["actor_id"], created["actor_role"]) == ("测试m1", w.users["m1"].id,
                                                                                   "member")


def test_the_township_corrects_a_hazards_place_with_history(client, w):
    made = snap(client, w, location={"lat": 29.3, "lng": 120.07}, sector="industry_trade")
    hid = made.get_json()["id"]
    by_member = client.post(f"/api/v1/hazards/{hid}/correction", headers=w.headers("m1"),
                            json={"place_id": w.places["P1"].id, "reason": "x"})
    assert by_member.status_code == 403
    fixed = client.post(f"/api/v1/hazards/{hid}/correction", headers=w.headers("town1"),
                        json={"place_id": w.places["P1b"].id, "reason": "核实后属于测试P1b五金厂"})
    assert fixed.status_code == 200, fixed.get_json()
    h = fixed.get_json()
    assert h["place"]["id"] == w.places["P1b"].id and h["grid"]["id"] == w.areas["G1b"].id
    assert h["status"] == "reported"
    event = h["history"][-1]
    assert (event["action"], event["actor_name"], event["from_status"], event["to_status"]) == (
        "correct", "测试town1", "reported", "reported")
    assert event["data"]["before"]["place_id"] is None and event["data"]["after"]["place_id"] == w.places["P1b"].id
    assert event["data"]["reason"] == "核实后属于测试P1b五金厂"
    # the hazard now belongs to G1b: its member sees it, and another township's admin still does not
    assert client.get(f"/api/v1/hazards/{hid}", headers=w.headers("m1b")).status_code == 200
    assert client.post(f"/api/v1/hazards/{hid}/correction", headers=w.headers("town2"),
                       json={"responsible_party": "x", "reason": "x"}).status_code == 404
    # a place outside my scope is a 404, and nothing changes
    assert client.post(f"/api/v1/hazards/{hid}/correction", headers=w.headers("town1"),
                       json={"place_id": w.places["P2"].id, "reason": "x"}).status_code == 404


def test_an_order_without_a_place_is_addressed_to_the_responsible_party(client, w, clock):
    made = snap(client, w, location={"lat": 29.3, "lng": 120.07}, sector="road_traffic", category="道路交通")
    hid = made.get_json()["id"]
    half = client.post(f"/api/v1/hazards/{hid}/correction", headers=w.headers("town1"),
                       json={"address": "东溪村村口", "reason": "补充地址"})
    assert half.status_code == 422 and "responsible_party" in half.get_json()["detail"]["fields"]
    fixed = client.post(f"/api/v1/hazards/{hid}/correction", headers=w.headers("town1"),
                        json={"address": "东溪村村口弯道", "responsible_party": "东溪村村民委员会",
                              "reason": "补充地址和责任单位"})
    assert fixed.status_code == 200, fixed.get_json()
    assert (fixed.get_json()["address"], fixed.get_json()["responsible_party"]) == ("东溪村村口弯道", "东溪村村民委员会")
    ordered = client.post(f"/api/v1/hazards/{hid}/order", headers=w.headers("town1"),
                          json={"deadline": "2026-11-30", "measures": "增设护栏", "responsible_person": "王五"})
    assert ordered.status_code == 200, ordered.get_json()
    page = client.get(f"/api/v1/hazards/{hid}/order.html", headers=w.headers("town1")).get_data(as_text=True)
    assert "<p>东溪村村民委员会:</p>" in page and "东溪村村口弯道" in page and "<td>—</td>" not in page
    (task,) = client.get("/api/v1/me/tasks?status=open", headers=w.headers("m1")).get_json()
    assert task["task"]["title"] == "隐患复查: 东溪村村民委员会 道路交通"
    # a closed hazard is not corrected
    for step, body, user in (("rectify", {"photo_ids": [_photo(client, w, "m1", "rectification")],
                                         "statement": "已增设护栏"}, "m1"),
                             ("recheck", {"result": "pass"}, "town1")):
        assert client.post(f"/api/v1/hazards/{hid}/{step}", headers=w.headers(user), json=body).status_code == 200
    late = client.post(f"/api/v1/hazards/{hid}/correction", headers=w.headers("town1"),
                       json={"responsible_party": "别人", "reason": "x"})
    assert late.status_code == 409 and late.get_json()["code"] == "hazard_closed"


def test_converting_a_tipoff_without_a_place_names_an_address_and_a_responsible_party(client, w, clock):
    made = client.post("/api/v1/tipoffs", json={"category": "fire_escape", "description": "村口小卖部门口堆满纸箱",
                                                "location": {"lat": 29.2, "lng": 120.05}})
    assert made.status_code == 201, made.get_json()
    (queued,) = client.get("/api/v1/tipoffs", headers=w.headers("town1"),
                           query_string={"status": "received"}).get_json()
    bare = client.post(f"/api/v1/tipoffs/{queued['id']}/convert", headers=w.headers("town1"),
                       json={"level": "general"})
    assert bare.status_code == 422
    assert {"place_id", "responsible_party", "address"} <= set(bare.get_json()["detail"]["fields"])
    assert client.get("/api/v1/hazards", headers=w.headers("town1")).get_json() == []  # nothing half made
    converted = client.post(f"/api/v1/tipoffs/{queued['id']}/convert", headers=w.headers("town1"),
                            json={"level": "general", "address": "东溪村村口小卖部",
                                  "responsible_party": "小卖部店主王某"})
    assert converted.status_code == 200, converted.get_json()
    hid = converted.get_json()["hazard_id"]
    ordered = client.post(f"/api/v1/hazards/{hid}/order", headers=w.headers("town1"),
                          json={"deadline": "2026-11-30", "measures": "清理门口纸箱", "responsible_person": "王某"})
    assert ordered.status_code == 200, ordered.get_json()
    page = client.get(f"/api/v1/hazards/{hid}/order.html", headers=w.headers("town1")).get_data(as_text=True)
    assert "<p>小卖部店主王某:</p>" in page and "东溪村村口小卖部" in page and "<td>—</td>" not in page
    (task,) = client.get("/api/v1/me/tasks?status=open", headers=w.headers("m1")).get_json()
    assert task["task"]["title"] == "隐患复查: 小卖部店主王某 消防通道堵塞、消防设施损坏"  # no double space
