"""The month's figures of every member of a county, read with a handful of grouped queries: the one file of
``ranking/`` that reads other domains' tables (clock-ins, visits, publicity, daily reports, hazards, tasks, places,
members), as a read-side package may, for set-based queries.  Every query is limited to the county's members (or
its areas), through the indexes that lead with the user or the area, so the other counties' rows are not read."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from server.auth.models import User, UserArea
from server.dispatch.models import Task, TaskAssignment
from server.hazards.models import Hazard
from server.org.models import Area, path_ids, subtree_range
from server.patrol.models import CheckIn, PublicityVisit, Visit
from server.places.models import Place
from server.ranking.rules import Figures
from server.reports.models import DailyReport


@dataclass
class MemberInfo:
    user_id: int
    username: str
    name: str
    grid_ids: list[int] = field(default_factory=list)
    grid_name: str = ""
    village_id: int = 0
    township_id: int = 0


def _in_county(county: Area) -> Any:
    lo, hi = subtree_range(county.path)
    return and_(Area.path >= lo, Area.path < hi)


def county_grids(county: Area) -> Any:
    """The ids of the county's grids, as a subquery."""
    return select(Area.id).where(Area.level == "grid", _in_county(county)).scalar_subquery()


def county_members(county: Area) -> Any:
    """The ids of the county's members (active, with a grid of the county), as a subquery."""
    return (select(UserArea.user_id).join(User, User.id == UserArea.user_id)
            .where(UserArea.area_id.in_(county_grids(county)), User.role == "member", User.active.is_(True))
            .scalar_subquery())


def _members(session: Session, county: Area) -> list[MemberInfo]:
    rows = session.execute(
        select(User.id, User.username, User.display_name, Area.id, Area.path, Area.name)
        .join(UserArea, UserArea.user_id == User.id).join(Area, Area.id == UserArea.area_id)
        .where(User.role == "member", User.active.is_(True), Area.level == "grid", _in_county(county))
        .order_by(User.id, Area.id)).all()
    members: dict[int, MemberInfo] = {}
    for uid, username, name, grid_id, path, grid_name in rows:
        m = members.get(uid)
        if m is None:
            ids = path_ids(path)  # county / township / village / grid
            m = members[uid] = MemberInfo(uid, username, name, [], grid_name, ids[-2], ids[-3])
        m.grid_ids.append(grid_id)
    return list(members.values())


def _per_user(session: Session, stmt: Any) -> dict[int, int]:
    return {row[0]: int(row[1] or 0) for row in session.execute(stmt)}


def coverage_pairs(model: Any, first: date, cutoff: date, members: Any) -> Any:
    """The month's (member, place) pairs of visits or publicity by the ``members`` (a subquery of user ids): whether
    every record of the pair was rejected, and how many were — the largest query of the month."""
    rejected = case((model.review_status == "rejected", 1), else_=0)
    return (select(model.user_id.label("user_id"), model.place_id.label("place_id"),
                   func.min(rejected).label("all_rejected"), func.sum(rejected).label("rejected"))
            .where(model.user_id.in_(members), model.day >= first, model.day <= cutoff)
            .group_by(model.user_id, model.place_id))


def _coverage(session: Session, model: Any, first: date, cutoff: date, members: Any
              ) -> tuple[dict[int, int], dict[int, int]]:
    """For visits or publicity: per member, the distinct places of their own grids they recorded a record of
    ``model`` at that was not rejected, and how many of their records were rejected; one scan of the month."""
    pairs = coverage_pairs(model, first, cutoff, members).subquery()
    covered = case((and_(UserArea.user_id.is_not(None), Place.deleted_at.is_(None), pairs.c.all_rejected == 0), 1),
                   else_=0)
    places: dict[int, int] = {}
    rejections: dict[int, int] = {}
    for uid, n_covered, n_rejected in session.execute(
            select(pairs.c.user_id, func.sum(covered), func.sum(pairs.c.rejected)).select_from(pairs)
            .outerjoin(Place, Place.id == pairs.c.place_id)
            .outerjoin(UserArea, and_(UserArea.user_id == pairs.c.user_id, UserArea.area_id == Place.area_id))
            .group_by(pairs.c.user_id)):
        places[uid], rejections[uid] = int(n_covered or 0), int(n_rejected or 0)
    return places, rejections


def _tune(session: Session) -> None:
    """PostgreSQL: room for the month's hash aggregates in memory (the default 4 MB spills the visits to disk), and
    no JIT (compiling costs more than it saves on queries of well under a second).  For this transaction only."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL jit = off"))


def read_figures(session: Session, county: Area, first: date, cutoff: date, working_days: list[date]
                 ) -> tuple[list[MemberInfo], dict[int, Figures]]:
    """Every active member of the county and their figures for [first, cutoff]: eight grouped queries, whatever
    the number of members."""
    _tune(session)
    members = _members(session, county)
    mine = county_members(county)
    places = _per_user(session, select(Place.area_id, func.count()).where(
        Place.deleted_at.is_(None), Place.area_id.in_(county_grids(county))).group_by(Place.area_id))
    in_month = lambda col: and_(col >= first, col <= cutoff)  # noqa: E731
    clock_ins: dict[int, int] = {}
    rejected: dict[int, int] = defaultdict(int)
    counted = case((and_(CheckIn.counted.is_(True), CheckIn.review_status != "rejected",
                         CheckIn.day.in_(working_days)), 1), else_=0)
    for uid, n_counted, n_rejected in session.execute(
            select(CheckIn.user_id, func.sum(counted), func.sum(case((CheckIn.review_status == "rejected", 1),
                                                                     else_=0)))
            .where(CheckIn.user_id.in_(mine), in_month(CheckIn.day)).group_by(CheckIn.user_id)):
        clock_ins[uid], rejected[uid] = int(n_counted or 0), int(n_rejected or 0)
    visited, rejected_visits = _coverage(session, Visit, first, cutoff, mine)
    publicised, rejected_publicity = _coverage(session, PublicityVisit, first, cutoff, mine)
    for extra in (rejected_visits, rejected_publicity):
        for uid, n in extra.items():
            rejected[uid] += n
    reports = _per_user(session, select(DailyReport.user_id, func.count()).where(
        DailyReport.user_id.in_(mine), in_month(DailyReport.day), DailyReport.day.in_(working_days), DailyReport.late.is_(False))
        .group_by(DailyReport.user_id))
    major = case((Hazard.level == "major", 1), else_=0)
    hazards = {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in session.execute(
        select(Hazard.found_by_id, func.count() - func.sum(major), func.sum(major))
        .outerjoin(Visit, Visit.id == Hazard.visit_id)
        .where(Hazard.found_by_id.in_(mine), in_month(Hazard.found_day), Hazard.status != "rejected",
               or_(Hazard.visit_id.is_(None), Visit.review_status != "rejected"))
        .group_by(Hazard.found_by_id))}
    on_time = case((and_(TaskAssignment.status == "done", TaskAssignment.completed_day <= Task.due_date), 1),
                   else_=0)
    tasks: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # rechecks due, on time, tasks due, on time
    for uid, kind, due, done in session.execute(
            select(TaskAssignment.user_id, Task.kind, func.count(), func.sum(on_time))
            .join(Task, Task.id == TaskAssignment.task_id)
            .where(TaskAssignment.user_id.in_(mine), in_month(Task.due_date))
            .group_by(TaskAssignment.user_id, Task.kind)):
        t = tasks[uid]
        k = 0 if kind == "recheck" else 2
        t[k] += int(due)
        t[k + 1] += int(done or 0)

    missed = _per_user(session, tipoffs_missed_query(first, cutoff, county_grids(county)))

    figures: dict[int, Figures] = {}
    for m in members:
        uid = m.user_id
        general, major_found = hazards.get(uid, (0, 0))
        t = tasks.get(uid, [0, 0, 0, 0])
        figures[uid] = Figures(
            clock_in_days=clock_ins.get(uid, 0), working_days=len(working_days),
            places=sum(places.get(g, 0) for g in m.grid_ids), places_visited=visited.get(uid, 0),
            places_publicised=publicised.get(uid, 0), reports_on_time=reports.get(uid, 0),
            hazards_general=general, hazards_major=major_found, rechecks_due=t[0], rechecks_on_time=t[1],
            tasks_due=t[2], tasks_on_time=t[3], evidence_rejected=rejected.get(uid, 0),
            tipoffs_missed=missed.get(uid, 0))
    return members, figures


def tipoffs_missed_query(first: date, cutoff: date, grids: Any) -> Any:
    """Per member: hazards of the month in their grids (of ``grids``, a subquery of grid ids) that came from a public
    tip-off (举报) and that the member had not found first — no hazard of theirs at the same place found on that day
    or earlier."""
    earlier = aliased(Hazard)
    found_first = exists().where(earlier.found_by_id == UserArea.user_id, earlier.place_id == Hazard.place_id,
                                 earlier.source != "tipoff", earlier.found_day <= Hazard.found_day)
    return (select(UserArea.user_id, func.count(Hazard.id)).join(Hazard, Hazard.area_id == UserArea.area_id)
            .where(Hazard.area_id.in_(grids), Hazard.source == "tipoff", Hazard.found_day >= first, Hazard.found_day <= cutoff,
                   Hazard.status != "rejected", ~found_first)
            .group_by(UserArea.user_id))


def active(f: Figures) -> bool:
    return any((f.clock_in_days, f.places_visited, f.places_publicised, f.reports_on_time, f.hazards_general,
                f.hazards_major, f.rechecks_due, f.tasks_due, f.evidence_rejected, f.tipoffs_missed))
