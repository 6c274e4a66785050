"""What only several worker processes show, against a real gunicorn of two workers on PostgreSQL: a rate limit kept
in Redis holds across the workers (in memory each worker would allow the limit again), and /metrics sums every
worker's counts."""
from __future__ import annotations

import os
import re
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
