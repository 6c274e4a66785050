"""Bad input gets the one error shape — exactly {"code", "message", "detail"}, the message in Chinese — with the
documented status and code, and changes nothing: the rows of the tables the API writes, the audit log included, are
the same before and after."""
from __future__ import annotations

import io
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Iterator

import pytest
from sqlalchemy import text

from server.app import create_app
from server.places import credit_code

CHINESE = re.compile(r"[\u4e00-\u9fff]")
TABLES = ("areas", "users", "user_areas", "binding_codes", "refresh_tokens", "places", "audit_log")
VALID_CODE = "91350100M000100Y43"
IN_G1 = {"lat": 29.2, "lng": 120.05}
IN_G2 = {"lat": 29.2, "lng": 120.3}  # another township's grid, as seen from m1


def assert_error(resp: Any, status: int, code: str) -> dict[str, Any]:
    """The documented error answer: the status, exactly code/message/detail, a Chinese message; returns the body."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert set(body) == {"code", "message", "detail"}, body
    assert body["code"] == code, body
    assert isinstance(body["detail"], dict)
    assert CHINESE.search(body["message"]), body["message"]
    return body


def fields(body: dict[str, Any]) -> dict[str, Any]:
    return body["detail"]["fields"]


def db_rows(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}" ORDER BY 1, 2'))] for t in TABLES}


@contextmanager
def nothing_changes(engine: Any) -> Iterator[None]:
    before = db_rows(engine)
    yield
    assert db_rows(engine) == before, "a refused request changed the database"


def new_place(**changes: Any) -> dict[str, Any]:
    return {"name": "东溪五金厂", "sector": "工贸", "location": IN_G1} | changes


def post_place(client: Any, world: Any, body: Any, user: str = "m1") -> Any:
    return client.post("/api/v1/places", headers=world.headers(user), json=body)


# --- bodies that are not JSON ------------------------------------------------------------------------------------

NOT_JSON = {
    "cut-short": b'{"name": "\xe4\xb8\x9c\xe6\xba\xaa", ',
    "single-quotes": b"{'name': 'x'}",
    "not-utf8": b'{"name": "\xff\xfe"}',
    "nested-too-deep": b"[" * 100_000,  # deeper than the json module recurses
}


@pytest.mark.parametrize("payload", NOT_JSON.values(), ids=NOT_JSON.keys())
def test_malformed_json_is_400_and_creates_nothing(client, world, engine, payload):
    with nothing_changes(engine):
        resp = client.post("/api/v1/places", headers=world.headers("m1"), data=payload,
                           content_type="application/json")
    assert_error(resp, 400, "malformed_json")


@pytest.mark.parametrize("user,method,url", [
    ("m1", "PATCH", "/api/v1/places/{P1}"),
    ("town1", "POST", "/api/v1/areas"),
    ("town1", "PATCH", "/api/v1/areas/{G1}"),
    ("town1", "POST", "/api/v1/users"),
    ("town1", "PATCH", "/api/v1/users/{m1}"),
])
def test_malformed_json_is_400_on_every_write(client, world, engine, user, method, url):
    url = url.format(P1=world.places["P1"].id, G1=world.areas["G1"].id, m1=world.users["m1"].id)
    with nothing_changes(engine):
        resp = client.open(url, method=method, headers=world.headers(user), data=NOT_JSON["cut-short"],
                           content_type="application/json")
    assert_error(resp, 400, "malformed_json")


# --- wrong types, unknown and missing fields ----------------------------------------------------------------------

@dataclass(frozen=True)
class Id:
    """The id of one of the world's objects (an area, place or user key), filled in when the test runs."""

    key: str


def fill(world: Any, value: Any) -> Any:
    """Put the world's ids into a URL ("/api/v1/places/{P1}") or a body (Id("G1"))."""
    ids = {k: a.id for k, a in world.areas.items()} | {k: p.id for k, p in world.places.items()} | {
        k: u.id for k, u in world.users.items()}
    if isinstance(value, Id):
        return ids[value.key]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(world, v) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(world, v) for v in value]
    return value


def error_at(body: dict[str, Any], path: tuple[str, ...]) -> Any:
    out: Any = fields(body)
    for key in path:
        out = out[key]
    return out


NEW_MEMBER = {"username": "new_member", "display_name": "新人", "role": "member", "area_ids": [Id("G1")]}

WRONG_TYPES = [  # (user, method, url, body, field path, message)
    pytest.param("m1", "POST", "/api/v1/places", new_place(name=12), ("name",), "应为字符串",
                 id="place-name-number-for-string"),
    pytest.param("m1", "POST", "/api/v1/places", new_place(location=None, area_id="12"), ("area_id",), "应为整数",
                 id="place-area_id-string-for-integer"),
    pytest.param("m1", "POST", "/api/v1/places", new_place(location=None, area_id=2.5), ("area_id",), "应为整数",
                 id="place-area_id-float-for-integer"),
    pytest.param("m1", "POST", "/api/v1/places", new_place(location=None, area_id=12.0), ("area_id",), "应为整数",
                 id="place-area_id-whole-float-for-integer"),
    pytest.param("m1", "POST", "/api/v1/places", new_place(location=[29.2, 120.05]), ("location", "_schema"),
                 "输入类型错误", id="place-location-list-for-object"),
    pytest.param("m1", "POST", "/api/v1/places", new_place(location={"lat": "北纬29度", "lng": 120.05}),
                 ("location", "lat"), "应为数字", id="place-location-lat-text-for-number"),
    pytest.param("m1", "POST", "/api/v1/places", [new_place()], ("_schema",), "输入类型错误",
                 id="place-list-for-object"),
    pytest.param("m1", "PATCH", "/api/v1/places/{P1}", {"risk_level": ["major"]}, ("risk_level",), "应为字符串",
                 id="place-risk_level-list-for-string"),
    pytest.param("town1", "POST", "/api/v1/areas", {"parent_id": "3", "code": "330799001002", "name": "新村"},
                 ("parent_id",), "应为整数", id="area-parent_id-string-for-integer"),
    pytest.param("town1", "POST", "/api/v1/users", NEW_MEMBER | {"area_ids": 6}, ("area_ids",), "应为数组",
                 id="user-area_ids-integer-for-list"),
    pytest.param("town1", "POST", "/api/v1/users", NEW_MEMBER | {"area_ids": [1.5]}, ("area_ids", "0"), "应为整数",
                 id="user-area_ids-float-in-list"),
    pytest.param("town1", "PATCH", "/api/v1/users/{m1}", {"active": "maybe"}, ("active",), "应为布尔值",
                 id="user-active-text-for-boolean"),
    pytest.param("town1", "PATCH", "/api/v1/users/{m1}", {"role": "superuser"}, ("role",), None,
                 id="user-role-not-a-role"),
]


@pytest.mark.parametrize("user,method,url,payload,path,message", WRONG_TYPES)
def test_wrong_types_are_422_naming_the_field(client, world, engine, user, method, url, payload, path, message):
    with nothing_changes(engine):
        resp = client.open(fill(world, url), method=method, headers=world.headers(user), json=fill(world, payload))
    body = assert_error(resp, 422, "validation_error")
    assert set(fields(body)) == {path[0]}, "only the wrong field is named"
    errors = error_at(body, path)
    assert errors and all(CHINESE.search(e) for e in errors)
    if message:
        assert errors == [message]


def test_wrong_type_in_the_query_string_is_422(client, world):
    body = assert_error(client.get("/api/v1/places?area_id=G1", headers=world.headers("m1")), 422, "validation_error")
    assert fields(body) == {"area_id": ["应为整数"]}


UNKNOWN_FIELDS = [  # (user, method, url, body, field path) — mass assignment and typos are refused, not ignored
    ("m1", "POST", "/api/v1/places", new_place(deleted_at=None), ("deleted_at",)),
    ("m1", "POST", "/api/v1/places", new_place(location=IN_G1 | {"alt": 12}), ("location", "alt")),
    ("m1", "PATCH", "/api/v1/places/{P1}", {"natural_key": "ucc:x"}, ("natural_key",)),
    ("m1", "PATCH", "/api/v1/places/{P1}", {"nmae": "改名"}, ("nmae",)),
    ("town1", "PATCH", "/api/v1/areas/{G1}", {"path": "/1/"}, ("path",)),
    ("town1", "PATCH", "/api/v1/users/{m1}", {"password_hash": "x"}, ("password_hash",)),
    ("town1", "POST", "/api/v1/users", NEW_MEMBER | {"is_superuser": True}, ("is_superuser",)),
]


@pytest.mark.parametrize("user,method,url,payload,path", UNKNOWN_FIELDS, ids=[".".join(c[4]) for c in UNKNOWN_FIELDS])
def test_unknown_fields_are_422_naming_the_field(client, world, engine, user, method, url, payload, path):
    with nothing_changes(engine):
        resp = client.open(fill(world, url), method=method, headers=world.headers(user), json=fill(world, payload))
    body = assert_error(resp, 422, "validation_error")
    assert set(fields(body)) == {path[0]}
    assert error_at(body, path) == ["未知字段"]


def test_missing_required_fields_are_named(client, world, engine):
    with nothing_changes(engine):
        resp = post_place(client, world, {"address": "东溪村1号"})
    body = assert_error(resp, 422, "validation_error")
    assert fields(body) == {"name": ["必填字段缺失"], "sector": ["必填字段缺失"]}


# --- lengths and names ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("user,method,url,payload,field,limit", [
    ("m1", "POST", "/api/v1/places", new_place(name="东" * 200), "name", 128),
    ("m1", "POST", "/api/v1/places", new_place(address="东溪村" * 100), "address", 255),
    ("m1", "PATCH", "/api/v1/places/{P1}", {"contact_name": "李" * 65}, "contact_name", 64),
    ("town1", "POST", "/api/v1/areas", {"parent_id": Id("T1"), "code": "330799001002", "name": "村" * 200}, "name",
     64),
    ("town1", "PATCH", "/api/v1/users/{m1}", {"display_name": "张" * 200}, "display_name", 64),
], ids=["place-name", "place-address", "place-contact", "area-name", "user-display-name"])
def test_over_long_strings_are_422(client, world, engine, user, method, url, payload, field, limit):
    with nothing_changes(engine):
        resp = client.open(fill(world, url), method=method, headers=world.headers(user), json=fill(world, payload))
    body = assert_error(resp, 422, "validation_error")
    assert set(fields(body)) == {field}
    [message] = fields(body)[field]
    assert CHINESE.search(message) and str(limit) in message, message  # "超过最大长度 255", "长度须在 1 到 64 之间"


@pytest.mark.parametrize("name", ["东溪😀五金厂", "Восток", "东溪Завод", "东溪\u202e五金厂", "东溪\u0000五金厂"],
                         ids=["emoji", "cyrillic", "chinese-and-cyrillic", "bidi-override", "nul"])
def test_place_names_with_emoji_or_other_scripts_are_refused(client, world, engine, name):
    with nothing_changes(engine):
        resp = post_place(client, world, new_place(name=name))
    body = assert_error(resp, 422, "validation_error")
    assert set(fields(body)) == {"name"}
    assert CHINESE.search(fields(body)["name"][0])


@pytest.mark.parametrize("name", ["A区（东）3号", "青山ABC机械有限公司", "ＡＢＣ五金１号", "东溪·李记五金店 (二店)"])
def test_place_names_mixing_chinese_latin_and_digits_are_accepted(client, world, name):
    resp = post_place(client, world, new_place(name=name))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["name"] == name


# --- unified social credit codes ----------------------------------------------------------------------------------

def wrong_check_character(code: str) -> str:
    right = credit_code.check_character(code[:17])
    return code[:17] + next(c for c in credit_code.CHARSET if c != right)


BAD_CODES = {
    "wrong-check-character": wrong_check_character(VALID_CODE),
    "17-characters": VALID_CODE[:17],
    "19-characters": VALID_CODE + "0",
    "letter-I": VALID_CODE[:8] + "I" + VALID_CODE[9:],
    "letter-O": VALID_CODE[:8] + "O" + VALID_CODE[9:],
    "letter-Z": VALID_CODE[:8] + "Z" + VALID_CODE[9:],
    "region-not-digits": VALID_CODE[:2] + "A" + VALID_CODE[3:17] + credit_code.check_character(
        VALID_CODE[:2] + "A" + VALID_CODE[3:17]),
}


def test_the_codes_used_here_are_what_they_claim():
    assert credit_code.is_valid(VALID_CODE)
    assert not any(credit_code.is_valid(code) for code in BAD_CODES.values())


@pytest.mark.parametrize("code", BAD_CODES.values(), ids=BAD_CODES.keys())
def test_invalid_credit_codes_are_422(client, world, engine, code):
    with nothing_changes(engine):
        resp = post_place(client, world, new_place(credit_code=code))
    body = assert_error(resp, 422, "validation_error")
    assert set(fields(body)) == {"credit_code"}
    assert CHINESE.search(fields(body)["credit_code"][0])


@pytest.mark.parametrize("sent", [VALID_CODE, VALID_CODE.lower(), f"  {VALID_CODE} "], ids=["as-is", "lower", "spaces"])
def test_a_valid_credit_code_is_accepted_and_stored_normalized(client, world, sent):
    resp = post_place(client, world, new_place(credit_code=sent))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["credit_code"] == VALID_CODE


# --- locations ------------------------------------------------------------------------------------------------------

BAD_LOCATIONS = {  # raw JSON for the location, since NaN and Infinity are not something json= can send
    "lat-above-90": ('{"lat": 91, "lng": 120.05}', "validation_error", ("location", "lat")),
    "lat-below-minus-90": ('{"lat": -90.5, "lng": 120.05}', "validation_error", ("location", "lat")),
    "lng-above-180": ('{"lat": 29.2, "lng": 180.01}', "validation_error", ("location", "lng")),
    "nan": ('{"lat": NaN, "lng": 120.05}', "validation_error", ("location", "lat")),
    "nan-as-text": ('{"lat": "NaN", "lng": 120.05}', "validation_error", ("location", "lat")),
    "infinity": ('{"lat": 29.2, "lng": Infinity}', "validation_error", ("location", "lng")),
    "zero-zero": ('{"lat": 0, "lng": 0}', "coordinates_invalid", ("location",)),
    "unknown-datum": ('{"lat": 29.2, "lng": 120.05, "coord_system": "bd09"}', "validation_error",
                      ("location", "coord_system")),
}


@pytest.mark.parametrize("location,code,path", BAD_LOCATIONS.values(), ids=BAD_LOCATIONS.keys())
def test_bad_coordinates_are_422(client, world, engine, location, code, path):
    raw = '{"name": "东溪五金厂", "sector": "工贸", "location": %s}' % location
    with nothing_changes(engine):
        resp = client.post("/api/v1/places", headers=world.headers("m1"), data=raw, content_type="application/json")
    body = assert_error(resp, 422, code)
    messages = error_at(body, path)
    assert messages and all(CHINESE.search(m) for m in messages), messages


def test_a_location_outside_every_grid_is_422(client, world, engine):
    with nothing_changes(engine):
        resp = post_place(client, world, new_place(location={"lat": 31.0, "lng": 121.0}), user="county")
    body = assert_error(resp, 422, "point_outside_grids")
    assert "location" in fields(body)


# --- scope: refused, and nothing made or shown -----------------------------------------------------------------------

def test_member_cannot_create_a_place_in_another_townships_grid(client, world, engine):
    with nothing_changes(engine):
        by_location = post_place(client, world, new_place(location=IN_G2))
        by_area = post_place(client, world, new_place(location=None, area_id=world.areas["G2"].id))
        by_missing_area = post_place(client, world, new_place(location=None, area_id=999_999))
    assert "location" in fields(assert_error(by_location, 422, "point_outside_grids"))
    assert "area_id" in fields(assert_error(by_area, 422, "validation_error"))
    assert by_area.get_json() == by_missing_area.get_json()  # another township's grid is as good as none


def test_member_cannot_move_own_place_into_another_townships_grid(client, world, engine):
    pid = world.places["P1"].id
    with nothing_changes(engine):
        resp = client.patch(f"/api/v1/places/{pid}", headers=world.headers("m1"),
                            json={"name": "改名五金厂", "area_id": world.areas["G2"].id})
    assert_error(resp, 422, "validation_error")


def test_member_cannot_read_other_township_place(client, world, engine):
    with nothing_changes(engine):
        foreign = client.get(f"/api/v1/places/{world.places['P2'].id}", headers=world.headers("m1"))
        missing = client.get("/api/v1/places/999999", headers=world.headers("m1"))
    assert assert_error(foreign, 404, "not_found") == assert_error(missing, 404, "not_found")


# --- numbers no id can be ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/v1/places/2147483648", "/api/v1/places/99999999999999999999",
                                 "/api/v1/areas/3000000000/descendants", "/api/v1/users/3000000000"])
def test_an_id_beyond_the_id_columns_in_the_path_is_404(client, world, url):
    assert_error(client.get(url, headers=world.headers("county")), 404, "not_found")


@pytest.mark.parametrize("url", ["/api/v1/places?area_id=2147483648", "/api/v1/users?area_id=99999999999999999999",
                                 "/api/v1/areas?under_id=3000000000", "/api/v1/audit?actor_id=3000000000"])
def test_an_id_beyond_the_id_columns_in_the_query_is_422(client, world, url):
    body = assert_error(client.get(url, headers=world.headers("county")), 422, "validation_error")
    assert len(fields(body)) == 1


@pytest.mark.parametrize("area_id", [2**31, 10**30, 0, -1])
def test_an_id_beyond_the_id_columns_in_the_body_is_422(client, world, engine, area_id):
    with nothing_changes(engine):
        resp = post_place(client, world, new_place(location=None, area_id=area_id), user="county")
    assert set(fields(assert_error(resp, 422, "validation_error"))) == {"area_id"}


def test_a_page_far_past_the_end_is_empty(client, world):
    resp = client.get("/api/v1/places?page=99999999999999999999", headers=world.headers("county"))
    assert resp.status_code == 200 and resp.get_json() == []


# --- the transport: size, method, path, token ------------------------------------------------------------------------

@pytest.fixture
def small_client(app, config, clock, engine):
    """The app with a 1 KiB body limit, on the same database as ``world``."""
    return create_app(replace(config, max_content_length=1024), clock=clock, engine=engine).test_client()


def test_a_json_body_over_the_limit_is_413(small_client, world, engine):
    with nothing_changes(engine):
        resp = small_client.post("/api/v1/places", headers=world.headers("m1"),
                                 json=new_place(address="东溪村" * 200))
    assert_error(resp, 413, "payload_too_large")


def test_an_upload_over_the_limit_is_413(small_client, world, engine):
    rows = "名称,行业领域,网格编码\n" + "".join(f"东溪五金厂{i},工贸,330799001001001\n" for i in range(100))
    with nothing_changes(engine):
        resp = small_client.post("/api/v1/places/import", headers=world.headers("county"),
                                 data={"file": (io.BytesIO(rows.encode()), "places.csv")},
                                 content_type="multipart/form-data")
    assert_error(resp, 413, "payload_too_large")


def test_a_body_under_the_limit_still_works(small_client, world):
    assert small_client.post("/api/v1/places", headers=world.headers("m1"), json=new_place()).status_code == 201


@pytest.mark.parametrize("method,url,allowed", [
    ("PUT", "/api/v1/places/{P1}", {"GET", "PATCH", "DELETE"}),
    ("POST", "/api/v1/places/{P1}", {"GET", "PATCH", "DELETE"}),
    ("DELETE", "/api/v1/audit", {"GET"}),
    ("PUT", "/api/v1/areas/{G1}", {"GET", "PATCH"}),
    ("GET", "/api/v1/places/import", {"POST"}),
])
def test_a_wrong_method_is_405_with_allow(client, world, engine, method, url, allowed):
    with nothing_changes(engine):
        resp = client.open(fill(world, url), method=method, headers=world.headers("county"), json={})
    assert_error(resp, 405, "method_not_allowed")
    allow = {m.strip() for m in resp.headers["Allow"].split(",")}
    assert allowed <= allow and method not in allow


@pytest.mark.parametrize("url", ["/api/v1/nope", "/api/v1/places/abc", "/api/v2/places", "/nothing-here"])
def test_an_unknown_url_is_a_json_404(client, world, url):
    assert_error(client.get(url, headers=world.headers("county")), 404, "not_found")


TOKENS = {"none": {}, "empty": {"Authorization": "Bearer"}, "garbled": {"Authorization": "Bearer not-a-jwt"},
          "basic": {"Authorization": "Basic dXNlcjpwYXNz"}}


@pytest.mark.parametrize("headers", TOKENS.values(), ids=TOKENS.keys())
def test_a_missing_or_garbled_token_is_401(client, world, engine, headers):
    with nothing_changes(engine):
        resp = client.post("/api/v1/places", headers=headers, json=new_place())
    assert resp.get_json()["code"] in ("unauthorized", "token_invalid")
    assert_error(resp, 401, resp.get_json()["code"])
