"""What every record made on a phone shares: idempotent creation on the client UUID and a trustworthy time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.common.timeutil import local_day
from server.config import Config
from server.errors import ApiError

T = TypeVar("T")


def create_once(session: Session, model: type[T], user_id: int, client_uuid: str,
                build: Callable[[], T]) -> tuple[T, bool]:
    """(record, created).  A retry of the same UUID by the same user finds the record the first attempt made,
    whatever the body says now; the same UUID from someone else is a 409.  ``build`` runs in a savepoint, so a
    concurrent duplicate that loses the race leaves nothing of its own behind."""
    existing = session.scalar(select(model).where(model.client_uuid == client_uuid))  # type: ignore[attr-defined]
    if existing is not None:
        return _owned(existing, user_id), False
    try:
        with session.begin_nested():
            record = build()
            session.add(record)
            session.flush()
    except IntegrityError:
        existing = session.scalar(select(model).where(model.client_uuid == client_uuid))  # type: ignore[attr-defined]
        if existing is None:
            raise
        return _owned(existing, user_id), False
    return record, True


def _owned(record: Any, user_id: int) -> Any:
    if record.user_id != user_id:
        raise ApiError(409, "client_uuid_conflict", "该 client_uuid 已被其他用户使用")
    return record


@dataclass(frozen=True)
class FieldTime:
    device_time: datetime
    received_at: datetime
    occurred_at: datetime
    day: date
    flags: tuple[str, ...]


def field_time(config: Config, device_time: datetime, received_at: datetime) -> FieldTime:
    """The device's time is trusted within a window (phones are offline for hours, even days); outside it the
    record is kept and flagged, and the server's receive time decides its day."""
    device_time = device_time.astimezone(timezone.utc)  # answered the same way now and on every retry
    behind = received_at - device_time
    plausible = (timedelta(minutes=-config.device_time_max_ahead_minutes) <= behind
                 <= timedelta(hours=config.device_time_max_behind_hours))
    occurred = device_time if plausible else received_at
    return FieldTime(device_time, received_at, occurred, local_day(occurred),
                     () if plausible else ("device_time_implausible",))
