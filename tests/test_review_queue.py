"""The township's review queue as the console reads it: names, every photo of a record (checklist answers'
too), flagged first over the whole queue however long, filters and paging."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

from server.common.timeutil import local_day
from server.patrol.models import CheckIn
from tests.patrol_helpers import checkin, fire_answers, local, visit
from tests.photos import photo_id


def _clock_ins(session, world, n, *, flagged, start):
    """``n`` pending clock-ins of m1 made directly (the API path is tested elsewhere), one a minute."""
    user = world.users["m1"]
    for i in range(n):
        at = start + timedelta(minutes=i)
        session.add(CheckIn(client_uuid=str(uuid.uuid4()), user_id=user.id, area_id=world.areas["G1"].id,
                            device_time=at, received_at=at, occurred_at=at, day=local_day(at), lat=29.2, lng=120.05,
                            photo_ids=[], flags=["out_of_area"] if flagged else [], review_status="pending",
                            counted=False, geofence="out_of_area" if flagged else "in_area"))
    session.commit()


def test_flagged_records_come_first_over_the_whole_queue_with_paging(client, world, session):
    # 520 old unflagged clock-ins, then 3 newer flagged ones: the flagged must lead page 1
    _clock_ins(session, world, 520, flagged=False, start=local(2026, 11, 1, 8))
    _clock_ins(session, world, 3, flagged=True, start=local(2026, 11, 20, 8))
    resp = client.get("/api/v1/reviews", headers=world.headers("town1"), query_string={"page_size": 10})
    assert resp.status_code == 200, resp.get_json()
    page = resp.get_json()
    assert [bool(i["flags"]) for i in page] == [True] * 3 + [False] * 7
    meta = json.loads(resp.headers["X-Pagination"])
    assert meta["total"] == 523 and meta["total_pages"] == 53
    last = client.get("/api/v1/reviews", headers=world.headers("town1"),
                      query_string={"page_size": 10, "page": 53}).get_json()
    assert len(last) == 3 and not any(i["flags"] for i in last)
    seen = set()
    for n in range(1, 54):
        seen |= {i["id"] for i in client.get("/api/v1/reviews", headers=world.headers("town1"),
                                             query_string={"page_size": 10, "page": n}).get_json()}
    assert len(seen) == 523  # every record once, none lost between pages
    flagged = client.get("/api/v1/reviews", headers=world.headers("town1"),
                         query_string={"flagged_only": "true"}).get_json()
    assert len(flagged) == 3
    assert client.get("/api/v1/reviews", headers=world.headers("town2")).get_json() == []  # another township


def test_items_name_the_member_grid_township_and_place_and_carry_every_photo(client, patrol_world, clock):
    w = patrol_world
    clock.set(local(2026, 11, 23, 10, 0))
    answers = fire_answers(F04="no")  # F02 and F04 carry hazard photos in the helper
    v = client.post("/api/v1/visits", headers=w.headers("m1"), json=visit(clock(), w.places["P1"].id,
                                                                          answers=answers))
    assert v.status_code == 201, v.get_json()
    ci = client.post("/api/v1/checkins", headers=w.headers("m1"), json=checkin(clock()))
    items = client.get("/api/v1/reviews", headers=w.headers("town1"), query_string={"type": "visit"}).get_json()
    (item,) = items
    assert item["member"]["name"] == "测试m1" and item["grid"]["name"] == "东溪村第1网格"
    assert item["township"]["name"] == "城关镇" and item["place"]["name"] == "测试P1五金厂"
    answer_photos = {a["item_id"]: a["photo_ids"] for a in item["answer_photos"]}
    assert set(answer_photos) == {"F02", "F04"}
    assert set(item["photo_ids"]) == {photo_id("m1", "visit"), photo_id("m1", "hazard")}
    assert item["record_photo_ids"] == [photo_id("m1", "visit")]
    # filters: by member, by grid, by day
    everything = client.get("/api/v1/reviews", headers=w.headers("town1")).get_json()
    assert {i["type"] for i in everything} == {"visit", "checkin"}
    assert client.get("/api/v1/reviews", headers=w.headers("town1"),
                      query_string={"user_id": w.users["m1b"].id}).get_json() == []
    assert len(client.get("/api/v1/reviews", headers=w.headers("town1"),
                          query_string={"area_id": w.areas["G1"].id}).get_json()) == 2
    assert client.get("/api/v1/reviews", headers=w.headers("town1"),
                      query_string={"area_id": w.areas["G1b"].id}).get_json() == []
    assert client.get("/api/v1/reviews", headers=w.headers("town1"),
                      query_string={"day_from": "2026-11-24"}).get_json() == []
    assert len(client.get("/api/v1/reviews", headers=w.headers("town1"),
                          query_string={"day_from": "2026-11-23", "day_to": "2026-11-23"}).get_json()) == 2
    assert client.get("/api/v1/reviews", headers=w.headers("town1"),
                      query_string={"area_id": w.areas["G2"].id}).status_code == 404  # outside my scope
    # deciding takes it out of the queue
    assert client.post(f"/api/v1/reviews/checkin/{ci.get_json()['id']}", headers=w.headers("town1"),
                       json={"decision": "approve"}).status_code == 200
    assert [i["type"] for i in client.get("/api/v1/reviews", headers=w.headers("town1")).get_json()] == ["visit"]
