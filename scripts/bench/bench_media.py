#!/usr/bin/env python3
"""Cost of one uploaded photo: media.process against its floor and against a naive pipeline.

  full  = media.process with a watermark: checks, one draft-mode decode, EXIF facts, display + thumbnail JPEGs,
          watermark, SHA-256 and pHash.
  floor = the least any pipeline must do: draft-mode decode to display size and one resize.
  naive = what one writes first: full decode, exif_transpose, resize to display and to thumbnail, save both.

Needs no database or server; generates noisy camera-like JPEGs in-process.  Memory is reported two ways:
tracemalloc sees only Python allocations (Pillow's pixel buffers are malloc'd in C), so the peak growth of the
resident set (VmHWM, reset through /proc/self/clear_refs on Linux) is the figure that counts.
Later the server adds its S3 put to `full` and `floor`; the functions here take bytes and are reusable for that.
"""
from __future__ import annotations

import argparse
import io
import multiprocessing
import re
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import media  # noqa: E402
from media.defaults import DISPLAY_LONG_EDGE, JPEG_QUALITY, THUMBNAIL_LONG_EDGE  # noqa: E402
from media.derivatives import fit  # noqa: E402

SIZES = ((2048, 1536), (4000, 3000))
WATERMARK = media.Watermark(
    time=datetime(2026, 11, 23, 6, 5, tzinfo=timezone.utc),
    place="青山县城关镇第三网格 · 城南农贸市场",
    member="网格员 张三",
    lat=30.12345,
    lng=120.12345,
)


def camera_jpeg(size: tuple[int, int], seed: int = 1) -> bytes:
    """A phone-like JPEG (q90): smooth gradients and shapes plus sensor noise, stored sideways (orientation 6)
    with GPS and a capture time, so every branch of the pipeline runs."""
    width, height = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([120 + 80 * np.sin(x / 370 + k) * np.cos(y / 290 - k) for k in (0.0, 1.3, 2.6)], axis=-1)
    noisy = base + rng.normal(0, 9, size=(height, width, 3)).astype(np.float32)
    image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "HUAWEI", "ELS-AN00", 6
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 09:30:15"
    exif.get_ifd(0x8825).update({1: "N", 2: (30.0, 7.0, 24.42), 3: "E", 4: (120.0, 7.0, 24.42)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    scale = min(1.0, long_edge / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def full(data: bytes) -> Any:
    return media.process(data, WATERMARK)


def floor(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", _fit(image.size, DISPLAY_LONG_EDGE))
    image.load()
    return fit(image, DISPLAY_LONG_EDGE)  # the same resize (LANCZOS) as full, so the floor is fair


def naive(data: bytes) -> tuple[bytes, bytes]:
    image = Image.open(io.BytesIO(data))
    image.load()
    upright = ImageOps.exif_transpose(image)
    outputs = []
    for long_edge in (DISPLAY_LONG_EDGE, THUMBNAIL_LONG_EDGE):
        buffer = io.BytesIO()
        upright.resize(_fit(upright.size, long_edge), Image.Resampling.LANCZOS).save(
            buffer, "JPEG", quality=JPEG_QUALITY, optimize=True
        )
        outputs.append(buffer.getvalue())
    return outputs[0], outputs[1]


PIPELINES: dict[str, Callable[[bytes], Any]] = {"full": full, "floor": floor, "naive": naive}


def time_ms(fn: Callable[[bytes], Any], data: bytes, repeats: int) -> float:
    """Median wall time of one call, after one warm-up call (font faces, plugin imports)."""
    fn(data)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(data)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _status_kb(field: str) -> int | None:
    try:
        match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _measure_in_child(name: str, data: bytes) -> dict[str, float | None]:
    """Runs in a fresh process: a warm-up on a tiny photo (imports, font faces), then one measured call."""
    fn = PIPELINES[name]
    fn(camera_jpeg((64, 48)))
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident set
        before = _status_kb("VmRSS")
    except OSError:
        before = None
    tracemalloc.start()
    try:
        fn(data)
        _, python_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    after = _status_kb("VmHWM")
    rss_peak_mb = (after - before) / 1024 if before is not None and after is not None else None
    return {"python_peak_mb": python_peak / 2**20, "rss_peak_mb": rss_peak_mb}


def peak_memory(name: str, data: bytes) -> dict[str, float | None]:
    """Peak MB of one call, in a fresh process: in this one, the allocator keeps the memory of earlier calls
    resident and reuses it, and the growth would read as zero."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_measure_in_child, (name, data))


def run(sizes: tuple[tuple[int, int], ...] = SIZES, repeats: int = 5) -> dict[str, dict[str, Any]]:
    """Figures per photo size: ms per photo and peak memory per pipeline, and the two ratios."""
    results: dict[str, dict[str, Any]] = {}
    for size in sizes:
        data = camera_jpeg(size)
        row: dict[str, Any] = {"bytes": len(data), "megapixels": size[0] * size[1] / 1e6}
        for name, fn in PIPELINES.items():
            row[f"{name}_ms"] = time_ms(fn, data, repeats)
            row[f"{name}_memory"] = peak_memory(name, data)
        row["full_over_floor"] = row["full_ms"] / row["floor_ms"]
        row["naive_over_full"] = row["naive_ms"] / row["full_ms"]
        results[f"{size[0]}x{size[1]}"] = row
    return results


def _mb(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    results = run(SIZES, args.repeats)
    print(f"media pipeline per photo (median of {args.repeats}; memory: peak growth of one call)")
    print(f"{'photo':>10} {'MB':>5} {'pipeline':>8} {'ms':>8} {'RSS MB':>7} {'py MB':>7}")
    for label, row in results.items():
        for name in PIPELINES:
            memory = row[f"{name}_memory"]
            print(
                f"{label:>10} {row['bytes'] / 2**20:5.1f} {name:>8} {row[f'{name}_ms']:8.1f} "
                f"{_mb(memory['rss_peak_mb'])} {_mb(memory['python_peak_mb'])}"
            )
        print(
            f"{label:>10}  full/floor = {row['full_over_floor']:.2f}x   naive/full = {row['naive_over_full']:.2f}x"
        )
    print(f"({time.perf_counter() - started:.1f} s in all)")


if __name__ == "__main__":
    main()
