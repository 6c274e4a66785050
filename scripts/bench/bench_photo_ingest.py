#!/usr/bin/env python3
"""Per-photo ingest with the store: the upload pipeline against its floor and a naive pipeline, all writing to the
real S3 server (SeaweedFS) that ./scripts/bench/run starts.

  full     = media.process (checks, draft decode, facts, display + thumbnail, watermark, SHA-256, pHash)
             + put of the original and both derivatives, as server/evidence does
  floor    = draft-mode decode to display size + the 1600-px resize (LANCZOS) + put of the original
  bare     = draft-mode decode to display size + put of the original, no resize
  naive    = full decode, exif_transpose, resize to display and thumbnail, save both + the same three puts
  endpoint = POST /api/v1/photos through the app (multipart parsing, checks, media.process, three puts, the photo
             row and its audit entry in PostgreSQL), in process with the Flask test client, a member signed in

Each figure is the median wall time of REPEATS runs, and beside it the median CPU time of this process for the same
runs (the S3 server's and PostgreSQL's own CPU is not in it): on a machine shared with other work the wall time
includes waiting for a core, the CPU time does not, so the ratios are read from both.
"""
from __future__ import annotations

import io
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_media import SIZES, WATERMARK, _fit, camera_jpeg, floor, naive, peak_memory
from PIL import Image

import media
from media.defaults import DISPLAY_LONG_EDGE
from server.storage import S3ObjectStore

REPEATS = int(os.environ.get("GRIDPATROL_BENCH_REPEATS", "7"))


def store() -> S3ObjectStore:
    endpoint = os.environ.get("GRIDPATROL_BENCH_S3_ENDPOINT")
    if not endpoint:
        sys.exit("run through ./scripts/bench/run photo_ingest (it starts the S3 server)")
    s = S3ObjectStore(endpoint, os.environ["GRIDPATROL_BENCH_S3_ACCESS_KEY"],
                      os.environ["GRIDPATROL_BENCH_S3_SECRET_KEY"], "gp-bench")
    s.ensure_bucket()
    return s


def main() -> None:
    s3 = store()

    def full_ingest(data: bytes) -> None:
        done = media.process(data, WATERMARK)
        key = uuid.uuid4().hex
        s3.put(f"originals/{key}", data, content_type="image/jpeg")
        s3.put(f"derived/{key}-display.jpg", done.derivatives.display.data, content_type="image/jpeg")
        s3.put(f"derived/{key}-thumb.jpg", done.derivatives.thumbnail.data, content_type="image/jpeg")

    def floor_ingest(data: bytes) -> None:
        floor(data)
        s3.put(f"originals/{uuid.uuid4().hex}", data, content_type="image/jpeg")

    def bare_ingest(data: bytes) -> None:
        image = Image.open(io.BytesIO(data))
        image.draft("RGB", _fit(image.size, DISPLAY_LONG_EDGE))
        image.load()
        s3.put(f"originals/{uuid.uuid4().hex}", data, content_type="image/jpeg")

    def naive_ingest(data: bytes) -> None:
        display, thumb = naive(data)
        key = uuid.uuid4().hex
        s3.put(f"originals/{key}", data, content_type="image/jpeg")
        s3.put(f"derived/{key}-display.jpg", display, content_type="image/jpeg")
        s3.put(f"derived/{key}-thumb.jpg", thumb, content_type="image/jpeg")

    upload = endpoint()
    print(f"median of {REPEATS} runs per photo, each writing to the S3 server")
    for size in SIZES:
        data = camera_jpeg(size)
        times, cpu = {}, {}
        for name, fn in (("full", full_ingest), ("floor", floor_ingest), ("bare", bare_ingest),
                         ("naive", naive_ingest)):
            fn(data)  # warm up
            times[name], cpu[name] = timed(fn, [data] * REPEATS)
        distinct = [camera_jpeg(size, seed=100 + i) for i in range(REPEATS + 1)]  # no duplicate-photo shortcut
        upload(distinct[0])
        times["endpoint"], cpu["endpoint"] = timed(upload, distinct[1:])
        mem = peak_memory("full", data)
        mp = size[0] * size[1] / 1e6
        rss = mem.get("rss_peak_mb")
        print(f"{mp:4.1f} MP ({len(data) / 1e6:.1f} MB), ms wall / CPU: full {times['full']:.1f} / {cpu['full']:.1f}, "
              f"floor = draft decode + 1600-px resize + put {times['floor']:.1f} / {cpu['floor']:.1f}, bare floor = "
              f"draft decode + put {times['bare']:.1f} / {cpu['bare']:.1f}, naive {times['naive']:.1f} / "
              f"{cpu['naive']:.1f}, upload endpoint {times['endpoint']:.1f} / {cpu['endpoint']:.1f}")
        for label, d in (("wall", times), ("CPU ", cpu)):
            print(f"    {label}: full/floor {d['full'] / d['floor']:.2f}x (goal <= 1.5x), full/bare "
                  f"{d['full'] / d['bare']:.2f}x, endpoint/full {d['endpoint'] / d['full']:.2f}x, "
                  f"naive/full {d['naive'] / d['full']:.2f}x (goal >= 5x)")
        print("    peak memory of media.process: " + (f"{rss:.0f} MB RSS" if rss is not None else "n/a"), flush=True)


def timed(fn, args: list[bytes]) -> tuple[float, float]:
    """(median wall ms, median CPU ms of this process) of fn over args, one call each."""
    wall, cpu = [], []
    for arg in args:
        t, c = time.perf_counter(), time.process_time()
        fn(arg)
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - t) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def endpoint():
    """An uploader through the app: a small county seeded, a member signed in, photos posted as the phone does."""
    url = os.environ.get("GRIDPATROL_BENCH_DATABASE_URL")
    if not url:
        sys.exit("run through ./scripts/bench/run photo_ingest (it starts PostgreSQL)")
    from gen_scale import seed

    from server import demo
    from server.app import create_app
    from server.config import Config
    made = seed(url, places=False, scale=demo.DEMO)
    member = next(a for a in made.accounts if a["role"] == "member")
    cfg = Config.from_env({
        "GRIDPATROL_DATABASE_URL": url, "GRIDPATROL_JWT_KEYS": "bench:bench-secret-key-0123456789abcdef",
        "GRIDPATROL_URL_SIGNING_KEY": "bench-signing-key", "GRIDPATROL_LOG_LEVEL": "WARNING",
        "GRIDPATROL_STORE": "s3", "GRIDPATROL_S3_ENDPOINT": os.environ["GRIDPATROL_BENCH_S3_ENDPOINT"],
        "GRIDPATROL_S3_ACCESS_KEY": os.environ["GRIDPATROL_BENCH_S3_ACCESS_KEY"],
        "GRIDPATROL_S3_SECRET_KEY": os.environ["GRIDPATROL_BENCH_S3_SECRET_KEY"], "GRIDPATROL_S3_BUCKET": "gp-bench-up",
        "GRIDPATROL_RATELIMIT_LOGIN": "1000 per minute"})
    client = create_app(cfg).test_client()
    resp = client.post("/api/v1/auth/login", json={"username": member["username"], "password": member["password"]})
    headers = {"Authorization": f"Bearer {resp.get_json()['access_token']}"}

    def upload(data: bytes) -> None:
        body = {"client_uuid": str(uuid.uuid4()), "purpose": "checkin", "file": (io.BytesIO(data), "wx.jpg")}
        r = client.post("/api/v1/photos", headers=headers, data=body, content_type="multipart/form-data")
        if r.status_code != 201:
            raise SystemExit(f"upload answered {r.status_code}: {r.get_json()}")

    return upload


if __name__ == "__main__":
    main()
