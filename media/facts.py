"""What the library tells about an image: plain frozen values, safe to log, compare and hand to the database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .container import Format

# Notes that can appear in ImageFacts.warnings: the image is accepted, but a fact was dropped or is doubtful.
EXIF_UNREADABLE = "exif_unreadable"  # the EXIF block (or part of it) could not be parsed
EXIF_GPS_INVALID = "exif_gps_invalid"  # GPS present but (0,0), out of range or unparsable: gps is None
EXIF_TIME_IMPLAUSIBLE = "exif_time_implausible"  # before 2000 or after tomorrow: taken_at is None
EXIF_TIME_UNREADABLE = "exif_time_unreadable"  # DateTimeOriginal present but not a date: taken_at is None
EXIF_OFFSET_INVALID = "exif_offset_invalid"  # OffsetTimeOriginal unparsable: taken_at kept as naive local time
EXIF_ORIENTATION_INVALID = "exif_orientation_invalid"  # Orientation not 1..8: treated as 1

CONTENT_TYPES: dict[str, str] = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "heif": "image/heif"}


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """WGS-84 decimal degrees, north and east positive (EXIF GPS is WGS-84 as the receiver reports it)."""

    lat: float
    lng: float


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """Facts read from an image that decoded.

    `width`/`height` are as stored; a phone photo held upright is usually stored landscape with `orientation` 6
    (see `upright_size`).  HEIF applies its own rotation when decoding, so HEIF sizes are already upright and the
    orientation is 1.

    `taken_at` is EXIF DateTimeOriginal.  With OffsetTimeOriginal it is an aware datetime and
    `taken_at_has_offset` is True.  Without it, it is the camera's wall-clock time in an unknown zone: a *naive*
    datetime, `taken_at_has_offset` False, and the caller decides the zone (for this county's phones, Asia/Shanghai).
    """

    format: Format
    width: int
    height: int
    orientation: int = 1
    taken_at: datetime | None = None
    taken_at_has_offset: bool = False
    gps: GeoPoint | None = None
    make: str | None = None
    model: str | None = None
    has_camera_exif: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """The MIME type to store and serve the original under, from the sniffed format."""
        return CONTENT_TYPES[self.format]

    @property
    def upright_size(self) -> tuple[int, int]:
        """(width, height) once the EXIF orientation is applied: what a viewer shows."""
        if self.orientation in (5, 6, 7, 8):
            return self.height, self.width
        return self.width, self.height
