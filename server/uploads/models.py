"""Resumable photo uploads (断点续传): the tus 1.0 state of an upload whose bytes arrive in parts."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, JSONType, UTCDateTime, utcnow

STAGING_PREFIX = "uploads/"


class ResumableUpload(Base):
    """One photo on its way up in parts.  ``token`` is the random id in the upload's URL; each PATCH stores the bytes
    it brought as one staging object ``uploads/<token>/<offset>``, listed in ``parts``.  When ``offset`` reaches
    ``length`` the parts become one photo (``photo_uuid``, the photo's client UUID) through the evidence service."""

    __tablename__ = "resumable_uploads"
    __table_args__ = (Index("ix_resumable_uploads_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str | None] = mapped_column(String(255))
    # the rest of POST /photos' form (claimed_time, location, place_id), as the client sent it
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    length: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(Integer, default=0)
    parts: Mapped[list[list[int]]] = mapped_column(JSONType, default=list)  # [[offset, size], ...] in order
    photo_uuid: Mapped[str | None] = mapped_column(String(36))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # why the complete bytes made no photo
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def part_key(self, offset: int) -> str:
        return f"{STAGING_PREFIX}{self.token}/{offset:012d}"
