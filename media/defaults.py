"""Default limits and sizes, in one place so that the server, the benchmark and the tests agree on them."""
from __future__ import annotations

MAX_BYTES = 20 * 1024 * 1024
"""Largest upload accepted: a 50 MP phone photo is about 15 MB; anything bigger is not a patrol photo."""

MAX_PIXELS = 50_000_000
"""Most pixels accepted, checked from the header before any decoding (decompression bombs)."""

DISPLAY_LONG_EDGE = 1600
"""Long edge of the display image: sharp on a phone screen and a desktop review page, ~300 KB as JPEG."""

THUMBNAIL_LONG_EDGE = 320
"""Long edge of the thumbnail used in lists and the mini-client's grids."""

VERIFY_LONG_EDGE = 256
"""Scale at which `inspect` decodes to prove the data decodes; JPEGs then decode at 1/8 scale."""

JPEG_QUALITY = 82
"""Quality of both derivatives: visually clean for photos at about a tenth of the original size."""

EARLIEST_PLAUSIBLE_YEAR = 2000
"""EXIF dates before this are camera clocks that were never set (1970, 1980, 2000-01-01 defaults)."""
