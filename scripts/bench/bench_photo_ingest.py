#!/usr/bin/env python3
"""Per-photo ingest with the store: the upload pipeline against its floor and a naive pipeline, all writing to the
real S3 server (SeaweedFS) that ./scripts/bench/run starts.

  full  = media.process (checks, draft decode, facts, display + thumbnail, watermark, SHA-256, pHash)
          + put of the original and both derivatives, as server/evidence does
  floor = draft-mode decode to display size + put of the original
  naive = full decode, exif_transpose, resize to display and thumbnail, save both + the same three puts
"""
from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts" / "bench"))

import media  # noqa: E402
from bench_media import SIZES, WATERMARK, camera_jpeg, floor, naive, peak_memory  # noqa: E402
from server.storage import S3ObjectStore  # noqa: E402

REPEATS = int(os.environ.get("GRIDPATROL_BENCH_REPEATS", 7))


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

    def naive_ingest(data: bytes) -> None:
        display, thumb = naive(data)
        key = uuid.uuid4().hex
        s3.put(f"originals/{key}", data, content_type="image/jpeg")
        s3.put(f"derived/{key}-display.jpg", display, content_type="image/jpeg")
        s3.put(f"derived/{key}-thumb.jpg", thumb, content_type="image/jpeg")

    print(f"median of {REPEATS} runs per photo, each writing to the S3 server")
    for size in SIZES:
        data = camera_jpeg(size)
        times = {}
        for name, fn in (("full", full_ingest), ("floor", floor_ingest), ("naive", naive_ingest)):
            fn(data)  # warm up
            runs = []
            for _ in range(REPEATS):
                t = time.perf_counter()
                fn(data)
                runs.append((time.perf_counter() - t) * 1000)
            times[name] = statistics.median(runs)
        mem = peak_memory("full", data)
        mp = size[0] * size[1] / 1e6
        rss = mem.get("rss_peak_mb")
        print(f"{mp:4.1f} MP ({len(data) / 1e6:.1f} MB): full {times['full']:6.1f} ms, floor {times['floor']:6.1f} ms, "
              f"naive {times['naive']:6.1f} ms | full/floor {times['full'] / times['floor']:.2f}x (goal <= 1.5x), "
              f"naive/full {times['naive'] / times['full']:.2f}x (goal >= 5x) | peak memory of media.process: "
              f"{rss:.0f} MB RSS" if rss is not None else "n/a")


if __name__ == "__main__":
    main()
