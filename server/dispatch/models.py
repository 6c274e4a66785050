"""Daily dispatch (每日一调度): tasks a township hands to its members."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from server.auth.models import User
    from server.places.models import Place

KINDS = ("visit", "recheck", "publicity", "other")
KIND_LABELS = {"visit": "走访检查", "recheck": "隐患复查", "publicity": "安全宣传", "other": "其他"}


class Task(Base):
    """A task (调度任务): what to do, at which places, by when.  Assigned to one or more members."""

    __tablename__ = "tasks"
    __table_args__ = (CheckConstraint("kind IN ('visit','recheck','publicity','other')", name="kind"),
                      Index("ix_tasks_area_due", "area_id", "due_date"))
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))  # the township that dispatched it
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    targets: Mapped[list["TaskTarget"]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    assignments: Mapped[list["TaskAssignment"]] = relationship(lazy="selectin", cascade="all, delete-orphan",
                                                               back_populates="task")

    def audit_area_id(self) -> int:
        return self.area_id

    @property
    def places(self) -> list["Place"]:
        return [t.place for t in self.targets]

    @property
    def summary(self) -> dict[str, int]:
        """How many assignees there are and how many of them are done."""
        done = sum(a.status == "done" for a in self.assignments)
        return {"assignees": len(self.assignments), "done": done, "open": len(self.assignments) - done}


class TaskTarget(Base):
    __tablename__ = "task_targets"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), primary_key=True)

    place: Mapped["Place"] = relationship(lazy="selectin")


class TaskAssignment(Base):
    """One member's share of a task; done when every target place has a matching record (or, for kind "other",
    when the member says so)."""

    __tablename__ = "task_assignments"
    __table_args__ = (UniqueConstraint("task_id", "user_id", name="uq_task_assignments_task_user"),
                      Index("ix_task_assignments_user_status", "user_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | done
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_day: Mapped[date | None] = mapped_column(Date)
    completion_note: Mapped[str | None] = mapped_column(String(255))

    task: Mapped[Task] = relationship(back_populates="assignments", lazy="joined")
    progress: Mapped[list["TaskProgress"]] = relationship(lazy="selectin", cascade="all, delete-orphan")
    user: Mapped["User"] = relationship(lazy="selectin")

    @property
    def counts(self) -> dict[str, int]:
        """Target places done of all (a task without places: 0 of 0, done when the member says so)."""
        return {"done": len(self.progress), "total": len(self.task.targets)}


class TaskProgress(Base):
    """A target place done by an assignee, and which record did it."""

    __tablename__ = "task_progress"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("task_assignments.id", ondelete="CASCADE"), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int] = mapped_column()
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)

    place: Mapped["Place"] = relationship(lazy="selectin")
