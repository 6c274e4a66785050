"""The console's browser fixtures and steps: a 1440×900 desk context, logging in as an admin, and field records
made through the API the way the members' phones make them (each with its own photo)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Any

import pytest

from server.webapp.testing import watch_errors
from tests.factories import PASSWORD
from tests.photos import jpeg, upload
from tests.webapp.conftest import Live, live_headers

SHANGHAI = timezone(timedelta(hours=8))


def _context(browser: Any, live: Live, **kw: Any) -> Any:
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live.url, accept_downloads=True, **kw)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    watch_errors(page)
    return ctx, page


@pytest.fixture
def desk(browser: Any, live: Live) -> Iterator[Any]:
    """A desktop page (1440×900) on the live server."""
    ctx, page = _context(browser, live, viewport={"width": 1440, "height": 900})
    yield page
    ctx.close()


@pytest.fixture
def console_phone(browser: Any, live: Live) -> Iterator[Any]:
    """An admin's phone (390×844) on the live server."""
    ctx, page = _context(browser, live, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                         has_touch=True)
    yield page
    ctx.close()


def console_login(page: Any, username: str, screen: str = "照片审核") -> None:
    page.goto("/app/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name=screen).wait_for()


_seed = [1000]


def photo(live: Live, username: str, purpose: str, *, gps: tuple[float, float] | None = None) -> str:
    """A fresh camera photo uploaded by ``username``; its id."""
    _seed[0] += 1
    data = jpeg(_seed[0], size=(320, 240), taken=live.clock() - timedelta(minutes=3), gps=gps)
    resp = upload(live.api(), live_headers(live, username), purpose, data)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def now_iso(live: Live, minutes_ago: int = 0) -> str:
    """The live server's now (a test may move its clock), as a phone writes it."""
    return (live.clock().astimezone(SHANGHAI) - timedelta(minutes=minutes_ago)).isoformat()


def checkin(live: Live, username: str, lat: float = 29.2, lng: float = 120.05, minutes_ago: int = 5) -> dict[str, Any]:
    body = {"client_uuid": str(uuid.uuid4()), "device_time": now_iso(live, minutes_ago),
            "location": {"lat": lat, "lng": lng, "accuracy": 10.0}, "photo_ids": [photo(live, username, "checkin")]}
    resp = live.api().post("/api/v1/checkins", headers=live_headers(live, username), json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def publicity(live: Live, username: str, place_id: int, minutes_ago: int = 5) -> dict[str, Any]:
    body = {"client_uuid": str(uuid.uuid4()), "device_time": now_iso(live, minutes_ago), "place_id": place_id,
            "materials": ["消防安全宣传单"], "people_reached": 5, "photo_ids": [photo(live, username, "publicity")],
            "location": {"lat": 29.2, "lng": 120.05, "accuracy": 10.0}}
    resp = live.api().post("/api/v1/publicity", headers=live_headers(live, username), json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def api_post(live: Live, username: str, path: str, body: dict[str, Any], status: int = 200) -> Any:
    resp = live.api().post("/api/v1" + path, headers=live_headers(live, username), json=body)
    assert resp.status_code == status, (path, resp.status_code, resp.get_json())
    return resp.get_json()


def pending_checkins(live: Live, session: Any, username: str, grid: str, n: int) -> list[int]:
    """``n`` unflagged pending clock-ins of ``username`` in their grid, a minute apart, written straight into the
    database (a long queue without n uploads); they share one real photo.  Their ids, oldest first."""
    from datetime import datetime

    from server.db import CLI, set_context
    from server.patrol.models import CheckIn

    user = live.world.users[username]
    area_id = live.world.areas[grid].id
    shared = photo(live, username, "checkin")
    start = datetime.now(timezone.utc) - timedelta(hours=2)
    set_context(session, CLI)
    rows = []
    for i in range(n):
        at = start + timedelta(minutes=i)
        rows.append(CheckIn(client_uuid=str(uuid.uuid4()), user_id=user.id, area_id=area_id, device_time=at,
                            received_at=at, occurred_at=at, day=at.astimezone(SHANGHAI).date(), lat=29.2, lng=120.05,
                            accuracy=10.0, photo_ids=[shared], flags=[], review_status="pending", counted=False,
                            geofence="in_area", distance_m=0.0))
    session.add_all(rows)
    session.commit()
    return [r.id for r in rows]
