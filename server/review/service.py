"""The township's review queue (证据审核): evidence-bearing records pending a decision, flagged ones first.  A
read-side package: it reads clock-ins, visits, publicity and rectifications of other domains and writes only
through their ``Reviewable`` columns (server/common/records.py).

A decision is an update of the record's review_status, so the audit log records it like every other write;
rejected records are what the ranking discounts.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Sequence

from sqlalchemy import CompoundSelect, String, case, cast, func, literal, select, union_all, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.models import User
from server.auth.scope import Actor
from server.db import utcnow
from server.errors import error, invalid, not_found
from server.hazards.models import RectificationOrder
from server.org.models import Area, subtree_range, township_id_of
from server.patrol import service as patrol
from server.patrol.models import CheckIn, PublicityVisit, Visit
from server.review.models import KINDS, WHEN

# who recorded each kind and on which local day (a rectification: who recorded it, the day it was rectified)
WHO: dict[str, Any] = {"checkin": CheckIn.user_id, "visit": Visit.user_id, "publicity": PublicityVisit.user_id,
                       "rectification": RectificationOrder.rectified_by_id}
DAY: dict[str, Any] = {"checkin": CheckIn.day, "visit": Visit.day, "publicity": PublicityVisit.day,
                       "rectification": RectificationOrder.rectified_day}


STATUSES = ("pending", "decided")


@dataclass(frozen=True)
class QueueFilter:
    """Which records: pending ones (the queue) or decided ones (who decided, when, why), of a kind, flagged
    only, under an area, of a member, recorded between two days."""

    kind: str | None = None
    flagged_only: bool = False
    area_id: int | None = None
    user_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None
    status: str = "pending"
    unflagged_only: bool = False

    @classmethod
    def of(cls, args: dict[str, Any]) -> QueueFilter:
        return cls(kind=args.get("type"), flagged_only=bool(args.get("flagged_only")), area_id=args.get("area_id"),
                   user_id=args.get("user_id"), day_from=args.get("day_from"), day_to=args.get("day_to"),
                   status=args.get("status") or "pending", unflagged_only=bool(args.get("unflagged_only")))


def _unflagged(model: Any) -> Any:
    return cast(model.flags, String) == "[]"


def _selection(session: Session, actor: Actor, f: QueueFilter) -> CompoundSelect[Any]:
    """(kind, id, flagged, at) of every record the filter selects, over all kinds at once, so that flagged-first
    and paging hold over the whole queue (not per kind, not over a first few hundred).  ``at`` orders: when a
    pending record happened, when a decided one was decided."""
    under = None
    if f.area_id is not None:
        area = actor.require_area(session.get(Area, f.area_id), "区域")
        under = subtree_range(area.path)
    parts = []
    for name, model in KINDS.items():
        if f.kind and name != f.kind:
            continue
        flagged = case((_unflagged(model), 0), else_=1)
        if f.status == "decided":
            stmt = (select(literal(name).label("kind"), model.id.label("id"), flagged.label("flagged"),
                           model.reviewed_at.label("at"))
                    .where(model.review_status.in_(("approved", "rejected"))))
        else:
            stmt = (select(literal(name).label("kind"), model.id.label("id"), flagged.label("flagged"),
                           WHEN[name].label("at"))
                    .where(model.review_status == "pending", WHEN[name].is_not(None)))
        stmt = actor.filter_by_area(stmt, model.area_id)
        if under is not None:
            stmt = stmt.where(model.area_id.in_(select(Area.id).where(Area.path >= under[0], Area.path < under[1])))
        if f.flagged_only:
            stmt = stmt.where(flagged == 1)
        if f.unflagged_only:
            stmt = stmt.where(flagged == 0)
        if f.user_id is not None:
            stmt = stmt.where(WHO[name] == f.user_id)
        if f.day_from is not None:
            stmt = stmt.where(DAY[name] >= f.day_from)
        if f.day_to is not None:
            stmt = stmt.where(DAY[name] <= f.day_to)
        parts.append(stmt)
    if not parts:
        raise invalid("type", "记录类型无效")
    return union_all(*parts)


def queue_page(session: Session, actor: Actor, f: QueueFilter, *, offset: int | None = None,
               limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """(one page of the queue, its total): flagged first, then oldest first, each item with the member's, the
    grid's, the township's and the place's names and every photo of the record.  Decided records: the newest
    decision first (those decided before deciders were recorded last)."""
    union = _selection(session, actor, f).subquery()
    total = session.scalar(select(func.count()).select_from(union)) or 0
    order: tuple[Any, ...]
    if f.status == "decided":
        order = (union.c.at.is_(None), union.c.at.desc(), union.c.kind, union.c.id.desc())
    else:
        order = (union.c.flagged.desc(), union.c.at, union.c.kind, union.c.id)
    stmt = select(union.c.kind, union.c.id).order_by(*order)
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    keys = [(k, i) for k, i in session.execute(stmt)]
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, rid in keys:
        by_kind[kind].append(rid)
    records = {(kind, r.id): r for kind, ids in by_kind.items()
               for r in session.scalars(select(KINDS[kind]).where(KINDS[kind].id.in_(ids)))}
    items = [{"type": kind, "record": records[(kind, rid)]} for kind, rid in keys]
    _name(session, items)
    return items, int(total)


def _name(session: Session, items: list[dict[str, Any]]) -> None:
    """Names and photos of a page of items, in one query per table."""
    user_ids = {i["record"].user_id for i in items} | {i["record"].reviewed_by_id for i in items}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids - {None})))}
    area_ids = {i["record"].area_id for i in items}
    areas = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(area_ids)))}
    township_ids = {township_id_of(a.path) for a in areas.values()} - {None}
    townships = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(township_ids)))}
    for item in items:
        record, kind = item["record"], item["type"]
        grid = areas.get(record.area_id)
        item["member"] = users.get(record.user_id)
        item["reviewed_by"] = users.get(record.reviewed_by_id) if record.reviewed_by_id is not None else None
        item["grid"] = grid
        item["township"] = townships.get(township_id_of(grid.path) or 0) if grid else None
        photos = list(record.photo_ids or [])
        answers: list[dict[str, Any]] = []
        if kind == "rectification":
            hazard = record.hazard
            item["place"], item["hazard_id"] = hazard.place, hazard.id
            item["before_photo_ids"] = list(hazard.photo_ids or [])
        else:
            item["place"] = getattr(record, "place", None)
        if kind == "visit":
            answers = [{"item_id": a["item_id"], "photo_ids": list(a.get("photo_ids") or [])}
                       for a in record.answers or [] if a.get("photo_ids")]
        item["answer_photos"] = answers
        item["all_photo_ids"] = list(dict.fromkeys(photos + [p for a in answers for p in a["photo_ids"]]))


def queue(session: Session, actor: Actor, kind: str | None = None, flagged_only: bool = False) -> list[dict[str, Any]]:
    """Every pending record of the actor's scope (of a kind), flagged first, oldest first within each group."""
    return queue_page(session, actor, QueueFilter(kind=kind, flagged_only=flagged_only))[0]


def _load(session: Session, actor: Actor, kind: str, record_id: int) -> Any:
    model = KINDS.get(kind)
    if model is None:
        raise not_found("记录")
    record = session.get(model, record_id)
    if record is None or record.occurred_at is None:
        raise not_found("记录")
    actor.require_area(session.get(Area, record.area_id), "记录")
    return record


def decide(session: Session, actor: Actor, kind: str, record_id: int, decision: str, reason: str | None,
           now: datetime | None = None) -> Any:
    """One decision per record, settled in the database: the UPDATE only applies to a record still pending, so
    of two reviewers (or a double click) deciding at once exactly one wins; the other gets 409 already_decided
    with the decision that stands.  Rejecting a clock-in hands the day's count to the best remaining one."""
    record = _load(session, actor, kind, record_id)
    if decision == "reject" and not (reason or "").strip():
        raise invalid("reason", "驳回必须说明原因")
    status = "approved" if decision == "approve" else "rejected"
    reason = (reason or "").strip() or None
    if kind == "checkin" and status == "rejected":
        _lock_day(session, record.user_id, record.day)
    won = _settle(session, actor, kind, [record.id], {"review_status": status, "review_reason": reason}, now)
    session.refresh(record)
    if not won:
        who = session.get(User, record.reviewed_by_id) if record.reviewed_by_id is not None else None
        raise error("already_decided", {
            "review_status": record.review_status, "review_reason": record.review_reason,
            "reviewed_at": record.reviewed_at.isoformat() if record.reviewed_at else None,
            "reviewed_by": {"id": who.id, "display_name": who.display_name} if who else None})
    if kind == "checkin" and status == "rejected":
        patrol.recount_checkins(session, record.user_id, record.day)
    return {"type": kind, "record": record, "reviewed_by": session.get(User, record.reviewed_by_id)
            if record.reviewed_by_id is not None else None}


def _lock_day(session: Session, user_id: int, day: date) -> None:
    """Rejections of two clock-ins of one member's day recount the same day: they take turns (the day's
    clock-ins locked in id order), so the one-counted-clock-in index is never raced."""
    session.execute(select(CheckIn.id).where(CheckIn.user_id == user_id, CheckIn.day == day)
                    .order_by(CheckIn.id).with_for_update())


def _settle(session: Session, actor: Actor, kind: str, ids: Sequence[int], values: dict[str, Any],
            now: datetime | None) -> list[int]:
    """Decide the listed records that are still pending, in one conditional UPDATE: the ids it changed (a record
    decided meanwhile by someone else is left as it is), each with its audit entry."""
    if not ids:
        return []
    model = KINDS[kind]
    at = now or utcnow()
    decided = {**values, "reviewed_by_id": actor.user_id or None, "reviewed_at": at}
    rows = session.execute(update(model).where(model.id.in_(list(ids)), model.review_status == "pending")
                           .values(**decided).returning(model.id, model.area_id)
                           .execution_options(synchronize_session=False)).all()
    table = model.__tablename__  # type: ignore[attr-defined]  # every reviewable kind is a mapped table
    summary = {k: {"from": "pending" if k == "review_status" else None, "to": v}
               for k, v in decided.items() if v is not None}
    for rid, area_id in rows:
        audit.record(session, f"{table}.update", table, rid, area_id=area_id, summary=summary)
    session.flush()
    return [rid for rid, _ in rows]


def bulk_approve(session: Session, actor: Actor, kind: str | None, ids: Sequence[int] | None,
                 now: datetime | None = None) -> int:
    """Approve the listed unflagged pending records of a kind in scope; flagged ones need a person to look, and a
    record decided meanwhile is not decided again.  The number approved."""
    if kind is None or not ids:
        raise invalid("ids", "请列出要批量通过的记录")
    model = KINDS[kind]
    eligible = session.scalars(actor.filter_by_area(
        select(model.id).where(model.id.in_(list(ids)), model.review_status == "pending", _unflagged(model),
                               WHEN[kind].is_not(None)), model.area_id)).all()
    return len(_settle(session, actor, kind, eligible, {"review_status": "approved", "review_reason": None}, now))


def bulk_approve_matching(session: Session, actor: Actor, f: QueueFilter, expected_count: int,
                          now: datetime | None = None) -> int:
    """Approve every unflagged pending record the filter selects, if there are as many as the admin was shown
    (``expected_count``); otherwise nothing, 409 count_changed.  The number approved: fewer than expected when
    some were decided by someone else between the count and the update."""
    f = QueueFilter(kind=f.kind, area_id=f.area_id, user_id=f.user_id, day_from=f.day_from, day_to=f.day_to,
                    unflagged_only=True)
    union = _selection(session, actor, f).subquery()
    keys = session.execute(select(union.c.kind, union.c.id)).all()
    if len(keys) != expected_count:
        raise error("count_changed", {"expected": expected_count, "actual": len(keys)})
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, rid in keys:
        by_kind[kind].append(rid)
    return sum(len(_settle(session, actor, kind, ids, {"review_status": "approved", "review_reason": None}, now))
               for kind, ids in by_kind.items())
