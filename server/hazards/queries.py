"""Reading hazards: the list filters and their overdue and escalated clauses, the lists, the county's list of
supervised hazards, a township's overdue orders on a past day, and what the public sees of a hazard."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, TypeVar

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from server.auth.scope import Actor
from server.common.records import ListFilters
from server.errors import not_found
from server.hazards.models import STATUS_LABELS, SUPERVISION_LABELS, Hazard, HazardSupervision, RectificationOrder
from server.org.models import Area, subtree_range
from server.places.models import Place

# --- lists ------------------------------------------------------------------------------------------------------------

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


_S = TypeVar("_S", bound=Select)

def _filtered(session: Session, actor: Actor, stmt: _S, f: Filters, today: date,
              escalation_days: int) -> _S:
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
        # correlated to hazards only: an export that also joins the supervisions would otherwise take this
        # subquery's own FROM for the outer one's and leave it with none
        has = (select(HazardSupervision.id).where(HazardSupervision.hazard_id == Hazard.id)
               .correlate(Hazard).exists())
        stmt = stmt.where(has if f.supervised else ~has)
    return stmt


def list_query(session: Session, actor: Actor, filters: Filters, *, today: date,
               escalation_days: int) -> Select[Hazard]:
    """Hazards in the actor's scope narrowed by ``filters``, newest first."""
    stmt = _filtered(session, actor, select(Hazard), filters, today, escalation_days)
    return stmt.options(joinedload(Hazard.area), joinedload(Hazard.place)).order_by(Hazard.id.desc())


def escalated_query(session: Session, actor: Actor, *, today: date, escalation_days: int) -> Select[Hazard]:
    """Orders overdue by more than ``escalation_days`` days, longest overdue first (the county's list)."""
    stmt = _filtered(session, actor, select(Hazard), Filters(escalated=True), today, escalation_days)
    return stmt.options(joinedload(Hazard.area), joinedload(Hazard.place)).order_by(Hazard.deadline, Hazard.id)


def annotate(hazards: Iterable[Hazard], today: date, escalation_days: int) -> list[Hazard]:
    """Attach what depends on today: days overdue and whether that has escalated."""
    out = []
    for h in hazards:
        days = (today - h.deadline).days if h.status == "ordered" and h.deadline and h.deadline < today else 0
        h.overdue_days = days  # type: ignore[attr-defined]  # for this answer only, not a column
        h.escalated = days > escalation_days  # type: ignore[attr-defined]  # for this answer only
        out.append(h)
    return out


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



# --- overdue on a past day ---------------------------------------------------------------------------------------------

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

