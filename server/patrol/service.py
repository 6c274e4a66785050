"""The grid member's field records: clock-ins, patrol visits with checklists, publicity visits, and coverage."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, distinct, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.auth.scope import Actor
from server.checklists import service as checklists
from server.common.geo import distance_m, to_wgs84
from server.common.records import Created, create_once, field_time
from server.config import Config
from server.dispatch import service as dispatch
from server.errors import ApiError, not_found
from server.evidence import service as evidence
from server.hazards import service as hazards
from server.org.models import Area, subtree_range
from server.org.spatial import spatial
from server.patrol.models import CheckIn, FieldRecord, PublicityVisit, Visit
from server.places import service as places
from server.places.models import Place

LOW_ACCURACY_M = 100.0


def _position(location: dict[str, Any]) -> tuple[float, float, list[str]]:
    lat, lng = to_wgs84(location["lat"], location["lng"], location.get("coord_system", "wgs84"))
    flags = ["low_accuracy"] if (location.get("accuracy") or 0) > LOW_ACCURACY_M else []
    return lat, lng, flags


def _member_grid(session: Session, actor: Actor, lat: float, lng: float, grid_id: int | None) -> tuple[int, float]:
    """(grid, metres outside it): the member's grid nearest the point, or the one the phone named."""
    if grid_id is not None:
        if grid_id not in actor.area_ids:
            raise not_found("网格")
        candidates = [grid_id]
    else:
        candidates = list(actor.area_ids)
    if not candidates:
        raise ApiError(403, "forbidden", "没有分配网格, 不能打卡")
    known = [(d, g) for g, d in spatial(session).distances_m(candidates, lat, lng).items()]
    if not known:
        return candidates[0], float("inf")
    d, g = min(known)
    return g, d


def check_in(session: Session, config: Config, actor: Actor, data: dict[str, Any], now: datetime) -> Created:
    """进岗打卡: kept even when outside the grid (flagged for review, never refused); the member's earliest
    clock-in of a local day counts, later ones are extras."""
    lat, lng, flags = _position(data["location"])
    when = field_time(config, data["device_time"], now)
    grid_id, outside_m = _member_grid(session, actor, lat, lng, data.get("grid_id"))
    in_area = outside_m <= config.geofence_tolerance_m

    def build() -> CheckIn:
        photo_flags = evidence.attach(session, actor, data["photo_ids"], record=f"checkins:{data['client_uuid']}",
                                      kind="checkin")
        counted = session.execute(select(CheckIn.id, CheckIn.occurred_at).where(
            CheckIn.user_id == actor.user_id, CheckIn.day == when.day, CheckIn.counted.is_(True))).first()
        record = CheckIn(
            client_uuid=str(data["client_uuid"]), user_id=actor.user_id, area_id=grid_id,
            device_time=when.device_time, received_at=when.received_at, occurred_at=when.occurred_at, day=when.day,
            lat=lat, lng=lng, accuracy=data["location"].get("accuracy"), photo_ids=list(data["photo_ids"]),
            flags=[*when.flags, *flags, *([] if in_area else ["out_of_area"]), *photo_flags],
            geofence="in_area" if in_area else "out_of_area",
            distance_m=0.0 if outside_m == float("inf") else round(outside_m, 1), note=data.get("note"),
            counted=counted is None or when.occurred_at < counted.occurred_at)
        if counted is not None and record.counted:
            later = session.get(CheckIn, counted.id)
            assert later is not None
            later.counted = False  # an earlier clock-in synced late takes the place of a later one
            session.flush()
        return record

    if not session.in_nested_transaction():
        # The common case is a new clock-in: insert first and let the unique client_uuid catch a retry, which saves
        # the look-up of every clock-in.  A single-record request has written nothing before (photos are marked
        # attached in the same flush), so on a conflict the whole transaction rolls back and the careful path
        # below answers: the first attempt's record (200), someone else's UUID (409), or the counted race again.
        # A refusal (e.g. a photo that is not the member's) goes the careful way too: a UUID already used is
        # answered first, as it always was.
        try:
            record = build()
            session.add(record)
            session.flush()
            return Created(record, True)
        except (IntegrityError, ApiError):
            session.rollback()
    # Two clock-ins of one member racing for "counted": the partial unique index lets one win; the loser's
    # attempt is rolled back and made again, and then sees the winner.
    for attempt in range(3):
        try:
            record, created = create_once(session, CheckIn, actor.user_id, str(data["client_uuid"]), build)
            return Created(record, created)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def recount_checkins(session: Session, user_id: int, day: date) -> CheckIn | None:
    """Which clock-in of a member's day counts follows review: a rejected one never counts, and the best of the
    rest does — inside the grid before outside it, then the earliest.  Called when a reviewer rejects one."""
    checkins = list(session.scalars(select(CheckIn).where(CheckIn.user_id == user_id, CheckIn.day == day)))
    best = min((c for c in checkins if c.review_status != "rejected"),
               key=lambda c: (c.geofence != "in_area", c.occurred_at, c.id), default=None)
    if any(c.counted and c is not best for c in checkins):
        for c in checkins:
            c.counted = False
        session.flush()  # the partial unique index allows one counted clock-in a day: clear before setting
    if best is not None and not best.counted:
        best.counted = True
        session.flush()
    return best


def record_visit(session: Session, config: Config, actor: Actor, data: dict[str, Any], now: datetime) -> Created:
    """每日一巡查: a visit answers one exact checklist version; answers the checklist marks as hazards become
    hazard records.  A visit far from the place is flagged, not refused."""
    lat, lng, flags = _position(data["location"])
    when = field_time(config, data["device_time"], now)

    def build() -> Visit:
        place = places.get_place(session, actor, data["place_id"])
        checklist = checklists.get_version(session, data["checklist_id"], data["checklist_version"])
        checklists.require_fit(session, checklist, place.sector)
        answers, findings = checklists.check_answers(checklist.definition, data["answers"])
        record_key = f"visits:{data['client_uuid']}"
        # one query for the visit's photos and every answer's
        loaded = evidence.load_photos(
            session, [*data.get("photo_ids", []), *(pid for answer in answers for pid in answer["photo_ids"])])
        photo_flags = evidence.attach(session, actor, data.get("photo_ids", []), record=record_key, kind="visit",
                                      loaded=loaded)
        for answer in answers:
            photo_flags += evidence.attach(session, actor, answer["photo_ids"], record=record_key, kind="visit",
                                           field=f"answers.{answer['item_id']}", loaded=loaded)
        far = None
        if place.lat is not None and place.lng is not None:
            far = distance_m(lat, lng, place.lat, place.lng)
        visit = Visit(
            client_uuid=str(data["client_uuid"]), user_id=actor.user_id, area_id=place.area_id, place_id=place.id,
            checklist_id=checklist.id, answers=answers, notes=data.get("notes"),
            device_time=when.device_time, received_at=when.received_at, occurred_at=when.occurred_at, day=when.day,
            lat=lat, lng=lng, accuracy=data["location"].get("accuracy"), photo_ids=list(data.get("photo_ids", [])),
            flags=sorted({*when.flags, *flags, *photo_flags,
                          *(["far_from_place"] if far and far > config.visit_distance_flag_m else [])}),
            distance_to_place_m=None if far is None else round(far, 1), hazards_found=len(findings))
        session.add(visit)
        session.flush()
        for finding in findings:
            hazards.report_from_finding(session, actor, finding=finding, place_id=place.id, area_id=place.area_id,
                                        sector=place.sector, visit_id=visit.id, lat=lat, lng=lng,
                                        found_at=when.occurred_at, found_day=when.day)
        dispatch.record_done(session, user_id=actor.user_id, record_type="visit", record_id=visit.id,
                             place_id=place.id, at=when.occurred_at)
        return visit

    record, created = create_once(session, Visit, actor.user_id, str(data["client_uuid"]), build)
    return Created(record, created)


def record_publicity(session: Session, config: Config, actor: Actor, data: dict[str, Any], now: datetime) -> Created:
    """一企一宣传: a safety-publicity visit to a place."""
    lat, lng, flags = _position(data["location"])
    when = field_time(config, data["device_time"], now)

    def build() -> PublicityVisit:
        place = places.get_place(session, actor, data["place_id"])
        photo_flags = evidence.attach(session, actor, data["photo_ids"], record=f"publicity:{data['client_uuid']}",
                                      kind="publicity")
        record = PublicityVisit(
            client_uuid=str(data["client_uuid"]), user_id=actor.user_id, area_id=place.area_id, place_id=place.id,
            materials=list(data.get("materials", [])), people_reached=data.get("people_reached", 0),
            notes=data.get("notes"), device_time=when.device_time, received_at=when.received_at,
            occurred_at=when.occurred_at, day=when.day, lat=lat, lng=lng, accuracy=data["location"].get("accuracy"),
            photo_ids=list(data["photo_ids"]), flags=[*when.flags, *flags, *photo_flags])
        session.add(record)
        session.flush()
        dispatch.record_done(session, user_id=actor.user_id, record_type="publicity", record_id=record.id,
                             place_id=place.id, at=when.occurred_at)
        return record

    record, created = create_once(session, PublicityVisit, actor.user_id, str(data["client_uuid"]), build)
    return Created(record, created)


def records_query(model: type[FieldRecord], actor: Actor, *, day: date | None = None, user_id: int | None = None,
                  flagged: bool | None = None) -> Select[Any]:
    """Field records in scope; members see their own."""
    stmt: Select[Any] = actor.filter_by_area(select(model), model.area_id)
    if actor.role == "member":
        stmt = stmt.where(model.user_id == actor.user_id)
    if day is not None:
        stmt = stmt.where(model.day == day)
    if user_id is not None:
        stmt = stmt.where(model.user_id == user_id)
    return stmt.order_by(model.occurred_at.desc(), model.id.desc())


def get_record(session: Session, model: type, actor: Actor, record_id: int) -> Any:
    record = session.get(model, record_id)
    if record is None or (actor.role == "member" and record.user_id != actor.user_id):
        raise not_found("记录")
    actor.require_area(session.get(Area, record.area_id), "记录")
    return record


# --- publicity coverage -------------------------------------------------------------------------------------------

def coverage(session: Session, actor: Actor, area_id: int, start: date, end: date) -> list[dict[str, Any]]:
    """Share of places with at least one publicity visit in [start, end], for each child area of ``area_id``
    (grids of a village, villages of a township, ...) and for the area itself.  Two grouped queries."""
    area = actor.require_area(session.get(Area, area_id), "区域")
    children = list(session.scalars(select(Area).where(Area.parent_id == area.id).order_by(Area.code))) or [area]
    lo, hi = subtree_range(area.path)
    # the child each place falls under: the path segment after the area's own
    child_of = {c.path: c for c in children}
    rows = session.execute(
        select(Area.path, func.count(distinct(Place.id)), func.count(distinct(PublicityVisit.place_id)))
        .select_from(Place).join(Area, Area.id == Place.area_id)
        .outerjoin(PublicityVisit, and_(PublicityVisit.place_id == Place.id, PublicityVisit.day >= start,
                                        PublicityVisit.day <= end, PublicityVisit.review_status != "rejected"))
        .where(Area.path >= lo, Area.path < hi, Place.deleted_at.is_(None))
        .group_by(Area.path)).all()
    totals: dict[int, list[int]] = {c.id: [0, 0] for c in children}
    for path, n_places, n_covered in rows:
        child = next((c for p, c in child_of.items() if path.startswith(p)), None)
        if child is not None:
            totals[child.id][0] += n_places
            totals[child.id][1] += n_covered
    out = [{"area": c, "places": totals[c.id][0], "covered": totals[c.id][1],
            "share": round(totals[c.id][1] / totals[c.id][0], 4) if totals[c.id][0] else 0.0} for c in children]
    all_places, all_covered = sum(t[0] for t in totals.values()), sum(t[1] for t in totals.values())
    out.insert(0, {"area": area, "places": all_places, "covered": all_covered,
                   "share": round(all_covered / all_places, 4) if all_places else 0.0})
    return out


def places_due(session: Session, actor: Actor, today: date, limit: int = 20) -> list[dict[str, Any]]:
    """Places of the member's grids not visited in the last 30 days, riskiest and longest-unvisited first."""
    since = today - timedelta(days=30)
    last = (select(Visit.place_id, func.max(Visit.day).label("last_day"))
            .join(Place, Place.id == Visit.place_id)
            .where(Place.area_id.in_(actor.area_ids), Visit.day >= today - timedelta(days=365))
            .group_by(Visit.place_id).subquery())
    risk_order = case({"major": 0, "high": 1, "general": 2, "low": 3}, value=Place.risk_level)
    stmt = (select(Place, last.c.last_day).outerjoin(last, last.c.place_id == Place.id)
            .where(Place.area_id.in_(actor.area_ids), Place.deleted_at.is_(None),
                   (last.c.last_day.is_(None)) | (last.c.last_day < since))
            .order_by(risk_order, last.c.last_day.is_not(None), last.c.last_day, Place.id).limit(limit))
    return [{"place": p, "last_visit_day": d} for p, d in session.execute(stmt)]


def day_summary(session: Session, user_id: int, day: date) -> dict[str, Any]:
    """What a member recorded on one local day (for the report draft and the home screen)."""
    checkins = list(session.scalars(select(CheckIn).where(CheckIn.user_id == user_id, CheckIn.day == day)
                                    .order_by(CheckIn.occurred_at)))
    visits = list(session.scalars(select(Visit).where(Visit.user_id == user_id, Visit.day == day)
                                  .order_by(Visit.occurred_at)))
    publicity = list(session.scalars(select(PublicityVisit).where(PublicityVisit.user_id == user_id,
                                                                  PublicityVisit.day == day)
                                     .order_by(PublicityVisit.occurred_at)))
    return {"checkins": checkins, "counted_checkin": next((c for c in checkins if c.counted), None),
            "visits": visits, "publicity": publicity}

