"""Tip-offs (举报) from the public, and the rewards (举报奖励) paid for verified ones.

The tipster's contact details are personal data (PIPL): the phone number and the name are stored only as Fernet
ciphertext, beside a masked form for display (138****1234) and, for the phone, a keyed hash (HMAC) that counts a
tipster's tip-offs without revealing the number.  The tracking code is looked up by its keyed hash; the code itself
is kept so that staff can read it back to a tipster who calls.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, JSONType, UTCDateTime, utcnow

# code: (Open311 service_code, label, the hazard sector it usually becomes, Open311 group)
CATEGORIES: dict[str, tuple[str, str, str | None, str]] = {
    "fire_escape": ("001", "消防通道堵塞、消防设施损坏", "fire", "消防安全"),
    "ebike": ("002", "电动自行车违规停放充电", "fire", "消防安全"),
    "gas": ("003", "燃气违规使用、钢瓶违规存放", "town_gas", "城镇燃气"),
    "hazchem": ("004", "危险化学品非法储存、经营", "hazardous_chemicals", "危险化学品"),
    "fireworks": ("005", "烟花爆竹非法生产、储存、销售", "fireworks", "烟花爆竹"),
    "construction": ("006", "建筑施工安全隐患", "construction", "建设工程"),
    "self_built": ("007", "自建房、出租房安全隐患", "self_built_houses", "房屋安全"),
    "road": ("008", "道路交通安全隐患", "road_traffic", "道路交通"),
    "workplace": ("009", "企业违规生产、违章作业", "industry_trade", "工矿商贸"),
    "other": ("099", "其他安全隐患", None, "其他"),
}
SERVICE_CODES = {v[0]: k for k, v in CATEGORIES.items()}

STATUSES = ("received", "rejected", "merged", "converted")
STATUS_LABELS = {"received": "待分拣", "rejected": "不予受理", "merged": "已合并", "converted": "已转为隐患"}

# what the tipster sees (tracking page, Open311): a tip-off's own triage, then the progress of its hazard
PUBLIC_LABELS = {"received": "已收到", "accepted": "已受理", "rectifying": "整改中", "rectified": "已整改",
                 "done": "已办结", "rejected": "不予受理"}
PUBLIC_CLOSED = ("done", "rejected")  # Open311 "closed"; the rest is "open"

DECISIONS = ("approved", "declined")


def fen_to_yuan(fen: int | None) -> str | None:
    """Money is kept in fen (分, integers); shown in yuan with two decimals."""
    return None if fen is None else f"{Decimal(fen) / 100:.2f}"


class Tipoff(Base):
    """A tip-off: what, where (a point routed to its grid and township, or address text for the county's triage
    queue), photos, and how it was handled (rejected, merged into another tip-off or a hazard, converted)."""

    __tablename__ = "tipoffs"
    __table_args__ = (
        CheckConstraint("status IN ('received','rejected','merged','converted')", name="status"),
        CheckConstraint("channel IN ('api','open311')", name="channel"),
        Index("ix_tipoffs_area_status", "area_id", "status"),
        Index("ix_tipoffs_phone_hash", "phone_hash"),
        Index("ix_tipoffs_received_at", "received_at"),
        Index("ix_tipoffs_hazard_id", "hazard_id"),
    )
    __audited__ = True
    # the audit log records that these changed, never their values
    __audit_private__ = ("code_hash", "tracking_code", "phone_cipher", "phone_hash", "name_cipher")

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)  # a retry finds its tip-off
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC of the normalized tracking code
    tracking_code: Mapped[str] = mapped_column(String(16))  # XXXX-XXXX-XX, never looked up by
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)  # WGS-84
    lng: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    photo_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    media_url: Mapped[str | None] = mapped_column(String(1000))  # Open311: a link, shown to staff, never fetched
    name_cipher: Mapped[str | None] = mapped_column(Text)
    name_masked: Mapped[str | None] = mapped_column(String(64))
    phone_cipher: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    # where it sits: its grid when the point is in one, else the township or the county (the triage queue)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    status: Mapped[str] = mapped_column(String(16), default="received")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    public_answer: Mapped[str | None] = mapped_column(Text)  # shown to anyone holding the code, and on Open311
    merged_into_tipoff_id: Mapped[int | None] = mapped_column(ForeignKey("tipoffs.id"))
    merged_into_hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"))
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"))  # converted into
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    def audit_area_id(self) -> int:
        return self.area_id


class TipoffReward(Base):
    """举报奖励: a county admin's decision on a verified tip-off (approved with an amount, or declined), then the
    day it was paid.  Amounts are integer fen (分)."""

    __tablename__ = "tipoff_rewards"
    __table_args__ = (
        CheckConstraint("decision IN ('approved','declined')", name="decision"),
        CheckConstraint("(decision = 'approved' AND amount_fen > 0) OR (decision = 'declined' AND amount_fen IS NULL)",
                        name="amount"),
        CheckConstraint("paid_on IS NULL OR decision = 'approved'", name="paid"),
        Index("ix_tipoff_rewards_decided_day", "decided_day"),
        Index("ix_tipoff_rewards_paid_on", "paid_on"),
    )
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    tipoff_id: Mapped[int] = mapped_column(ForeignKey("tipoffs.id"), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))  # the tip-off's, for the audit log's scope
    decision: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by_name: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_day: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_note: Mapped[str | None] = mapped_column(Text)

    def audit_area_id(self) -> int:
        return self.area_id
