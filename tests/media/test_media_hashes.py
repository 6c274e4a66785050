"""SHA-256 for the same bytes, pHash for the same picture, and process() doing it all in one pass."""
from __future__ import annotations

import hashlib

import pytest
from PIL import Image

import media

SAME_PICTURE = 6  # at most this many of 64 bits differ for a re-encoded or resized copy
DIFFERENT_PICTURE = 16  # at least this many for another scene


def test_sha256_is_the_hex_digest_of_the_original_bytes(images):
    data = images.jpeg()
    assert media.sha256(data) == hashlib.sha256(data).hexdigest() == media.sha256(bytes(data))
    assert media.sha256(data) != media.sha256(data + b"\x00")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_phash_finds_a_recompressed_resized_copy_and_tells_other_photos_apart(images, seed):
    source = images.scene((1200, 900), seed)
    original = media.perceptual_hash(images.encode(source, "JPEG", quality=92))
    copy = media.perceptual_hash(images.encode(source.resize((600, 450)), "JPEG", quality=45))
    as_png = media.perceptual_hash(images.encode(source.resize((800, 600)), "PNG"))
    other = media.perceptual_hash(images.jpeg((1200, 900), seed=seed + 10))
    assert len(original) == 16 and int(original, 16) >= 0
    assert media.hamming(original, copy) <= SAME_PICTURE
    assert media.hamming(original, as_png) <= SAME_PICTURE
    assert media.hamming(original, other) >= DIFFERENT_PICTURE


def test_phash_is_taken_from_the_upright_picture(images):
    """The same photo stored sideways with an orientation tag hashes like the upright copy."""
    source = images.scene((800, 600), seed=4)
    upright = media.perceptual_hash(images.encode(source, "JPEG"))
    sideways = images.encode(source.transpose(Image.Transpose.ROTATE_90), "JPEG", exif=images.exif(orientation=6))
    assert media.hamming(upright, media.perceptual_hash(sideways)) <= SAME_PICTURE


def test_hamming_counts_differing_bits():
    assert media.hamming("0000000000000000", "0000000000000000") == 0
    assert media.hamming("ffffffffffffffff", "0000000000000000") == 64
    assert media.hamming("8000000000000001", "0000000000000000") == 2
    assert media.hamming("ABCDEF0123456789", "abcdef0123456789") == 0
    for bad in [("00", "000"), ("0x00", "0000"), ("zz", "00"), ("", "")]:
        with pytest.raises(ValueError):
            media.hamming(*bad)


def test_process_gives_facts_hashes_and_derivatives_in_one_call(images, now):
    exif = images.exif(orientation=6, offset="+08:00", gps=("N", images.dms(30.2), "E", images.dms(120.2)))
    data = images.encode(images.scene((2000, 1500), seed=5), "JPEG", exif=exif)
    processed = media.process(data, None, now=now)
    assert processed.facts == media.inspect(data, now=now)
    assert processed.sha256 == media.sha256(data)
    assert media.hamming(processed.phash, media.perceptual_hash(data)) <= 4
    assert (processed.derivatives.display.width, processed.derivatives.display.height) == (1200, 1600)
    assert (processed.derivatives.thumbnail.width, processed.derivatives.thumbnail.height) == (240, 320)


def test_process_refuses_what_inspect_refuses(images):
    with pytest.raises(media.TrailingData):
        media.process(images.jpeg() + b"PK\x03\x04\x14\x00\x00\x00" + b"\x01" * 40)
    with pytest.raises(media.NotAnImage):
        media.perceptual_hash(b"not an image")
