"""The rules for places: one file per enterprise or place (一企一档), always inside the actor's scope."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.auth.scope import Actor
from server.errors import ApiError, conflict, invalid, not_found
from server.org import service as org
from server.org.models import Area
from server.places import fields as F
from server.places.models import Place


def _field_error(problem: F.FieldProblem) -> ApiError:
    return invalid(problem.field, problem.message)


def _resolve_area(session: Session, actor: Actor, location: dict[str, Any] | None, area_id: int | None) -> tuple[
        Area, float | None, float | None]:
    """The grid from the location when there is one; otherwise the area the client named."""
    if location is not None:
        found = org.locate(session, location.get("lat"), location.get("lng"), location.get("coord_system", "wgs84"))
        if found is None or not actor.covers(found.grid.path):
            # one answer for "no grid here" and "someone else's grid": scope never reveals where grids are
            raise ApiError(422, "point_outside_grids", detail={"fields": {"location": ["该位置不在您辖区的任何网格内"]}})
        return found.grid, found.lat, found.lng
    if area_id is None:
        raise invalid("area_id", "需要提供位置或所属区域")
    area = session.get(Area, area_id)
    if area is None or not actor.covers(area.path):
        raise invalid("area_id", "区域不存在或不在您的管辖范围内")
    return area, None, None


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        if "name" in data:
            out["name"] = F.clean_name(data["name"])
        if "credit_code" in data:
            out["credit_code"] = F.clean_credit_code(data["credit_code"])
        if "sector" in data:
            out["sector"] = F.clean_sector(data["sector"])
        if "risk_level" in data:
            out["risk_level"] = F.clean_risk_level(data["risk_level"])
        if "address" in data:
            out["address"] = F.clean_text(data["address"], "address", 255)
        if "contact_name" in data:
            out["contact_name"] = F.clean_text(data["contact_name"], "contact_name", 64) or None
        if "contact_phone" in data:
            out["contact_phone"] = F.clean_contact_phone(data["contact_phone"])
    except F.FieldProblem as problem:
        raise _field_error(problem)
    return out


def _check_unique(session: Session, place: Place) -> None:
    clash = session.scalar(select(Place).where(Place.natural_key == place.natural_key, Place.id != place.id))
    if clash is None and place.credit_code:
        clash = session.scalar(select(Place).where(Place.credit_code == place.credit_code, Place.id != place.id))
    if clash is not None:
        raise conflict("place_exists", detail={"place_id": clash.id})


def create_place(session: Session, actor: Actor, data: dict[str, Any]) -> Place:
    values = _clean(data)
    area, lat, lng = _resolve_area(session, actor, data.get("location"), data.get("area_id"))
    place = Place(**values, area_id=area.id, lat=lat, lng=lng)
    place.area = area
    place.address = place.address or ""
    place.risk_level = place.risk_level or "low"
    place.natural_key = F.natural_key(place.credit_code, place.name, place.address)
    _check_unique(session, place)
    session.add(place)
    try:
        session.flush()
    except IntegrityError:
        raise conflict("place_exists")
    return place


def get_place(session: Session, actor: Actor, place_id: int) -> Place:
    place = session.get(Place, place_id)
    if place is None or place.deleted_at is not None or not actor.covers(place.area.path):
        raise not_found("企业(场所)")
    return place


def update_place(session: Session, actor: Actor, place_id: int, data: dict[str, Any]) -> Place:
    place = get_place(session, actor, place_id)
    for key, value in _clean(data).items():
        setattr(place, key, value)
    if "location" in data or "area_id" in data:
        if data.get("location") is None and data.get("area_id") is None:
            raise invalid("location", "需要提供位置或所属区域")
        area, lat, lng = _resolve_area(session, actor, data.get("location"), data.get("area_id"))
        place.area, place.area_id, place.lat, place.lng = area, area.id, lat, lng
    place.natural_key = F.natural_key(place.credit_code, place.name, place.address)
    _check_unique(session, place)
    session.flush()
    return place


def delete_place(session: Session, actor: Actor, place_id: int, now: datetime) -> None:
    """Places are archived, not erased: visits and hazards recorded against them stay meaningful."""
    place = get_place(session, actor, place_id)
    place.deleted_at = now
    session.flush()


def places_query(actor: Actor, *, q: str | None = None, credit_code: str | None = None, sector: str | None = None,
                 risk_level: str | None = None, area_id: int | None = None) -> Select[Place]:
    stmt = actor.filter_by_area(select(Place), Place.area_id).where(Place.deleted_at.is_(None))
    if q:
        stmt = stmt.where(Place.name.contains(q, autoescape=True) | Place.address.contains(q, autoescape=True))
    if credit_code:
        stmt = stmt.where(Place.credit_code == credit_code.strip().upper())
    if sector:
        stmt = stmt.where(Place.sector == sector)
    if risk_level:
        stmt = stmt.where(Place.risk_level == risk_level)
    if area_id is not None:
        stmt = stmt.where(org.descendants_clause_for_id(area_id))
    return stmt.order_by(Place.id)
