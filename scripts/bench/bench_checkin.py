#!/usr/bin/env python3
"""Clock-in throughput and latency under gunicorn on PostgreSQL at 50 concurrent clients, against a bare Flask
JSON endpoint served the same way in the same run (the framework floor).

Run through ./scripts/bench/run checkin (it starts PostgreSQL), or with GRIDPATROL_BENCH_DATABASE_URL set.
Each client is a different member of the county-scale data, clocking in inside their own grid with a new
client_uuid per request (the real path: auth, geofence, counted-clock-in lock, insert, audit).
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx
import shapely

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

CLIENTS = int(os.environ.get("GRIDPATROL_BENCH_CLIENTS", 50))
SECONDS = float(os.environ.get("GRIDPATROL_BENCH_SECONDS", 15))
WORKERS = os.environ.get("GRIDPATROL_BENCH_WORKERS", "4")
# steady phase: each client clocks in this often (per second); 50 clients x 2/s is a county's morning rush x 10
RATE = float(os.environ.get("GRIDPATROL_BENCH_RATE", 2))
JWT_KEYS = "bench:bench-secret-key-0123456789abcdef"
LOG = open(os.environ.get("GRIDPATROL_BENCH_LOG", "/tmp/gridpatrol-bench-gunicorn.log"), "ab")


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def serve(app_spec: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", WORKERS, "--worker-class", "gthread", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(ROOT), app_spec],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=LOG, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + "/", timeout=0.5)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"gunicorn did not start; see {LOG.name}")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


async def load(base: str, clients: list[dict], rate: float | None = None) -> tuple[int, list[float], int]:
    """Each client posts clock-ins back to back (rate None: saturation), or ``rate`` per second on a schedule."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + SECONDS
    limits = httpx.Limits(max_connections=len(clients), max_keepalive_connections=len(clients))

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        async def one(client: dict) -> None:
            nonlocal errors
            next_at = time.perf_counter() + (random.random() / rate if rate else 0)
            while time.perf_counter() < deadline:
                if rate:
                    await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                    next_at += 1 / rate
                body = {"client_uuid": str(uuid.uuid4()), "device_time": datetime.now(timezone.utc).isoformat(),
                        "location": {"lat": client["lat"], "lng": client["lng"], "accuracy": 10.0},
                        "photo_ids": [client["photo"]]}
                t = time.perf_counter()
                resp = await http.post("/api/v1/checkins", json=body, headers=client["headers"])
                latencies.append(time.perf_counter() - t)
                if resp.status_code != 201:
                    errors += 1
        await asyncio.gather(*(one(c) for c in clients))
    return len(latencies), latencies, errors


def figures(label: str, count: int, latencies: list[float], errors: int) -> dict:
    q = statistics.quantiles(latencies, n=100)
    out = {"label": label, "rps": count / SECONDS, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000, "errors": errors}
    print(f"  {label:<40} {out['rps']:7.0f} req/s   p50 {out['p50_ms']:6.1f} ms   p99 {out['p99_ms']:6.1f} ms   "
          f"errors {errors}")
    return out


def measure(label: str, app_spec: str, env: dict[str, str], clients: list[dict]) -> tuple[dict, dict]:
    """Saturation (every client back to back), then latency at a steady offered load, on one server."""
    proc, base = serve(app_spec, env)
    try:
        asyncio.run(load(base, clients[:5], rate=5))  # warm up workers, pools and the grid index
        saturated = figures(f"{label}, saturated", *asyncio.run(load(base, clients)))
        steady = figures(f"{label}, {RATE * len(clients):.0f} req/s offered",
                         *asyncio.run(load(base, clients, rate=RATE)))
    finally:
        stop(proc)
    return saturated, steady


def members(url: str) -> list[dict]:
    """CLIENTS members with a point inside their grid and an access token each."""
    from sqlalchemy import select

    from server.auth.models import User, UserArea
    from server.auth.tokens import issue_access_token
    from server.config import Config
    from server.db import make_engine
    from server.org.models import Area
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(User.id, Area.boundary).join(UserArea, UserArea.user_id == User.id)
                            .join(Area, Area.id == UserArea.area_id)
                            .where(User.role == "member").order_by(User.id).limit(CLIENTS)).all()
        # one stored photo per member to name in the clock-ins (reused on every clock-in: flagged, still accepted)
        from server.evidence.models import Photo
        photos = [{"client_uuid": str(uuid.uuid5(uuid.NAMESPACE_OID, f"bench-{user_id}")), "uploader_id": user_id,
                   "area_id": None, "purpose": "checkin", "sha256": f"{user_id:064d}", "phash": "0" * 16,
                   "format": "jpeg", "width": 1, "height": 1, "size": 1, "original_key": "originals/bench",
                   "display_key": "derived/bench", "thumbnail_key": "derived/bench", "has_camera_exif": True,
                   "flags": [], "created_at": datetime.now(timezone.utc)} for user_id, _ in rows]
        conn.execute(Photo.__table__.insert(), photos)
        conn.commit()
    engine.dispose()
    cfg = Config(database_url=url, jwt_keys=JWT_KEYS, access_token_seconds=3600, url_signing_key="x",
                 store_dir="/tmp/gridpatrol-bench-objects")
    out = []
    for user_id, boundary in rows:
        point = shapely.from_geojson(json.dumps(boundary)).representative_point()
        token = issue_access_token(cfg, user_id, "member", datetime.now(timezone.utc))
        out.append({"lat": point.y, "lng": point.x, "headers": {"Authorization": f"Bearer {token}"},
                    "photo": str(uuid.uuid5(uuid.NAMESPACE_OID, f"bench-{user_id}"))})
    random.shuffle(out)
    return out


def main() -> None:
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    if not url:
        sys.exit("set GRIDPATROL_BENCH_DATABASE_URL or run ./scripts/bench/run checkin")
    from gen_scale import seed
    made = seed(url, places=False)
    print(f"setup: {made.grids} grids, {made.members} members; {CLIENTS} clients for {SECONDS:.0f} s each, "
          f"gunicorn gthread {WORKERS} workers x 4 threads")
    clients = members(url)

    floor, floor_steady = measure("bare Flask JSON endpoint", "scripts.bench.floor_app:app", {}, clients)
    env = {"GRIDPATROL_DATABASE_URL": url, "GRIDPATROL_JWT_KEYS": JWT_KEYS, "GRIDPATROL_LOG_LEVEL": "WARNING",
           "GRIDPATROL_STORE_DIR": "/tmp/gridpatrol-bench-objects", "GRIDPATROL_URL_SIGNING_KEY": "x"}
    real, steady = measure("POST /api/v1/checkins", "server.app:create_app()", env, clients)
    if real["errors"] or steady["errors"]:
        sys.exit(f"clock-ins answered errors ({real['errors']} + {steady['errors']}): the figures are not valid")
    print(f"clock-in saturation throughput = {real['rps'] / floor['rps']:.0%} of the floor (goal >= 50%)")
    print(f"clock-in p99 at {RATE * len(clients):.0f} req/s offered by {len(clients)} clients = "
          f"{steady['p99_ms']:.1f} ms (goal < 50 ms; floor {floor_steady['p99_ms']:.1f} ms)")


if __name__ == "__main__":
    main()
