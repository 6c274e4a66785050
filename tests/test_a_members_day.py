"""A grid member's whole day through the API, and the township's bulletin that shows it."""
from __future__ import annotations

from tests.patrol_helpers import checkin, fire_answers, local, publicity, report, visit
from tests.photos import photo_id


def test_a_members_day(client, patrol_world, clock):
    w = patrol_world
    # 08:30 the township dispatches today's work
    clock.set(local(2026, 11, 23, 8, 30))
    # the phone refreshes its 15-minute token as the day goes on: ask for a fresh one at each step
    p1 = w.places["P1"].id
    task = client.post("/api/v1/tasks", headers=w.headers("town1"), json={
        "kind": "visit", "title": "检查东溪村五金厂消防", "due_date": "2026-11-23", "place_ids": [p1],
        "grid_ids": [w.areas["G1"].id]})
    assert task.status_code == 201, task.get_json()

    # 08:40 the member clocks in on duty, inside the grid
    clock.set(local(2026, 11, 23, 8, 40))
    ci = client.post("/api/v1/checkins", headers=w.headers("m1"), json=checkin(clock()))
    assert ci.status_code == 201, ci.get_json()
    assert ci.get_json()["counted"] is True and ci.get_json()["geofence"] == "in_area"

    home = client.get("/api/v1/me/today", headers=w.headers("m1")).get_json()
    assert home["checkin"]["id"] == ci.get_json()["id"]
    assert [a["task"]["title"] for a in home["tasks"]] == ["检查东溪村五金厂消防"]
    assert any(d["place"]["id"] == p1 for d in home["places_due"])

    # 10:05 visits the place with the fire-safety checklist and finds blocked exits: a major hazard
    clock.set(local(2026, 11, 23, 10, 5))
    v = client.post("/api/v1/visits", headers=w.headers("m1"), json=visit(clock(), p1, answers=fire_answers(F04="no", F08="no")))
    assert v.status_code == 201, v.get_json()
    assert v.get_json()["hazards_found"] == 2
    found = client.get(f"/api/v1/visits/{v.get_json()['id']}/hazards", headers=w.headers("m1")).get_json()
    assert {(h["checklist_item"], h["level"], h["status"]) for h in found} == {("F04", "major", "reported"),
                                                                               ("F08", "major", "reported")}
    # the visit completed the dispatched task
    assert client.get("/api/v1/me/tasks?status=open", headers=w.headers("m1")).get_json() == []

    # 11:00 publicity at the same place
    clock.set(local(2026, 11, 23, 11, 0))
    assert client.post("/api/v1/publicity", headers=w.headers("m1"), json=publicity(clock(), p1)).status_code == 201

    # 18:00 the report, assembled from the day
    clock.set(local(2026, 11, 23, 18, 0))
    draft = client.get("/api/v1/reports/draft?date=2026-11-23", headers=w.headers("m1")).get_json()
    assert draft["checkin"]["id"] == ci.get_json()["id"]
    assert len(draft["visits"]) == 1 and len(draft["hazards"]) == 2 and len(draft["publicity"]) == 1
    assert len(draft["tasks_done"]) == 1 and draft["tasks_open"] == []
    rep = client.post("/api/v1/reports", headers=w.headers("m1"), json=report("2026-11-23"))
    assert rep.status_code == 201 and rep.get_json()["late"] is False
    assert rep.get_json()["summary"]["major_hazards"] == 2

    # 21:00 the bulletin: m1 did everything, m1b nothing
    clock.set(local(2026, 11, 23, 21, 0))
    preview = client.get(f"/api/v1/bulletins/preview?township_id={w.areas['T1'].id}&date=2026-11-23",
                         headers=w.headers("town1")).get_json()["content"]
    assert preview["clocked_in"] == ["测试m1"] and preview["not_clocked_in"] == ["测试m1b"]
    assert preview["visits"] == 1 and preview["publicity"] == 1
    assert preview["hazards_found"] == 0 and len(preview["major_hazards"]) == 2
    assert preview["reports_missing"] == ["测试m1b"] and preview["reports_late"] == []
    # the day is not over: the preview is all there is yet; the next morning it is published
    early = client.post("/api/v1/bulletins", headers=w.headers("town1"),
                        json={"township_id": w.areas["T1"].id, "date": "2026-11-23"})
    assert early.status_code == 422 and early.get_json()["code"] == "day_not_over"
    clock.set(local(2026, 11, 24, 7, 30))
    published = client.post("/api/v1/bulletins", headers=w.headers("town1"),
                            json={"township_id": w.areas["T1"].id, "date": "2026-11-23"})
    assert published.status_code == 201
    # the member reads the township's published bulletin
    mine = client.get("/api/v1/bulletins", headers=w.headers("m1")).get_json()
    assert [b["id"] for b in mine] == [published.get_json()["id"]]


def test_published_bulletins_are_frozen_and_export_to_xlsx(client, patrol_world, clock):
    import io

    from openpyxl import load_workbook

    from server.cli import bulletin_publish
    w = patrol_world
    clock.set(local(2026, 11, 23, 9, 0))
    client.post("/api/v1/checkins", headers=w.headers("m1"), json=checkin(clock()))
    clock.set(local(2026, 11, 24, 0, 10))  # the cron job, ten past midnight, publishes yesterday
    result = w.app.test_cli_runner().invoke(bulletin_publish, [])
    assert result.exit_code == 0 and "published 2 bulletins for 2026-11-23" in result.output
    again = w.app.test_cli_runner().invoke(bulletin_publish, ["--date", "2026-11-23"])
    assert "published 0 bulletins" in again.output
    listed = client.get("/api/v1/bulletins?date=2026-11-23", headers=w.headers("town1")).get_json()
    assert len(listed) == 1 and listed[0]["content"]["clocked_in"] == ["测试m1"]
    # a late record does not change what was published
    client.post("/api/v1/checkins", headers=w.headers("m1b"),
                json=checkin(local(2026, 11, 23, 18, 0), lng=120.15, photo_ids=[photo_id("m1b", "checkin")]))
    frozen = client.get(f"/api/v1/bulletins/{listed[0]['id']}", headers=w.headers("town1")).get_json()
    assert frozen["content"] == listed[0]["content"]
    again = client.post("/api/v1/bulletins", headers=w.headers("town1"),
                        json={"township_id": w.areas["T1"].id, "date": "2026-11-23"})
    assert again.status_code == 409 and again.get_json()["code"] == "bulletin_published"
    # another township's member cannot read it
    assert client.get(f"/api/v1/bulletins/{listed[0]['id']}", headers=w.headers("m2")).status_code == 404
    xlsx = client.get(f"/api/v1/bulletins/{listed[0]['id']}.xlsx", headers=w.headers("m1"))
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames[:2] == ["通报", "网格员明细"]
    names = [row[0].value for row in book["网格员明细"].iter_rows(min_row=2)]
    assert names == ["测试m1", "测试m1b"]
