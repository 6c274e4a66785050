"""What the phone gets in one call: the offline batch where one unknown item is only that item's error, and the
home screen with the hazards waiting for my re-check and my rejected records with the reason."""
from __future__ import annotations

from sqlalchemy import func, select

from server.patrol.models import CheckIn
from tests.factories import add_user
from tests.patrol_helpers import checkin, fire_answers, local, publicity, visit
from tests.photos import upload


def post(client, world, path, body, user="m1"):
    return client.post(f"/api/v1/{path}", headers=world.headers(user), json=body)


def test_sync_an_unknown_type_is_that_items_error_only(client, patrol_world, clock, session):
    clock.set(local(2026, 11, 23, 19, 0))
    items = [{"type": "checkin", "data": checkin(local(2026, 11, 23, 8, 0))},
             {"type": "selfie", "data": {}},
             {"type": "publicity", "data": publicity(local(2026, 11, 23, 10, 0), patrol_world.places["P1"].id)}]
    resp = post(client, patrol_world, "sync", {"items": items})
    assert resp.status_code == 200, resp.get_json()
    results = resp.get_json()["results"]
    assert [(r["type"], r["status"]) for r in results] == [("checkin", "created"), ("selfie", "error"),
                                                           ("publicity", "created")]
    assert results[1]["error"]["code"] == "unknown_type" and "type" in results[1]["error"]["detail"]["fields"]
    assert session.scalar(select(func.count(CheckIn.id))) == 1


def test_sync_an_item_without_a_type_is_still_a_422(client, patrol_world):
    resp = post(client, patrol_world, "sync", {"items": [{"data": {}}]})
    assert resp.status_code == 422


def _photo(client, world, user, purpose):
    resp = upload(client, world.headers(user), purpose)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def test_home_screen_lists_hazards_waiting_for_my_recheck_but_not_my_own_rectification(client, patrol_world, clock,
                                                                                      session):
    w = patrol_world
    add_user(session, "m1c", "member", w.areas["G1"])  # a second member of G1
    session.commit()
    w.users["m1c"] = session.scalar(select(type(w.users["m1"])).where(type(w.users["m1"]).username == "m1c"))
    clock.set(local(2026, 11, 23, 10, 0))
    v = post(client, w, "visits", visit(clock(), w.places["P1"].id, answers=fire_answers(F07="no")))
    assert v.status_code == 201, v.get_json()
    (found,) = client.get(f"/api/v1/visits/{v.get_json()['id']}/hazards", headers=w.headers("m1")).get_json()
    hid = found["id"]
    ordered = client.post(f"/api/v1/hazards/{hid}/order", headers=w.headers("town1"),
                          json={"deadline": "2026-11-27", "measures": "重新敷设电线", "responsible_person": "李四"})
    assert ordered.status_code == 200, ordered.get_json()
    assert client.get("/api/v1/me/today", headers=w.headers("m1c")).get_json()["rechecks"] == []  # not yet
    clock.set(local(2026, 11, 24, 9, 0))
    rectified = client.post(f"/api/v1/hazards/{hid}/rectify", headers=w.headers("m1"),
                            json={"photo_ids": [_photo(client, w, "m1", "rectification")], "statement": "已整改"})
    assert rectified.status_code == 200, rectified.get_json()

    mine = client.get("/api/v1/me/today", headers=w.headers("m1")).get_json()
    assert mine["rechecks"] == []  # the one who recorded the rectification does not re-check it
    other = client.get("/api/v1/me/today", headers=w.headers("m1c")).get_json()
    (due,) = other["rechecks"]
    assert due["id"] == hid and due["place"]["name"] == "测试P1五金厂" and due["grid"]["name"] == "东溪村第1网格"
    assert due["deadline"] == "2026-11-27" and due["rectification_statement"] == "已整改"
    assert client.get("/api/v1/me/today", headers=w.headers("m1b")).get_json()["rechecks"] == []  # another grid

    passed = client.post(f"/api/v1/hazards/{hid}/recheck", headers=w.headers("m1c"), json={"result": "pass"})
    assert passed.status_code == 200, passed.get_json()
    assert client.get("/api/v1/me/today", headers=w.headers("m1c")).get_json()["rechecks"] == []


def test_home_screen_shows_my_rejected_records_with_the_reason(client, patrol_world, clock):
    w = patrol_world
    clock.set(local(2026, 11, 23, 8, 0))
    ci = post(client, w, "checkins", checkin(clock(), lat=29.2, lng=121.0))  # far outside the grid
    assert ci.status_code == 201
    pub = post(client, w, "publicity", publicity(local(2026, 11, 23, 10, 0), w.places["P1"].id))
    assert client.get("/api/v1/me/today", headers=w.headers("m1")).get_json()["rejected"] == []
    for kind, rid, reason in (("checkin", ci.get_json()["id"], "打卡位置不在网格内"),
                              ("publicity", pub.get_json()["id"], "照片与现场不符")):
        decided = client.post(f"/api/v1/reviews/{kind}/{rid}", headers=w.headers("town1"),
                              json={"decision": "reject", "reason": reason})
        assert decided.status_code == 200, decided.get_json()
    clock.set(local(2026, 11, 24, 8, 0))
    rejected = client.get("/api/v1/me/today", headers=w.headers("m1")).get_json()["rejected"]
    assert [(r["type"], r["reason"]) for r in rejected] == [("publicity", "照片与现场不符"),
                                                            ("checkin", "打卡位置不在网格内")]
    assert rejected[0]["place"]["name"] == "测试P1五金厂" and rejected[1]["day"] == "2026-11-23"
    assert client.get("/api/v1/me/today", headers=w.headers("m1b")).get_json()["rejected"] == []
