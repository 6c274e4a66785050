"""The township's review queue (证据审核): evidence-bearing records pending a decision, flagged ones first.  A
read-side package: it reads clock-ins, visits, publicity and rectifications of other domains and writes only
through their ``Reviewable`` columns (server/common/records.py).

A decision is an update of the record's review_status, so the audit log records it like every other write;
rejected records are what the ranking discounts.
"""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.scope import Actor
from server.errors import conflict, invalid, not_found
from server.org.models import Area
from server.patrol import service as patrol
from server.review.models import KINDS, WHEN

QUEUE_LIMIT = 500


def queue(session: Session, actor: Actor, kind: str | None = None, flagged_only: bool = False) -> list[dict[str, Any]]:
    """Pending records of the actor's scope, flagged first, oldest first within each group."""
    items: list[dict[str, Any]] = []
    for name, model in KINDS.items():
        if kind and name != kind:
            continue
        stmt = actor.filter_by_area(select(model), model.area_id).where(model.review_status == "pending",
                                                                        WHEN[name].is_not(None))
        for record in session.scalars(stmt.order_by(WHEN[name]).limit(QUEUE_LIMIT)):
            if flagged_only and not record.flags:
                continue
            items.append({"type": name, "record": record})
    items.sort(key=lambda i: (not i["record"].flags, i["record"].occurred_at))
    return items


def _load(session: Session, actor: Actor, kind: str, record_id: int) -> Any:
    model = KINDS.get(kind)
    if model is None:
        raise not_found("记录")
    record = session.get(model, record_id)
    if record is None or record.occurred_at is None:
        raise not_found("记录")
    actor.require_area(session.get(Area, record.area_id), "记录")
    return record


def decide(session: Session, actor: Actor, kind: str, record_id: int, decision: str, reason: str | None) -> Any:
    record = _load(session, actor, kind, record_id)
    if decision == "reject" and not (reason or "").strip():
        raise invalid("reason", "驳回必须说明原因")
    if record.review_status != "pending":
        raise conflict("review_decided", "该记录已审核", {"review_status": record.review_status})
    record.review_status = "approved" if decision == "approve" else "rejected"
    record.review_reason = (reason or "").strip() or None
    session.flush()
    if kind == "checkin" and record.review_status == "rejected":
        patrol.recount_checkins(session, record.user_id, record.day)
    return record


def bulk_approve(session: Session, actor: Actor, kind: str | None, ids: Sequence[int] | None) -> int:
    """Approve every unflagged pending record in scope (optionally only the listed ones); flagged ones need a
    person to look."""
    count = 0
    for item in queue(session, actor, kind):
        record = item["record"]
        if record.flags or (ids is not None and record.id not in ids):
            continue
        record.review_status = "approved"
        count += 1
    session.flush()
    return count
