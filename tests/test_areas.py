"""The area tree: nesting codes, boundaries, the point index, subtree queries."""
from __future__ import annotations

import pytest

from tests.factories import box


def test_descendants_of_a_township_are_its_village_and_grids(client, world):
    t1 = world.areas["T1"].id
    resp = client.get(f"/api/v1/areas/{t1}/descendants", headers=world.headers("county"))
    assert resp.status_code == 200
    assert sorted(a["code"] for a in resp.get_json()) == ["330799001001", "330799001001001", "330799001001002"]
    grids = client.get(f"/api/v1/areas/{t1}/descendants?level=grid", headers=world.headers("county")).get_json()
    assert [g["level"] for g in grids] == ["grid", "grid"]


def test_subtree_range_does_not_catch_siblings_with_a_common_prefix(session, world):
    """'/1/2/' must not include '/1/20/': the range is built on the separator, not on digits."""
    from sqlalchemy import select

    from server.auth.scope import SYSTEM
    from server.org import service
    from server.org.models import Area

    # make areas until some id starts with the id of T1's village, then check it stays out of V1's subtree
    v1 = world.areas["V1"]
    made = []
    while not any(str(a.id).startswith(str(v1.id)) and a.id != v1.id for a in made):
        made.append(service.create_area(session, SYSTEM, parent_id=world.areas["T2"].id,
                                         code=f"330799002{len(made) + 100:03d}", name=f"新村{len(made) + 1}"))
    session.commit()
    under = [a.id for a in service.descendants(session, SYSTEM, v1.id)]
    assert set(under) == {world.areas["G1"].id, world.areas["G1b"].id}
    assert session.scalar(select(Area.id).where(Area.id == made[-1].id)) is not None


def test_locate_finds_the_grid_and_its_township(client, world):
    resp = client.get("/api/v1/areas/locate?lat=29.2&lng=120.05", headers=world.headers("county"))
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["grid"]["code"] == "330799001001001"
    assert body["township"]["name"] == "城关镇"
    assert body["county"]["code"] == "330799"


def test_locate_converts_gcj02(client, world):
    from server.common.geo import wgs84_to_gcj02
    lat, lng = wgs84_to_gcj02(29.2, 120.099)  # GCJ-02 shifts ~500 m east here: it lands in the next grid
    resp = client.get(f"/api/v1/areas/locate?lat={lat}&lng={lng}&coord_system=gcj02", headers=world.headers("county"))
    assert resp.get_json()["grid"]["code"] == "330799001001001"
    raw = client.get(f"/api/v1/areas/locate?lat={lat}&lng={lng}", headers=world.headers("county"))
    assert raw.get_json()["grid"]["code"] == "330799001001002"


def test_a_point_outside_every_grid_is_404(client, world):
    resp = client.get("/api/v1/areas/locate?lat=31.0&lng=121.0", headers=world.headers("county"))
    assert resp.status_code == 404
    assert resp.get_json()["code"] == "point_outside_grids"


@pytest.mark.parametrize("lat,lng,code", [("0", "0", "coordinates_invalid"), ("91", "120", "validation_error"),
                                          ("NaN", "120", "validation_error"), ("abc", "120", "validation_error")])
def test_bad_coordinates_are_refused(client, world, lat, lng, code):
    resp = client.get(f"/api/v1/areas/locate?lat={lat}&lng={lng}", headers=world.headers("county"))
    assert resp.status_code == 422
    assert resp.get_json()["code"] == code


def test_member_locating_a_point_in_another_grid_gets_404(client, world):
    resp = client.get("/api/v1/areas/locate?lat=29.2&lng=120.3", headers=world.headers("m1"))
    assert resp.status_code == 404


def _new_grid(client, world, boundary, code="330799001001003", user="town1"):
    return client.post("/api/v1/areas", headers=world.headers(user), json={
        "parent_id": world.areas["V1"].id, "code": code, "name": "东溪村第3网格", "boundary": boundary})


def test_township_admin_draws_a_grid_and_the_index_sees_it(client, world):
    # shrink G1b first to make room
    g1b = world.areas["G1b"].id
    assert client.patch(f"/api/v1/areas/{g1b}", headers=world.headers("town1"),
                        json={"boundary": box(120.1, 29.0, 120.15, 29.4)}).status_code == 200
    resp = _new_grid(client, world, box(120.15, 29.0, 120.2, 29.4))
    assert resp.status_code == 201, resp.get_json()
    found = client.get("/api/v1/areas/locate?lat=29.2&lng=120.17", headers=world.headers("town1")).get_json()
    assert found["grid"]["code"] == "330799001001003"


@pytest.mark.parametrize("boundary,code", [
    ({"type": "Polygon", "coordinates": [[[120.0, 29.0], [120.1, 29.1], [120.1, 29.0], [120.0, 29.1], [120.0, 29.0]]]},
     "polygon_invalid"),  # a bow tie: self-intersecting
    ({"type": "Polygon", "coordinates": [[[120.0, 29.0], [120.1, 29.0], [120.1, 29.1], [120.0, 29.1]]]},
     "polygon_not_closed"),
    ({"type": "Polygon", "coordinates": [[[200.0, 29.0], [201.0, 29.0], [201.0, 30.0], [200.0, 29.0]]]},
     "coordinates_out_of_range"),
    ({"type": "Point", "coordinates": [120.0, 29.0]}, "boundary_invalid"),
    ({"type": "Polygon", "coordinates": [[[120.0, 29.0], [120.1, 29.0], [120.0, 29.0]]]}, "boundary_invalid"),
])
def test_bad_boundaries_are_refused_and_nothing_is_created(client, world, session, boundary, code):
    from sqlalchemy import func, select

    from server.org.models import Area
    before = session.scalar(select(func.count(Area.id)))
    resp = _new_grid(client, world, boundary)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["code"] == code
    assert "boundary" in resp.get_json()["detail"]["fields"]
    assert session.scalar(select(func.count(Area.id))) == before


def test_overlapping_grid_is_409(client, world):
    resp = _new_grid(client, world, box(120.05, 29.0, 120.15, 29.4))
    assert resp.status_code == 409 and resp.get_json()["code"] == "grid_overlap"


def test_grid_without_boundary_is_refused(client, world):
    assert _new_grid(client, world, None).get_json()["code"] == "validation_error"


@pytest.mark.parametrize("code,reason", [("330799002001009", "parent prefix"), ("33079900100100", "length"),
                                         ("330799001001001", "taken")])
def test_codes_must_nest_and_be_unique(client, world, code, reason):
    resp = _new_grid(client, world, box(120.0, 28.0, 120.1, 28.1), code=code)
    assert resp.status_code in (409, 422), reason
    assert resp.get_json()["code"] in ("validation_error", "area_code_taken")


@pytest.mark.parametrize("name", ["东溪村😀网格", "东溪村\u0000网格", "Восток", "x" * 65])
def test_names_with_emoji_control_or_foreign_scripts_are_refused(client, world, name):
    resp = client.post("/api/v1/areas", headers=world.headers("town1"), json={
        "parent_id": world.areas["T1"].id, "code": "330799001002", "name": name})
    assert resp.status_code == 422
    assert "name" in resp.get_json()["detail"]["fields"]


def test_mixed_chinese_and_latin_names_are_fine(client, world):
    resp = client.post("/api/v1/areas", headers=world.headers("town1"), json={
        "parent_id": world.areas["T1"].id, "code": "330799001002", "name": "A区（东）社区"})
    assert resp.status_code == 201, resp.get_json()


def test_township_admin_cannot_rename_own_township(client, world):
    resp = client.patch(f"/api/v1/areas/{world.areas['T1'].id}", headers=world.headers("town1"), json={"name": "改名镇"})
    assert resp.status_code == 403
