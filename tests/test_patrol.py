"""Clock-ins, visits, publicity, reports and offline sync: the rules, the retries and the bad input."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.common.geo import gcj02_to_wgs84, wgs84_to_gcj02
from server.hazards.models import Hazard
from server.patrol.models import CheckIn, Visit
from tests.patrol_helpers import checkin, fire_answers, local, publicity, report, visit

# published reference points of the GCJ-02 transform (eviltransform's test vectors): WGS-84 → GCJ-02
GCJ_VECTORS = [((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),     # Shanghai
               ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),     # Shenzhen
               ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657))]    # Beijing


@pytest.mark.parametrize("wgs,gcj", GCJ_VECTORS)
def test_gcj02_conversion_matches_published_reference_points(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)
    assert gcj02_to_wgs84(*gcj) == pytest.approx(wgs, abs=1e-7)


def post(client, world, path, body, user="m1"):
    return client.post(f"/api/v1/{path}", headers=world.headers(user), json=body)


# --- clock-in -----------------------------------------------------------------------------------------------------

def test_first_clock_in_of_the_day_counts_and_later_ones_are_extras(client, patrol_world, clock):
    clock.set(local(2026, 11, 23, 8, 0))
    first = post(client, patrol_world, "checkins", checkin(clock())).get_json()
    clock.advance(hours=2)
    second = post(client, patrol_world, "checkins", checkin(clock())).get_json()
    assert first["counted"] is True and second["counted"] is False
    assert first["day"] == second["day"] == "2026-11-23"


def test_an_earlier_clock_in_synced_late_takes_the_count(client, patrol_world, clock):
    clock.set(local(2026, 11, 23, 9, 0))
    later = post(client, patrol_world, "checkins", checkin(clock())).get_json()
    clock.set(local(2026, 11, 23, 12, 0))  # the 07:50 one arrives at noon from a phone that was offline
    earlier = post(client, patrol_world, "checkins", checkin(local(2026, 11, 23, 7, 50))).get_json()
    assert earlier["counted"] is True
    counted = client.get(f"/api/v1/checkins/{later['id']}", headers=patrol_world.headers("m1")).get_json()
    assert counted["counted"] is False


def test_clock_in_outside_the_grid_is_kept_and_flagged(client, patrol_world, clock):
    # 0.05° east of G1's edge is ~4.9 km: far outside the 200 m tolerance
    resp = post(client, patrol_world, "checkins", checkin(clock(), lng=120.15))
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["geofence"] == "out_of_area" and "out_of_area" in body["flags"]
    assert body["distance_m"] > 4000 and body["counted"] is True


def test_clock_in_just_outside_the_boundary_is_within_tolerance(client, patrol_world, clock):
    # 100 m west of G1's west edge (120.0°) at 29.2°N
    body = post(client, patrol_world, "checkins", checkin(clock(), lng=120.0 - 100 / 97_000)).get_json()
    assert body["geofence"] == "in_area" and 50 < body["distance_m"] < 150


def test_gcj02_clock_in_is_stored_in_wgs84(client, patrol_world, clock):
    lat, lng = wgs84_to_gcj02(29.2, 120.05)
    body = post(client, patrol_world, "checkins", checkin(clock()) | {
        "location": {"lat": lat, "lng": lng, "coord_system": "gcj02"}}).get_json()
    assert body["location"]["lat"] == pytest.approx(29.2, abs=1e-7)
    assert body["location"]["lng"] == pytest.approx(120.05, abs=1e-7)


def test_clock_in_for_a_grid_not_mine_is_404(client, patrol_world, clock):
    resp = post(client, patrol_world, "checkins", checkin(clock(), grid_id=patrol_world.areas["G2"].id))
    assert resp.status_code == 404 and resp.get_json()["code"] == "not_found"


def test_admins_do_not_clock_in(client, patrol_world, clock):
    assert post(client, patrol_world, "checkins", checkin(clock()), user="town1").status_code == 403


@pytest.mark.parametrize("shift", [timedelta(days=5), timedelta(days=-3)])
def test_device_time_far_off_is_kept_flagged_and_server_time_rules_the_day(client, patrol_world, clock, shift):
    clock.set(local(2026, 11, 23, 9, 0))
    body = post(client, patrol_world, "checkins", checkin(clock() + shift)).get_json()
    assert "device_time_implausible" in body["flags"]
    assert body["day"] == "2026-11-23"


def test_an_offline_record_a_few_hours_late_keeps_its_own_day(client, patrol_world, clock):
    clock.set(local(2026, 11, 24, 7, 0))  # synced the next morning
    body = post(client, patrol_world, "checkins", checkin(local(2026, 11, 23, 17, 0))).get_json()
    assert body["day"] == "2026-11-23" and body["flags"] == []


@pytest.mark.parametrize("tz", ["UTC", "America/Los_Angeles", "Asia/Shanghai"])
def test_midnight_in_shanghai_splits_the_days_whatever_the_server_zone(client, patrol_world, clock, tz, monkeypatch):
    monkeypatch.setenv("TZ", tz)
    time.tzset()
    try:
        clock.set(local(2026, 11, 24, 0, 5))
        before = post(client, patrol_world, "checkins", checkin(local(2026, 11, 23, 23, 59, 59))).get_json()
        after = post(client, patrol_world, "checkins", checkin(local(2026, 11, 24, 0, 0, 0))).get_json()
    finally:
        monkeypatch.undo()
        time.tzset()
    assert (before["day"], after["day"]) == ("2026-11-23", "2026-11-24")
    assert before["counted"] and after["counted"]


@pytest.mark.parametrize("location,code", [
    ({"lat": 0, "lng": 0}, "coordinates_invalid"),
    ({"lat": 91, "lng": 120}, "validation_error"),
    ({"lat": 29.2, "lng": -181}, "validation_error"),
    ({"lat": "NaN", "lng": 120}, "validation_error"),
])
def test_bad_coordinates_are_refused_and_nothing_is_kept(client, patrol_world, clock, session, location, code):
    resp = post(client, patrol_world, "checkins", checkin(clock()) | {"location": location})
    assert resp.status_code == 422 and resp.get_json()["code"] == code
    assert session.scalar(select(func.count(CheckIn.id))) == 0


def test_clock_in_needs_a_photo(client, patrol_world, clock):
    resp = post(client, patrol_world, "checkins", checkin(clock(), photo_ids=[]))
    assert resp.status_code == 422 and "photo_ids" in resp.get_json()["detail"]["fields"]


# --- idempotency --------------------------------------------------------------------------------------------------

def test_a_retry_answers_200_with_the_first_record_even_if_the_body_differs(client, patrol_world, clock):
    body = checkin(clock())
    first = post(client, patrol_world, "checkins", body)
    retry = post(client, patrol_world, "checkins", body | {"note": "第二次", "location": {"lat": 29.3, "lng": 120.06}})
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.get_json() == first.get_json()


def test_another_user_reusing_a_uuid_is_409(client, patrol_world, clock):
    body = checkin(clock())
    post(client, patrol_world, "checkins", body)
    resp = post(client, patrol_world, "checkins", body | {"location": {"lat": 29.2, "lng": 120.15}}, user="m1b")
    assert resp.status_code == 409 and resp.get_json()["code"] == "client_uuid_conflict"


def test_the_same_uuid_retried_20_times_concurrently_makes_one_record(app, patrol_world, clock, session):
    body = visit(clock(), patrol_world.places["P1"].id, answers=fire_answers(F04="no"))
    headers = patrol_world.headers("m1")
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def send() -> None:
        c = app.test_client()
        barrier.wait()
        statuses.append(c.post("/api/v1/visits", headers=headers, json=body).status_code)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 19 + [201]
    assert session.scalar(select(func.count(Visit.id))) == 1
    assert session.scalar(select(func.count(Hazard.id))) == 1  # the losers' hazards were rolled back too


# --- visits -------------------------------------------------------------------------------------------------------

def test_visit_far_from_the_place_is_flagged_not_refused(client, patrol_world, clock):
    body = post(client, patrol_world, "visits", visit(clock(), patrol_world.places["P1"].id, lat=29.25)).get_json()
    assert "far_from_place" in body["flags"] and body["distance_to_place_m"] > 5000


def test_visit_to_a_place_outside_my_grids_is_404(client, patrol_world, clock, session):
    resp = post(client, patrol_world, "visits", visit(clock(), patrol_world.places["P2"].id))
    assert resp.status_code == 404
    assert session.scalar(select(func.count(Visit.id))) == 0


@pytest.mark.parametrize("answers,field", [
    (fire_answers(F01=True), "answers.F01"),              # wrong type for yes/no
    (fire_answers(F13="three"), "answers.F13"),           # wrong type for a number
    (fire_answers(F13=-1), "answers.F13"),                # below the item's minimum
    (fire_answers() + [{"item_id": "F99", "value": "yes"}], "answers.F99"),   # not in this version
    ([a for a in fire_answers() if a["item_id"] != "F05"], "answers.F05"),    # a required item missing
    ([a | {"photo_ids": []} if a["item_id"] == "F04" else a for a in fire_answers()], "answers.F04"),  # photo needed
])
def test_bad_checklist_answers_are_refused_naming_the_item(client, patrol_world, clock, session, answers, field):
    resp = post(client, patrol_world, "visits", visit(clock(), patrol_world.places["P1"].id, answers=answers))
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["code"] == "checklist_answers_invalid"
    assert field in resp.get_json()["detail"]["fields"]
    assert session.scalar(select(func.count(Visit.id))) == 0


def test_unknown_checklist_version_is_404(client, patrol_world, clock):
    resp = post(client, patrol_world, "visits", visit(clock(), patrol_world.places["P1"].id, checklist_version=9))
    assert resp.status_code == 404


def test_old_checklist_versions_stay_readable(client, patrol_world, session, tmp_path):
    import json

    from server.checklists.service import CHECKLIST_DIR, load_directory
    doc = json.loads((CHECKLIST_DIR / "fire-safety.v1.json").read_text())
    doc["version"] = 9
    doc["items"] = doc["items"][:5]
    (tmp_path / "fire-safety.v9.json").write_text(json.dumps(doc, ensure_ascii=False))
    load_directory(session, tmp_path)
    session.commit()
    headers = patrol_world.headers("m1")
    latest = client.get("/api/v1/checklists?sector=fire", headers=headers).get_json()
    assert [(c["id"], c["version"], c["item_count"]) for c in latest] == [("fire-safety", 9, 5)]
    v1 = client.get("/api/v1/checklists/fire-safety/versions/1", headers=headers).get_json()
    assert len(v1["definition"]["items"]) == 14


def test_checklists_ship_real_content_for_the_seven_sectors(client, patrol_world):
    listed = client.get("/api/v1/checklists", headers=patrol_world.headers("m1")).get_json()
    sectors = {c["sector"] for c in listed}
    assert sectors >= {"fire", "town_gas", "self_built_houses", "rental_housing", "hazardous_chemicals", "fireworks",
                       "industry_trade"}
    assert all(8 <= c["item_count"] <= 20 for c in listed)


def test_a_changed_definition_under_an_old_version_is_refused(session, checklists_loaded, tmp_path):
    import json

    from server.checklists.service import CHECKLIST_DIR, load_directory
    doc = json.loads((CHECKLIST_DIR / "town-gas.v1.json").read_text())
    doc["items"][0]["text"] = "改过的检查项"
    (tmp_path / "town-gas.v1.json").write_text(json.dumps(doc, ensure_ascii=False))
    with pytest.raises(ValueError, match="bump the version"):
        load_directory(session, tmp_path)


# --- reports ------------------------------------------------------------------------------------------------------

def test_nothing_found_is_a_valid_report_and_resubmission_keeps_the_first_time(client, patrol_world, clock):
    clock.set(local(2026, 11, 23, 17, 0))
    first = post(client, patrol_world, "reports", report("2026-11-23", nothing_found=True, notes=""))
    assert first.status_code == 201 and first.get_json()["nothing_found"] is True
    clock.set(local(2026, 11, 23, 20, 0))
    again = post(client, patrol_world, "reports", report("2026-11-23", notes="补充: 东溪村已复查"))
    assert again.status_code == 200
    body = again.get_json()
    assert body["id"] == first.get_json()["id"] and body["notes"] == "补充: 东溪村已复查"
    assert body["first_submitted_at"] == first.get_json()["first_submitted_at"]
    assert body["late"] is False


def test_a_report_after_the_day_is_late_and_then_closed(client, patrol_world, clock):
    clock.set(local(2026, 11, 24, 8, 0))
    late = post(client, patrol_world, "reports", report("2026-11-23"))
    assert late.status_code == 201 and late.get_json()["late"] is True
    again = post(client, patrol_world, "reports", report("2026-11-23", notes="改"))
    assert again.status_code == 409 and again.get_json()["code"] == "report_closed"


def test_a_report_for_a_future_date_is_refused(client, patrol_world, clock):
    clock.set(local(2026, 11, 23, 22, 0))
    resp = post(client, patrol_world, "reports", report("2026-11-24"))
    assert resp.status_code == 422 and "date" in resp.get_json()["detail"]["fields"]


# --- sync ---------------------------------------------------------------------------------------------------------

def test_sync_answers_per_item_and_one_bad_item_does_not_roll_back_the_others(client, patrol_world, clock, session):
    clock.set(local(2026, 11, 23, 19, 0))
    p1 = patrol_world.places["P1"].id
    dup = checkin(local(2026, 11, 23, 8, 0))
    post(client, patrol_world, "checkins", dup)
    items = [
        {"type": "checkin", "data": dup},                                                   # already uploaded
        {"type": "visit", "data": visit(local(2026, 11, 23, 9, 0), p1)},
        {"type": "visit", "data": visit(local(2026, 11, 23, 9, 30), patrol_world.places["P2"].id)},  # foreign
        {"type": "publicity", "data": publicity(local(2026, 11, 23, 10, 0), p1) | {"people_reached": "many"}},
        {"type": "publicity", "data": publicity(local(2026, 11, 23, 10, 30), p1)},
        {"type": "report", "data": report("2026-11-23")},
    ]
    resp = post(client, patrol_world, "sync", {"items": items})
    assert resp.status_code == 200
    results = resp.get_json()["results"]
    assert [r["status"] for r in results] == ["duplicate", "created", "error", "error", "created", "created"]
    assert results[2]["error"]["code"] == "not_found"
    assert results[3]["error"]["code"] == "validation_error"
    assert "people_reached" in results[3]["error"]["detail"]["fields"]
    assert session.scalar(select(func.count(Visit.id))) == 1


def test_sync_over_the_limit_is_refused_whole(client, patrol_world, clock, session):
    items = [{"type": "checkin", "data": checkin(clock())} for _ in range(101)]
    resp = post(client, patrol_world, "sync", {"items": items})
    assert resp.status_code == 413 and resp.get_json()["code"] == "sync_batch_too_large"
    assert session.scalar(select(func.count(CheckIn.id))) == 0


def test_sync_with_a_malformed_item_is_422(client, patrol_world, clock):
    resp = post(client, patrol_world, "sync", {"items": [{"type": "checkin"}]})
    assert resp.status_code == 422


# --- dispatch and publicity coverage ------------------------------------------------------------------------------

def test_overdue_tasks_are_visible(client, patrol_world, clock):
    clock.set(local(2026, 11, 20, 9, 0))
    post(client, patrol_world, "tasks", {"kind": "publicity", "title": "燃气安全宣传", "due_date": "2026-11-21",
                                         "place_ids": [patrol_world.places["P1"].id],
                                         "user_ids": [patrol_world.users["m1"].id]}, user="town1")
    clock.set(local(2026, 11, 23, 9, 0))
    mine = client.get("/api/v1/me/tasks?overdue=true", headers=patrol_world.headers("m1")).get_json()
    assert [a["task"]["title"] for a in mine] == ["燃气安全宣传"]
    listed = client.get("/api/v1/tasks?overdue=true", headers=patrol_world.headers("town1")).get_json()
    assert len(listed) == 1
    assert client.get("/api/v1/tasks?overdue=true", headers=patrol_world.headers("town2")).get_json() == []


def test_a_task_cannot_target_another_townships_members(client, patrol_world, clock):
    resp = post(client, patrol_world, "tasks", {"kind": "other", "title": "x", "due_date": "2026-11-30",
                                                "user_ids": [patrol_world.users["m2"].id]}, user="town1")
    assert resp.status_code == 422 and "user_ids" in resp.get_json()["detail"]["fields"]


def test_publicity_coverage_per_grid(client, patrol_world, clock):
    post(client, patrol_world, "publicity", publicity(clock(), patrol_world.places["P1"].id))
    rows = client.get(f"/api/v1/publicity/coverage?area_id={patrol_world.areas['V1'].id}&from=2026-11-01"
                      f"&to=2026-11-30", headers=patrol_world.headers("town1")).get_json()
    by_code = {r["area"]["code"]: (r["places"], r["covered"], r["share"]) for r in rows}
    assert by_code["330799001001"] == (2, 1, 0.5)
    assert by_code["330799001001001"] == (1, 1, 1.0) and by_code["330799001001002"] == (1, 0, 0.0)


def test_concurrent_clock_ins_of_one_member_leave_exactly_one_counted(app, patrol_world, clock, session):
    headers = patrol_world.headers("m1")
    bodies = [checkin(clock() + timedelta(seconds=i)) for i in range(10)]
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []

    def send(body: dict) -> None:
        c = app.test_client()
        barrier.wait()
        statuses.append(c.post("/api/v1/checkins", headers=headers, json=body).status_code)

    threads = [threading.Thread(target=send, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 10
    assert session.scalar(select(func.count(CheckIn.id)).where(CheckIn.counted.is_(True))) == 1
    assert session.scalar(select(func.count(CheckIn.id))) == 10
