"""Two counties in one database never mix: an admin of one county sees nothing of the other (hazards and their
statistics, tip-offs, reviews, places, users, areas, bulletins, rankings), hazard statistics count only the area's
subtree, and a tip-off without a location goes to the triage queue of the county it was made in."""
from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server.hazards.models import Hazard
from server.tipoffs.models import Tipoff
from tests.county_world import add_second_county
from tests.patrol_helpers import local
from tests.test_ranking import clock_in, hazard
from tests.test_tipoffs import submit, tipoff_id

IN_BG1 = {"lat": 29.2, "lng": 121.1}


@pytest.fixture
def two(world, session, clock, checklists_loaded):
    """Both counties with a hazard, a pending clock-in, a tip-off and a published bulletin each."""
    add_second_county(session, world)
    for username, place, day in (("m1", "P1", 12), ("m2", "P2", 13), ("mb1", "PB1", 12), ("mb2", "PB2", 14),
                                 ("mb2", "PB2", 15)):
        hazard(session, world, username, place, local(2026, 11, day, 10), level="major" if day == 15 else "general")
    for username in ("m1", "mb1"):
        clock_in(session, world, username, local(2026, 11, 20, 8), review="pending")
        clock_in(session, world, username, local(2026, 10, 20, 8))
    session.commit()
    clock.set(local(2026, 11, 24, 7, 30))
    return world


def get(client: Any, world: Any, user: str, path: str, **query: Any) -> Any:
    return client.get(f"/api/v1{path}", headers=world.headers(user), query_string=query)


def items(resp: Any) -> list[dict[str, Any]]:
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    return body["items"] if isinstance(body, dict) and "items" in body else body


def test_hazard_statistics_of_a_county_count_only_its_own_hazards(client, two):
    period = {"start": "2026-11-01", "end": "2026-11-30"}
    a = items(get(client, two, "county", "/hazards/stats", **period))
    assert a[0]["area"]["id"] == two.areas["C"].id and a[0]["found"] == 2 and a[0]["major_found"] == 0
    assert {r["area"]["name"]: r["found"] for r in a[1:]} == {"城关镇": 1, "青山镇": 1}
    b = items(get(client, two, "countyb", "/hazards/stats", **period))
    assert b[0]["area"]["id"] == two.areas["B"].id and b[0]["found"] == 3 and b[0]["major_found"] == 1
    assert [(r["area"]["name"], r["found"]) for r in b[1:]] == [("白水镇", 3)]
    assert get(client, two, "county", "/hazards/stats", area_id=two.areas["B"].id, **period).status_code == 404
    assert get(client, two, "countyb", "/hazards/stats", area_id=two.areas["T1"].id, **period).status_code == 404


def test_an_admin_of_one_county_sees_nothing_of_the_other(client, session, two):
    from tests.test_tipoffs import submitted
    b_tipoff = tipoff_id(two.app, session, submitted(client, location=IN_BG1))
    a_tipoff = tipoff_id(two.app, session, submitted(client))
    for user, township in (("town1", "T1"), ("townb", "BT")):
        resp = client.post("/api/v1/bulletins", headers=two.headers(user),
                           json={"township_id": two.areas[township].id, "date": "2026-11-23"})
        assert resp.status_code == 201, resp.get_json()
    for user in ("county", "countyb"):
        resp = client.post("/api/v1/rankings/2026-10/publish", headers=two.headers(user), json={})
        assert resp.status_code == 201, resp.get_json()

    mine = {"county": "C", "countyb": "B"}
    ids = {"C": {}, "B": {}}  # type: dict[str, dict[str, set[int]]]
    for key in ("C", "B"):
        path = two.areas[key].path
        ids[key]["areas"] = {a.id for a in two.areas.values() if a.path.startswith(path)}
        ids[key]["users"] = {u.id for u in two.users.values() if any(a.path.startswith(path) for a in u.areas)}
        ids[key]["places"] = {p.id for p in two.places.values() if p.area_id in ids[key]["areas"]}
        ids[key]["hazards"] = set(session.scalars(select(Hazard.id).where(Hazard.area_id.in_(ids[key]["areas"]))))
        ids[key]["tipoffs"] = set(session.scalars(select(Tipoff.id).where(Tipoff.area_id.in_(ids[key]["areas"]))))
    assert b_tipoff in ids["B"]["tipoffs"] and a_tipoff in ids["C"]["tipoffs"]

    for user, key in mine.items():
        other = "B" if key == "C" else "C"
        seen = {
            "hazards": {h["id"] for h in items(get(client, two, user, "/hazards", page_size=100))},
            "tipoffs": {t["id"] for t in items(get(client, two, user, "/tipoffs", page_size=100))},
            "places": {p["id"] for p in items(get(client, two, user, "/places", page_size=100))},
            "users": {u["id"] for u in items(get(client, two, user, "/users", page_size=100))},
        }
        for what, found in seen.items():
            assert found and found <= ids[key][what], (user, what, found, ids[key][what])
        reviews = items(get(client, two, user, "/reviews", page_size=100))
        assert reviews and {r["user_id"] for r in reviews} <= ids[key]["users"], (user, reviews)
        bulletins = items(get(client, two, user, "/bulletins", page_size=100))
        assert bulletins and {b["township_id"] for b in bulletins} <= ids[key]["areas"], (user, bulletins)
        rows = items(get(client, two, user, "/rankings/2026-10", page_size=100))
        assert rows and {r["user_id"] for r in rows} <= ids[key]["users"]
        areas = {a["id"] for a in items(get(client, two, user, "/areas"))}
        assert areas and areas <= ids[key]["areas"], (user, areas)

        # every object of the other county is a 404, as if it did not exist
        for what, path in (("hazards", "/hazards/{}"), ("tipoffs", "/tipoffs/{}"), ("places", "/places/{}"),
                           ("users", "/users/{}"), ("areas", "/areas/{}")):
            for object_id in ids[other][what]:
                assert get(client, two, user, path.format(object_id)).status_code == 404, (user, what, object_id)
        for bulletin in items(get(client, two, "countyb" if key == "C" else "county", "/bulletins")):
            assert get(client, two, user, f"/bulletins/{bulletin['id']}").status_code == 404
        assert get(client, two, user, "/rankings/2026-10",
                   county_id=two.areas[other].id).status_code == 404
        # a filter naming the other county lists nothing, like an area that does not exist
        assert items(get(client, two, user, "/hazards", area_id=two.areas[other].id)) == []
        book = get(client, two, user, "/hazards/export.xlsx", area_id=two.areas[other].id)
        cells = {str(c.value) for row in load_workbook(io.BytesIO(book.data)).active.iter_rows() for c in row}
        assert not any(name in cell for cell in cells for name in (("白水", "南塘") if key == "C" else ("青山", "东溪")))


def test_a_tip_off_without_a_location_goes_to_the_queue_of_the_county_it_was_made_in(client, session, two):
    no_point: dict[str, Any] = {"location": None, "address": "白水镇南塘村桥头"}
    refused = submit(client, **no_point)
    assert refused.status_code == 422 and refused.get_json()["code"] == "location_required"
    assert "location" in refused.get_json()["detail"]["fields"]
    for hint, county in (("330800001", "B"), ("330800", "B"), ("330799002", "C")):
        resp = submit(client, township=hint, **no_point)
        assert resp.status_code == 201, resp.get_json()
        tipoff = session.get(Tipoff, tipoff_id(two.app, session, resp.get_json()["tracking_code"]))
        assert tipoff.area_id == two.areas[county].id and tipoff.township_id is None
    # an unknown hint helps nobody: the same 422 as none; a point routes whatever the hint says
    assert submit(client, township="999999001", **no_point).get_json()["code"] == "location_required"
    routed = submit(client, township="330799001", location=IN_BG1)
    tipoff = session.get(Tipoff, tipoff_id(two.app, session, routed.get_json()["tracking_code"]))
    assert tipoff.area_id == two.areas["BG1"].id and tipoff.township_id == two.areas["BT"].id
    # each county admin finds their queue's tip-offs and none of the other's
    queue_b = {t["id"] for t in items(get(client, two, "countyb", "/tipoffs", page_size=100))}
    queue_a = {t["id"] for t in items(get(client, two, "county", "/tipoffs", page_size=100))}
    assert queue_b and queue_a and not queue_a & queue_b


def test_with_one_county_an_address_alone_still_goes_to_its_queue(client, session, world):
    resp = submit(client, location=None, address="东溪村村口")
    assert resp.status_code == 201, resp.get_json()
    tipoff = session.get(Tipoff, tipoff_id(world.app, session, resp.get_json()["tracking_code"]))
    assert tipoff.area_id == world.areas["C"].id
