"""The month's figures the obvious way: a loop over members, loading each one's records as ORM objects and counting
in Python.  Far too slow for a county (the benchmark measures it) but easy to read, so the tests hold the
set-based queries of figures.py against it, member by member."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.auth.models import User
from server.dispatch.models import TaskAssignment
from server.hazards.models import Hazard
from server.patrol.models import CheckIn, FieldRecord, PublicityVisit, Visit
from server.places.models import Place
from server.ranking.rules import Figures
from server.reports.models import DailyReport


def member_figures(session: Session, user: User, first: date, cutoff: date, working_days: list[date]) -> Figures:
    working = set(working_days)
    grids = [a.id for a in user.areas if a.level == "grid"]

    def records(model: type[FieldRecord] | type[DailyReport]) -> list[Any]:
        return list(session.scalars(select(model).where(model.user_id == user.id, model.day >= first,
                                                        model.day <= cutoff)))

    places = {p.id for p in session.scalars(select(Place).where(Place.area_id.in_(grids), Place.deleted_at.is_(None)))}
    checkins, visits, publicity = records(CheckIn), records(Visit), records(PublicityVisit)
    f = Figures(working_days=len(working_days), places=len(places))
    f.clock_in_days = len({c.day for c in checkins if c.counted and c.review_status != "rejected" and c.day in working})
    f.places_visited = len({v.place_id for v in visits if v.review_status != "rejected" and v.place_id in places})
    f.places_publicised = len({v.place_id for v in publicity if v.review_status != "rejected" and v.place_id in places})
    f.reports_on_time = sum(1 for r in records(DailyReport) if not r.late and r.day in working)
    for h in session.scalars(select(Hazard).where(Hazard.found_by_id == user.id, Hazard.found_day >= first,
                                                  Hazard.found_day <= cutoff)):
        if h.status == "rejected":
            continue
        if h.visit_id is not None and session.get_one(Visit, h.visit_id).review_status == "rejected":
            continue
        if h.level == "major":
            f.hazards_major += 1
        else:
            f.hazards_general += 1
    for a in session.scalars(select(TaskAssignment).where(TaskAssignment.user_id == user.id)):
        if not first <= a.task.due_date <= cutoff:
            continue
        on_time = a.status == "done" and a.completed_day is not None and a.completed_day <= a.task.due_date
        if a.task.kind == "recheck":
            f.rechecks_due += 1
            f.rechecks_on_time += on_time
        else:
            f.tasks_due += 1
            f.tasks_on_time += on_time
    f.evidence_rejected = sum(1 for r in (*checkins, *visits, *publicity) if r.review_status == "rejected")
    for h in session.scalars(select(Hazard).where(Hazard.source == "tipoff", Hazard.area_id.in_(grids),
                                                  Hazard.found_day >= first, Hazard.found_day <= cutoff)):
        if h.status == "rejected":
            continue
        mine = session.scalars(select(Hazard).where(Hazard.found_by_id == user.id, Hazard.place_id == h.place_id,
                                                    Hazard.source != "tipoff", Hazard.found_day <= h.found_day))
        if mine.first() is None:
            f.tipoffs_missed += 1
    return f
