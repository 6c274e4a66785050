"""What the phone needs beyond single records: a batch of offline records in one call, and the home screen."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.scope import Actor
from server.common.records import Created
from server.common.timeutil import local_day
from server.config import Config
from server.dispatch import service as dispatch
from server.errors import ApiError, translate_messages
from server.hazards import service as hazards
from server.hazards.models import Hazard, RectificationOrder
from server.hazards.schemas import HazardCreate
from server.org.models import Area
from server.patrol import service as patrol
from server.patrol.models import CheckIn, FieldRecord, PublicityVisit, Visit
from server.patrol.schemas import CheckInCreate, PublicityCreate, VisitCreate
from server.places.models import Place
from server.reports import service as reports
from server.reports.models import DailyReport
from server.reports.schemas import ReportSubmit

Handler = Callable[[Session, Config, Actor, dict[str, Any], datetime], Created[Any]]

HANDLERS: dict[str, tuple[type[ma.Schema], Handler]] = {
    "checkin": (CheckInCreate, patrol.check_in),
    "visit": (VisitCreate, patrol.record_visit),
    "publicity": (PublicityCreate, patrol.record_publicity),
    "report": (ReportSubmit, lambda s, _c, a, d, now: reports.submit(s, a, d, now)),
    "hazard": (HazardCreate, lambda s, c, a, d, now: hazards.create_hazard(s, a, d, now,
                                                                            tolerance_m=c.geofence_tolerance_m)),
}


@dataclass
class SyncResult:
    index: int
    type: str
    status: str
    id: int | None = None
    error: dict[str, Any] | None = None


def sync(session: Session, config: Config, actor: Actor, items: list[dict[str, Any]], now: datetime) -> list[SyncResult]:
    """Each item in the order the phone made them, each in its own savepoint: one bad item never rolls back the
    good ones.  An item is created, a duplicate of an earlier upload, or an error in the API's error shape."""
    if len(items) > config.sync_batch_limit:
        raise ApiError(413, "sync_batch_too_large", f"每批最多 {config.sync_batch_limit} 条记录, 请分批同步",
                       {"limit": config.sync_batch_limit, "received": len(items)})
    results = []
    for index, item in enumerate(items):
        kind = item["type"]
        if kind not in HANDLERS:  # a newer phone's record type: that item's error, the others go on
            results.append(SyncResult(index, kind, "error", error={
                "code": "unknown_type", "message": "不支持的记录类型, 请升级服务器或删除该记录",
                "detail": {"fields": {"type": [f"应为 {', '.join(HANDLERS)} 之一"]}, "known": list(HANDLERS)}}))
            continue
        schema, handler = HANDLERS[kind]
        try:
            data = schema().load(item["data"])
            with session.begin_nested():
                outcome = handler(session, config, actor, data, now)
            results.append(SyncResult(index, kind, "created" if outcome.created else "duplicate", outcome.record.id))
        except ma.ValidationError as exc:
            results.append(SyncResult(index, kind, "error", error={
                "code": "validation_error", "message": "请求参数校验失败", "detail": {"fields": translate_messages(exc.messages)}}))
        except ApiError as exc:
            results.append(SyncResult(index, kind, "error", error={
                "code": exc.code, "message": exc.message, "detail": exc.detail}))
    return results


REJECTED_DAYS = 30  # how far back the home screen shows records a reviewer rejected
REVIEWED_KINDS: dict[str, type[FieldRecord]] = {"checkin": CheckIn, "visit": Visit, "publicity": PublicityVisit}


def awaiting_recheck(session: Session, actor: Actor) -> list[Hazard]:
    """Hazards of the member's grids rectified and waiting for a re-check the member may make (not their own
    rectification), oldest rectification first."""
    return list(session.scalars(
        select(Hazard).where(Hazard.area_id.in_(actor.area_ids), Hazard.status == "rectified",
                             (Hazard.rectified_by_id.is_(None)) | (Hazard.rectified_by_id != actor.user_id))
        .order_by(Hazard.rectified_at, Hazard.id).limit(50)))


def rejected_records(session: Session, actor: Actor, day: date) -> list[dict[str, Any]]:
    """The member's own records a reviewer rejected in the last REJECTED_DAYS days, with the reason, newest
    first: the member sees why (a rejected clock-in does not count)."""
    since = day - timedelta(days=REJECTED_DAYS)
    out: list[dict[str, Any]] = []
    for kind, model in REVIEWED_KINDS.items():
        for record in session.scalars(select(model).where(model.user_id == actor.user_id, model.day >= since,
                                                          model.review_status == "rejected")):
            out.append({"type": kind, "id": record.id, "day": record.day, "occurred_at": record.occurred_at,
                        "reason": record.review_reason, "place": getattr(record, "place", None)})
    for order in session.scalars(select(RectificationOrder).where(
            RectificationOrder.rectified_by_id == actor.user_id, RectificationOrder.rectified_day >= since,
            RectificationOrder.review_status == "rejected")):
        out.append({"type": "rectification", "id": order.id, "day": order.rectified_day,
                    "occurred_at": order.rectified_at, "reason": order.review_reason, "place": order.hazard.place,
                    "hazard_id": order.hazard_id})
    out.sort(key=lambda r: (r["occurred_at"], r["type"], r["id"]), reverse=True)
    return out


def my_grids(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The member's grids with their boundaries, the village and township above each, and every place in them:
    what the phone's map and offline cache need, in one call."""
    grids = list(session.scalars(select(Area).where(Area.id.in_(actor.area_ids)).order_by(Area.code)))
    by_grid: dict[int, list[Place]] = {g.id: [] for g in grids}
    for place in session.scalars(select(Place).where(Place.area_id.in_(actor.area_ids), Place.deleted_at.is_(None))
                                 .order_by(Place.name, Place.id)):
        by_grid[place.area_id].append(place)

    def above(area: Area, level: str) -> Area | None:
        node = area.parent
        while node is not None and node.level != level:
            node = node.parent
        return node

    return [{"grid": g, "village": above(g, "village"), "township": above(g, "township"), "places": by_grid[g.id]}
            for g in grids]


def today(session: Session, actor: Actor, now: datetime) -> dict[str, Any]:
    """The home screen in one call: clock-in state, today's tasks, visits so far, report state, places due,
    hazards waiting for the member's re-check and the member's rejected records with the reviewer's reason."""
    day = local_day(now)
    summary = patrol.day_summary(session, actor.user_id, day)
    tasks = list(session.scalars(dispatch.my_assignments(actor, status="open")))
    report = session.scalar(select(DailyReport).where(DailyReport.user_id == actor.user_id, DailyReport.day == day))
    return {
        "date": day,
        "checkin": summary["counted_checkin"],
        "checkins_today": len(summary["checkins"]),
        "tasks": tasks,
        "tasks_overdue": sum(1 for a in tasks if a.task.due_date < day),
        "visits": summary["visits"],
        "publicity": summary["publicity"],
        "report": report,
        "places_due": patrol.places_due(session, actor, day),
        "rechecks": awaiting_recheck(session, actor),
        "rejected": rejected_records(session, actor, day),
    }
