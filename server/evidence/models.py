"""Photo evidence (照片证据): the original kept byte-for-byte, two derivatives, the facts and the fraud flags."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, JSONType, UTCDateTime, utcnow

PURPOSES = ("checkin", "visit", "hazard", "rectification", "publicity", "tipoff")


class Photo(Base):
    """One uploaded photo.  Its public id is the phone's client UUID, so a record made offline can name its
    photos before either reaches the server.  The original is stored under its SHA-256 (the same bytes once)."""

    __tablename__ = "photos"
    __table_args__ = (
        Index("ix_photos_sha256", "sha256"),
        Index("ix_photos_uploader_created", "uploader_id", "created_at"),
        Index("ix_photos_area_id", "area_id"),
    )
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    phash: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    original_key: Mapped[str] = mapped_column(String(128))
    display_key: Mapped[str] = mapped_column(String(128))
    thumbnail_key: Mapped[str] = mapped_column(String(128))
    exif_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_lng: Mapped[float | None] = mapped_column(Float)
    camera: Mapped[str | None] = mapped_column(String(128))
    has_camera_exif: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_lat: Mapped[float | None] = mapped_column(Float)
    claimed_lng: Mapped[float | None] = mapped_column(Float)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    attached_to: Mapped[str | None] = mapped_column(String(64))  # "checkins:<client uuid>": the record using it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def audit_area_id(self) -> int | None:
        return self.area_id
