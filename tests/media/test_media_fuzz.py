"""Random damage to valid photos: the library answers with facts or a MediaError, never anything else."""
from __future__ import annotations

import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import media

Mutation = tuple


def _seeds(images) -> dict[str, bytes]:
    exif = images.exif(orientation=6, offset="+08:00", gps=("N", images.dms(30.5), "E", images.dms(120.5)))
    return {
        "jpeg": images.encode(images.scene((64, 48)), "JPEG", quality=80, exif=exif),
        "jpeg-progressive": images.encode(images.scene((48, 64), seed=2), "JPEG", progressive=True),
        "png": images.encode(images.scene((40, 30), seed=3), "PNG", exif=exif),
        "png-palette-alpha": images.encode(images.scene((40, 30), seed=4, mode="RGBA").convert("P"), "PNG"),
    }


def _mutations(size: int) -> st.SearchStrategy[Mutation]:
    position = st.integers(0, size - 1)
    return st.one_of(
        st.tuples(st.just("set"), position, st.integers(0, 255)),
        st.tuples(st.just("truncate"), position),
        st.tuples(st.just("insert"), position, st.binary(min_size=1, max_size=24)),
        st.tuples(st.just("delete"), position, st.integers(1, 32)),
    )


def _apply(data: bytes, mutations: list[Mutation]) -> bytes:
    out = bytearray(data)
    for mutation in mutations:
        kind, where = mutation[0], min(mutation[1], max(0, len(out) - 1))
        if kind == "set" and out:
            out[where] = mutation[2]
        elif kind == "truncate":
            del out[where:]
        elif kind == "insert":
            out[where:where] = mutation[2]
        elif kind == "delete":
            del out[where : where + mutation[2]]
    return bytes(out)


def _fix_png_crcs(data: bytes) -> bytes:
    """Recompute every chunk CRC the damage broke, so the damage reaches Pillow's decoder, not just our CRC check."""
    out, pos = bytearray(data), 8
    while pos + 12 <= len(out):
        length = int.from_bytes(out[pos : pos + 4], "big")
        end = pos + 12 + length
        if end > len(out):
            break
        out[end - 4 : end] = zlib.crc32(out[pos + 4 : end - 4]).to_bytes(4, "big")
        pos = end
    return bytes(out)


@st.composite
def damaged(draw, seeds: dict[str, bytes]) -> bytes:
    name = draw(st.sampled_from(sorted(seeds)))
    data = _apply(seeds[name], draw(st.lists(_mutations(len(seeds[name])), min_size=1, max_size=6)))
    if name.startswith("png") and draw(st.booleans()):
        data = _fix_png_crcs(data)
    return data


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about the corrupt EXIF it skips
def test_damaged_photos_give_facts_or_a_media_error(images):
    seeds = _seeds(images)

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(damaged(seeds))
    def check(data: bytes) -> None:
        try:
            processed = media.process(data, None)
        except media.MediaError as error:
            assert error.code and error.message
            return
        assert processed.facts.width > 0 and 1 <= processed.facts.orientation <= 8
        assert processed.derivatives.display.data[:2] == b"\xff\xd8"

    check()
