"""media.inspect: the gate every uploaded photo passes, and the facts it reads."""
from __future__ import annotations

import io
import resource
import tracemalloc
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image, ImageFile

import media
from media import CorruptImage, FormatNotAllowed, NotAnImage, TooLarge, TooManyPixels, TrailingData

BOMB_SIDE = 30_000


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()


def error_of(data: bytes, **kwargs) -> media.MediaError:
    with pytest.raises(media.MediaError) as caught:
        media.inspect(data, **kwargs)
    return caught.value


# ------------------------------------------------------------------------------------------ formats accepted


@pytest.mark.parametrize("fmt, pillow", [("jpeg", "JPEG"), ("png", "PNG"), ("webp", "WEBP"), ("heif", "HEIF")])
def test_allowed_formats_give_their_facts(images, fmt, pillow):
    facts = media.inspect(images.encode(images.scene((64, 48)), pillow))
    assert (facts.format, facts.width, facts.height) == (fmt, 64, 48)
    assert facts.content_type == f"image/{fmt}"
    assert facts.warnings == () and facts.gps is None and facts.taken_at is None


def test_format_is_sniffed_from_the_bytes_not_the_name(images, tmp_path):
    named_jpg = tmp_path / "现场照片.jpg"
    named_jpg.write_bytes(images.png())
    facts = media.inspect(named_jpg.read_bytes())
    assert facts.format == "png" and facts.content_type == "image/png"


def test_heic_from_a_phone_decodes_and_gives_facts(images, now):
    exif = images.exif(make="Apple", model="iPhone 15", offset="+08:00",
                       gps=("N", images.dms(30.26), "E", images.dms(120.19)))
    facts = media.inspect(images.encode(images.scene((80, 60)), "HEIF", exif=exif, quality=70), now=now)
    assert (facts.format, facts.width, facts.height, facts.orientation) == ("heif", 80, 60, 1)
    assert (facts.make, facts.model, facts.has_camera_exif) == ("Apple", "iPhone 15", True)
    assert facts.taken_at == datetime(2026, 11, 20, 9, 30, 15, tzinfo=timezone(timedelta(hours=8)))
    assert facts.gps is not None
    assert (facts.gps.lat, facts.gps.lng) == (pytest.approx(30.26, abs=1e-6), pytest.approx(120.19, abs=1e-6))


def test_camera_jpeg_appending_its_gain_map_is_accepted(images):
    """MPF: phones append further JPEGs (gain map, depth) after the main one; that is not a payload."""
    facts = media.inspect(images.jpeg((64, 48)) + images.jpeg((32, 24), seed=2) + b"\x00" * 16)
    assert facts.format == "jpeg" and (facts.width, facts.height) == (64, 48)


# ------------------------------------------------------------------------------------------------- refusals


def test_zero_bytes_are_not_an_image():
    error = error_of(b"")
    assert isinstance(error, NotAnImage) and error.code == "not_an_image"


@pytest.mark.parametrize(
    "data",
    [b"hello, this is a note", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", zip_archive(), b"\x00" * 100,
     b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"],
    ids=["text", "pdf", "zip", "zeros", "mp4"],
)
def test_other_files_are_not_an_image(data):
    assert error_of(data).code == "not_an_image"


@pytest.mark.parametrize(
    "data, detected",
    [
        (b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>", "html"),
        (b"\xef\xbb\xbf\n  <html><script>alert(1)</script></html>", "html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>', "svg"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n<svg></svg>', "svg"),
    ],
    ids=["html", "html-bom", "svg", "svg-xml"],
)
def test_html_and_svg_are_refused(data, detected):
    error = error_of(data)
    assert isinstance(error, FormatNotAllowed) and error.code == "format_not_allowed"
    assert error.detected == detected


@pytest.mark.parametrize("pillow, detected", [("GIF", "gif"), ("BMP", "bmp"), ("TIFF", "tiff"), ("AVIF", "avif")])
def test_other_image_formats_are_refused(images, pillow, detected):
    error = error_of(images.encode(images.scene((32, 24)), pillow))
    assert error.code == "format_not_allowed" and error.detected == detected


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_polyglot_with_a_zip_appended_is_refused(images, kind):
    image = images.jpeg() if kind == "jpeg" else images.png()
    polyglot = image + zip_archive()
    assert zipfile.ZipFile(io.BytesIO(polyglot)).namelist() == ["payload.html"]  # it really is both
    assert Image.open(io.BytesIO(polyglot)).size == (64, 48)
    error = error_of(polyglot)
    assert isinstance(error, TrailingData) and isinstance(error, CorruptImage)
    assert error.code == "trailing_data"


def test_webp_and_heif_with_trailing_payloads_are_refused(images):
    for pillow in ("WEBP", "HEIF"):
        with pytest.raises((TrailingData, CorruptImage)):
            media.inspect(images.encode(images.scene(), pillow) + zip_archive())


@pytest.mark.parametrize("cut", [0.5, 0.9, -2], ids=["half", "most", "no-end-marker"])
def test_truncated_jpeg_is_corrupt(images, cut):
    data = images.jpeg((96, 72))
    end = int(len(data) * cut) if cut > 0 else len(data) + cut
    assert error_of(data[:end]).code == "corrupt"


def test_truncated_png_and_bad_crc_are_corrupt(images):
    data = images.png((96, 72))
    assert error_of(data[: len(data) // 2]).code == "corrupt"
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF  # inside IDAT: the CRC no longer matches
    assert error_of(bytes(flipped)).code == "corrupt"


def test_jpeg_with_only_a_header_is_corrupt(images):
    data = images.jpeg()
    assert error_of(data[: data.index(b"\xff\xda") + 20]).code == "corrupt"


def test_more_bytes_than_allowed_is_too_large(images):
    data = images.jpeg()
    error = error_of(data, max_bytes=len(data) - 1)
    assert isinstance(error, TooLarge) and error.code == "too_large" and "MB" in error.message
    assert error_of(data + b"\x00" * media.MAX_BYTES).code == "too_large"


def test_more_pixels_than_allowed_is_refused(images):
    data = images.jpeg((100, 100))
    error = error_of(data, max_pixels=9_999)
    assert isinstance(error, TooManyPixels) and (error.width, error.height) == (100, 100)


def _bomb(images, kind: str) -> bytes:
    if kind == "png":
        return images.png_with_size(images.png((16, 16)), BOMB_SIDE, BOMB_SIDE)
    if kind == "heif":
        return images.heif_with_size(images.encode(images.scene((64, 64)), "HEIF"), BOMB_SIDE, BOMB_SIDE)
    return images.jpeg_with_size(images.jpeg((16, 16)), BOMB_SIDE, BOMB_SIDE)


@pytest.mark.parametrize("max_pixels", [media.MAX_PIXELS, 10**12], ids=["our-limit", "pillow-guard"])
@pytest.mark.parametrize("kind", ["png", "jpeg", "heif"])
def test_header_bomb_is_refused_without_decoding_or_allocating(images, monkeypatch, kind, max_pixels):
    """30000×30000 is 2.7 GB as RGB; the header alone must settle it (and Pillow's guard if a caller lifts ours)."""
    bomb = _bomb(images, kind)
    assert len(bomb) < 4_000
    decodes: list[tuple[int, int]] = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decodes.append(self.size))
    rss_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        error = error_of(bomb, max_pixels=max_pixels)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, TooManyPixels) and error.code == "too_many_pixels"
    assert (error.width, error.height) == (BOMB_SIDE, BOMB_SIDE)
    assert decodes == []
    assert peak < 2 * 1024 * 1024
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before_kb < 64 * 1024


def test_now_must_be_aware(images):
    with pytest.raises(ValueError):
        media.inspect(images.jpeg(), now=datetime(2026, 11, 23, 14, 0))


def test_every_error_has_a_code_and_a_chinese_message(images):
    cases = [b"", b"GIF89a" + b"\x00" * 20, images.jpeg()[:-2], images.jpeg() + zip_archive()]
    errors = [error_of(data) for data in cases] + [error_of(images.jpeg(), max_bytes=10),
                                                   error_of(images.jpeg(), max_pixels=10)]
    codes = [e.code for e in errors]
    assert codes == ["not_an_image", "format_not_allowed", "corrupt", "trailing_data", "too_large",
                     "too_many_pixels"]
    for error in errors:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message), error.message


# --------------------------------------------------------------------------------------------------- EXIF


def test_camera_exif_gives_time_place_and_phone(images, now):
    exif = images.exif(orientation=6, offset="+08:00", subsec="25",
                       gps=("N", images.dms(30.123456), "E", images.dms(120.654321)))
    facts = media.inspect(images.encode(images.scene(), "JPEG", exif=exif), now=now)
    assert facts.taken_at == datetime(2026, 11, 20, 9, 30, 15, 250000, tzinfo=timezone(timedelta(hours=8)))
    assert facts.taken_at_has_offset is True
    assert facts.gps is not None
    assert facts.gps.lat == pytest.approx(30.123456, abs=1e-6)
    assert facts.gps.lng == pytest.approx(120.654321, abs=1e-6)
    assert (facts.make, facts.model, facts.orientation, facts.has_camera_exif) == ("HUAWEI", "ELS-AN00", 6, True)
    assert (facts.width, facts.height, facts.upright_size) == (64, 48, (48, 64))
    assert facts.warnings == ()


def test_time_without_offset_is_naive_and_flagged(images, now):
    facts = media.inspect(images.encode(images.scene(), "JPEG", exif=images.exif()), now=now)
    assert facts.taken_at == datetime(2026, 11, 20, 9, 30, 15)
    assert facts.taken_at.tzinfo is None and facts.taken_at_has_offset is False


def test_southern_and_western_refs_make_negative_degrees(images, now):
    exif = images.exif(gps=("S", images.dms(33.45), "W", images.dms(70.66)))
    gps = media.inspect(images.encode(images.scene(), "JPEG", exif=exif), now=now).gps
    assert gps is not None and gps.lat == pytest.approx(-33.45, abs=1e-6) and gps.lng == pytest.approx(-70.66, abs=1e-6)


@pytest.mark.parametrize(
    "gps",
    [("N", (0.0, 0.0, 0.0), "E", (0.0, 0.0, 0.0)), ("N", (95.0, 0.0, 0.0), "E", (120.0, 0.0, 0.0)),
     ("N", (30.0, 0.0, 0.0), "E", (200.0, 0.0, 0.0)), ("X", (30.0, 0.0, 0.0), "E", (120.0, 0.0, 0.0))],
    ids=["null-island", "lat-95", "lng-200", "bad-ref"],
)
def test_invalid_gps_is_dropped_with_a_warning(images, now, gps):
    facts = media.inspect(images.encode(images.scene(), "JPEG", exif=images.exif(gps=gps)), now=now)
    assert facts.gps is None and "exif_gps_invalid" in facts.warnings
    assert facts.taken_at is not None and facts.make == "HUAWEI"  # the other facts survive


@pytest.mark.parametrize("taken", ["1900:01:01 00:00:00", "2100:01:01 12:00:00", "1999:12:31 23:59:59"])
def test_implausible_capture_time_is_dropped_with_a_warning(images, now, taken):
    facts = media.inspect(images.encode(images.scene(), "JPEG", exif=images.exif(taken=taken)), now=now)
    assert facts.taken_at is None and facts.warnings == ("exif_time_implausible",)
    assert facts.has_camera_exif is True


def test_capture_time_up_to_a_day_ahead_is_kept(images, now):
    """Camera clocks run in their own zone; a naive time hours 'ahead' of UTC is normal in China."""
    ahead = (now + timedelta(hours=20)).strftime("%Y:%m:%d %H:%M:%S")
    facts = media.inspect(images.encode(images.scene(), "JPEG", exif=images.exif(taken=ahead)), now=now)
    assert facts.taken_at is not None and facts.warnings == ()


def test_unset_and_unreadable_capture_times(images, now):
    unset = media.inspect(images.encode(images.scene(), "JPEG", exif=images.exif(
        make=None, model=None, taken="0000:00:00 00:00:00")), now=now)
    assert unset.taken_at is None and unset.warnings == () and unset.has_camera_exif is False
    garbled = media.inspect(images.encode(images.scene(), "JPEG", exif=images.exif(taken="yesterday")), now=now)
    assert garbled.taken_at is None and garbled.warnings == ("exif_time_unreadable",)
    bad_offset = media.inspect(images.encode(images.scene(), "JPEG", exif=images.exif(offset="+8")), now=now)
    assert bad_offset.taken_at == datetime(2026, 11, 20, 9, 30, 15) and "exif_offset_invalid" in bad_offset.warnings


def test_orientation_out_of_range_is_treated_as_upright(images):
    facts = media.inspect(images.encode(images.scene(), "JPEG", exif=images.exif(orientation=9)))
    assert facts.orientation == 1 and "exif_orientation_invalid" in facts.warnings


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_garbage_exif_block_keeps_the_image(images):
    data = images.encode(images.scene(), "JPEG", exif=b"Exif\x00\x00" + bytes(range(256)) * 2)
    facts = media.inspect(data)
    assert (facts.format, facts.width, facts.height) == ("jpeg", 64, 48)
    assert facts.warnings == ("exif_unreadable",) and facts.has_camera_exif is False


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("fill", [b"\xff", b"\x00", b"\x7f\x01"])
def test_corrupt_bytes_inside_the_app1_segment_keep_the_image(images, now, fill):
    exif = images.exif(orientation=6, offset="+08:00", gps=("N", images.dms(30.5), "E", images.dms(120.5)))
    data = bytearray(images.encode(images.scene(), "JPEG", exif=exif))
    start, end = images.app1_span(bytes(data))
    middle = start + 8  # keep the TIFF header: break the directories, not the magic
    data[middle:end] = (fill * (end - middle))[: end - middle]
    facts = media.inspect(bytes(data), now=now)
    assert (facts.format, facts.width, facts.height) == ("jpeg", 64, 48)
    assert facts.gps is None and facts.taken_at is None

