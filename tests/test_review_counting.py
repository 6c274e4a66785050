"""Which clock-in of a day counts follows review: a rejected one stops counting and the best remaining one of the
day counts, through the API and in the ranking."""
from __future__ import annotations

from tests.patrol_helpers import checkin, local


def _clock_in_metric(client, world, user="m1"):
    assert client.post("/api/v1/rankings/2026-11/compute", headers=world.headers("county")).status_code == 201
    rows = client.get("/api/v1/rankings/2026-11", headers=world.headers("county"),
                      query_string={"draft": "true", "page_size": 100}).get_json()
    (row,) = [r for r in rows if r["username"] == user]
    return {m["name"]: m for m in row["metrics"]}["clock_in_rate"]


def test_a_rejected_clock_in_hands_the_count_to_the_best_remaining_one(client, patrol_world, clock):
    w = patrol_world
    clock.set(local(2026, 11, 23, 8, 0))  # a Monday, a working day
    outside = client.post("/api/v1/checkins", headers=w.headers("m1"), json=checkin(clock(), lng=120.6))
    assert outside.get_json()["counted"] is True and outside.get_json()["geofence"] == "out_of_area"
    clock.set(local(2026, 11, 23, 8, 20))
    inside = client.post("/api/v1/checkins", headers=w.headers("m1"), json=checkin(clock()))
    assert inside.get_json()["counted"] is False and inside.get_json()["geofence"] == "in_area"
    clock.set(local(2026, 11, 23, 8, 40))
    later = client.post("/api/v1/checkins", headers=w.headers("m1"), json=checkin(clock()))
    assert later.get_json()["counted"] is False

    clock.set(local(2026, 11, 23, 9, 0))
    assert _clock_in_metric(client, w)["num"] == 1  # counted, pending review
    decided = client.post(f"/api/v1/reviews/checkin/{outside.get_json()['id']}", headers=w.headers("town1"),
                          json={"decision": "reject", "reason": "不在网格内"})
    assert decided.status_code == 200, decided.get_json()

    def counted(resp):
        return client.get(f"/api/v1/checkins/{resp.get_json()['id']}", headers=w.headers("m1")).get_json()["counted"]

    assert (counted(outside), counted(inside), counted(later)) == (False, True, False)
    home = client.get("/api/v1/me/today", headers=w.headers("m1")).get_json()
    assert home["checkin"]["id"] == inside.get_json()["id"]
    metric = _clock_in_metric(client, w)
    assert metric["num"] == 1  # the day still counts: the in-grid clock-in took over

    # rejecting that one too hands the count on again; rejecting the last leaves the day uncounted
    for resp, expect in ((inside, 1), (later, 0)):
        r = client.post(f"/api/v1/reviews/checkin/{resp.get_json()['id']}", headers=w.headers("town1"),
                        json={"decision": "reject", "reason": "照片不符"})
        assert r.status_code == 200
        assert _clock_in_metric(client, w)["num"] == expect
    assert counted(later) is False


def test_the_best_remaining_clock_in_is_inside_the_grid_before_an_earlier_one_outside(client, patrol_world, clock):
    w = patrol_world
    times = [(8, 0, 120.6), (8, 10, 120.7), (8, 30, 120.05)]  # out, out, in
    made = []
    for h, m, lng in times:
        clock.set(local(2026, 11, 24, h, m))
        made.append(client.post("/api/v1/checkins", headers=w.headers("m1"), json=checkin(clock(), lng=lng)))
    client.post(f"/api/v1/reviews/checkin/{made[0].get_json()['id']}", headers=w.headers("town1"),
                json={"decision": "reject", "reason": "不在网格内"})
    states = [client.get(f"/api/v1/checkins/{r.get_json()['id']}", headers=w.headers("m1")).get_json()["counted"]
              for r in made]
    assert states == [False, False, True]
    # approving a clock-in changes nothing about which one counts
    client.post(f"/api/v1/reviews/checkin/{made[1].get_json()['id']}", headers=w.headers("town1"),
                json={"decision": "approve"})
    states = [client.get(f"/api/v1/checkins/{r.get_json()['id']}", headers=w.headers("m1")).get_json()["counted"]
              for r in made]
    assert states == [False, False, True]
