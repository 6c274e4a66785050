"""The township's review queue (证据审核): evidence-bearing records pending a decision, flagged ones first.  A
read-side package: it reads clock-ins, visits, publicity and rectifications of other domains and writes only
through their ``Reviewable`` columns (server/common/records.py).

A decision is an update of the record's review_status, so the audit log records it like every other write;
rejected records are what the ranking discounts.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from sqlalchemy import CompoundSelect, String, case, cast, func, literal, select, union_all
from sqlalchemy.orm import Session

from server.auth.models import User
from server.auth.scope import Actor
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


@dataclass(frozen=True)
class QueueFilter:
    """Which pending records: of a kind, flagged only, under an area, of a member, recorded between two days."""

    kind: str | None = None
    flagged_only: bool = False
    area_id: int | None = None
    user_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None

    @classmethod
    def of(cls, args: dict[str, Any]) -> QueueFilter:
        return cls(kind=args.get("type"), flagged_only=bool(args.get("flagged_only")), area_id=args.get("area_id"),
                   user_id=args.get("user_id"), day_from=args.get("day_from"), day_to=args.get("day_to"))


def _pending(session: Session, actor: Actor, f: QueueFilter) -> CompoundSelect[Any]:
    """(kind, id, flagged, when) of every pending record the filter selects, over all kinds at once, so that
    flagged-first and paging hold over the whole queue (not per kind, not over a first few hundred)."""
    under = None
    if f.area_id is not None:
        area = actor.require_area(session.get(Area, f.area_id), "区域")
        under = subtree_range(area.path)
    parts = []
    for name, model in KINDS.items():
        if f.kind and name != f.kind:
            continue
        flagged = case((cast(model.flags, String) == "[]", 0), else_=1)
        stmt = (select(literal(name).label("kind"), model.id.label("id"), flagged.label("flagged"),
                       WHEN[name].label("at"))
                .where(model.review_status == "pending", WHEN[name].is_not(None)))
        stmt = actor.filter_by_area(stmt, model.area_id)
        if under is not None:
            stmt = stmt.where(model.area_id.in_(select(Area.id).where(Area.path >= under[0], Area.path < under[1])))
        if f.flagged_only:
            stmt = stmt.where(flagged == 1)
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
    grid's, the township's and the place's names and every photo of the record."""
    union = _pending(session, actor, f).subquery()
    total = session.scalar(select(func.count()).select_from(union)) or 0
    stmt = select(union.c.kind, union.c.id).order_by(union.c.flagged.desc(), union.c.at, union.c.kind, union.c.id)
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
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(
        {i["record"].user_id for i in items if i["record"].user_id is not None})))}
    area_ids = {i["record"].area_id for i in items}
    areas = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(area_ids)))}
    township_ids = {township_id_of(a.path) for a in areas.values()} - {None}
    townships = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(township_ids)))}
    for item in items:
        record, kind = item["record"], item["type"]
        grid = areas.get(record.area_id)
        item["member"] = users.get(record.user_id)
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


def decide(session: Session, actor: Actor, kind: str, record_id: int, decision: str, reason: str | None) -> Any:
    record = _load(session, actor, kind, record_id)
    if decision == "reject" and not (reason or "").strip():
        raise invalid("reason", "驳回必须说明原因")
    if record.review_status != "pending":
        raise error("review_decided", {"review_status": record.review_status})
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
