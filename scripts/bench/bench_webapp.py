#!/usr/bin/env python3
"""The field client on a weak link: first-load bytes, time to a usable home screen, a visit's photo upload, JS heap.

Run through ./scripts/bench/run webapp (PostgreSQL and S3 started there; without them: SQLite and a local store).
The app is served in a thread and driven by Debian's chromium through Playwright with Chromium's own network
emulation (CDP Network.emulateNetworkConditions) at a weak 3G profile: 400 kbit/s each way, 400 ms round trip.
- first load of /app/ (HTML, every module, CSS; no fonts are downloaded) in gzip bytes, against the floor of WeUI's
  CSS and the vendored libraries alone;
- time until the home screen shows today's places, cold (empty cache, no service worker) and warm (service worker
  installed), against the raw transfer time of the bytes that load moved (bytes at 400 kbit/s + one round trip);
- a visit with three photos of GRIDPATROL_BENCH_WEBAPP_PHOTO_MB MB (default 4) sent by the outbox (resumable
  upload above 1 MB, then /sync), against the same bytes POSTed raw from the same page under the same profile;
- the JS heap (after a forced GC) once 30 photos are in one visit form, against the heap of the empty form, and the
  object URLs of the thumbnails still alive after leaving the form (all revoked: 0).
GRIDPATROL_BENCH_WEBAPP_ONLY=load,home,upload,heap (comma-separated) runs some of the parts; default all.
"""
from __future__ import annotations

import io
import json
import logging
import os
import random
import re
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from server.webapp.testing import bench_app, launch_chromium, serve_in_thread  # noqa: E402

KBIT = 400
RTT_MS = 400
BYTES_PER_S = KBIT * 1000 / 8
PHOTO_MB = float(os.environ.get("GRIDPATROL_BENCH_WEBAPP_PHOTO_MB", "4"))
HEAP_PHOTOS = int(os.environ.get("GRIDPATROL_BENCH_WEBAPP_HEAP_PHOTOS", "30"))
PASSWORD = "correct-horse-1"
PARTS = set(os.environ.get("GRIDPATROL_BENCH_WEBAPP_ONLY", "load,home,upload,heap").split(","))
# counts the object URLs the page makes and revokes (thumbnails are object URLs of the photos in IndexedDB)
COUNT_OBJECT_URLS = """(() => { const make = URL.createObjectURL, revoke = URL.revokeObjectURL; window.__liveUrls = new Set();
  URL.createObjectURL = function (b) { const u = make.call(URL, b); window.__liveUrls.add(u); return u; };
  URL.revokeObjectURL = function (u) { window.__liveUrls.delete(u); return revoke.call(URL, u); }; })();"""


def database() -> str:
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    return url or f"sqlite:///{tempfile.mkdtemp(prefix='gp-bench-webapp-')}/bench.sqlite3"


def big_jpeg(seed: int, megabytes: float) -> bytes:
    """A camera-sized JPEG of about the asked size (noise compresses badly, like a real photo's detail)."""
    rng = random.Random(seed)
    side = int((megabytes * 1024 * 1024 / 1.1) ** 0.5)
    img = Image.frombytes("RGB", (side * 4 // 3, side * 3 // 4), rng.randbytes(side * 4 // 3 * (side * 3 // 4) * 3))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "HUAWEI", "NOVA 9"
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92, exif=exif)
    return buf.getvalue()


def build_app(url: str, db_url: str, tmp: Path):
    from server.checklists.service import load_directory
    from server.db import make_sessionmaker
    from tests.factories import build_world

    app, engine = bench_app(url, db_url, tmp, "gp-bench-webapp")
    session = make_sessionmaker(engine)()
    from server.audit.service import CLI, set_context
    set_context(session, CLI)
    build_world(app, session)
    load_directory(session)
    session.commit()
    session.close()

    sink_bytes = {"n": 0}
    inner = app.wsgi_app

    def with_sink(environ, start_response):  # the raw baseline: the same bytes POSTed to a route that only reads them
        if environ["PATH_INFO"] == "/__sink":
            stream, left = environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0)
            while left > 0:   # exactly the body: the dev server's raw socket would block past its end
                chunk = stream.read(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
                sink_bytes["n"] += len(chunk)
            start_response("204 No Content", [])
            return [b""]
        return inner(environ, start_response)

    app.wsgi_app = with_sink  # type: ignore[method-assign]
    return app


def first_load_bytes(app) -> tuple[int, int, dict[str, int]]:
    client = app.test_client()
    gz = {"Accept-Encoding": "gzip"}
    page = client.get("/app/", headers=gz)
    html = page.get_data()
    urls = re.findall(rb'(?:href|src)="(/app/s/[^"]+)"', html)
    sizes = {"/app/ (html)": len(__import__("gzip").compress(html, 6))}
    for u in dict.fromkeys(urls):
        resp = client.get(u.decode(), headers=gz)
        sizes[u.decode().split("/", 4)[4]] = len(resp.get_data())
    total = sum(sizes.values())
    floor = sum(v for k, v in sizes.items() if k.startswith("vendor/"))
    return total, floor, sizes


def emulate(cdp, on: bool, offline: bool = False) -> None:
    """The weak link (on) or none; offline and throttled in one call, so nothing slips through unthrottled."""
    cdp.send("Network.enable")
    if on:
        cdp.send("Network.emulateNetworkConditions", {"offline": offline, "latency": RTT_MS,
                                                      "downloadThroughput": BYTES_PER_S, "uploadThroughput": BYTES_PER_S})
    else:
        cdp.send("Network.emulateNetworkConditions", {"offline": offline, "latency": 0, "downloadThroughput": -1,
                                                      "uploadThroughput": -1})


def log_in(page) -> None:
    page.goto("/app/")
    page.get_by_label("账号").fill("m1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("待巡查场所").wait_for(timeout=60000)


def counted(cdp) -> dict[str, int]:
    moved = {"bytes": 0}
    cdp.on("Network.loadingFinished", lambda e: moved.__setitem__("bytes", moved["bytes"] + int(e.get("encodedDataLength", 0))))
    return moved


def home_times(browser, url: str) -> dict[str, float]:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, base_url=url, locale="zh-CN")
    page = ctx.new_page()
    log_in(page)       # tokens on the phone; then forget every cached byte and the worker: a cold start
    page.evaluate("""async () => { for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
                     for (const k of await caches.keys()) await caches.delete(k); }""")
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    page.goto("about:blank")
    emulate(cdp, True)
    moved = counted(cdp)
    t0 = time.perf_counter()
    page.goto("/app/#/today", wait_until="commit")
    page.get_by_text("待巡查场所").wait_for(timeout=120000)
    cold = time.perf_counter() - t0
    cold_bytes = moved["bytes"]
    emulate(cdp, False)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.get_by_text("待巡查场所").wait_for()
    page.wait_for_function("() => !!navigator.serviceWorker.controller")
    warm_runs = []
    for _ in range(3):
        page.goto("about:blank")
        emulate(cdp, True)
        moved["bytes"] = 0
        t0 = time.perf_counter()
        page.goto("/app/#/today", wait_until="commit")
        page.get_by_text("待巡查场所").wait_for(timeout=120000)
        warm_runs.append(time.perf_counter() - t0)
    warm = sorted(warm_runs)[1]
    warm_bytes = moved["bytes"]
    ctx.close()
    return {"cold_s": cold, "cold_bytes": cold_bytes, "cold_raw_s": cold_bytes / BYTES_PER_S + RTT_MS / 1000,
            "warm_s": warm, "warm_bytes": warm_bytes, "warm_raw_s": warm_bytes / BYTES_PER_S + RTT_MS / 1000}


def visit_upload(browser, url: str, tmp: Path) -> dict[str, float]:
    photos = [big_jpeg(n, PHOTO_MB) for n in range(3)]
    paths = []
    for n, data in enumerate(photos):
        p = tmp / f"photo{n}.jpg"
        p.write_bytes(data)
        paths.append(p)
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, base_url=url, locale="zh-CN",
                              service_workers="block", geolocation={"latitude": 29.2, "longitude": 120.05, "accuracy": 10},
                              permissions=["geolocation"])
    page = ctx.new_page()
    log_in(page)
    page.wait_for_function("() => !!document.body.dataset.offlineReady")
    cdp = ctx.new_cdp_session(page)
    print("  (visit: logged in)", flush=True)
    # the visit is made offline (photos wait in IndexedDB), then sent in one go over the weak link
    emulate(cdp, True, offline=True)
    page.goto("/app/#/patrol/1")
    page.locator("[data-item]").first.wait_for()
    for item in page.locator("[data-item]").all():
        if item.get_by_role("radio").count():
            item.get_by_role("radio", name="是").click()
        elif item.locator("input[type=number]").count():
            item.get_by_role("spinbutton").fill("3")
    targets = ["I04", "I01", "I03"]
    for item_id, path in zip(targets, paths):
        box = page.locator(f"[data-item={item_id}]")
        label = "现场照片 拍照" if item_id == "I04" else "照片 (可选) 拍照"
        box.get_by_label(label).set_input_files(str(path))
        box.locator(".gp-thumb img").first.wait_for()
    page.get_by_role("button", name="下一步: 核对").click()
    page.get_by_role("button", name="提交巡查").click()
    page.get_by_text("已保存在手机上, 尚未上传").wait_for()
    print("  (visit: saved offline, sending)", flush=True)
    t0 = time.perf_counter()
    emulate(cdp, True)   # back online ('online' starts the outbox), on the weak link from the first byte
    # polled from here: a page-side wait_for_function does not fire while the network emulation is on
    while page.evaluate("() => document.body.dataset.outboxWaiting !== '0' && document.body.dataset.outboxNeedsAction === '0'"):
        time.sleep(0.25)
    outbox_s = time.perf_counter() - t0
    if page.evaluate("() => document.body.dataset.outboxWaiting") != "0":
        page.goto("/app/#/me/outbox")
        raise SystemExit("the outbox refused the visit: " + page.locator(".gp-outbox").inner_text())
    page.goto("/app/#/me")
    t0 = time.perf_counter()
    page.evaluate("""async (sizes) => {
        for (const n of sizes) {
          const r = await fetch('/__sink', {method: 'POST', body: new Blob([new Uint8Array(n)]), headers: {'Content-Type': 'application/octet-stream'}});
          if (r.status !== 204) throw new Error('sink ' + r.status);
        }
        await fetch('/__sink', {method: 'POST', body: '{}'});
      }""", [len(p) for p in photos])
    raw_s = time.perf_counter() - t0
    ctx.close()
    return {"outbox_s": outbox_s, "raw_s": raw_s, "bytes": sum(len(p) for p in photos)}


def heap_after_photos(browser, url: str, tmp: Path) -> dict[str, float]:
    data = big_jpeg(99, PHOTO_MB)
    path = tmp / "heap.jpg"
    path.write_bytes(data)
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, base_url=url, locale="zh-CN", service_workers="block")
    ctx.add_init_script(COUNT_OBJECT_URLS)
    page = ctx.new_page()
    log_in(page)
    page.wait_for_function("() => !!document.body.dataset.offlineReady")
    ctx.set_offline(True)   # nothing leaves: the photos stay in the form and in IndexedDB
    page.goto("/app/#/patrol/1")
    page.locator("[data-item]").first.wait_for()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Performance.enable")

    def heap() -> float:
        cdp.send("HeapProfiler.collectGarbage")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        return metrics["JSHeapUsedSize"] / 1e6

    before = heap()
    items = [i.get_attribute("data-item") for i in page.locator("[data-item]").all()]
    for n in range(HEAP_PHOTOS):
        box = page.locator(f"[data-item={items[n % len(items)]}]")
        label = "现场照片 拍照" if box.get_by_label("现场照片 拍照").count() else "照片 (可选) 拍照"
        box.get_by_label(label).set_input_files(str(path))
        page.wait_for_function("(n) => document.querySelectorAll('.gp-thumb img').length >= n", arg=n + 1)
    after = heap()
    shown = page.evaluate("() => window.__liveUrls.size")
    page.goto("/app/#/today")   # leaving the form must revoke every thumbnail's object URL
    page.get_by_text("待巡查场所").wait_for()
    page.wait_for_timeout(500)
    left = page.evaluate("() => window.__liveUrls.size")
    ctx.close()
    return {"before_mb": before, "after_mb": after, "photo_mb": len(data) / 1e6, "urls_shown": shown, "urls_left": left}


def main() -> None:
    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)   # one line per request would bury the figures
    tmp = Path(tempfile.mkdtemp(prefix="gp-bench-webapp-"))
    db_url = database()
    h: dict = {}
    v: dict = {}
    m: dict = {}
    total = floor = 0
    with serve_in_thread(lambda url: build_app(url, db_url, tmp)) as (url, app):
        if "load" in PARTS:
            total, floor, sizes = first_load_bytes(app)
            print(f"first load of /app/, gzip: {total / 1024:.1f} KB in {len(sizes)} files; floor (WeUI CSS + vendored "
                  f"libraries): {floor / 1024:.1f} KB ({total / floor:.2f}×); goal ≤ 150 KB")
            for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:6]:
                print(f"    {name}: {size / 1024:.1f} KB")
        with sync_playwright() as p:
            browser = launch_chromium(p)
            if "home" in PARTS:
                h = home_times(browser, url)
                print(f"home screen usable at {KBIT} kbit/s, {RTT_MS} ms RTT: cold {h['cold_s']:.2f} s "
                      f"(raw transfer of its {h['cold_bytes'] / 1024:.0f} KB: {h['cold_raw_s']:.2f} s, {h['cold_s'] / h['cold_raw_s']:.2f}×; goal < 4 s), "
                      f"warm {h['warm_s']:.2f} s (median of 3; moved {h['warm_bytes'] / 1024:.1f} KB, raw {h['warm_raw_s']:.2f} s; goal < 1 s)")
            if "upload" in PARTS:
                v = visit_upload(browser, url, tmp)
                print(f"a visit with three {PHOTO_MB:g} MB photos ({v['bytes'] / 1e6:.1f} MB) through the outbox: {v['outbox_s']:.1f} s; "
                      f"the same bytes POSTed raw: {v['raw_s']:.1f} s ({v['outbox_s'] / v['raw_s']:.2f}×; goal ≤ 1.2×)")
            if "heap" in PARTS:
                m = heap_after_photos(browser, url, tmp)
                print(f"JS heap with {HEAP_PHOTOS} photos of {m['photo_mb']:.1f} MB in one visit: {m['after_mb']:.1f} MB "
                      f"(empty form {m['before_mb']:.1f} MB; goal < 60 MB); thumbnails' object URLs: {m['urls_shown']} "
                      f"alive in the form, {m['urls_left']} after leaving it (goal 0)")
            browser.close()
    print(json.dumps({"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "first_load_gzip": total,
                      "floor_gzip": floor, **h, **v, **m}))


if __name__ == "__main__":
    main()
