"""Hazards (隐患) and their closed loop (闭环整改): rectification orders, the history of every step, supervision.

The hazard row carries where the loop stands now (status, the deadline in force, when it was rectified and
closed) so that lists, overdue checks and statistics are plain indexed queries; the orders and the events keep
everything that happened.  ``version`` is the optimistic-concurrency column: every change of a hazard is an
``UPDATE ... WHERE id = :id AND version = :seen``, so of two concurrent transitions exactly one matches a row.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.records import Reviewable
from server.db import Base, JSONType, UTCDateTime, utcnow

if TYPE_CHECKING:
    from server.org.models import Area
    from server.places.models import Place

STATUSES = ("reported", "ordered", "rectified", "rechecked", "closed", "rejected")
STATUS_LABELS = {"reported": "已上报", "ordered": "已责令整改", "rectified": "已整改待复查",
                 "rechecked": "复查合格待销号", "closed": "已销号", "rejected": "不属于隐患"}
LEVELS = ("general", "major")
LEVEL_LABELS = {"general": "一般隐患", "major": "重大事故隐患"}
SOURCES = ("patrol", "inspector", "admin", "tipoff")
SOURCE_LABELS = {"patrol": "网格巡查", "inspector": "执法检查", "admin": "乡镇排查", "tipoff": "群众举报"}
SUPERVISION_LEVELS = ("county", "city", "province")
SUPERVISION_LABELS = {"county": "县级挂牌督办", "city": "市级挂牌督办", "province": "省级挂牌督办"}
OPEN_STATUSES = ("reported", "ordered", "rectified", "rechecked")


# --- the state machine: its steps, the roles that may take them, and the statuses they lead between ----------------

@dataclass(frozen=True)
class Step:
    action: str
    label: str
    permission: str  # the roles: PERMISSIONS[permission] in server/auth/scope.py
    sources: tuple[str, ...]  # the statuses it may start from
    targets: tuple[str, ...]  # the statuses it may lead to


STEPS: dict[str, Step] = {s.action: s for s in (
    Step("order", "责令限期整改", "hazard:order", ("reported",), ("ordered",)),
    Step("reject", "不予认定", "hazard:reject", ("reported",), ("rejected",)),
    Step("rectify", "整改完成", "hazard:rectify", ("ordered",), ("rectified",)),
    Step("recheck", "复查", "hazard:recheck", ("rectified",), ("rechecked", "closed", "ordered")),
    Step("close", "销号", "hazard:close", ("rechecked",), ("closed",)),
)}

# every (from, to) the loop allows, and by which step: the whole machine in one table
TRANSITIONS: dict[tuple[str, str], str] = {(src, dst): s.action for s in STEPS.values()
                                           for src in s.sources for dst in s.targets}


def allowed_actions(status: str) -> list[str]:
    return [s.action for s in STEPS.values() if status in s.sources]



class Hazard(Base):
    """A hazard found at a place: by a patrol visit, an inspector, an admin or from a tip-off."""

    __tablename__ = "hazards"
    __table_args__ = (
        CheckConstraint("level IN ('general','major')", name="level"),
        CheckConstraint("status IN ('reported','ordered','rectified','rechecked','closed','rejected')",
                        name="status"),
        CheckConstraint("source IN ('patrol','inspector','admin','tipoff')", name="source"),
        Index("ix_hazards_area_day", "area_id", "found_day"),
        Index("ix_hazards_place_id", "place_id"),
        Index("ix_hazards_visit_id", "visit_id"),
        Index("ix_hazards_status", "status"),
        Index("ix_hazards_status_deadline", "status", "deadline"),
        Index("ix_hazards_found_day", "found_day"),
    )
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)  # hazards created through the API
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    sector: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="reported")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    source: Mapped[str] = mapped_column(String(16))
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    checklist_item: Mapped[str | None] = mapped_column(String(16))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    # where and who answers for it when no place of the register is named (a tip-off about a street stall)
    address: Mapped[str | None] = mapped_column(String(255))
    responsible_party: Mapped[str | None] = mapped_column(String(128))  # 责任单位(人)
    photo_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)  # before the rectification
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    found_day: Mapped[date] = mapped_column(Date)
    # the loop, as it stands now (the orders and events keep the history)
    first_deadline: Mapped[date | None] = mapped_column(Date)  # of the first order: "closed on time" is against it
    deadline: Mapped[date | None] = mapped_column(Date)  # of the order in force
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectified_day: Mapped[date | None] = mapped_column(Date)
    rectified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    after_photo_ids: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default=text("'[]'"))
    rectification_statement: Mapped[str | None] = mapped_column(Text)
    rechecked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rechecked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_day: Mapped[date | None] = mapped_column(Date)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    # the tip-off it was converted from (source "tipoff"); the tip-off links back.  use_alter: tipoffs reference
    # hazards too, and the cycle is resolved by adding this constraint after both tables exist
    tipoff_id: Mapped[int | None] = mapped_column(ForeignKey("tipoffs.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    place: Mapped["Place | None"] = relationship(lazy="select")
    area: Mapped["Area"] = relationship(lazy="select")
    events: Mapped[list["HazardEvent"]] = relationship(lazy="select", order_by="HazardEvent.id",
                                                       back_populates="hazard", cascade="all, delete-orphan")
    orders: Mapped[list["RectificationOrder"]] = relationship(lazy="select", order_by="RectificationOrder.round",
                                                              back_populates="hazard", cascade="all, delete-orphan")
    supervision: Mapped["HazardSupervision | None"] = relationship(lazy="select", back_populates="hazard",
                                                                   cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def current_order(self) -> "RectificationOrder | None":
        return self.orders[-1] if self.orders else None

    def audit_area_id(self) -> int:
        return self.area_id


class RectificationOrder(Reviewable, Base):
    """责令限期整改: one per round; a failed re-check issues the next round with a new deadline."""

    __tablename__ = "rectification_orders"
    __table_args__ = (UniqueConstraint("hazard_id", "round", name="uq_rectification_orders_hazard_round"),
                      Index("ix_rectification_orders_deadline", "deadline"))
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))  # the hazard's grid, for scope and audit
    round: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(128))  # 文书编号: 城关镇应急责改〔2026〕<hazard>-<round>号
    deadline: Mapped[date] = mapped_column(Date)  # a local day; overdue once it has ended
    measures: Mapped[str] = mapped_column(Text)
    responsible_person: Mapped[str] = mapped_column(String(64))  # at the place
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_by_name: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_day: Mapped[date] = mapped_column(Date)
    # the rectification that answered this order (null while it is open)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectified_day: Mapped[date | None] = mapped_column(Date)
    rectified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    photo_ids: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default=text("'[]'"))
    # the rectification's evidence goes through the township's review queue like other field records
    flags: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default=text("'[]'"))
    review_status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    review_reason: Mapped[str | None] = mapped_column(String(255))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))  # the re-check task it created

    hazard: Mapped[Hazard] = relationship(back_populates="orders")

    # the review queue reads every kind of record through these two names
    @property
    def user_id(self) -> int | None:
        return self.rectified_by_id

    @property
    def occurred_at(self) -> datetime | None:
        return self.rectified_at

    def audit_area_id(self) -> int:
        return self.area_id


class HazardEvent(Base):
    """One step of a hazard's history: who moved it from which status to which, when, with what."""

    __tablename__ = "hazard_events"
    __table_args__ = (Index("ix_hazard_events_hazard_id", "hazard_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))  # create, order, reject, rectify, recheck, close, supervise
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)  # a phone's retry finds its event

    hazard: Mapped[Hazard] = relationship(back_populates="events")


class HazardSupervision(Base):
    """挂牌督办 of a major hazard by the county or a higher level; closing it then needs a county admin."""

    __tablename__ = "hazard_supervisions"
    __table_args__ = (CheckConstraint("level IN ('county','city','province')", name="level"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    level: Mapped[str] = mapped_column(String(16))
    target_date: Mapped[date] = mapped_column(Date)
    supervisor: Mapped[str] = mapped_column(String(64))  # 督办责任人
    note: Mapped[str | None] = mapped_column(Text)
    listed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    hazard: Mapped[Hazard] = relationship(back_populates="supervision")

    def audit_area_id(self) -> int:
        return self.area_id
