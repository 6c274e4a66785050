"""Hazards and their closed loop (闭环整改): an explicit state machine with the roles of each step and a full
history, overdue orders and their escalation, supervision of major hazards (挂牌督办), lists, statistics and the
documents (an XLSX export, the printable rectification order).

The loop::

    reported ──order──▶ ordered ──rectify──▶ rectified ──recheck(pass)──▶ rechecked ──close──▶ closed (销号)
       │                   ▲                     │
       └─reject─▶ rejected └──recheck(fail), a new order with a new deadline

Who may take a step is the role permission of ``STEPS`` (kept with every other permission in
server/auth/scope.py) plus the area scope (a hazard outside it is a 404).  Rules on top of the role:

* a re-check is never made by the person who recorded the rectification (403 ``recheck_by_rectifier``);
* a passing re-check closes the hazard in the same step when the person re-checking may close it; otherwise the
  hazard waits in ``rechecked`` for someone who may;
* a member never closes a major hazard (403 ``major_hazard_needs_admin``);
* a hazard listed for supervision is closed only by a county admin: their passing re-check or their ``close`` of
  the ``rechecked`` hazard is the sign-off (403 ``supervision_sign_off_required`` for anyone else).

Every step changes the hazard with ``UPDATE ... WHERE id = :id AND version = :seen`` (the mapper's version
column): of concurrent steps on one hazard exactly one matches its row, the others answer 409 ``hazard_changed``
and change nothing.  Any step the hazard's status does not allow answers 409 ``hazard_transition_invalid``.
"""
from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Sequence

from sqlalchemy import Select, and_, case, func, or_, select, text
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from server.auth.scope import Actor
from server.checklists.service import Finding
from server.common.geo import to_wgs84
from server.common.records import ListFilters, create_once
from server.common.timeutil import local_day
from server.common.vocab import SECTORS
from server.config import Config
from server.dispatch import service as dispatch
from server.evidence import service as evidence
from server.errors import ApiError, conflict, invalid, not_found
from server.hazards.models import (LEVEL_LABELS, OPEN_STATUSES, SOURCE_LABELS, STATUS_LABELS, SUPERVISION_LABELS,
                                   Hazard, HazardEvent, HazardSupervision, RectificationOrder)
from server.org.models import Area, subtree_range
from server.places import service as places
from server.places.models import Place

# --- the state machine ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    permission: str  # the roles: PERMISSIONS[permission] in server/auth/scope.py
    sources: tuple[str, ...]  # the statuses it may start from
    targets: tuple[str, ...]  # the statuses it may lead to


STEPS: dict[str, Step] = {s.action: s for s in (
    Step("order", "责令限期整改", "hazard:order", ("reported",), ("ordered",)),
    Step("reject", "不予认定", "hazard:reject", ("reported",), ("rejected",)),
    Step("rectify", "整改完成", "hazard:rectify", ("ordered",), ("rectified",)),
    Step("recheck", "复查", "hazard:recheck", ("rectified",), ("rechecked", "closed", "ordered")),
    Step("close", "销号", "hazard:close", ("rechecked",), ("closed",)),
)}

# every (from, to) the loop allows, and by which step: the whole machine in one table
TRANSITIONS: dict[tuple[str, str], str] = {(src, dst): s.action for s in STEPS.values()
                                           for src in s.sources for dst in s.targets}


def allowed_actions(status: str) -> list[str]:
    return [s.action for s in STEPS.values() if status in s.sources]


def _transition_invalid(hazard: Hazard, action: str) -> ApiError:
    return conflict("hazard_transition_invalid",
                    f"隐患当前状态为「{STATUS_LABELS[hazard.status]}」, 不能执行「{STEPS[action].label}」",
                    {"status": hazard.status, "action": action, "allowed": allowed_actions(hazard.status)})


def _changed() -> ApiError:
    return conflict("hazard_changed", "该隐患刚被他人处理, 请刷新后重试")


# --- creating hazards -------------------------------------------------------------------------------------------------

def _event(hazard: Hazard, actor: Actor | None, action: str, from_status: str | None, to_status: str, at: datetime,
           data: dict[str, Any] | None = None, client_uuid: str | None = None) -> HazardEvent:
    event = HazardEvent(action=action, from_status=from_status, to_status=to_status,
                        actor_id=actor.user_id if actor and actor.user_id else None,
                        actor_name=actor.display_name if actor else "系统", actor_role=actor.role if actor else None,
                        at=at, data=data or {}, client_uuid=client_uuid)
    hazard.events.append(event)
    return event


def report_from_finding(session: Session, *, finding: Finding, place_id: int, area_id: int, sector: str,
                        user_id: int, visit_id: int, lat: float, lng: float, found_at: datetime,
                        found_day: date) -> Hazard:
    description = finding.text if not finding.note else f"{finding.text} — {finding.note}"
    hazard = Hazard(place_id=place_id, area_id=area_id, sector=sector, category=finding.category,
                    level=finding.level, description=description[:2000], status="reported", source="patrol",
                    found_by_id=user_id, visit_id=visit_id, checklist_item=finding.item_id, lat=lat, lng=lng,
                    photo_ids=list(finding.photo_ids), found_at=found_at, found_day=found_day)
    hazard.events.append(HazardEvent(action="create", from_status=None, to_status="reported", actor_id=user_id,
                                     actor_name="网格员", actor_role="member", at=found_at,
                                     data={"source": "patrol", "visit_id": visit_id}))
    session.add(hazard)
    return hazard


@dataclass(frozen=True)
class Created:
    record: Hazard
    created: bool


def create_hazard(session: Session, actor: Actor, data: dict[str, Any], now: datetime) -> Created:
    """A hazard found by an inspector (执法检查) or a township admin (乡镇排查) at a place of their scope."""
    found_at = data.get("found_at") or now
    if found_at > now + timedelta(minutes=10):
        raise invalid("found_at", "发现时间不能晚于当前时间")
    sector = data.get("sector")
    if sector is not None and sector not in SECTORS:
        raise invalid("sector", "行业领域不在目录中")

    def build() -> Hazard:
        place = places.get_place(session, actor, data["place_id"])
        evidence.attach(session, actor, data.get("photo_ids", []), kind="hazard",
                        record=f"hazards:{data.get('client_uuid') or uuid.uuid4()}")
        lat, lng = place.lat, place.lng
        if data.get("location"):
            loc = data["location"]
            lat, lng = to_wgs84(loc["lat"], loc["lng"], loc.get("coord_system", "wgs84"))
        source = "inspector" if actor.role == "inspector" else "admin"
        hazard = Hazard(client_uuid=str(data["client_uuid"]) if data.get("client_uuid") else None,
                        place_id=place.id, area_id=place.area_id, sector=sector or place.sector,
                        category=data["category"], level=data["level"], description=data["description"],
                        status="reported", source=source, found_by_id=actor.user_id, lat=lat, lng=lng,
                        photo_ids=list(data.get("photo_ids", [])), found_at=found_at, found_day=local_day(found_at))
        _event(hazard, actor, "create", None, "reported", now, {"source": source})
        return hazard

    if data.get("client_uuid"):
        record, created = create_once(session, Hazard, actor.user_id, str(data["client_uuid"]), build,
                                      owner="found_by_id")
        return Created(record, created)
    hazard = build()
    session.add(hazard)
    session.flush()
    return Created(hazard, True)


def create_from_tipoff(session: Session, actor: Actor, *, tipoff_id: int, grid_id: int | None,
                       place_id: int | None, sector: str | None, category: str, level: str, description: str,
                       lat: float | None, lng: float | None, photo_ids: Sequence[str], found_at: datetime,
                       now: datetime) -> Hazard:
    """A hazard (source ``tipoff``) made from a tip-off by the admin triaging it: at a place of their scope (the
    place's grid and sector), or without a place in the grid that contains the tip-off's point.  The tip-off's
    photos were validated and attached when it came in; they become the hazard's before-photos as they are.
    The hazard was found when the tip-off came in (``found_at``)."""
    if level not in LEVEL_LABELS:
        raise invalid("level", "隐患等级无效")
    place = places.get_place(session, actor, place_id) if place_id is not None else None
    area_id = place.area_id if place is not None else grid_id
    if area_id is None:
        raise invalid("place_id", "该举报没有落在网格内的位置, 请选择隐患所在的企业(场所)")
    area = actor.require_area(session.get(Area, area_id), "网格")
    if area.level != "grid":
        raise invalid("place_id", "隐患须落在网格内, 请选择隐患所在的企业(场所)")
    sector = sector or (place.sector if place is not None else None)
    if sector is None or sector not in SECTORS:
        raise invalid("sector", "请选择行业领域")
    if lat is None and place is not None:
        lat, lng = place.lat, place.lng
    hazard = Hazard(place_id=place.id if place else None, area_id=area.id, sector=sector, category=category[:32],
                    level=level, description=description[:2000], status="reported", source="tipoff",
                    found_by_id=None, lat=lat, lng=lng, photo_ids=list(photo_ids), found_at=found_at,
                    found_day=local_day(found_at), tipoff_id=tipoff_id)
    _event(hazard, actor, "create", None, "reported", now, {"source": "tipoff", "tipoff_id": tipoff_id})
    session.add(hazard)
    session.flush()
    return hazard


# --- what the public sees of a hazard (a tip-off's tracking page) -----------------------------------------------------

# the hazard's status as the tipster reads it: 已受理 / 整改中 / 已整改 / 已办结 (a hazard found not to be one after
# all is also 已办结; the tip-off's public answer says why)
PUBLIC_STATUS = {"reported": "accepted", "ordered": "rectifying", "rectified": "rectified",
                 "rechecked": "rectified", "closed": "done", "rejected": "done"}


@dataclass(frozen=True)
class PublicProgress:
    status: str
    steps: list[tuple[str, datetime]]  # (public status, when it was reached), in order
    updated_at: datetime


def public_progress(session: Session, hazard_id: int) -> PublicProgress:
    """The hazard's progress in public terms, from its history: no names, no places, no measures."""
    hazard = session.get(Hazard, hazard_id)
    if hazard is None:
        raise not_found("隐患")
    steps: list[tuple[str, datetime]] = []
    for e in hazard.events:
        public = PUBLIC_STATUS.get(e.to_status)
        if public is not None and (not steps or steps[-1][0] != public):
            steps.append((public, e.at))
    return PublicProgress(PUBLIC_STATUS[hazard.status], steps, hazard.updated_at)


def public_statuses(session: Session, hazard_ids: Iterable[int]) -> dict[int, tuple[str, datetime]]:
    """{hazard id: (public status, last change)} for many hazards in one query (the Open311 list)."""
    ids = sorted(set(hazard_ids))
    if not ids:
        return {}
    rows = session.execute(select(Hazard.id, Hazard.status, Hazard.updated_at).where(Hazard.id.in_(ids)))
    return {r.id: (PUBLIC_STATUS[r.status], r.updated_at) for r in rows}


def verified(session: Session, hazard_id: int) -> bool:
    """A tip-off converted into this hazard was true: the hazard was not rejected (不予认定)."""
    status = session.scalar(select(Hazard.status).where(Hazard.id == hazard_id))
    return status is not None and status != "rejected"


# --- reading ----------------------------------------------------------------------------------------------------------

def get_hazard(session: Session, actor: Actor, hazard_id: int) -> Hazard:
    """The hazard, if the actor's scope covers its area; otherwise the 404 a missing hazard gets."""
    hazard = session.get(Hazard, hazard_id)
    if hazard is None or not actor.covers(hazard.area.path):
        raise not_found("隐患")
    return hazard


def for_visit(session: Session, visit_id: int) -> list[Hazard]:
    return list(session.scalars(select(Hazard).where(Hazard.visit_id == visit_id).order_by(Hazard.id)))


@dataclass(frozen=True)
class Filters(ListFilters):
    """The list filters: area (its whole subtree), sector, level, status, source, place, overdue, escalated,
    supervised, and the period in which the hazards were found (local days, inclusive)."""

    area_id: int | None = None
    sector: str | None = None
    level: str | None = None
    status: tuple[str, ...] = ()
    source: str | None = None
    place_id: int | None = None
    overdue: bool | None = None
    escalated: bool | None = None
    supervised: bool | None = None
    start: date | None = None
    end: date | None = None


def overdue_clause(today: date) -> Any:
    """An order whose deadline (the end of that local day) has passed without a rectification."""
    return and_(Hazard.status == "ordered", Hazard.deadline < today)


def escalated_clause(today: date, escalation_days: int) -> Any:
    """Overdue by more than ``escalation_days`` days: the deadline ended more than that long ago."""
    return and_(Hazard.status == "ordered", Hazard.deadline < today - timedelta(days=escalation_days))


def _area_range(session: Session, actor: Actor, area_id: int) -> tuple[str, str]:
    area = session.get(Area, area_id)
    if area is None or not actor.covers(area.path):
        # a filter, not an object: an area outside the scope lists nothing, like one that does not exist
        return "", ""
    return subtree_range(area.path)


def _filtered(session: Session, actor: Actor, stmt: Select[Any], f: Filters, today: date,
              escalation_days: int) -> Select[Any]:
    """``stmt`` (a select from hazards) limited to the actor's scope and narrowed by the filters."""
    stmt = actor.filter_by_area(stmt, Hazard.area_id)
    if f.area_id is not None:
        lo, hi = _area_range(session, actor, f.area_id)
        stmt = stmt.where(Area.path >= lo, Area.path < hi)
    if f.sector:
        stmt = stmt.where(Hazard.sector == f.sector)
    if f.level:
        stmt = stmt.where(Hazard.level == f.level)
    if f.status:
        stmt = stmt.where(Hazard.status.in_(f.status))
    if f.source:
        stmt = stmt.where(Hazard.source == f.source)
    if f.place_id is not None:
        stmt = stmt.where(Hazard.place_id == f.place_id)
    if f.start is not None:
        stmt = stmt.where(Hazard.found_day >= f.start)
    if f.end is not None:
        stmt = stmt.where(Hazard.found_day <= f.end)
    if f.overdue is not None:
        stmt = stmt.where(overdue_clause(today) if f.overdue else ~overdue_clause(today))
    if f.escalated is not None:
        clause = escalated_clause(today, escalation_days)
        stmt = stmt.where(clause if f.escalated else ~clause)
    if f.supervised is not None:
        has = select(HazardSupervision.id).where(HazardSupervision.hazard_id == Hazard.id).exists()
        stmt = stmt.where(has if f.supervised else ~has)
    return stmt


def list_query(session: Session, actor: Actor, filters: Filters, *, today: date,
               escalation_days: int) -> Select[tuple[Hazard]]:
    """Hazards in the actor's scope narrowed by ``filters``, newest first."""
    stmt = _filtered(session, actor, select(Hazard), filters, today, escalation_days)
    return stmt.options(joinedload(Hazard.area), joinedload(Hazard.place)).order_by(Hazard.id.desc())


def escalated_query(session: Session, actor: Actor, *, today: date, escalation_days: int) -> Select[tuple[Hazard]]:
    """Orders overdue by more than ``escalation_days`` days, longest overdue first (the county's list)."""
    stmt = _filtered(session, actor, select(Hazard), Filters(escalated=True), today, escalation_days)
    return stmt.options(joinedload(Hazard.area), joinedload(Hazard.place)).order_by(Hazard.deadline, Hazard.id)


def annotate(hazards: Iterable[Hazard], today: date, escalation_days: int) -> list[Hazard]:
    """Attach what depends on today: days overdue and whether that has escalated."""
    out = []
    for h in hazards:
        days = (today - h.deadline).days if h.status == "ordered" and h.deadline and h.deadline < today else 0
        h.overdue_days = days  # type: ignore[attr-defined]
        h.escalated = days > escalation_days  # type: ignore[attr-defined]
        out.append(h)
    return out


def township_of(area: Area) -> Area | None:
    node: Area | None = area
    while node is not None and node.level != "township":
        node = node.parent
    return node


# --- the steps --------------------------------------------------------------------------------------------------------

def _load_for(session: Session, actor: Actor, hazard_id: int, action: str,
              client_uuid: str | None) -> tuple[Hazard, bool]:
    """(hazard, already_done): scope first (404), then a retry of the same step by the same phone (200, nothing
    changes), then the role (the permission is checked on the route too) and the status (409)."""
    hazard = get_hazard(session, actor, hazard_id)
    if client_uuid:
        done = session.scalar(select(HazardEvent).where(HazardEvent.client_uuid == client_uuid))
        if done is not None:
            if done.hazard_id != hazard.id or done.actor_id != actor.user_id or done.action != action:
                raise ApiError(409, "client_uuid_conflict", "该 client_uuid 已用于其他操作")
            return hazard, True
    actor.require(STEPS[action].permission)
    return hazard, False


def _check_status(hazard: Hazard, action: str) -> None:
    if hazard.status not in STEPS[action].sources:
        raise _transition_invalid(hazard, action)


def _advance(session: Session, hazard: Hazard, to_status: str, now: datetime, **changes: Any) -> str:
    """Claim the transition: one conditional UPDATE (on the version the hazard was read at).  Done before anything
    else is written, so that a request losing the race fails at once."""
    from_status = hazard.status
    hazard.status = to_status
    hazard.updated_at = now
    for key, value in changes.items():
        setattr(hazard, key, value)
    try:
        session.flush()
    except StaleDataError:
        raise _changed() from None
    return from_status


def _township(session: Session, hazard: Hazard) -> Area:
    return township_of(hazard.area) or hazard.area


def _issue_order(session: Session, actor: Actor, hazard: Hazard, *, deadline: date, measures: str,
                 responsible_person: str, now: datetime) -> RectificationOrder:
    township = _township(session, hazard)
    round_no, issued_day = len(hazard.orders) + 1, local_day(now)
    order = RectificationOrder(hazard_id=hazard.id, area_id=hazard.area_id, round=round_no,
                               number=f"{township.name}应急责改〔{issued_day.year}〕{hazard.id}-{round_no}号",
                               deadline=deadline, measures=measures, responsible_person=responsible_person,
                               issued_by_id=actor.user_id, issued_by_name=actor.display_name, issued_at=now,
                               issued_day=issued_day)
    hazard.orders.append(order)
    session.flush()
    place_name = hazard.place.name if hazard.place else ""
    task = dispatch.create_recheck_task(
        session, hazard_id=hazard.id, place_id=hazard.place_id, grid_id=hazard.area_id, township_id=township.id,
        due_date=deadline, title=f"隐患复查: {place_name} {hazard.category}"[:100],
        note=f"{order.number}; 整改措施: {measures}"[:2000], created_by_id=actor.user_id)
    order.task_id = task.id if task is not None else None
    return order


def order(session: Session, actor: Actor, hazard_id: int, *, deadline: date, measures: str, responsible_person: str,
          today: date, now: datetime, client_uuid: str | None = None, note: str | None = None) -> Hazard:
    """责令限期整改: a township admin or an inspector orders the place to rectify by a local day (today at the
    earliest); the grid's members get a re-check task due that day."""
    hazard, done = _load_for(session, actor, hazard_id, "order", client_uuid)
    if done:
        return hazard
    if deadline < today:
        raise invalid("deadline", "整改期限不能早于今天")
    _check_status(hazard, "order")
    from_status = _advance(session, hazard, "ordered", now, deadline=deadline,
                           first_deadline=hazard.first_deadline or deadline, ordered_at=hazard.ordered_at or now)
    issued = _issue_order(session, actor, hazard, deadline=deadline, measures=measures,
                          responsible_person=responsible_person, now=now)
    _event(hazard, actor, "order", from_status, "ordered", now,
           {"order_id": issued.id, "number": issued.number, "round": issued.round, "deadline": deadline.isoformat(),
            "measures": measures, "responsible_person": responsible_person, "task_id": issued.task_id,
            **({"note": note} if note else {})}, client_uuid)
    session.flush()
    return hazard


def reject(session: Session, actor: Actor, hazard_id: int, *, reason: str, now: datetime,
           client_uuid: str | None = None) -> Hazard:
    """Not a hazard after all (不予认定), with the reason; only a reported hazard can be rejected."""
    hazard, done = _load_for(session, actor, hazard_id, "reject", client_uuid)
    if done:
        return hazard
    _check_status(hazard, "reject")
    from_status = _advance(session, hazard, "rejected", now, reject_reason=reason)
    _event(hazard, actor, "reject", from_status, "rejected", now, {"reason": reason}, client_uuid)
    session.flush()
    return hazard


def rectify(session: Session, actor: Actor, hazard_id: int, *, photo_ids: Sequence[str], statement: str,
            now: datetime, client_uuid: str | None = None) -> Hazard:
    """整改完成: a member of the hazard's grid records the place's rectification (after-photos, a statement)."""
    hazard, done = _load_for(session, actor, hazard_id, "rectify", client_uuid)
    if done:
        return hazard
    _check_status(hazard, "rectify")
    photo_flags = evidence.attach(session, actor, photo_ids, record=f"hazards:{hazard.id}:rectify",
                                  kind="rectification")
    day = local_day(now)
    from_status = _advance(session, hazard, "rectified", now, rectified_at=now, rectified_day=day,
                           rectified_by_id=actor.user_id, after_photo_ids=list(photo_ids),
                           rectification_statement=statement)
    current = hazard.current_order
    if current is not None:
        current.rectified_at, current.rectified_day = now, day
        current.rectified_by_id, current.photo_ids, current.flags = actor.user_id, list(photo_ids), photo_flags
        current.review_status, current.review_reason = "pending", None
    _event(hazard, actor, "rectify", from_status, "rectified", now,
           {"photo_ids": list(photo_ids), "statement": statement,
            "order_id": current.id if current else None,
            "on_time": bool(current and day <= current.deadline)}, client_uuid)
    session.flush()
    return hazard


def close_refusal(hazard: Hazard, actor: Actor) -> ApiError | None:
    """Why ``actor`` may not close (销号) this hazard, or None."""
    if hazard.level == "major" and actor.role == "member":
        return ApiError(403, "major_hazard_needs_admin", "重大事故隐患须由乡镇(街道)、县级管理人员或执法人员销号")
    if hazard.supervision is not None and actor.role != "county_admin":
        return ApiError(403, "supervision_sign_off_required", "挂牌督办的重大事故隐患须经县级管理员签字销号")
    if not actor.can("hazard:close"):
        return ApiError(403, "forbidden", "当前角色无权执行此操作")
    return None


def _closing(hazard: Hazard, actor: Actor, now: datetime) -> dict[str, Any]:
    if hazard.supervision is not None:
        hazard.supervision.signed_off_by_id, hazard.supervision.signed_off_at = actor.user_id, now
    return {"closed_at": now, "closed_day": local_day(now), "closed_by_id": actor.user_id}


def recheck(session: Session, actor: Actor, hazard_id: int, *, result: str, note: str | None = None,
            photo_ids: Sequence[str] = (), deadline: date | None = None, measures: str | None = None,
            responsible_person: str | None = None, today: date, now: datetime,
            client_uuid: str | None = None) -> Hazard:
    """复查.  Pass: the hazard is closed at once when the person re-checking may close it, else it waits in
    ``rechecked``.  Fail: back to ``ordered`` under a new order (the next round) with a new deadline; measures and
    the responsible person carry over unless given.  Either way the re-check task of the hazard is done."""
    hazard, done = _load_for(session, actor, hazard_id, "recheck", client_uuid)
    if done:
        return hazard
    if result == "fail":
        if deadline is None:
            raise invalid("deadline", "复查不合格须重新限定整改期限")
        if deadline < today:
            raise invalid("deadline", "整改期限不能早于今天")
    _check_status(hazard, "recheck")
    if hazard.rectified_by_id == actor.user_id:
        raise ApiError(403, "recheck_by_rectifier", "记录整改的人员不能复查自己记录的整改")
    evidence.attach(session, actor, photo_ids, record=f"hazards:{hazard.id}:recheck", kind="recheck")
    data: dict[str, Any] = {"result": result, "photo_ids": list(photo_ids), **({"note": note} if note else {})}
    previous = hazard.current_order
    closes = result == "pass" and close_refusal(hazard, actor) is None
    if result == "pass":
        changes: dict[str, Any] = {"rechecked_at": now, "rechecked_by_id": actor.user_id}
        if closes:
            changes |= _closing(hazard, actor, now)
        from_status = _advance(session, hazard, "closed" if closes else "rechecked", now, **changes)
        to_status = "rechecked"
    else:
        from_status = _advance(session, hazard, "ordered", now, deadline=deadline, rechecked_at=now,
                               rechecked_by_id=actor.user_id, rectified_at=None, rectified_day=None,
                               rectified_by_id=None, after_photo_ids=[], rectification_statement=None)
        to_status = "ordered"
    event = _event(hazard, actor, "recheck", from_status, to_status, now, data, client_uuid)
    session.flush()
    # the re-check task of the round just re-checked is done (before a failed re-check dispatches the next one)
    dispatch.record_done(session, user_id=actor.user_id, record_type="recheck", record_id=event.id,
                         place_id=hazard.place_id, at=now, hazard_id=hazard.id)
    if closes:
        _event(hazard, actor, "close", "rechecked", "closed", now,
               {"by_recheck": True, **({"sign_off": True} if hazard.supervision is not None else {})})
    if result == "fail":
        assert deadline is not None
        issued = _issue_order(session, actor, hazard, deadline=deadline,
                              measures=measures or (previous.measures if previous else ""),
                              responsible_person=responsible_person or (previous.responsible_person if previous
                                                                        else ""), now=now)
        event.data = data | {"order_id": issued.id, "number": issued.number, "round": issued.round,
                             "deadline": deadline.isoformat(), "task_id": issued.task_id}
    session.flush()
    return hazard


def close(session: Session, actor: Actor, hazard_id: int, *, note: str | None, now: datetime,
          client_uuid: str | None = None) -> Hazard:
    """销号 of a hazard that passed its re-check but was waiting for someone who may close it."""
    hazard, done = _load_for(session, actor, hazard_id, "close", client_uuid)
    if done:
        return hazard
    _check_status(hazard, "close")
    refusal = close_refusal(hazard, actor)
    if refusal is not None:
        raise refusal
    sign_off = hazard.supervision is not None
    from_status = _advance(session, hazard, "closed", now, **_closing(hazard, actor, now))
    _event(hazard, actor, "close", from_status, "closed", now,
           {**({"note": note} if note else {}), **({"sign_off": True} if sign_off else {})}, client_uuid)
    session.flush()
    return hazard


# --- supervision (挂牌督办) --------------------------------------------------------------------------------------------

def supervise(session: Session, actor: Actor, hazard_id: int, *, level: str, target_date: date, supervisor: str,
              note: str | None, today: date, now: datetime) -> Hazard:
    """List an open major hazard for supervision by the county or a higher level."""
    hazard = get_hazard(session, actor, hazard_id)
    actor.require("hazard:supervise")
    if target_date < today:
        raise invalid("target_date", "督办整改期限不能早于今天")
    if hazard.level != "major":
        raise conflict("hazard_not_major", "只有重大事故隐患才能挂牌督办")
    if hazard.status not in OPEN_STATUSES:
        raise conflict("hazard_finished", "已销号或不予认定的隐患不能挂牌督办", {"status": hazard.status})
    if hazard.supervision is not None:
        raise conflict("hazard_already_supervised", "该隐患已挂牌督办")
    status = _advance(session, hazard, hazard.status, now)  # the version guards against a concurrent step
    hazard.supervision = HazardSupervision(area_id=hazard.area_id, level=level, target_date=target_date,
                                           supervisor=supervisor, note=note, listed_by_id=actor.user_id,
                                           listed_at=now)
    _event(hazard, actor, "supervise", status, status, now,
           {"level": level, "target_date": target_date.isoformat(), "supervisor": supervisor,
            **({"note": note} if note else {})})
    session.flush()
    return hazard


def supervised(session: Session, actor: Actor, *, today: date, escalation_days: int,
               open_only: bool = False) -> dict[str, Any]:
    """The county's list of supervised major hazards with their progress, and the closure rate (seed 002's target:
    整改销号率 80% and above)."""
    stmt = (actor.filter_by_area(select(Hazard), Hazard.area_id)
            .join(HazardSupervision, HazardSupervision.hazard_id == Hazard.id)
            .options(joinedload(Hazard.area), joinedload(Hazard.place), selectinload(Hazard.events),
                     joinedload(Hazard.supervision), selectinload(Hazard.orders))
            .order_by(HazardSupervision.target_date, Hazard.id))
    if open_only:
        stmt = stmt.where(Hazard.status != "closed")
    items = list(session.scalars(stmt).unique())
    closed = sum(h.status == "closed" for h in items)
    rows = []
    for h in items:
        s = h.supervision
        assert s is not None
        done = h.status == "closed"
        rows.append({
            "hazard": h, "level": s.level, "level_label": SUPERVISION_LABELS[s.level], "target_date": s.target_date,
            "supervisor": s.supervisor, "note": s.note, "listed_at": s.listed_at, "signed_off_at": s.signed_off_at,
            "days_left": None if done else (s.target_date - today).days,
            "target_missed": (h.closed_day or today) > s.target_date if done else today > s.target_date,
            "progress": [{"action": e.action, "status": e.to_status, "label": STATUS_LABELS[e.to_status],
                          "at": e.at, "by": e.actor_name} for e in h.events],
        })
    annotate(items, today, escalation_days)
    return {"total": len(items), "closed": closed,
            "closure_rate": round(closed / len(items), 4) if items else 0.0, "items": rows}


# --- overdue and escalation -------------------------------------------------------------------------------------------

def escalation_days_setting(config: Config | None = None) -> int:
    """``hazard_escalation_days`` of the running app's configuration (the default outside one)."""
    if config is not None:
        return config.hazard_escalation_days
    from flask import current_app, has_app_context
    if has_app_context() and "gridpatrol.config" in current_app.extensions:
        return current_app.extensions["gridpatrol.config"].hazard_escalation_days
    return Config.hazard_escalation_days


def overdue_on(session: Session, area_path: str, day: date, escalation_days: int) -> dict[str, Any]:
    """Rectifications overdue in an area on a local day, as they stood that day: orders whose deadline ended
    before ``day`` began and that were not answered by a rectification by the end of ``day`` (a later
    rectification does not rewrite a past day).  The ones overdue by more than ``escalation_days`` are listed."""
    lo, hi = subtree_range(area_path)
    rows = session.execute(
        select(RectificationOrder.number, RectificationOrder.deadline, Hazard.id, Hazard.level, Hazard.category,
               Hazard.description, Area.name, Place.name)
        .join(Hazard, Hazard.id == RectificationOrder.hazard_id).join(Area, Area.id == Hazard.area_id)
        .outerjoin(Place, Place.id == Hazard.place_id)
        .where(Area.path >= lo, Area.path < hi, RectificationOrder.deadline < day,
               or_(RectificationOrder.rectified_day.is_(None), RectificationOrder.rectified_day > day))
        .order_by(RectificationOrder.deadline, Hazard.id)).all()
    escalated = [{"id": r[2], "level": r[3], "category": r[4], "description": r[5], "grid": r[6], "place": r[7],
                  "order_number": r[0], "deadline": r[1].isoformat(), "overdue_days": (day - r[1]).days}
                 for r in rows if (day - r[1]).days > escalation_days]
    return {"count": len(rows), "escalated": escalated}


# --- statistics -------------------------------------------------------------------------------------------------------

def _one(value: Any) -> Any:
    return func.coalesce(func.sum(case((value, 1), else_=0)), 0)


def stats_columns(today: date) -> list[Any]:
    """The figures the bureaus report, as aggregates over one set of hazards (found in the period)."""
    live = Hazard.status != "rejected"
    return [
        _one(live).label("found"),
        _one(Hazard.status == "closed").label("closed"),
        _one(and_(Hazard.status == "closed", Hazard.rectified_day <= Hazard.first_deadline)).label("closed_on_time"),
        _one(overdue_clause(today)).label("overdue"),
        _one(and_(Hazard.level == "major", live)).label("major_found"),
        _one(and_(Hazard.level == "major", Hazard.status.in_(OPEN_STATUSES))).label("major_open"),
        _one(Hazard.status == "rejected").label("rejected"),
    ]


FIGURES = ("found", "closed", "closed_on_time", "overdue", "major_found", "major_open", "rejected")


def _figures(row: Any) -> dict[str, Any]:
    if isinstance(row, dict):
        out = dict(row)
    else:
        out = {k: int(getattr(row, k) or 0) for k in FIGURES} if row is not None else {k: 0 for k in FIGURES}
    out["closure_rate"] = round(out["closed"] / out["found"], 4) if out["found"] else 0.0
    out["on_time_rate"] = round(out["closed_on_time"] / out["closed"], 4) if out["closed"] else 0.0
    return out


def stats(session: Session, actor: Actor, *, area_id: int | None, start: date, end: date, today: date,
          sector: str | None = None, level: str | None = None) -> list[dict[str, Any]]:
    """Figures for an area and each of its children (the townships of the county, the villages of a township,
    ...) over the hazards found in [start, end]: found, closed, closure rate, closed on time (the accepted
    rectification recorded by the first order's deadline), overdue today, major found and still open.

    One set-based query whatever the number of children: the hazards of the area's subtree grouped by the child
    whose path prefixes their area's path (hazards on the area itself fall in a group of their own), the area's
    row being the sum of the groups.  Plain SQL on PostgreSQL and SQLite."""
    if start > end:
        raise invalid("end", "结束日期不能早于开始日期")
    if area_id is None:
        if not actor.area_ids:
            raise not_found("区域")
        area_id = actor.area_ids[0]
    area = actor.require_area(session.get(Area, area_id), "区域")
    children = list(session.scalars(select(Area).where(Area.parent_id == area.id).order_by(Area.code)))
    if session.get_bind().dialect.name == "postgresql":
        # The figures hinge on range parameters (the subtree's paths, the period).  After a few runs psycopg
        # prepares the statement and PostgreSQL may switch to a generic plan that guesses those ranges blind and
        # joins hazard by hazard: 20x slower on a county year.  Custom plans cost well under a millisecond.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    groups = {row[0]: row for row in session.execute(stats_query(area, start=start, end=end, today=today,
                                                                 sector=sector, level=level))}
    total = {k: sum(int(getattr(r, k) or 0) for r in groups.values()) for k in FIGURES}
    return [{"area": area, **_figures(total)}] + [{"area": c, **_figures(groups.get(c.id))} for c in children]


def stats_query(area: Area, *, start: date, end: date, today: date, sector: str | None = None,
                level: str | None = None) -> Select[Any]:
    """The grouped statistics query: (child id or NULL, figures...) for the hazards of ``area``'s subtree.

    The hazards of the period are counted per area (one pass, grouped by an indexed integer), then each area's
    counts are added to the child of ``area`` it lies under.  Areas are mapped to children by walking up their
    parents: the tree is four levels deep, so three steps reach any child from a grid."""
    lo, hi = subtree_range(area.path)
    a1, a2, a3 = (Area.__table__.alias(n) for n in ("a1", "a2", "a3"))
    child_id = case((a1.c.parent_id == area.id, a1.c.id), (a2.c.parent_id == area.id, a2.c.id),
                    (a3.c.parent_id == area.id, a3.c.id), else_=None)
    child_of = (select(a1.c.id.label("area_id"), child_id.label("child_id"))
                .outerjoin(a2, a2.c.id == a1.c.parent_id).outerjoin(a3, a3.c.id == a2.c.parent_id)
                .where(a1.c.path >= lo, a1.c.path < hi).subquery("child_of"))
    per_area = select(Hazard.area_id, *stats_columns(today)).where(Hazard.found_day >= start,
                                                                   Hazard.found_day <= end)
    if area.parent_id is not None:  # below a county, count only the subtree (the join below decides either way)
        per_area = per_area.where(Hazard.area_id.in_(select(Area.id).where(Area.path >= lo, Area.path < hi)))
    if sector:
        per_area = per_area.where(Hazard.sector == sector)
    if level:
        per_area = per_area.where(Hazard.level == level)
    counts = per_area.group_by(Hazard.area_id).subquery("per_area")
    return (select(child_of.c.child_id, *(func.sum(counts.c[k]).label(k) for k in FIGURES))
            .select_from(counts).join(child_of, child_of.c.area_id == counts.c.area_id)
            .group_by(child_of.c.child_id))


# --- the XLSX export --------------------------------------------------------------------------------------------------

EXPORT_MAX_ROWS = 100_000
EXPORT_HEADER = ["编号", "发现日期", "乡镇(街道)", "网格", "场所", "行业领域", "隐患类别", "隐患等级", "隐患描述", "来源",
                 "状态", "整改期限", "逾期天数", "整改完成日期", "销号日期", "挂牌督办"]


def export_xlsx(session: Session, actor: Actor, filters: Filters, today: date, escalation_days: int) -> bytes:
    """The filtered list as a workbook (write-only mode: a county year fits in memory and in seconds)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    supervision = HazardSupervision.__table__
    count = session.scalar(_filtered(session, actor, select(func.count(Hazard.id)).select_from(Hazard), filters, today,
                                     escalation_days)) or 0
    if count > EXPORT_MAX_ROWS:
        raise ApiError(422, "export_too_large", f"导出行数 {count} 超过上限 {EXPORT_MAX_ROWS}, 请缩小筛选范围",
                       {"rows": count, "max": EXPORT_MAX_ROWS})
    stmt = select(Hazard.id, Hazard.found_day, Hazard.area_id, Area.path, Area.name, Place.name, Hazard.sector,
                  Hazard.category, Hazard.level, Hazard.description, Hazard.source, Hazard.status, Hazard.deadline,
                  Hazard.rectified_day, Hazard.closed_day, supervision.c.level).select_from(Hazard)
    rows = session.execute(
        _filtered(session, actor, stmt, filters, today, escalation_days)
        .outerjoin(Place, Place.id == Hazard.place_id)
        .outerjoin(supervision, supervision.c.hazard_id == Hazard.id).order_by(Hazard.id)).all()
    township_ids = {int(r.path.strip("/").split("/")[1]) for r in rows if r.path.count("/") > 2}
    townships = {i: n for i, n in session.execute(select(Area.id, Area.name).where(Area.id.in_(township_ids)))}

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("隐患清单")
    title = WriteOnlyCell(ws, value=f"隐患清单 (导出于 {today.isoformat()}, 共 {len(rows)} 条)")
    title.font = Font(bold=True, size=13)
    ws.append([title])
    header = []
    for name in EXPORT_HEADER:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for r in rows:
        parts = r.path.strip("/").split("/")
        township = townships.get(int(parts[1])) if len(parts) > 1 else None
        overdue = (today - r.deadline).days if r.status == "ordered" and r.deadline and r.deadline < today else 0
        ws.append([r.id, r.found_day, township or "", r.name, r[5] or "", SECTORS.get(r.sector, r.sector),
                   r.category, LEVEL_LABELS[r.level], r.description, SOURCE_LABELS.get(r.source, r.source),
                   STATUS_LABELS[r.status], r.deadline, overdue or None, r.rectified_day, r.closed_day,
                   SUPERVISION_LABELS.get(r[15], "") if r[15] else ""])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- the printable rectification order (责令限期整改指令书) -------------------------------------------------------------

def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def order_html(session: Session, actor: Actor, hazard_id: int, round_no: int | None = None) -> str:
    """The order as a printable A4 page, in Chinese, with the particulars the paper document carries."""
    from jinja2 import Environment

    from server.hazards.order_page import TEMPLATE

    hazard = get_hazard(session, actor, hazard_id)
    chosen = [o for o in hazard.orders if round_no is None or o.round == round_no]
    if not chosen:
        raise not_found("整改指令书")
    issued = chosen[-1]
    township = _township(session, hazard)
    return Environment(autoescape=True).from_string(TEMPLATE).render(
        order=issued, hazard=hazard, place=hazard.place, township=township,
        level_label=LEVEL_LABELS[hazard.level], sector_label=SECTORS.get(hazard.sector, hazard.sector),
        found_day=_cn_date(hazard.found_day), deadline=_cn_date(issued.deadline),
        issued_day=_cn_date(issued.issued_day), rounds=len(hazard.orders))
