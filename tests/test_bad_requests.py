"""Bad input answers the one error shape with the right status and changes nothing."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from server.app import create_app
from server.audit.models import AuditEntry
from server.places.models import Place


def assert_error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]
    return body


@pytest.fixture
def counts(session):
    def snapshot():
        session.rollback()  # a fresh snapshot: SQLite keeps the old one for an open transaction
        return (session.scalar(select(func.count(Place.id))), session.scalar(select(func.count(AuditEntry.id))))
    return snapshot


def post_place(client, world, body, user="m1", **kw):
    return client.post("/api/v1/places", headers=world.headers(user), json=body, **kw)


GOOD = {"name": "东溪五金厂", "sector": "工贸", "location": {"lat": 29.2, "lng": 120.05}}


def test_malformed_json_is_400(client, world, counts):
    before = counts()
    resp = client.post("/api/v1/places", headers=world.headers("m1") | {"Content-Type": "application/json"},
                       data='{"name": "东溪", ')
    assert_error(resp, 400, "malformed_json")
    assert counts() == before


@pytest.mark.parametrize("patch,field", [
    ({"name": 12}, "name"),
    ({"area_id": "12"}, "area_id"),
    ({"area_id": 2.5}, "area_id"),
    ({"location": [29.2, 120.05]}, "location"),
    ({"location": {"lat": "north", "lng": 120.05}}, "location"),
    ({"colour": "red"}, "colour"),                        # unknown field
    ({"name": "东" * 200}, "name"),                        # over-long
    ({"address": "路" * 300}, "address"),
])
def test_wrong_types_unknown_and_overlong_fields_name_the_field(client, world, counts, patch, field):
    before = counts()
    body = assert_error(post_place(client, world, GOOD | patch), 422, "validation_error")
    assert field in body["detail"]["fields"], body
    assert counts() == before


@pytest.mark.parametrize("name", ["东溪😀五金厂", "Восток五金厂", "东溪\u202e五金厂"])
def test_emoji_foreign_scripts_and_control_characters_in_names(client, world, counts, name):
    before = counts()
    body = assert_error(post_place(client, world, GOOD | {"name": name}), 422, "validation_error")
    assert "name" in body["detail"]["fields"]
    assert counts() == before


def test_chinese_latin_and_digits_mixed_is_a_fine_name(client, world):
    assert post_place(client, world, GOOD | {"name": "A区（东）3号KTV"}).status_code == 201


@pytest.mark.parametrize("code", ["91350100M000100Y44", "91350100M000100Y4", "91350100M00010OI43", "ABCDEFGHJKLMNPQRTU"])
def test_invalid_credit_codes(client, world, counts, code):
    before = counts()
    body = assert_error(post_place(client, world, GOOD | {"credit_code": code}), 422, "validation_error")
    assert "credit_code" in body["detail"]["fields"]
    assert counts() == before


@pytest.mark.parametrize("location,code", [
    ({"lat": 0, "lng": 0}, "coordinates_invalid"),
    ({"lat": 95, "lng": 120.05}, "validation_error"),
    ({"lat": 29.2, "lng": 190}, "validation_error"),
    ({"lat": 31.5, "lng": 121.5}, "point_outside_grids"),
    ({"lat": 29.2, "lng": 120.05, "coord_system": "bd09"}, "validation_error"),
])
def test_bad_locations(client, world, counts, location, code):
    before = counts()
    assert_error(post_place(client, world, GOOD | {"location": location}), 422, code)
    assert counts() == before


def test_nan_in_a_json_body_is_refused(client, world, counts):
    before = counts()
    resp = client.post("/api/v1/places", headers=world.headers("m1") | {"Content-Type": "application/json"},
                       data='{"name": "东溪五金厂", "sector": "工贸", "location": {"lat": NaN, "lng": 120.05}}')
    assert resp.status_code in (400, 422)
    assert_error(resp, resp.status_code, "malformed_json" if resp.status_code == 400 else "validation_error")
    assert counts() == before


def test_member_cannot_create_a_place_in_another_townships_grid(client, world, counts):
    before = counts()
    body = assert_error(post_place(client, world, GOOD | {"location": {"lat": 29.2, "lng": 120.3}}), 422,
                        "point_outside_scope")
    assert "location" in body["detail"]["fields"]
    assert counts() == before


def test_member_cannot_read_another_townships_place(client, world):
    assert_error(client.get(f"/api/v1/places/{world.places['P2'].id}", headers=world.headers("m1")), 404, "not_found")


def test_body_over_the_limit_is_413(config, clock, engine, world):
    small = create_app(replace(config, max_content_length=1024), clock=clock, engine=engine).test_client()
    resp = small.post("/api/v1/places", headers=world.headers("m1"), json=GOOD | {"address": "路" * 2000})
    assert_error(resp, 413, "payload_too_large")


def test_wrong_method_is_405_with_allow(client, world):
    resp = client.put("/api/v1/places", headers=world.headers("m1"), json={})
    assert_error(resp, 405, "method_not_allowed")
    assert "GET" in resp.headers["Allow"] and "POST" in resp.headers["Allow"]


def test_unknown_url_is_404_json(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_query_string_validation_names_the_parameter(client, world):
    body = assert_error(client.get("/api/v1/places?sector=bakery", headers=world.headers("m1")), 422,
                        "validation_error")
    assert "sector" in body["detail"]["fields"]


def test_user_with_a_bad_phone_is_refused(client, world):
    resp = client.post("/api/v1/users", headers=world.headers("town1"), json={
        "username": "newbie", "display_name": "新人", "role": "member", "area_ids": [world.areas["G1"].id],
        "phone": "12345", "password": "long-enough-password"})
    assert "phone" in assert_error(resp, 422, "validation_error")["detail"]["fields"]
