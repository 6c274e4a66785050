"""Who decided a review, when and why: stored with the decision, shown in the queue's decided view and in the
decision's answer; a second decision is refused with the one that stands; bulk approval by a filter only with the
count the admin confirmed."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

from server.common.timeutil import local_day
from server.patrol.models import CheckIn
from tests.patrol_helpers import local


def clock_ins(session, world, n, *, flagged=False, start=None, user="m1", grid="G1"):
    """``n`` pending clock-ins made directly (the API path is tested elsewhere), one a minute; their ids."""
    start = start or local(2026, 11, 23, 8)
    made = []
    for i in range(n):
        at = start + timedelta(minutes=i)
        c = CheckIn(client_uuid=str(uuid.uuid4()), user_id=world.users[user].id, area_id=world.areas[grid].id,
                    device_time=at, received_at=at, occurred_at=at, day=local_day(at), lat=29.2, lng=120.05,
                    photo_ids=[], flags=["out_of_area"] if flagged else [], review_status="pending",
                    counted=False, geofence="out_of_area" if flagged else "in_area")
        session.add(c)
        session.flush()
        made.append(c.id)
    session.commit()
    return made


def test_a_decision_records_who_and_when_and_the_decided_view_shows_it(client, world, session, clock):
    a, b, c = clock_ins(session, world, 3)
    clock.set(local(2026, 11, 24, 9, 0))
    headers = world.headers("town1")
    answer = client.post(f"/api/v1/reviews/checkin/{a}", headers=headers,
                         json={"decision": "reject", "reason": " 照片不清 "})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body == {"type": "checkin", "id": a, "review_status": "rejected", "review_reason": "照片不清",
                    "reviewed_by": {"id": world.users["town1"].id, "display_name": "测试town1"},
                    "reviewed_at": "2026-11-24T01:00:00+00:00"}
    clock.set(local(2026, 11, 24, 9, 30))
    assert client.post(f"/api/v1/reviews/checkin/{b}", headers=world.headers("county"),
                       json={"decision": "approve"}).status_code == 200
    headers = world.headers("town1")  # tokens are short-lived
    # a second decision is refused with the one that stands
    again = client.post(f"/api/v1/reviews/checkin/{a}", headers=headers, json={"decision": "approve"})
    assert again.status_code == 409
    err = again.get_json()
    assert err["code"] == "already_decided"
    assert err["detail"]["review_status"] == "rejected" and err["detail"]["reviewed_by"]["display_name"] == "测试town1"

    decided = client.get("/api/v1/reviews", headers=headers, query_string={"status": "decided"})
    assert decided.status_code == 200, decided.get_json()
    items = decided.get_json()
    assert [i["id"] for i in items] == [b, a]  # newest decision first
    assert items[0]["reviewed_by"]["display_name"] == "测试county" and items[0]["review_status"] == "approved"
    assert items[1]["review_reason"] == "照片不清" and items[1]["reviewed_at"] == "2026-11-24T01:00:00+00:00"
    pending = client.get("/api/v1/reviews", headers=headers).get_json()
    assert [i["id"] for i in pending] == [c] and pending[0]["reviewed_by"] is None
    assert client.get("/api/v1/reviews", headers=world.headers("town2"),
                      query_string={"status": "decided"}).get_json() == []  # another township sees none
    assert client.get("/api/v1/reviews", headers=headers,
                      query_string={"status": "everything"}).status_code == 422
    # one audit entry per decision, naming the decider
    log = client.get(f"/api/v1/audit?object_type=checkins&object_id={a}&action=checkins.update",
                     headers=world.headers("county")).get_json()
    assert len(log) == 1 and log[0]["actor_name"] == "town1"
    assert log[0]["summary"]["review_status"] == {"from": "pending", "to": "rejected"}


def test_bulk_approval_by_filter_needs_the_confirmed_count(client, world, session, clock):
    clock.set(local(2026, 11, 25, 9, 0))
    day1 = clock_ins(session, world, 4, start=local(2026, 11, 23, 8))
    flagged = clock_ins(session, world, 1, flagged=True, start=local(2026, 11, 23, 9))
    day2 = clock_ins(session, world, 2, start=local(2026, 11, 24, 8))
    other_grid = clock_ins(session, world, 2, start=local(2026, 11, 23, 8), user="m1b", grid="G1b")
    headers = world.headers("town1")
    f = {"type": "checkin", "area_id": world.areas["G1"].id, "day_from": "2026-11-23", "day_to": "2026-11-23"}
    shown = client.get("/api/v1/reviews", headers=headers,
                       query_string={**f, "unflagged_only": "true", "page_size": 1})
    assert json.loads(shown.headers["X-Pagination"])["total"] == 4

    def bulk(body):
        return client.post("/api/v1/reviews/bulk-approve", headers=headers, json=body)

    for bad in ({}, {"filter": f}, {"expected_count": 4}, {"filter": f, "expected_count": 4, "ids": day1},
                {"filter": {**f, "flagged_only": True}, "expected_count": 4}, {"ids": day1},
                {"type": "checkin", "ids": day1, "expected_count": 4}):
        assert bulk(bad).status_code == 422, bad
    # one of them was decided since the admin counted: nothing approved
    assert client.post(f"/api/v1/reviews/checkin/{day1[0]}", headers=world.headers("county"),
                       json={"decision": "reject", "reason": "重复"}).status_code == 200
    changed = bulk({"filter": f, "expected_count": 4})
    assert changed.status_code == 409
    assert changed.get_json()["code"] == "count_changed"
    assert changed.get_json()["detail"] == {"expected": 4, "actual": 3}
    assert len(client.get("/api/v1/reviews", headers=headers, query_string=f).get_json()) == 4  # untouched
    done = bulk({"filter": f, "expected_count": 3})
    assert done.status_code == 200 and done.get_json() == {"approved": 3}
    rows = {c.id: c for c in session.query(CheckIn).populate_existing()}
    assert {i for i, c in rows.items() if c.review_status == "approved"} == set(day1[1:])
    assert all(rows[i].reviewed_by_id == world.users["town1"].id for i in day1[1:])
    assert rows[flagged[0]].review_status == "pending"  # flagged ones stay for a person
    assert all(rows[i].review_status == "pending" for i in day2 + other_grid)
    # a filter over every kind and the whole township; another township's admin approves nothing of ours
    assert client.post("/api/v1/reviews/bulk-approve", headers=world.headers("town2"),
                       json={"filter": {}, "expected_count": 0}).get_json() == {"approved": 0}
    assert bulk({"filter": {}, "expected_count": 4}).get_json() == {"approved": 4}
    assert [i["id"] for i in client.get("/api/v1/reviews", headers=headers).get_json()] == flagged
