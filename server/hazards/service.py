"""Hazards: created here from patrol findings; the closed loop (orders, re-checks, closing) builds on this."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.auth.scope import Actor
from server.checklists.service import Finding
from server.hazards.models import Hazard


def report_from_finding(session: Session, *, finding: Finding, place_id: int, area_id: int, sector: str,
                        user_id: int, visit_id: int, lat: float, lng: float, found_at: datetime,
                        found_day: date) -> Hazard:
    description = finding.text if not finding.note else f"{finding.text} — {finding.note}"
    hazard = Hazard(place_id=place_id, area_id=area_id, sector=sector, category=finding.category,
                    level=finding.level, description=description[:2000], status="reported", source="patrol",
                    found_by_id=user_id, visit_id=visit_id, checklist_item=finding.item_id, lat=lat, lng=lng,
                    photo_ids=list(finding.photo_ids), found_at=found_at, found_day=found_day)
    session.add(hazard)
    return hazard


def hazards_query(actor: Actor, *, day: date | None = None, user_id: int | None = None) -> Select[tuple[Hazard]]:
    stmt = actor.filter_by_area(select(Hazard), Hazard.area_id)
    if day is not None:
        stmt = stmt.where(Hazard.found_day == day)
    if user_id is not None:
        stmt = stmt.where(Hazard.found_by_id == user_id)
    return stmt.order_by(Hazard.id)


def for_visit(session: Session, visit_id: int) -> list[Hazard]:
    return list(session.scalars(select(Hazard).where(Hazard.visit_id == visit_id).order_by(Hazard.id)))
