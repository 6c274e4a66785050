"""Hazards and their closed loop (闭环整改): an explicit state machine with the roles of each step and a full
history, overdue orders and their escalation, supervision of major hazards (挂牌督办).  Lists and what the public
sees are in ``queries.py``, the statistics in ``stats.py``, the XLSX export and the printable order in
``documents.py``; the table of steps is in ``models.py``.

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

import uuid
from datetime import date, datetime, timedelta
from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.scope import Actor
from server.checklists.service import Finding
from server.common.geo import to_wgs84
from server.common.records import Created, create_once, flush_or_conflict
from server.common.timeutil import local_day
from server.common.vocab import SECTORS
from server.dispatch import service as dispatch
from server.errors import ApiError, conflict, error, invalid, not_found
from server.evidence import service as evidence
from server.hazards.models import (
    LEVEL_LABELS,
    OPEN_STATUSES,
    STATUS_LABELS,
    STEPS,
    Hazard,
    HazardEvent,
    HazardSupervision,
    RectificationOrder,
    allowed_actions,
)
from server.org.models import Area, township_of
from server.org.spatial import spatial
from server.places import service as places

# --- the state machine (its table: STEPS in models.py) ---------------------------------------------------------------

def _transition_invalid(hazard: Hazard, action: str) -> ApiError:
    return conflict("hazard_transition_invalid",
                    f"隐患当前状态为「{STATUS_LABELS[hazard.status]}」, 不能执行「{STEPS[action].label}」",
                    {"status": hazard.status, "action": action, "allowed": allowed_actions(hazard.status)})


def _flush_step(session: Session) -> None:
    flush_or_conflict(session, "hazard_changed")


# --- creating hazards -------------------------------------------------------------------------------------------------

def _event(hazard: Hazard, actor: Actor | None, action: str, from_status: str | None, to_status: str, at: datetime,
           data: dict[str, Any] | None = None, client_uuid: str | None = None) -> HazardEvent:
    event = HazardEvent(action=action, from_status=from_status, to_status=to_status,
                        actor_id=actor.user_id if actor and actor.user_id else None,
                        actor_name=actor.display_name if actor else "系统", actor_role=actor.role if actor else None,
                        at=at, data=data or {}, client_uuid=client_uuid)
    hazard.events.append(event)
    return event


def report_from_finding(session: Session, actor: Actor, *, finding: Finding, place_id: int, area_id: int,
                        sector: str, visit_id: int, lat: float, lng: float, found_at: datetime,
                        found_day: date) -> Hazard:
    """A hazard from a checklist answer: what is wrong (the item's hazard text) and what the member saw there."""
    hazard = Hazard(place_id=place_id, area_id=area_id, sector=sector, category=finding.category,
                    level=finding.level, description=finding.description[:2000], status="reported",
                    source="patrol", found_by_id=actor.user_id, visit_id=visit_id, checklist_item=finding.item_id,
                    lat=lat, lng=lng, photo_ids=list(finding.photo_ids), found_at=found_at, found_day=found_day)
    _event(hazard, actor, "create", None, "reported", found_at,
           {"source": "patrol", "visit_id": visit_id, "checklist_item": finding.item_id})
    session.add(hazard)
    return hazard


SOURCE_OF_ROLE = {"inspector": "inspector", "member": "patrol"}  # anyone else who may create: 乡镇排查 (admin)


def _member_grid_at(session: Session, actor: Actor, lat: float, lng: float, tolerance_m: float) -> int:
    """The member's grid the point lies in (or within the geofence tolerance of); 422 ``outside_grid`` else."""
    distances = spatial(session).distances_m(list(actor.area_ids), lat, lng)
    near = sorted((d, g) for g, d in distances.items() if d is not None and d <= tolerance_m)
    if not near:
        raise ApiError(422, "outside_grid", detail={"fields": {"location": ["位置不在你负责的网格内"]}})
    return near[0][1]


def _member_checks(data: dict[str, Any]) -> None:
    """What a member's 随手拍 must carry: the phone's client_uuid (retries), a photo, a place or a location."""
    problems: dict[str, list[str]] = {}
    if not data.get("client_uuid"):
        problems["client_uuid"] = ["手机端上报必须带 client_uuid"]
    if not data.get("photo_ids"):
        problems["photo_ids"] = ["请至少拍一张照片"]
    if data.get("place_id") is None and not data.get("location"):
        problems["location"] = ["请选择企业(场所)或提供位置"]
    if data.get("place_id") is None and not data.get("sector"):
        problems["sector"] = ["未选择企业(场所)时请选择行业领域"]
    if problems:
        raise error("validation_error", {"fields": problems})


def create_hazard(session: Session, actor: Actor, data: dict[str, Any], now: datetime,
                  tolerance_m: float = 200.0) -> Created:
    """A hazard found by an inspector (执法检查) or a township admin (乡镇排查) at a place of their scope, or by
    a grid member anywhere in their grids (随手拍): at a place of the grid, or at a point inside it (within
    ``tolerance_m`` of the boundary).  A member's hazard is source ``patrol`` without a visit."""
    found_at = data.get("found_at") or now
    if found_at > now + timedelta(minutes=10):
        raise invalid("found_at", "发现时间不能晚于当前时间")
    sector = data.get("sector")
    if sector is not None and sector not in SECTORS:
        raise invalid("sector", "行业领域不在目录中")
    if actor.role != "member" and data.get("place_id") is None:
        raise invalid("place_id", "请选择隐患所在的企业(场所)")
    # scope first (a place outside it is the 404 of a missing one), then what a member's report must carry
    place = places.get_place(session, actor, data["place_id"]) if data.get("place_id") is not None else None
    if actor.role == "member":
        _member_checks(data)

    def build() -> Hazard:
        evidence.attach(session, actor, data.get("photo_ids", []), kind="hazard",
                        record=f"hazards:{data.get('client_uuid') or uuid.uuid4()}")
        lat, lng = (place.lat, place.lng) if place is not None else (None, None)
        if data.get("location"):
            loc = data["location"]
            lat, lng = to_wgs84(loc["lat"], loc["lng"], loc.get("coord_system", "wgs84"))
        if place is not None:
            area_id = place.area_id
        else:
            assert lat is not None and lng is not None  # _member_checks: a location when there is no place
            area_id = _member_grid_at(session, actor, lat, lng, tolerance_m)
        source = SOURCE_OF_ROLE.get(actor.role, "admin")
        hazard = Hazard(client_uuid=str(data["client_uuid"]) if data.get("client_uuid") else None,
                        place_id=place.id if place else None, area_id=area_id,
                        sector=sector or (place.sector if place else ""), category=data["category"],
                        level=data.get("level", "general"), description=data["description"],
                        status="reported", source=source, found_by_id=actor.user_id, lat=lat, lng=lng,
                        photo_ids=list(data.get("photo_ids", [])), found_at=found_at, found_day=local_day(found_at))
        _event(hazard, actor, "create", None, "reported", now, {"source": source})
        return hazard

    client_uuid = str(data["client_uuid"]) if data.get("client_uuid") else None
    return Created(*create_once(session, Hazard, actor.user_id, client_uuid, build, owner="found_by_id"))


def create_from_tipoff(session: Session, actor: Actor, *, tipoff_id: int, grid_id: int | None,
                       place_id: int | None, sector: str | None, category: str, level: str, description: str,
                       lat: float | None, lng: float | None, photo_ids: Sequence[str], found_at: datetime,
                       now: datetime, address: str | None = None, responsible_party: str | None = None) -> Hazard:
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
                    found_day=local_day(found_at), tipoff_id=tipoff_id, address=address,
                    responsible_party=responsible_party)
    _event(hazard, actor, "create", None, "reported", now, {"source": "tipoff", "tipoff_id": tipoff_id})
    session.add(hazard)
    session.flush()
    return hazard


# --- reading ----------------------------------------------------------------------------------------------------------

def get_hazard(session: Session, actor: Actor, hazard_id: int) -> Hazard:
    """The hazard, if the actor's scope covers its area; otherwise the 404 a missing hazard gets."""
    hazard = session.get(Hazard, hazard_id)
    if hazard is None or not actor.covers(hazard.area.path):
        raise not_found("隐患")
    return hazard


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
                raise error("client_uuid_conflict")
            return hazard, True
    actor.require(STEPS[action].permission if action in STEPS else f"hazard:{action}")
    return hazard, False


def _whereabouts(hazard: Hazard) -> dict[str, Any]:
    return {"place_id": hazard.place_id, "place": hazard.place.name if hazard.place else None,
            "grid_id": hazard.area_id, "address": hazard.address, "responsible_party": hazard.responsible_party}


def correct(session: Session, actor: Actor, hazard_id: int, *, place_id: int | None, address: str | None,
            responsible_party: str | None, reason: str, now: datetime, client_uuid: str | None = None) -> Hazard:
    """更正: a township (or county) admin corrects where an open hazard is and who answers for it — a place of
    their scope (the hazard moves to its grid), or an address and a responsible party.  The status does not
    change; the history keeps what it was, what it is now and why.  Orders already issued stay as issued."""
    hazard, done = _load_for(session, actor, hazard_id, "correct", client_uuid)
    if done:
        return hazard
    if hazard.status not in OPEN_STATUSES:
        raise conflict("hazard_closed", f"隐患已{STATUS_LABELS[hazard.status]}, 不能更正", {"status": hazard.status})
    if place_id is None and address is None and responsible_party is None:
        raise invalid("place_id", "请更正企业(场所), 或地址和责任单位(人)")
    before = _whereabouts(hazard)
    if place_id is not None:
        place = places.get_place(session, actor, place_id)
        hazard.place, hazard.area = place, place.area
        if hazard.lat is None:
            hazard.lat, hazard.lng = place.lat, place.lng
    if address is not None:
        hazard.address = address
    if responsible_party is not None:
        hazard.responsible_party = responsible_party
    if hazard.place is None and not (hazard.address and hazard.responsible_party):
        raise invalid("responsible_party", "没有企业(场所)的隐患须有地址和责任单位(人)")
    hazard.updated_at = now
    _flush_step(session)
    _event(hazard, actor, "correct", hazard.status, hazard.status, now,
           {"reason": reason, "before": before, "after": _whereabouts(hazard)}, client_uuid)
    session.flush()
    return hazard


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
    _flush_step(session)
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
    where = hazard.place.name if hazard.place else (hazard.responsible_party or hazard.address)
    task = dispatch.create_recheck_task(
        session, hazard_id=hazard.id, place_id=hazard.place_id, grid_id=hazard.area_id, township_id=township.id,
        due_date=deadline, title="隐患复查: " + " ".join(x for x in (where, hazard.category) if x)[:90],
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
        return error("major_hazard_needs_admin")
    if hazard.supervision is not None and actor.role != "county_admin":
        return error("supervision_sign_off_required")
    if not actor.can("hazard:close"):
        return error("forbidden")
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
        raise error("recheck_by_rectifier")
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
        raise error("hazard_not_major")
    if hazard.status not in OPEN_STATUSES:
        raise error("hazard_finished", {"status": hazard.status})
    if hazard.supervision is not None:
        raise error("hazard_already_supervised")
    status = _advance(session, hazard, hazard.status, now)  # the version guards against a concurrent step
    hazard.supervision = HazardSupervision(area_id=hazard.area_id, level=level, target_date=target_date,
                                           supervisor=supervisor, note=note, listed_by_id=actor.user_id,
                                           listed_at=now)
    _event(hazard, actor, "supervise", status, status, now,
           {"level": level, "target_date": target_date.isoformat(), "supervisor": supervisor,
            **({"note": note} if note else {})})
    session.flush()
    return hazard

