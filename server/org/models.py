"""The area tree: county (县) → township (乡镇/街道) → village (村/社区) → grid (网格)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from server.db import Base, JSONType, UTCDateTime, utcnow

LEVELS = ("county", "township", "village", "grid")
LEVEL_LABELS = {"county": "县(市、区)", "township": "乡镇(街道)", "village": "村(社区)", "grid": "网格"}
CHILD_LEVEL = {"county": "township", "township": "village", "village": "grid"}


class Area(Base):
    """An area (区域) at one of four levels.

    ``path`` is a materialized path of ids ("/1/7/42/") so that "everything under this area" is one indexed range
    query on both PostgreSQL and SQLite, and a scope check is a string prefix test.
    """

    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint("level IN ('county','township','village','grid')", name="level"),
        Index("ix_areas_path", "path"),
        Index("ix_areas_parent_id", "parent_id"),
    )
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    # byte order ("C") on PostgreSQL: the subtree range trick needs '/' to sort just below '0' in every locale
    path: Mapped[str] = mapped_column(String(255).with_variant(String(255, collation="C"), "postgresql"), default="")
    # deferred: every place, visit and hazard loads its area and three parents; none of them needs the polygons
    # (active_history keeps the audit's "unchanged boundary" check exact when an unloaded boundary is set)
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSONType, deferred=True, active_history=True)
    min_lng: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lng: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Area | None] = relationship(remote_side=[id], lazy="joined", join_depth=3)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def ancestor_ids(self) -> list[int]:
        return path_ids(self.path)

    @property
    def township_id(self) -> int | None:
        return township_id_of(self.path)

    def audit_area_id(self) -> int:
        return self.id

    def __repr__(self) -> str:
        return f"<Area {self.level} {self.code} {self.name}>"


def subtree_range(path: str) -> tuple[str, str]:
    """[low, high) bounds of every path under ``path`` (inclusive of itself): '/' + 1 is '0'."""
    return path, path[:-1] + "0"


def path_ids(path: str) -> list[int]:
    """The ids of a materialized path, from the county down: "/1/7/42/" → [1, 7, 42]."""
    return [int(p) for p in path.strip("/").split("/") if p]


def township_id_of(path: str) -> int | None:
    """The township of the area with this path (itself if it is one), from /county/township/...; None for a
    county.  The one way the township of an area, a record or an actor's area is found: no query, no parents."""
    ids = path_ids(path)
    return ids[1] if len(ids) > 1 else None


def township_of(area: Area) -> Area | None:
    """The township of an area as an Area (itself if it is one; None for a county): ``township_id_of`` and the
    session's identity map (an area's parents are loaded with it)."""
    township_id = area.township_id
    if township_id is None or township_id == area.id:
        return area if township_id is not None else None
    session = object_session(area)
    return session.get(Area, township_id) if session is not None else None
