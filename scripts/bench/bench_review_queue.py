#!/usr/bin/env python3
"""The console's review queue (照片审核) with 5,000 pending records in one township: time to the first screen and to
the next page, in the server and in the browser, against the same API calls alone.

Run through ./scripts/bench/run review_queue (PostgreSQL and S3 started there; without them: SQLite and a local
store).  The test county of tests/factories.py gets GRIDPATROL_BENCH_REVIEW_RECORDS (default 5,000) pending
records in township 城关镇 (4/5 clock-ins, 1/5 publicity visits, one in ten flagged), inserted by Core batches; the
records the first pages show carry real uploaded photos.  Measured, each the median of GRIDPATROL_BENCH_REVIEW_REPEAT
(default 3) runs:

* server: the console's queue calls through the WSGI app in process (no network): the first screen's page 1 of
  GET /api/v1/reviews (page_size 20) with the two counts (flagged_only, unflagged_only; page_size 1), and page 2;
* browser, first screen: from navigating to #/review with a logged-in township admin until 20 cards show their
  member's name, grid and the first thumbnail has loaded (Debian's chromium through Playwright, 1440×900);
* browser, next page: from clicking 下一页 until the next 20 cards show their names and first thumbnail: once after
  3 s on the first page (the console has read page 2 ahead meanwhile), and at once again (page 3, not read ahead);
* baseline for both: the same requests the console made (API calls and thumbnails, recorded from the page), replayed
  by fetch() from the same page in the same order of waves (the lists, then every look-up at once, then the
  thumbnails): the floor any client of this API pays; the ratio shows what the console adds on top.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from server.webapp.testing import bench_app, launch_chromium, serve_in_thread  # noqa: E402

RECORDS = int(os.environ.get("GRIDPATROL_BENCH_REVIEW_RECORDS", "5000"))
REPEAT = int(os.environ.get("GRIDPATROL_BENCH_REVIEW_REPEAT", "3"))
PHOTOS = 60          # distinct photos on the first three pages
PASSWORD = "correct-horse-1"
SHANGHAI = timezone(timedelta(hours=8))


def database() -> str:
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    return url or f"sqlite:///{tempfile.mkdtemp(prefix='gp-bench-review-')}/bench.sqlite3"


def build_app(url: str, db_url: str, tmp: Path):
    return bench_app(url, db_url, tmp, "gp-bench-review")


def seed(app, engine) -> dict:
    """The test county, PHOTOS uploaded photos, and RECORDS pending records in township 城关镇."""
    from server.audit.service import CLI, set_context
    from server.db import make_sessionmaker
    from server.patrol.models import CheckIn, PublicityVisit
    from tests.factories import build_world
    from tests.photos import jpeg, upload

    session = make_sessionmaker(engine)()
    set_context(session, CLI)
    world = build_world(app, session)
    client = app.test_client()
    now = datetime.now(timezone.utc)
    pool = []
    for n in range(PHOTOS):
        member = ("m1", "m1b")[n % 2]
        resp = upload(client, world.headers(member), "checkin",
                      jpeg(5000 + n, size=(640, 480), taken=now - timedelta(hours=2)))
        assert resp.status_code == 201, resp.get_json()
        pool.append(resp.get_json()["id"])
    members = [(world.users["m1"].id, world.areas["G1"].id, 120.05, world.places["P1"].id),
               (world.users["m1b"].id, world.areas["G1b"].id, 120.15, world.places["P1b"].id)]
    flagged_every = 10
    checkins, publicity = [], []
    start = now - timedelta(days=3)
    for i in range(RECORDS):
        user_id, area_id, lng, place_id = members[i % 2]
        at = start + timedelta(seconds=30 * i)
        flagged = i % flagged_every == 0
        # the queue shows flagged ones first, oldest first: those get the real photos the first pages display
        rank = i // flagged_every if flagged else RECORDS // flagged_every + i
        row = {"client_uuid": str(uuid.uuid4()), "user_id": user_id, "area_id": area_id, "device_time": at,
               "received_at": at, "occurred_at": at, "day": at.astimezone(SHANGHAI).date(), "lat": 29.2,
               "lng": lng + (0.2 if flagged else 0), "accuracy": 10.0,
               "photo_ids": [pool[rank % PHOTOS] if rank < 3 * PHOTOS else str(uuid.uuid4())],
               "flags": ["out_of_area"] if flagged else [], "review_status": "pending", "created_at": at,
               "updated_at": at}
        if i % 5 == 4:
            publicity.append(row | {"place_id": place_id, "materials": ["消防安全宣传单"], "people_reached": 3})
        else:
            checkins.append(row | {"counted": False, "geofence": "out_of_area" if flagged else "in_area",
                                   "distance_m": 9000.0 if flagged else 0.0})
    with engine.begin() as conn:
        for start_at in range(0, len(checkins), 1000):
            conn.execute(insert(CheckIn), checkins[start_at:start_at + 1000])
        for start_at in range(0, len(publicity), 1000):
            conn.execute(insert(PublicityVisit), publicity[start_at:start_at + 1000])
    session.close()
    return {"headers": world.headers("town1"), "checkins": len(checkins), "publicity": len(publicity)}


def median_s(fn, n: int = REPEAT) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


READY = """(n) => {
  const cards = Array.from(document.querySelectorAll('[data-record]'));
  if (cards.length < n) return false;
  const named = cards.slice(0, n).every((c) => { const w = c.querySelector('.gc-who-name'); return w && w.textContent !== '…'; });
  const img = cards[0].querySelector('.gc-thumb img');
  return named && !!img && img.complete && img.naturalWidth > 0;
}"""

REPLAY = """async ({waves, token}) => {
  const t0 = performance.now();
  for (const wave of waves) {
    await Promise.all(wave.map((u) => (u.indexOf('/api/v1/') >= 0
      ? fetch(u, {headers: {Authorization: 'Bearer ' + token, Accept: 'application/json'}, cache: 'no-store'}).then((r) => r.arrayBuffer())
      : new Promise((ok) => { const i = new Image(); i.onload = ok; i.onerror = ok; i.src = u; }))));
  }
  return (performance.now() - t0) / 1000;
}"""


def waves(urls: list[str]) -> list[list[str]]:
    """The console's order: the lists (queue, grids, members) first, then every look-up at once, then the
    thumbnails the look-ups named."""
    lists = [u for u in urls if "/api/v1/reviews" in u or "/api/v1/areas?" in u or "/api/v1/users?" in u]
    images = [u for u in urls if "/api/v1/" not in u]
    rest = [u for u in urls if u not in lists and u not in images]
    return [w for w in (lists, rest, images) if w]


def turn_page(page) -> float:
    """Seconds from clicking 下一页 until the next page's 20 cards show their names and first photo."""
    first_card = page.locator("[data-record]").first.get_attribute("data-record")
    button = page.get_by_role("button", name="下一页")
    button.wait_for()
    t0 = time.perf_counter()
    button.evaluate("(b) => b.click()")       # the click itself, without Playwright's actionability checks
    page.wait_for_function("""(first) => !document.querySelector('.gc-stale')
      && document.querySelector('[data-record]').getAttribute('data-record') !== first""", arg=first_card, polling=16)
    page.wait_for_function(READY, arg=20, polling=16)
    return time.perf_counter() - t0


def browser_times(url: str) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        ctx = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=url, locale="zh-CN",
                                  service_workers="block")
        page = ctx.new_page()
        page.set_default_timeout(60000)
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})   # console and replay both fetch every byte
        page.goto("/app/")
        page.get_by_label("账号").fill("town1")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", name="照片审核").wait_for()
        page.wait_for_function(READY, arg=20)
        seen: list[str] = []
        page.on("request", lambda r: seen.append(r.url) if r.method == "GET" and (
            "/api/v1/" in r.url or r.resource_type == "image") else None)
        first, shell, warm, cold, first_urls, next_urls = [], [], [], [], [], []
        for _ in range(REPEAT):
            page.goto("about:blank")
            seen.clear()
            t0 = time.perf_counter()
            page.goto("/app/#/review")
            page.wait_for_function("() => !!document.querySelector('.gc-screen h1')", polling=16)
            shell.append(time.perf_counter() - t0)
            page.wait_for_function(READY, arg=20, polling=16)
            first.append(time.perf_counter() - t0)
            first_urls = list(dict.fromkeys(seen))
            page.wait_for_timeout(3000)          # the officer looks at the first page; the console reads ahead
            seen.clear()
            warm.append(turn_page(page))
            seen.clear()
            cold.append(turn_page(page))          # at once: page 3 was not read ahead yet
            next_urls = list(dict.fromkeys(seen))
        token = page.evaluate("JSON.parse(localStorage.getItem('gridpatrol.tokens')).access_token")
        base_first = statistics.median(page.evaluate(REPLAY, {"waves": waves(first_urls), "token": token})
                                       for _ in range(REPEAT))
        base_next = statistics.median(page.evaluate(REPLAY, {"waves": waves(next_urls), "token": token})
                                      for _ in range(REPEAT)) if next_urls else 0.0
        browser.close()
    return {"first_s": statistics.median(first), "shell_s": statistics.median(shell), "next_s": statistics.median(cold),
            "next_read_ahead_s": statistics.median(warm), "first_calls": len(first_urls),
            "next_calls": len(next_urls), "base_first_s": base_first, "base_next_s": base_next}


def main() -> None:
    db_url = database()
    with tempfile.TemporaryDirectory(prefix="gp-bench-review-") as tmp:
        holder: dict = {}

        def make(url: str):
            holder["app"], holder["engine"] = build_app(url, db_url, Path(tmp))
            return holder["app"]

        with serve_in_thread(make) as (url, app):
            t0 = time.perf_counter()
            facts = seed(app, holder["engine"])
            print(f"database: {holder['engine'].dialect.name}; seeded {facts['checkins']} clock-ins + "
                  f"{facts['publicity']} publicity pending in one township in {time.perf_counter() - t0:.1f} s")
            client = app.test_client()
            h = facts["headers"]
            first_calls = ["/api/v1/reviews?page=1&page_size=20", "/api/v1/reviews?flagged_only=true&page_size=1",
                           "/api/v1/reviews?unflagged_only=true&page_size=1"]
            resp = client.get(first_calls[0], headers=h)
            items = resp.get_json()
            print(f"GET /reviews?page=1&page_size=20 answers {len(items)} items, {len(resp.get_data()) / 1024:.0f} KiB "
                  f"(X-Pagination: {resp.headers.get('X-Pagination') or 'none'})")
            server = median_s(lambda: [client.get(u, headers=h) for u in first_calls])
            server_next = median_s(lambda: client.get("/api/v1/reviews?page=2&page_size=20", headers=h))
            print(f"server  first screen's queue calls (page 1 + the two counts): {server * 1000:.0f} ms; "
                  f"next page (page 2): {server_next * 1000:.0f} ms")
            b = browser_times(url)
            print(f"browser first screen (20 cards named, first photo shown): {b['first_s'] * 1000:.0f} ms "
                  f"({b['first_calls']} requests); the same calls alone: {b['base_first_s'] * 1000:.0f} ms; "
                  f"ratio {b['first_s'] / b['base_first_s']:.2f}; of which the app itself (page, modules, /me, "
                  f"until the screen's heading): {b['shell_s'] * 1000:.0f} ms")
            print(f"browser next page at once (page 2 → 3, not read ahead): {b['next_s'] * 1000:.0f} ms "
                  f"({b['next_calls']} requests); the same calls alone: {b['base_next_s'] * 1000:.0f} ms"
                  + (f"; ratio {b['next_s'] / b['base_next_s']:.2f}" if b["base_next_s"] else ""))
            print(f"browser next page after 3 s on the first (read ahead meanwhile): "
                  f"{b['next_read_ahead_s'] * 1000:.0f} ms")
            print(json.dumps({"records": RECORDS, "server_s": round(server, 3), "server_next_s": round(server_next, 3),
                              **{k: round(v, 3) if isinstance(v, float) else v for k, v in b.items()}}))
            goal = "met" if b["first_s"] < 1.0 else "NOT met"
            print(f"goal first screen < 1 s: {goal}")


if __name__ == "__main__":
    main()
