"""Monthly rankings (月排名): the rules they were computed under, drafts and published revisions, and their rows."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, JSONType, UTCDateTime, utcnow


class RankingRule(Base):
    """One version of the ranking rule: metrics, weights, caps, aggregation and tie-break, as a JSON document
    (see server/ranking/rules.py).  Versions are never edited; a change is a new version."""

    __tablename__ = "ranking_rules"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    digest: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def audit_area_id(self) -> None:
        return None


class RankingRun(Base):
    """A county's month's ranking: the draft (``revision`` 0, replaced by every compute) or a published revision
    (1, 2, ...), frozen once written.  Each county ranks, publishes and revises its own month; (county, month,
    revision) is unique, so two publishers racing for the same revision cannot both succeed.

    ``digest`` is the SHA-256 of the inputs: the month, the rule, the working days and every member's figures as
    read from the database, in canonical JSON.  Computing again from unchanged data gives the same digest."""

    __tablename__ = "ranking_runs"
    __table_args__ = (UniqueConstraint("county_id", "month", "revision", name="uq_ranking_runs_county_month_revision"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    month: Mapped[str] = mapped_column(String(7))  # "2026-10", an Asia/Shanghai month
    revision: Mapped[int] = mapped_column(Integer)  # 0: the draft
    status: Mapped[str] = mapped_column(String(16))  # draft | published
    rule_id: Mapped[int] = mapped_column(ForeignKey("ranking_rules.id"))
    rule_version: Mapped[int] = mapped_column(Integer)
    cutoff: Mapped[date] = mapped_column()  # the last day counted: the month's last, or today for a running month
    working_days: Mapped[list[str]] = mapped_column(JSONType)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType)  # members, villages, townships, rows read per source
    digest: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)  # required for revision 2 and later

    rule: Mapped[RankingRule] = relationship(lazy="joined")

    def audit_area_id(self) -> int:
        return self.county_id


class RankingEntry(Base):
    """One row of a board: a member, a village or a township, its ranks, score and every metric's raw value and
    points (``metrics``: {name: {"raw", "num", "den", "points"}}).  Names are copied in, so a published board
    reads the same after people and areas are renamed."""

    __tablename__ = "ranking_entries"
    __table_args__ = (
        Index("ix_ranking_entries_run_level_rank", "run_id", "level", "rank"),
        Index("ix_ranking_entries_run_level_township", "run_id", "level", "township_id", "township_rank"),
        Index("ix_ranking_entries_run_user", "run_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ranking_runs.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(16))  # member | village | township
    rank: Mapped[int] = mapped_column(Integer)  # in the county, among rows of the level
    township_rank: Mapped[int | None] = mapped_column(Integer)  # members and villages: within their township
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))  # the member's display name or the area's name
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))  # member: home grid; else the village/township
    grid_name: Mapped[str | None] = mapped_column(String(64))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    village_name: Mapped[str | None] = mapped_column(String(64))
    township_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    township_name: Mapped[str] = mapped_column(String(64))
    members: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[float] = mapped_column(Float)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType)
