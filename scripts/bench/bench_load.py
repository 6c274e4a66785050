#!/usr/bin/env python3
"""A crowd of phones against gunicorn on PostgreSQL with the real S3 server: GRIDPATROL_BENCH_CLIENTS members (50)
in a closed loop for GRIDPATROL_BENCH_SECONDS (30), each round a photo upload, a clock-in naming it at a point of the
member's grid, and the home screen (/me/today).  Prints throughput, p50/p99 per step and every non-2xx answer or
socket error; then checks in the database that each member has exactly one counted clock-in for the day.

Run through ./scripts/bench/run load (it starts PostgreSQL and S3 and gives the benchmark an empty database).
A Python load generator on the same 2 cores measures itself too (README, recipes): the figures are a floor of what
the server does, the error count and the one-counted-clock-in check are the point.
"""
from __future__ import annotations

import io
import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))

from bench_checkin import app_env, serve, stop  # noqa: E402  (the gunicorn helpers of the clock-in benchmark)

CLIENTS = int(os.environ.get("GRIDPATROL_BENCH_CLIENTS", "50"))
SECONDS = float(os.environ.get("GRIDPATROL_BENCH_SECONDS", "30"))


def jpeg(seed: int) -> bytes:
    from PIL import Image

    rng = random.Random(seed)
    img = Image.new("RGB", (320, 240), tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(40):
        x, y = rng.randrange(300), rng.randrange(220)
        img.paste(tuple(rng.randrange(256) for _ in range(3)), (x, y, x + 20, y + 20))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def seed(url: str) -> list[dict]:
    """The demo county; CLIENTS of its members with a point inside their grid."""
    import shapely
    from sqlalchemy import select

    from server.auth.models import User
    from server.db import make_engine, make_sessionmaker
    from server.demo import DEMO, DEMO_PASSWORD, generate
    from server.migrate import upgrade
    from server.models import import_all

    import_all()
    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(connection=conn)
    session = make_sessionmaker(engine)()
    generate(session, DEMO, seed=11, with_places=False)
    session.commit()
    members = []
    for user in session.scalars(select(User).where(User.role == "member").order_by(User.id).limit(CLIENTS)):
        grid = user.areas[0]
        point = shapely.geometry.shape(grid.boundary).representative_point()
        members.append({"username": user.username, "password": DEMO_PASSWORD, "id": user.id,
                        "lat": point.y, "lng": point.x})
    session.close()
    engine.dispose()
    return members


def main() -> None:
    url = os.environ["GRIDPATROL_BENCH_DATABASE_URL"]
    members = seed(url)
    proc, base = serve("server.app:create_app()", app_env(url))
    latencies: dict[str, list[float]] = {"upload": [], "checkin": [], "today": []}
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    try:
        for m in members:
            resp = httpx.post(base + "/api/v1/auth/login", json={"username": m["username"], "password": m["password"]},
                              timeout=60)
            resp.raise_for_status()
            m["headers"] = {"Authorization": "Bearer " + resp.json()["access_token"]}
        photos = [jpeg(i) for i in range(CLIENTS * 4)]
        stop_at = time.monotonic() + SECONDS

        def phone(i: int, m: dict) -> None:
            with httpx.Client(base_url=base, headers=m["headers"], timeout=60) as c:
                n = 0
                while time.monotonic() < stop_at:
                    n += 1
                    steps = []
                    photo_id = str(uuid.uuid4())
                    files = {"file": ("wx.jpg", photos[(i * 7 + n) % len(photos)], "image/jpeg")}
                    steps.append(("upload", lambda files=files, photo_id=photo_id: c.post(
                        "/api/v1/photos", files=files, data={"client_uuid": photo_id, "purpose": "checkin"})))
                    body = {"client_uuid": str(uuid.uuid4()), "device_time": time.strftime("%Y-%m-%dT%H:%M:%S+00:00",
                                                                                         time.gmtime()),
                            "location": {"lat": m["lat"], "lng": m["lng"], "accuracy": 10},
                            "photo_ids": [photo_id]}
                    steps.append(("checkin", lambda body=body: c.post("/api/v1/checkins", json=body)))
                    steps.append(("today", lambda: c.get("/api/v1/me/today")))
                    for name, call in steps:
                        started = time.perf_counter()
                        try:
                            resp = call()
                            ok = resp.status_code < 300
                            what = f"{name} {resp.status_code} {resp.text[:120]}"
                        except httpx.HTTPError as exc:
                            ok, what = False, f"{name} {type(exc).__name__}"
                        took = time.perf_counter() - started
                        with lock:
                            latencies[name].append(took)
                            if not ok:
                                errors[what] += 1
                        if not ok:
                            break

        started = time.monotonic()
        threads = [threading.Thread(target=phone, args=(i, m)) for i, m in enumerate(members)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        stop(proc)

    total = sum(len(v) for v in latencies.values())
    print(f"{CLIENTS} members, closed loop, {elapsed:.1f} s: {total} requests, {total / elapsed:.1f} req/s, "
          f"{len(latencies['checkin']) / elapsed:.1f} rounds/s")
    for name, values in latencies.items():
        if values:
            values.sort()
            p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
            print(f"  {name:8s} n={len(values):5d}  p50 {statistics.median(values) * 1000:7.1f} ms  "
                  f"p99 {p99 * 1000:7.1f} ms")
    print(f"errors: {sum(errors.values())}")
    for what, n in errors.most_common(10):
        print(f"  {n:5d} × {what}")

    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT user_id, count(*) FROM checkins WHERE counted GROUP BY user_id, day")
                                 ).all())
        clock_ins = conn.execute(text("SELECT count(*) FROM checkins")).scalar_one()
    engine.dispose()
    wrong = {m["username"]: rows.get(m["id"], 0) for m in members if rows.get(m["id"], 0) != 1}
    print(f"clock-ins stored: {clock_ins}; members with exactly one counted clock-in today: "
          f"{CLIENTS - len(wrong)}/{CLIENTS}" + (f"; wrong: {wrong}" if wrong else ""))
    if wrong:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
