"""What only several worker processes show, against a real gunicorn of two workers on PostgreSQL: a rate limit kept
in Redis holds across the workers (in memory each worker would allow the limit again), and /metrics sums every
worker's counts."""
from __future__ import annotations

import json
import os
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import httpx
import pytest

from server.auth import tokens
from tests.live_gunicorn import gunicorn


@pytest.fixture
def redis_url(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("run against gunicorn on PostgreSQL")
    url = os.environ.get("GRIDPATROL_TEST_REDIS_URL")
    if not url:
        if os.environ.get("GRIDPATROL_REQUIRE_SERVERS") == "1":
            pytest.fail("GRIDPATROL_TEST_REDIS_URL not set by ./scripts/test")
        pytest.skip("needs the Redis started by ./scripts/test")
    import redis

    redis.Redis.from_url(url).flushdb()  # limits counted by an earlier test or run start from zero
    return url


def _until_both_workers(live, send, rounds: int = 5) -> list[int]:
    """Send bursts of 20 requests at once until both workers have answered some (the kernel picks who accepts)."""
    statuses: list[int] = []
    for _ in range(rounds):
        with ThreadPoolExecutor(20) as pool:
            statuses += list(pool.map(lambda _i: send(), range(20)))
        if len(set(live.worker_pids())) >= 2:
            return statuses
    pytest.fail("one worker answered everything")


def test_a_login_rate_limit_in_redis_holds_across_two_gunicorn_workers(config, world, redis_url):
    env = {"GRIDPATROL_RATELIMIT_STORAGE_URI": redis_url, "GRIDPATROL_RATELIMIT_LOGIN": "5 per minute"}
    with gunicorn(config, workers=2, env=env) as live:
        def send() -> int:
            return httpx.post(live.url + "/api/v1/auth/login", json={"username": "nobody", "password": "x"},
                              timeout=30).status_code

        statuses = _until_both_workers(live, send)
    assert statuses.count(401) == 5, statuses  # 5 per minute in all, not 5 per worker
    assert set(statuses) == {401, 429}


def test_metrics_sum_every_gunicorn_worker(config, world, redis_url):
    user = world.users["m1"]
    token = tokens.issue_access_token(config, user.id, user.role, datetime.now(timezone.utc))  # gunicorn's real clock
    with gunicorn(config, workers=2) as live:
        def send() -> int:
            return httpx.get(live.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                             timeout=30).status_code

        statuses = _until_both_workers(live, send)
        text = httpx.get(live.url + "/metrics", timeout=30).text
    assert set(statuses) == {200}
    served = re.search(r'gridpatrol_http_requests_total\{endpoint="/api/v1/me",method="GET",status="200"\} ([0-9.]+)',
                       text)
    assert served and float(served.group(1)) == len(statuses), text[:2000]
    assert 'gridpatrol_http_request_duration_seconds_bucket{endpoint="/api/v1/me",le="0.005",method="GET"}' in text


@pytest.fixture
def on_postgresql(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("run against gunicorn on PostgreSQL")


def test_gunicorn_leaves_overlong_urls_and_headers_to_the_app_which_answers_in_the_error_shape(config, world,
                                                                                               on_postgresql):
    with gunicorn(config, workers=1) as live:
        long_url = httpx.get(live.url + "/api/v1/places?q=" + "a" * 5000, timeout=30)
        big_header = httpx.get(live.url + "/api/v1/me", headers={"X-Junk": "b" * 10_000}, timeout=30)
        # beyond gunicorn's own limits (8190 bytes for the request line, 16 KiB a header field) gunicorn refuses
        # before the app runs: in the same shape (server/gunicorn_conf.py), not its HTML page
        huge_url = httpx.get(live.url + "/api/v1/places?q=" + "a" * 9000, timeout=30)
        huge_header = httpx.get(live.url + "/api/v1/me", headers={"X-Junk": "b" * 20_000}, timeout=30)
        fine = httpx.get(live.url + "/api/v1/places?q=" + "a" * 3000, timeout=30)
        host, port = live.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:  # not HTTP at all
            sock.sendall(b"HELLO <script>\r\n\r\n")
            garbage = sock.recv(65536).decode("utf-8")
    assert long_url.status_code == 414 and long_url.headers["content-type"].startswith("application/json")
    assert long_url.json()["code"] == "uri_too_long" and long_url.json()["detail"] == {"max_bytes": 4096}
    assert big_header.status_code == 431 and big_header.headers["content-type"].startswith("application/json")
    assert big_header.json()["code"] == "header_too_large" and big_header.json()["detail"]["header"] == "X-Junk"
    assert huge_url.status_code == 414 and huge_url.headers["content-type"].startswith("application/json")
    assert huge_url.json()["code"] == "uri_too_long" and huge_url.json()["message"] == "请求地址过长"
    assert huge_header.status_code == 431 and huge_header.json()["code"] == "header_too_large"
    assert "b" * 100 not in huge_header.text  # the refused request is not echoed
    head, _, body = garbage.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400") and "application/json" in head and "<script>" not in body
    assert json.loads(body)["code"] == "bad_request"
    assert fine.status_code == 401  # an ordinary request passes the checks (and then needs a login)
