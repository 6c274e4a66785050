"""Facts from EXIF, read defensively: EXIF is written by thousands of camera firmwares and is often wrong.

Every field is read on its own; a field that fails to parse is dropped with a note in `warnings`, never an
exception, so one broken tag never costs the image or the other facts.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import Image

from . import facts as F
from .defaults import EARLIEST_PLAUSIBLE_YEAR

_ORIENTATION, _MAKE, _MODEL = 0x0112, 0x010F, 0x0110
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL, _SUBSEC_TIME_ORIGINAL = 0x9003, 0x9011, 0x9291
_GPS_LAT_REF, _GPS_LAT, _GPS_LNG_REF, _GPS_LNG = 1, 2, 3, 4

_DATETIME = re.compile(r"(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")
_MAX_TEXT = 64


@dataclass(frozen=True, slots=True)
class ExifFacts:
    """The EXIF part of ImageFacts."""

    orientation: int = 1
    taken_at: datetime | None = None
    taken_at_has_offset: bool = False
    gps: F.GeoPoint | None = None
    make: str | None = None
    model: str | None = None
    has_camera_exif: bool = False
    warnings: tuple[str, ...] = ()


def read_exif(image: Image.Image, now: datetime) -> ExifFacts:
    """EXIF facts of an opened image; `now` (aware) bounds plausible capture times."""
    warnings: list[str] = []
    try:
        exif = image.getexif()
    except Exception:  # any parser failure means "no usable EXIF", never a refused image
        return ExifFacts(warnings=(F.EXIF_UNREADABLE,))
    if _has_raw_exif(image) and not len(exif):  # Pillow swallows a broken header and hands back nothing
        warnings.append(F.EXIF_UNREADABLE)
    make, model = _text(exif, _MAKE), _text(exif, _MODEL)
    orientation = _orientation(exif, warnings)
    exif_ifd = _sub_ifd(exif, _EXIF_IFD, warnings)
    raw_time = _text(exif_ifd, _DATETIME_ORIGINAL)
    taken_at, has_offset = _taken_at(raw_time, exif_ifd, now, warnings)
    gps = _gps(_sub_ifd(exif, _GPS_IFD, warnings), warnings)
    return ExifFacts(
        orientation=orientation,
        taken_at=taken_at,
        taken_at_has_offset=has_offset,
        gps=gps,
        make=make,
        model=model,
        has_camera_exif=bool(make or model or _is_set(raw_time)),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _has_raw_exif(image: Image.Image) -> bool:
    raw = image.info.get("exif")
    return isinstance(raw, bytes) and len(raw.removeprefix(b"Exif\x00\x00")) > 0


def _sub_ifd(exif: Image.Exif, tag: int, warnings: list[str]) -> dict[int, Any]:
    try:
        return dict(exif.get_ifd(tag))
    except Exception:  # a bad pointer loses this IFD only
        warnings.append(F.EXIF_UNREADABLE)
        return {}


def _text(ifd: Any, tag: int) -> str | None:
    """An ASCII tag as clean text: NULs, padding and control characters gone, length bounded (it is untrusted)."""
    try:
        value = ifd.get(tag)
    except Exception:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    cleaned = "".join(ch for ch in value if ch.isprintable()).strip()
    return cleaned[:_MAX_TEXT] or None


def _orientation(exif: Image.Exif, warnings: list[str]) -> int:
    try:
        value = exif.get(_ORIENTATION)
    except Exception:
        value = "unreadable"
    if value is None:
        return 1
    if isinstance(value, int) and 1 <= value <= 8:
        return value
    warnings.append(F.EXIF_ORIENTATION_INVALID)
    return 1


def _is_set(raw: str | None) -> bool:
    """Cameras write all zeros or blanks for an unknown date; that is absence, not a bad value."""
    return bool(raw and raw.strip(" 0:-T"))


def _taken_at(
    raw: str | None, exif_ifd: dict[int, Any], now: datetime, warnings: list[str]
) -> tuple[datetime | None, bool]:
    if raw is None or not _is_set(raw):
        return None, False
    match = _DATETIME.match(raw)
    try:
        if match is None:
            raise ValueError(raw)
        year, month, day, hour, minute, second = (int(g) for g in match.groups())
        moment = datetime(year, month, day, hour, minute, second, _microseconds(exif_ifd))
    except ValueError:
        warnings.append(F.EXIF_TIME_UNREADABLE)
        return None, False
    zone = _offset(exif_ifd, warnings)
    if zone is not None:
        moment = moment.replace(tzinfo=zone)
    if not _plausible(moment, now):
        warnings.append(F.EXIF_TIME_IMPLAUSIBLE)
        return None, False
    return moment, zone is not None


def _microseconds(exif_ifd: dict[int, Any]) -> int:
    digits = _text(exif_ifd, _SUBSEC_TIME_ORIGINAL) or ""
    digits = digits.strip()
    return int((digits + "000000")[:6]) if digits.isdigit() else 0


def _offset(exif_ifd: dict[int, Any], warnings: list[str]) -> timezone | None:
    raw = _text(exif_ifd, _OFFSET_TIME_ORIGINAL)
    if raw is None or not raw.strip(" :"):
        return None
    match = _OFFSET.fullmatch(raw.strip())
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        if delta <= timedelta(hours=14) and int(minutes) < 60:
            return timezone(-delta if sign == "-" else delta)
    warnings.append(F.EXIF_OFFSET_INVALID)
    return None


def _plausible(moment: datetime, now: datetime) -> bool:
    """Not before 2000 (unset clocks) and not after tomorrow; a naive time is compared as if it were UTC, the
    day of slack covering every zone on Earth."""
    latest = now + timedelta(days=1)
    if moment.tzinfo is None:
        latest = latest.astimezone(timezone.utc).replace(tzinfo=None)
        return datetime(EARLIEST_PLAUSIBLE_YEAR, 1, 1) <= moment <= latest
    return datetime(EARLIEST_PLAUSIBLE_YEAR, 1, 1, tzinfo=timezone(timedelta(hours=14))) <= moment <= latest


def _gps(gps_ifd: dict[int, Any], warnings: list[str]) -> F.GeoPoint | None:
    """Decimal degrees signed by the Ref tags; (0,0) and out-of-range values are receiver junk, not places."""
    if _GPS_LAT not in gps_ifd and _GPS_LNG not in gps_ifd:
        return None
    lat = _degrees(gps_ifd.get(_GPS_LAT), _text(gps_ifd, _GPS_LAT_REF), "N", "S")
    lng = _degrees(gps_ifd.get(_GPS_LNG), _text(gps_ifd, _GPS_LNG_REF), "E", "W")
    if lat is None or lng is None or abs(lat) > 90 or abs(lng) > 180 or (abs(lat) < 1e-7 and abs(lng) < 1e-7):
        warnings.append(F.EXIF_GPS_INVALID)
        return None
    return F.GeoPoint(lat=round(lat, 7), lng=round(lng, 7))


def _degrees(value: Any, ref: str | None, positive: str, negative: str) -> float | None:
    """Degrees, minutes, seconds (rationals) to signed decimal degrees; None if anything is off."""
    try:
        parts = [float(v) for v in (value if isinstance(value, tuple) else (value,))]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not 1 <= len(parts) <= 3 or not all(math.isfinite(p) and p >= 0 for p in parts):
        return None
    if any(p > 60 for p in parts[1:]):
        return None
    degrees = sum(p / 60**i for i, p in enumerate(parts))
    ref = (ref or positive).strip().upper()[:1]
    if ref not in (positive, negative):
        return None
    return float(-degrees if ref == negative else degrees)
