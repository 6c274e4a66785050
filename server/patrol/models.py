"""What a grid member records in the field: clock-ins (进岗打卡), patrol visits (巡查) and publicity visits (宣传)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.checklists.models import Checklist
from server.common.records import Reviewable
from server.db import Base, JSONType, UTCDateTime, utcnow
from server.places.models import Place


class FieldRecord(Reviewable):
    """Columns every record made on a phone shares.

    ``client_uuid`` is made by the phone and unique: a retry finds the record the first attempt made.
    ``occurred_at`` is the device time when it is plausible, else the server's receive time (and a flag says so);
    ``day`` is its Asia/Shanghai day.
    """

    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    device_time: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    day: Mapped[date] = mapped_column(Date)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    photo_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    flags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    review_status: Mapped[str] = mapped_column(String(16), default="pending")
    review_reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def audit_area_id(self) -> int:
        return self.area_id


class CheckIn(FieldRecord, Base):
    """An on-duty clock-in (进岗打卡) with GPS and a photo.  The earliest of a member's day is the one that
    counts; later ones are kept as extras."""

    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_user_day", "user_id", "day", postgresql_include=["counted", "review_status"]),
        Index("ix_checkins_area_day", "area_id", "day"),
        Index("ix_checkins_day", "day"),  # the month's scans (ranking, bulletins) over every member
        # one counted clock-in per member per day, enforced by the database against concurrent arrivals
        Index("uq_checkins_counted", "user_id", "day", unique=True, postgresql_where=text("counted"),
              sqlite_where=text("counted")),
    )

    counted: Mapped[bool] = mapped_column(Boolean, default=False)
    geofence: Mapped[str] = mapped_column(String(16))  # in_area | out_of_area
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    note: Mapped[str | None] = mapped_column(String(255))


class Visit(FieldRecord, Base):
    """A patrol visit (每日一巡查) to a place with a checklist version and its answers."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_user_day", "user_id", "day", postgresql_include=["place_id", "review_status"]),
        Index("ix_visits_area_day", "area_id", "day"),
        Index("ix_visits_place_day", "place_id", "day"),
        Index("ix_visits_day", "day"),
    )

    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id"))
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    distance_to_place_m: Mapped[float | None] = mapped_column(Float)
    hazards_found: Mapped[int] = mapped_column(Integer, default=0)

    place: Mapped[Place] = relationship(lazy="joined")
    checklist: Mapped[Checklist] = relationship(lazy="joined")


class PublicityVisit(FieldRecord, Base):
    """A safety-publicity visit to a place (一企一宣传): materials handed out, people reached."""

    __tablename__ = "publicity_visits"
    __table_args__ = (
        Index("ix_publicity_user_day", "user_id", "day", postgresql_include=["place_id", "review_status"]),
        Index("ix_publicity_place_day", "place_id", "day"),
        Index("ix_publicity_area_day", "area_id", "day"),
        Index("ix_publicity_day", "day"),
    )

    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    materials: Mapped[list[str]] = mapped_column(JSONType, default=list)
    people_reached: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(Text)

    place: Mapped[Place] = relationship(lazy="joined")
