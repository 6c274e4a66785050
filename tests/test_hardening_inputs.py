"""Inputs that used to answer 500 on PostgreSQL — NUL, lone surrogates, dates at the calendar's edges, integers
beyond the id columns, a token for an impossible user — answer the documented 4xx error shape and change nothing."""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote

import jwt
import pytest

from tests.patrol_helpers import checkin, report
from tests.test_bad_input import assert_error, fields, nothing_changes

NUL = "巡查\x00正常"
SURROGATE = "巡查\ud800正常"


def post_raw(client, path, body, headers=None):
    """JSON text as a phone could send it: json.dumps keeps a lone surrogate as the escape \\ud800."""
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers or {})


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "lone-surrogate"])
def test_bad_text_in_a_clock_in_note_is_422_and_stores_nothing(client, patrol_world, engine, clock, bad):
    with nothing_changes(engine):
        resp = post_raw(client, "/api/v1/checkins", checkin(clock(), note=bad), patrol_world.headers("m1"))
    assert "note" in fields(assert_error(resp, 422, "validation_error"))


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "lone-surrogate"])
def test_bad_text_in_an_anonymous_tipoff_is_422(client, world, engine, bad):
    body = {"category": "fire_escape", "description": bad, "location": {"lat": 29.2, "lng": 120.05}}
    with nothing_changes(engine):
        resp = post_raw(client, "/api/v1/tipoffs", body)
    assert "description" in fields(assert_error(resp, 422, "validation_error"))


def test_a_nul_in_a_login_username_is_422_not_a_database_error(client, world, engine):
    with nothing_changes(engine):
        resp = post_raw(client, "/api/v1/auth/login", {"username": "m1\x00", "password": "x"})
    assert "username" in fields(assert_error(resp, 422, "validation_error"))


def test_a_nul_in_a_search_is_422(client, world):
    resp = client.get("/api/v1/places?q=%00", headers=world.headers("m1"))
    assert "q" in fields(assert_error(resp, 422, "validation_error"))


def test_bad_text_in_a_free_form_dict_and_in_an_unknown_key_is_422(client, patrol_world, engine, clock):
    # checklist answers take any JSON value; an unknown key is echoed in the error: neither may carry a NUL
    body = checkin(clock())
    body["bad\ud800key"] = 1
    with nothing_changes(engine):
        resp = post_raw(client, "/api/v1/checkins", body, patrol_world.headers("m1"))
    assert_error(resp, 422, "validation_error")
    resp.get_data().decode("utf-8")  # the answer itself is valid UTF-8


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
                                    "1899-12-31T23:59:59+08:00", "2201-01-01T00:00:00+08:00"])
def test_device_times_at_the_calendars_edges_are_422(client, patrol_world, engine, clock, moment):
    with nothing_changes(engine):
        resp = post_raw(client, "/api/v1/checkins", checkin(clock(), device_time=moment),
                        patrol_world.headers("m1"))
    assert "device_time" in fields(assert_error(resp, 422, "validation_error"))


def test_a_report_dated_year_one_is_422(client, patrol_world, engine):
    with nothing_changes(engine):
        resp = post_raw(client, "/api/v1/reports", report("0001-01-01"), patrol_world.headers("m1"))
    assert "date" in fields(assert_error(resp, 422, "validation_error"))


@pytest.mark.parametrize("query", ["date=0001-01-01", "date=9999-12-31"])
def test_query_dates_at_the_calendars_edges_are_422(client, world, query):
    resp = client.get(f"/api/v1/checkins?{query}", headers=world.headers("county"))
    assert "date" in fields(assert_error(resp, 422, "validation_error"))


def test_a_hazard_found_near_year_one_is_422(client, world, engine):
    body = {"place_id": world.places["P1"].id, "category": "消防设施器材", "description": "灭火器过期",
            "found_at": "0001-01-01T00:00:00+14:00"}
    with nothing_changes(engine):
        resp = post_raw(client, "/api/v1/hazards", body, world.headers("town1"))
    assert "found_at" in fields(assert_error(resp, 422, "validation_error"))


@pytest.mark.parametrize("url,name", [
    ("/api/v1/checkins?user_id=2147483648", "user_id"),
    ("/api/v1/visits?user_id=-2147483649", "user_id"),
    ("/api/v1/publicity?user_id=99999999999999999999", "user_id"),
    ("/api/v1/bulletins?township_id=2147483648", "township_id"),
    ("/api/v1/bulletins/preview?township_id=2147483648&date=2026-11-23", "township_id"),
    ("/api/v1/publicity/coverage?area_id=2147483648&from=2026-11-01&to=2026-11-23", "area_id"),
])
def test_integers_beyond_the_id_columns_in_a_query_are_422(client, world, url, name):
    resp = client.get(url, headers=world.headers("county"))
    assert name in fields(assert_error(resp, 422, "validation_error"))


@pytest.mark.parametrize("sub", [str(2**31), str(2**63), "-1", "99999999999999999999999"])
def test_a_signed_token_for_an_id_beyond_the_range_is_401(client, world, config, clock, sub):
    kid, secret = config.jwt_keyring[0]
    now = clock()
    token = jwt.encode({"sub": sub, "role": "county_admin", "iss": config.jwt_issuer, "aud": config.jwt_audience,
                        "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp()),
                        "typ": "access"}, secret, algorithm="HS256", headers={"kid": kid})
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert_error(resp, 401, "token_invalid")


# --- body limits ---------------------------------------------------------------------------------------------------

def test_a_json_body_above_the_json_limit_is_413_unread(client, world, engine, config):
    big = b'{"username": "m1", "password": "' + b"x" * config.max_json_bytes + b'"}'
    with nothing_changes(engine):
        resp = client.post("/api/v1/auth/login", data=big, content_type="application/json")
    assert assert_error(resp, 413, "payload_too_large")["detail"]["max_bytes"] == config.max_json_bytes


def test_a_multipart_upload_above_the_json_limit_is_still_accepted(client, world, config):
    from tests.photos import jpeg, upload
    data = jpeg(7, size=(1600, 1200))
    data += b"\0" * (config.max_json_bytes + 1 - len(data)) if len(data) <= config.max_json_bytes else b""
    assert upload(client, world.headers("m1"), "visit", data).status_code == 201


def test_a_nul_in_an_open311_request_answers_in_open311s_error_format(client, world, engine):
    # (a form cannot carry a lone surrogate: its bytes are not UTF-8, and werkzeug decodes them as U+FFFD)
    form = {"service_code": "001", "lat": "29.2", "long": "120.05", "description": "楼道\x00堵塞"}
    body = "&".join(f"{k}={quote(v)}" for k, v in form.items())
    with nothing_changes(engine):
        resp = client.post("/open311/v2/requests.json", data=body, content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 400, resp.get_data(as_text=True)
    (error,) = resp.get_json()
    assert error["code"] == 400 and error["description"].startswith("description")


@pytest.mark.parametrize("supervised", ["true", "false"])
def test_the_hazard_export_filtered_by_supervision_is_a_workbook(client, world, supervised):
    resp = client.get(f"/api/v1/hazards/export.xlsx?supervised={supervised}", headers=world.headers("county"))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.data[:2] == b"PK"  # a zip: the workbook


def test_a_number_is_not_a_boolean_in_a_json_body(client, patrol_world, engine):
    body = report("2026-11-23", nothing_found=0)
    with nothing_changes(engine):
        resp = post_raw(client, "/api/v1/reports", body, patrol_world.headers("m1"))
    assert "nothing_found" in fields(assert_error(resp, 422, "validation_error"))
