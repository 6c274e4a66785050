"""Hazard statistics per area and period: one grouped query whatever the number of child areas."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, func, select, text
from sqlalchemy.orm import Session

from server.auth.scope import Actor
from server.errors import invalid, not_found
from server.hazards.models import OPEN_STATUSES, Hazard
from server.hazards.queries import overdue_clause
from server.org.models import Area, subtree_range


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
    # always the subtree, a county's too: the database may hold other counties, whose hazards are not even read
    per_area = per_area.where(Hazard.area_id.in_(select(Area.id).where(Area.path >= lo, Area.path < hi)))
    if sector:
        per_area = per_area.where(Hazard.sector == sector)
    if level:
        per_area = per_area.where(Hazard.level == level)
    counts = per_area.group_by(Hazard.area_id).subquery("per_area")
    return (select(child_of.c.child_id, *(func.sum(counts.c[k]).label(k) for k in FIGURES))
            .select_from(counts).join(child_of, child_of.c.area_id == counts.c.area_id)
            .group_by(child_of.c.child_id))

