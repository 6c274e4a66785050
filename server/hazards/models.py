"""Hazards (隐患).  This is the minimal record that patrol visits create; the closed loop builds on it."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, JSONType, UTCDateTime, utcnow

STATUSES = ("reported", "ordered", "rectified", "rechecked", "closed", "rejected")
LEVELS = ("general", "major")
LEVEL_LABELS = {"general": "一般隐患", "major": "重大事故隐患"}


class Hazard(Base):
    """A hazard found at a place: by a patrol visit, an inspector, an admin or from a tip-off."""

    __tablename__ = "hazards"
    __table_args__ = (
        CheckConstraint("level IN ('general','major')", name="level"),
        Index("ix_hazards_area_day", "area_id", "found_day"),
        Index("ix_hazards_place_id", "place_id"),
        Index("ix_hazards_visit_id", "visit_id"),
        Index("ix_hazards_status", "status"),
    )
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    sector: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="reported")
    source: Mapped[str] = mapped_column(String(16))
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    checklist_item: Mapped[str | None] = mapped_column(String(16))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    photo_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    found_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def audit_area_id(self) -> int:
        return self.area_id
