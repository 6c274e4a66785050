"""The job row: the one source of truth of a background job's state, whatever queue carries it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, JSONType, UTCDateTime, utcnow

STATES = ("queued", "running", "done", "failed")
ACTIVE = ("queued", "running")


class Job(Base):
    """A background job (后台任务): what to do (kind, params), for whom (requested_by) and in which area (the
    scope that may see it), and how far it got.  The queue only carries the id; a job whose work committed is
    ``done`` in the same transaction, so a redelivered job never runs twice."""

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("state IN ('queued','running','done','failed')", name="state"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
        Index("ix_jobs_area_created", "area_id", "created_at"),
        Index("ix_jobs_requested_by_created", "requested_by_id", "created_at"),
        Index("ix_jobs_kind_dedupe_state", "kind", "dedupe_key", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # the same kind with the same params in the same area while one is queued or running: that job, not another
    dedupe_key: Mapped[str] = mapped_column(String(64))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(10), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(200), default="排队等待中")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    # the error as the API would answer it: {status, detail}
    error_detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
