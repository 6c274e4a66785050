"""Places (企业/场所) and their file (一企一档)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, utcnow
from server.org.models import Area


class Place(Base):
    """An enterprise or place (企业/场所) that grid members visit.

    ``natural_key`` identifies the same place across imports: ``ucc:<credit code>`` when the enterprise has a
    unified social credit code, else ``na:<hash of name and address>``; a re-import matches on it.
    """

    __tablename__ = "places"
    __table_args__ = (
        CheckConstraint("risk_level IN ('major','high','general','low')", name="risk_level"),
        Index("ix_places_area_id", "area_id"),
        Index("ix_places_sector", "sector"),
        Index("ix_places_name", "name"),
    )
    __audited__ = True
    __audit_private__ = ("contact_phone",)

    id: Mapped[int] = mapped_column(primary_key=True)
    natural_key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    sector: Mapped[str] = mapped_column(String(32))
    risk_level: Mapped[str] = mapped_column(String(16), default="low")
    address: Mapped[str] = mapped_column(String(255), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    area: Mapped[Area] = relationship(lazy="joined")

    def audit_area_id(self) -> int:
        return self.area_id
