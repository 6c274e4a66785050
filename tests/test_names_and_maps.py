"""What the screens show without a second lookup: tasks and assignments with place and member names and each
assignee's progress; a member's grid boundary and places in one call."""
from __future__ import annotations

from tests.patrol_helpers import local, publicity


def test_tasks_carry_place_and_member_names_and_progress_per_assignee(client, patrol_world, clock):
    w = patrol_world
    clock.set(local(2026, 11, 23, 8, 30))
    p1 = w.places["P1"]
    made = client.post("/api/v1/tasks", headers=w.headers("town1"), json={
        "kind": "publicity", "title": "燃气安全宣传", "due_date": "2026-11-24", "place_ids": [p1.id],
        "user_ids": [w.users["m1"].id, w.users["m1b"].id]})
    assert made.status_code == 201, made.get_json()
    task = made.get_json()
    assert task["places"] == [{"id": p1.id, "name": "测试P1五金厂", "address": "P1路1号"}]
    assert {a["member"]["name"] for a in task["assignments"]} == {"测试m1", "测试m1b"}
    assert task["summary"] == {"assignees": 2, "done": 0, "open": 2}

    clock.set(local(2026, 11, 23, 10, 0))
    assert client.post("/api/v1/publicity", headers=w.headers("m1"),
                       json=publicity(clock(), p1.id)).status_code == 201
    view = client.get(f"/api/v1/tasks/{task['id']}", headers=w.headers("town1")).get_json()
    by_name = {a["member"]["name"]: a for a in view["assignments"]}
    assert by_name["测试m1"]["status"] == "done" and by_name["测试m1"]["progress"] == {"done": 1, "total": 1}
    (done,) = by_name["测试m1"]["done"]
    assert (done["place_name"], done["record_type"]) == ("测试P1五金厂", "publicity")
    assert by_name["测试m1b"]["progress"] == {"done": 0, "total": 1} and by_name["测试m1b"]["done"] == []
    assert view["summary"] == {"assignees": 2, "done": 1, "open": 1}
    listed = client.get("/api/v1/tasks", headers=w.headers("town1")).get_json()
    assert listed[0]["summary"]["done"] == 1 and listed[0]["places"][0]["name"] == "测试P1五金厂"
    (mine,) = client.get("/api/v1/me/tasks", headers=w.headers("m1b")).get_json()
    assert mine["task"]["places"][0]["name"] == "测试P1五金厂" and mine["progress"] == {"done": 0, "total": 1}


def test_my_grid_has_its_boundary_and_places_in_one_call(client, patrol_world):
    w = patrol_world
    resp = client.get("/api/v1/me/grid", headers=w.headers("m1"))
    assert resp.status_code == 200, resp.get_json()
    (mine,) = resp.get_json()
    assert mine["grid"]["name"] == "东溪村第1网格" and mine["grid"]["boundary"]["type"] == "Polygon"
    assert (mine["village"]["name"], mine["township"]["name"]) == ("东溪村", "城关镇")
    assert [p["name"] for p in mine["places"]] == ["测试P1五金厂"]
    assert mine["places"][0]["contact_phone"] != "13900001111"  # masked, as in every list
    # the list of areas stays light: no boundaries
    areas = client.get("/api/v1/areas", headers=w.headers("town1")).get_json()
    assert areas and all("boundary" not in a for a in areas)
    assert client.get("/api/v1/me/grid", headers=w.headers("town1")).status_code == 403
