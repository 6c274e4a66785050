"""Operations: /metrics in the Prometheus text format with the figures the issue asks for, readable only from
loopback or with the metrics token; oversized request lines and headers answer 414/431 in the API's error shape."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from server.app import create_app
from tests.patrol_helpers import checkin, local
from tests.photos import jpeg, upload
from tests.test_bad_input import assert_error


def scrape(client, **kw) -> str:
    resp = client.get("/metrics", **kw)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "text/plain"
    return resp.get_data(as_text=True)


def value(text: str, name: str, **labels: str) -> float:
    """One sample's value (0 when absent): labels in any order."""
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', line[len(name):line.rindex("}")]))
        if all(have.get(k) == v for k, v in labels.items()) and len(have) == len(labels):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_uploads_and_sync_items(client, patrol_world, clock):
    before = scrape(client)
    data = jpeg(41)
    assert upload(client, patrol_world.headers("m1"), "visit", data).status_code == 201
    clock.set(local(2026, 11, 23, 19, 0))
    items = [{"type": "checkin", "data": checkin(local(2026, 11, 23, 8, 0))},
             {"type": "checkin", "data": checkin(local(2026, 11, 23, 8, 5), grid_id=2**30)}]
    resp = client.post("/api/v1/sync", headers=patrol_world.headers("m1"), json={"items": items})
    assert [r["status"] for r in resp.get_json()["results"]] == ["created", "error"]
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("gridpatrol_photo_uploads_total", purpose="visit") == 1
    assert delta("gridpatrol_photo_upload_bytes_total", purpose="visit") == len(data)
    assert delta("gridpatrol_sync_items_total", type="checkin", result="created") == 1
    assert delta("gridpatrol_sync_items_total", type="checkin", result="error") == 1
    assert delta("gridpatrol_http_requests_total", method="POST", endpoint="/api/v1/sync", status="200") == 1
    assert delta("gridpatrol_http_request_duration_seconds_count", method="POST", endpoint="/api/v1/sync") == 1
    # ids never become labels: the route's rule is the endpoint
    client.get("/api/v1/places/123456", headers=patrol_world.headers("m1"))
    assert "/api/v1/places/123456" not in scrape(client)


def test_metrics_are_refused_to_other_addresses_unless_they_hold_the_token(config, clock, engine):
    far = {"REMOTE_ADDR": "203.0.113.9"}
    closed = create_app(config, clock=clock, engine=engine).test_client()
    assert_error(closed.get("/metrics", environ_base=far), 403, "forbidden")
    tokened = create_app(replace(config, metrics_token="scrape-secret-1"), clock=clock, engine=engine).test_client()
    assert_error(tokened.get("/metrics", environ_base=far, headers={"Authorization": "Bearer wrong"}), 403,
                 "forbidden")
    assert "gridpatrol_http_requests_total" in scrape(tokened, environ_base=far,
                                                      headers={"Authorization": "Bearer scrape-secret-1"})


def test_database_and_object_store_errors_are_counted(client, world, engine):
    from server.ops import metrics

    before = scrape(client)
    metrics.database_error(ConnectionError())
    metrics.store_error("unreachable")
    after = scrape(client)
    assert value(after, "gridpatrol_database_errors_total", error="ConnectionError") - \
        value(before, "gridpatrol_database_errors_total", error="ConnectionError") == 1
    assert value(after, "gridpatrol_object_store_errors_total", kind="unreachable") - \
        value(before, "gridpatrol_object_store_errors_total", kind="unreachable") == 1


@pytest.mark.parametrize("size", [5000, 8000])
def test_a_request_line_too_long_is_414_in_the_error_shape(client, world, size):
    resp = client.get("/api/v1/places?q=" + "a" * size, headers=world.headers("m1"))
    assert_error(resp, 414, "uri_too_long")


def test_a_header_too_large_is_431_in_the_error_shape(client, world):
    resp = client.get("/api/v1/me", headers={**world.headers("m1"), "X-Junk": "x" * 9000})
    assert_error(resp, 431, "header_too_large")
