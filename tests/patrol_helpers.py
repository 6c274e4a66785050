"""Bodies the phone sends, with the contract's field names."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from server.common.timeutil import LOCAL_TZ
from tests.photos import photo_id


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """An Asia/Shanghai wall-clock time as an aware UTC datetime."""
    return datetime(y, mo, d, h, mi, s, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).isoformat()


def checkin(now: datetime, lat: float = 29.2, lng: float = 120.05, **extra: Any) -> dict[str, Any]:
    return {"client_uuid": str(uuid.uuid4()), "device_time": iso(now),
            "location": {"lat": lat, "lng": lng, "accuracy": 12.0, "coord_system": "wgs84"},
            "photo_ids": [photo_id("m1", "checkin")]} | extra


def fire_answers(**overrides: Any) -> list[dict[str, Any]]:
    """Every item of fire-safety v1 answered "all fine" (photos where the checklist needs them)."""
    answers = {f"F{i:02d}": "yes" for i in range(1, 13)}
    answers["F13"] = 3
    answers.update(overrides)
    return [{"item_id": k, "value": v, **({"photo_ids": [photo_id("m1", "hazard")]} if k in ("F02", "F04") else {})}
            for k, v in answers.items()]


def visit(now: datetime, place_id: int, lat: float = 29.2, lng: float = 120.05, **extra: Any) -> dict[str, Any]:
    return {"client_uuid": str(uuid.uuid4()), "device_time": iso(now), "place_id": place_id,
            "checklist_id": "fire-safety", "checklist_version": 1, "answers": fire_answers(),
            "location": {"lat": lat, "lng": lng, "accuracy": 8.0}, "photo_ids": [photo_id("m1", "visit")]} | extra


def publicity(now: datetime, place_id: int, **extra: Any) -> dict[str, Any]:
    return {"client_uuid": str(uuid.uuid4()), "device_time": iso(now), "place_id": place_id,
            "materials": ["消防安全宣传单"], "people_reached": 4, "photo_ids": [photo_id("m1", "publicity")],
            "location": {"lat": 29.2, "lng": 120.05}} | extra


def report(day: str, **extra: Any) -> dict[str, Any]:
    return {"client_uuid": str(uuid.uuid4()), "date": day, "notes": "今日巡查正常"} | extra
