"""Modular checklists (模块化检查清单): one row per version, definitions kept exactly as loaded."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, JSONType, UTCDateTime, utcnow


class Checklist(Base):
    """One version of a checklist.  Versions are never edited: a visit is validated against, and stays readable
    with, the exact version it used."""

    __tablename__ = "checklists"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_checklists_key_version"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(48))
    version: Mapped[int] = mapped_column(Integer)
    sector: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    digest: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def audit_area_id(self) -> None:
        return None
