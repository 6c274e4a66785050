"""Display image and thumbnail: sizes, orientation, privacy, transparency, draft decoding, the watermark band."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from PIL import Image, ImageChops, ImageFile, ImageOps

import media
from media.fonts import cjk_font, cjk_font_path
from media.watermark import format_coordinates, format_time

WATERMARK = media.Watermark(
    time=datetime(2026, 11, 23, 6, 5, tzinfo=timezone.utc),
    place="青山县城关镇第三网格 · 城南农贸市场",
    member="网格员 张三",
    lat=30.12345,
    lng=120.12345,
    extra="消防通道检查",
)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture(scope="module")
def photo_12mp(images) -> bytes:
    """A 4000×3000 camera JPEG stored sideways (orientation 6), with GPS: the common phone upload."""
    exif = images.exif(orientation=6, gps=("N", images.dms(30.1), "E", images.dms(120.1)))
    return images.encode(images.scene((4000, 3000), seed=7), "JPEG", quality=85, exif=exif)


def test_big_photo_gives_display_and_thumbnail_upright_and_exif_free(photo_12mp):
    derivatives = media.make_derivatives(photo_12mp, watermark=None)
    display, thumbnail = derivatives.display, derivatives.thumbnail
    assert (display.width, display.height) == (1200, 1600)  # orientation 6 applied: portrait
    assert (thumbnail.width, thumbnail.height) == (240, 320)
    for rendition in (display, thumbnail):
        image = opened(rendition.data)
        assert image.format == "JPEG" and rendition.content_type == "image/jpeg"
        assert image.size == (rendition.width, rendition.height)
        assert dict(image.getexif()) == {} and b"Exif\x00\x00" not in rendition.data


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_is_applied_like_exif_transpose(images, orientation):
    source = Image.new("RGB", (120, 80), (255, 0, 0))  # red, with a blue top-left and green top-right corner
    source.paste((0, 0, 255), (0, 0, 40, 30))
    source.paste((0, 255, 0), (80, 0, 120, 30))
    data = images.encode(source, "JPEG", quality=95, exif=images.exif(orientation=orientation))
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    display = opened(media.make_derivatives(data, watermark=None).display.data)
    assert display.size == expected.size
    w, h = display.size
    for x, y in [(w // 8, h // 8), (w - 1 - w // 8, h // 8), (w // 8, h - 1 - h // 8), (w // 2, h // 2)]:
        got, want = display.getpixel((x, y)), expected.getpixel((x, y))
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 40, (orientation, (x, y), got, want)


def test_small_images_are_never_upscaled(images):
    derivatives = media.make_derivatives(images.png((100, 80)), watermark=None)
    assert (derivatives.display.width, derivatives.display.height) == (100, 80)
    assert (derivatives.thumbnail.width, derivatives.thumbnail.height) == (100, 80)


@pytest.mark.parametrize("pillow, mode", [("PNG", "RGBA"), ("PNG", "LA"), ("WEBP", "RGBA"), ("PNG", "P")])
def test_transparency_is_flattened_on_white(images, pillow, mode):
    source = Image.new("RGBA", (60, 40), (0, 0, 0, 0))  # fully transparent black...
    source.paste((200, 30, 30, 255), (0, 0, 30, 40))  # ...with an opaque red left half
    if mode == "P":
        source = source.convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
        source.info["transparency"] = source.getpixel((59, 39))
        data = images.encode(source, pillow, transparency=source.info["transparency"])
    else:
        data = images.encode(source.convert(mode), pillow, **({"lossless": True} if pillow == "WEBP" else {}))
    display = opened(media.make_derivatives(data, watermark=None).display.data)
    assert display.mode == "RGB"
    assert min(display.getpixel((50, 20))) > 245  # the transparent half is white, not black
    assert max(display.getpixel((10, 20))) < 230  # the opaque half keeps its colour


def test_big_jpeg_is_decoded_in_draft_mode_and_thumbnail_made_from_display(photo_12mp, monkeypatch):
    decoded: list[tuple[int, int]] = []
    resized: list[tuple[tuple[int, int], tuple[int, int]]] = []
    real_load, real_resize = ImageFile.ImageFile.load, Image.Image.resize

    def spy_load(self):
        if self.tile:  # a real decode, not a no-op load() on a decoded image
            decoded.append(self.size)  # after draft() this is the reduced size the decoder produces
        return real_load(self)

    def spy_resize(self, size, *args, **kwargs):
        resized.append((self.size, tuple(size)))
        return real_resize(self, size, *args, **kwargs)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    monkeypatch.setattr(Image.Image, "resize", spy_resize)
    processed = media.process(photo_12mp)
    assert decoded == [(2000, 1500)]  # 1/2 scale in the DCT: never the 12 MP, and only once
    # display from the decoded image, thumbnail from the display, pHash (32×32) from the thumbnail
    assert resized == [((2000, 1500), (1600, 1200)), ((1200, 1600), (240, 320)), ((240, 320), (32, 32))]
    assert (processed.facts.width, processed.facts.height) == (4000, 3000)

    decoded.clear()
    media.inspect(photo_12mp)
    assert decoded == [(500, 375)]  # inspect only proves it decodes: 1/8 scale


def test_watermark_changes_only_the_bottom_of_the_display_image(images):
    data = images.encode(images.scene((1600, 1200), seed=3), "JPEG", quality=90)
    plain = media.make_derivatives(data, watermark=None)
    marked = media.make_derivatives(data, watermark=WATERMARK)
    assert marked.thumbnail.data == plain.thumbnail.data
    assert (marked.display.width, marked.display.height) == (1600, 1200)

    before, after = opened(plain.display.data), opened(marked.display.data)
    changed_rows = ImageChops.difference(before, after).convert("L").point(lambda v: 255 if v > 24 else 0)
    bbox = changed_rows.getbbox()
    assert bbox is not None
    band_top = bbox[1]
    assert 0.6 * 1200 < band_top < 0.95 * 1200  # a band at the bottom, not a smear over the photo
    assert bbox[3] == 1200

    band = after.crop((0, band_top, 1600, 1200)).convert("L")
    band_before = before.crop((0, band_top, 1600, 1200)).convert("L")
    text_pixels = sum(1 for v in band.get_flattened_data() if v > 235)
    assert text_pixels > 2_000  # white text was drawn
    dark = band.point(lambda v: 255 if v < 110 else 0).getbbox()
    assert dark is not None and _mean(band) < _mean(band_before)  # and the band darkens what is under it


def _mean(image: Image.Image) -> float:
    histogram = image.histogram()
    return sum(i * n for i, n in enumerate(histogram)) / max(1, sum(histogram))


def test_original_bytes_are_left_as_they_are(images):
    data = images.encode(images.scene((400, 300)), "JPEG", exif=images.exif())
    copy = bytes(bytearray(data))
    processed = media.process(data, WATERMARK)
    assert data == copy and processed.sha256 == media.sha256(copy)
    assert processed.derivatives.display.data != data


def test_watermark_lines_and_formats():
    assert format_time(datetime(2026, 11, 23, 6, 5, tzinfo=timezone.utc)) == "2026-11-23 14:05 星期一"
    assert format_coordinates(30.12345, 120.12345) == "30.12345°N 120.12345°E"
    assert format_coordinates(-33.45, -70.66) == "33.45000°S 70.66000°W"
    assert WATERMARK.lines() == ["2026-11-23 14:05 星期一", "青山县城关镇第三网格 · 城南农贸市场", "网格员 张三",
                                 "30.12345°N 120.12345°E", "消防通道检查"]
    no_fix = media.Watermark(WATERMARK.time, "第三网格", "张三", None, None)
    assert no_fix.lines() == ["2026-11-23 14:05 星期一", "第三网格", "张三"]
    with pytest.raises(ValueError):
        media.Watermark(datetime(2026, 11, 23, 14, 5), "第三网格", "张三", 30.0, 120.0)


def test_watermark_on_a_narrow_image_cuts_long_lines(images):
    mark = media.Watermark(WATERMARK.time, "很长的地点名称" * 20, "张三", 30.0, 120.0)
    data = images.encode(images.scene((90, 160)), "PNG")
    display = opened(media.make_derivatives(data, watermark=mark).display.data)
    assert display.size == (90, 160)


def test_the_cjk_font_has_the_glyphs(tmp_path):
    assert cjk_font_path().name == "NotoSansSC-Regular.otf" and cjk_font_path().stat().st_size > 1_000_000
    font = cjk_font(40)
    assert cjk_font(40) is font  # cached
    missing = font.getmask("\ue000")  # a private-use code point: the .notdef box
    for char in "网格员星期一":
        mask = font.getmask(char)
        assert mask.getbbox() is not None
        assert (mask.getbbox(), bytes(mask)) != (missing.getbbox(), bytes(missing)), char
