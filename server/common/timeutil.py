"""Time: stored in UTC; a "day" or "month" is one in Asia/Shanghai, whatever the server's own time zone."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


def local_day(moment: datetime) -> date:
    """The Asia/Shanghai calendar day of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(LOCAL_TZ).date()


def day_bounds_utc(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a local day, in UTC."""
    start = datetime.combine(day, time.min, tzinfo=LOCAL_TZ)
    end = start + timedelta(days=1)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def local_text(moment: datetime | str | None, empty: str = "") -> str:
    """A moment as people in the county write it, in Asia/Shanghai: ``2026-12-01 14:13``.  Takes an aware
    datetime or its ISO text (as frozen documents store it); every export and printed page goes through here."""
    if moment is None or moment == "":
        return empty
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
