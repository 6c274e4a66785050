"""Photos made in the tests: small JPEGs with camera EXIF, uploaded the way wx.uploadFile does."""
from __future__ import annotations

import io
import random
import uuid
from datetime import datetime
from typing import Any

from PIL import Image

NS = uuid.UUID("5b0f3c1e-3d5e-4a57-9d1c-7a3f2e8b9c10")
PURPOSES = ("checkin", "visit", "hazard", "publicity", "rectification")


def photo_id(user: str, purpose: str, n: int = 0) -> str:
    """The deterministic id of a user's n-th photo for a purpose (uploaded by the patrol_world fixture)."""
    return str(uuid.uuid5(NS, f"{user}/{purpose}/{n}"))


def jpeg(seed: int, *, size: tuple[int, int] = (96, 72), camera: bool = True, taken: datetime | None = None,
         gps: tuple[float, float] | None = None) -> bytes:
    """A distinct picture per seed (random blocks, so perceptual hashes differ), with optional camera EXIF."""
    rng = random.Random(seed)
    img = Image.new("RGB", size)
    block = 12
    for x in range(0, size[0], block):
        for y in range(0, size[1], block):
            img.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (x, y, x + block, y + block))
    exif = Image.Exif()
    if camera:
        exif[0x010F] = "HUAWEI"   # Make
        exif[0x0110] = "NOVA 9"   # Model
    if taken is not None:
        local = taken.astimezone()
        exif_ifd = exif.get_ifd(0x8769)
        exif_ifd[0x9003] = local.strftime("%Y:%m:%d %H:%M:%S")   # DateTimeOriginal
        offset = local.strftime("%z")
        exif_ifd[0x9011] = f"{offset[:3]}:{offset[3:]}"           # OffsetTimeOriginal
    if gps is not None:
        lat, lng = gps
        gps_ifd = exif.get_ifd(0x8825)

        def dms(v: float) -> tuple[float, float, float]:
            d = int(abs(v)); m = int((abs(v) - d) * 60); s = (abs(v) - d - m / 60) * 3600
            return (float(d), float(m), round(s, 4))
        gps_ifd[1], gps_ifd[2] = ("N" if lat >= 0 else "S"), dms(lat)
        gps_ifd[3], gps_ifd[4] = ("E" if lng >= 0 else "W"), dms(lng)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, exif=exif)
    return buf.getvalue()


def upload(client: Any, headers: dict[str, str] | None, purpose: str, data: bytes | None = None,
           client_uuid: str | None = None, filename: str = "wx-upload.jpg", **form: Any) -> Any:
    body = {"client_uuid": client_uuid or str(uuid.uuid4()), "purpose": purpose, **{k: str(v) for k, v in form.items()}}
    body["file"] = (io.BytesIO(data if data is not None else jpeg(random.randrange(10**9))), filename)
    return client.post("/api/v1/photos", headers=headers or {}, data=body, content_type="multipart/form-data")
