"""Daily reports (每日一报告) of members and daily bulletins (每日一通报) of townships."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, JSONType, UTCDateTime, utcnow


class DailyReport(Base):
    """A member's end-of-day report; one per member per local day.  "Nothing found" is a report too."""

    __tablename__ = "daily_reports"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_daily_reports_user_day"),
                      Index("ix_daily_reports_area_day", "area_id", "day"))
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    day: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    nothing_found: Mapped[bool] = mapped_column(Boolean, default=False)
    first_submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # the submissions a resubmission replaced, oldest first: {client_uuid, notes, nothing_found, submitted_at}
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, server_default=text("'[]'"))

    def audit_area_id(self) -> int:
        return self.area_id


class Bulletin(Base):
    """A township's daily bulletin (每日一通报).  Published ones are frozen: the content is stored, not recomputed."""

    __tablename__ = "bulletins"
    __table_args__ = (UniqueConstraint("area_id", "day", name="uq_bulletins_area_day"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    day: Mapped[date] = mapped_column(Date)
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[str] = mapped_column(String(64))

    def audit_area_id(self) -> int:
        return self.area_id
