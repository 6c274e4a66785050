"""A synthetic month of field activity for the members of a seeded county (demo, tests, the ranking benchmark).

Every member gets a diligence between ``low`` and 1 that drives everything they record, so a month has a real
top and bottom: clock-ins (the counted one and some extras), patrol visits to places of their grids, publicity,
daily reports (some late), hazards found on visits (some major, a few rejected as not hazards), dispatched tasks
and hazard re-checks (done on time, late or not at all) and review decisions (mostly approved, some rejected).

Rows go in with Core executemany inserts in batches, the fastest portable path (no ORM objects, no per-row
round trips); nothing here is a service of the application.  Deterministic for a seed.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable

from sqlalchemy import Date, Integer, String, Text, column, insert, select, table, text
from sqlalchemy.orm import Session

from server.auth.models import User, UserArea
from server.checklists.models import Checklist
from server.common.timeutil import LOCAL_TZ
from server.db import JSONType, UTCDateTime
from server.dispatch.models import Task, TaskAssignment
from server.org.models import Area, township_id_of
from server.patrol.models import CheckIn, PublicityVisit, Visit
from server.places.models import Place
from server.ranking.rules import month_days
from server.reports.models import DailyReport

BATCH = 20_000

# the hazard columns every version of the table has (the closed loop adds more, all with defaults)
HAZARDS = table("hazards", column("place_id", Integer), column("area_id", Integer), column("sector", String),
                column("category", String), column("level", String), column("description", Text),
                column("status", String), column("source", String), column("found_by_id", Integer),
                column("visit_id", Integer), column("checklist_item", String), column("lat"), column("lng"),
                column("photo_ids", JSONType), column("found_at", UTCDateTime), column("found_day", Date),
                column("created_at", UTCDateTime), column("updated_at", UTCDateTime))


@dataclass
class Profile:
    """How much activity, per member per month, a diligence of 1 produces."""

    visits: float = 360.0          # ~300 at the mean diligence: ~1,500,000 visits for 5,000 members
    publicity: float = 15.0
    extra_clock_ins: float = 0.25  # share of clocked-in days with a second (not counted) clock-in
    hazard_per_visit: float = 0.004
    major_share: float = 0.12
    tasks: float = 4.0
    rechecks: float = 1.0
    rejected_review: float = 0.02  # at diligence 0; falls to a fifth of it at 1
    low: float = 0.4                # the least diligent member (most are near the top: sqrt of a uniform draw)
    weekend_work: float = 0.8       # chance a member is on duty on a day off (grid duty knows no weekends)


@dataclass
class Made:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _at(day: date, hour: float) -> datetime:
    h, rest = divmod(hour * 3600, 3600)
    m, s = divmod(rest, 60)
    return datetime.combine(day, time(int(h), int(m), int(s)), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


class _Writer:
    def __init__(self, session: Session, made: Made):
        self.session, self.made = session, made
        self.pending: dict[Any, Any] = {}

    def add(self, target: Any, name: str, row: dict[str, Any]) -> None:
        rows = self.pending.setdefault(name, (target, []))[1]
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush(name)

    def flush(self, name: str | None = None) -> None:
        if name == "hazards":
            self.flush("visits")  # hazards point at their visits
        for key in [name] if name else list(self.pending):
            target, rows = self.pending.get(key, (None, []))
            if rows:
                tbl = getattr(target, "__table__", target)
                self.session.connection().execute(tbl.insert(), rows)  # one executemany: psycopg pipelines it
                self.made.add(key, len(rows))
                rows.clear()


def generate_month(session: Session, year: int, month: int, *, seed: int = 1, profile: Profile | None = None,
                   until: date | None = None, is_working: Callable[[date], bool] | None = None) -> Made:
    """Insert a month of activity (to ``until`` at the latest) for every active member.  The caller commits."""
    p = profile or Profile()
    rng = random.Random(seed)
    first, last = month_days(year, month)
    last = min(last, until or last)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    working = is_working or (lambda d: d.isoweekday() < 6)
    active_days = sum(1.0 if working(d) else p.weekend_work for d in days) or 1.0
    made = Made()
    w = _Writer(session, made)

    members: dict[int, list[int]] = {}
    for uid, grid in session.execute(select(UserArea.user_id, UserArea.area_id).join(User, User.id == UserArea.user_id)
                                     .where(User.role == "member", User.active.is_(True)).order_by(UserArea.user_id,
                                                                                                  UserArea.area_id)):
        members.setdefault(uid, []).append(grid)
    places: dict[int, list[tuple[int, str, float, float]]] = {}
    for pid, grid, sector, lat, lng in session.execute(select(Place.id, Place.area_id, Place.sector, Place.lat,
                                                              Place.lng).where(Place.deleted_at.is_(None))):
        places.setdefault(grid, []).append((pid, sector, lat or 29.3, lng or 120.05))
    checklist_id = session.scalar(select(Checklist.id).order_by(Checklist.id).limit(1))
    township_of = {g: township_id_of(path) for g, path in session.execute(
        select(Area.id, Area.path).where(Area.level == "grid"))}
    creator = session.scalar(select(User.id).where(User.role.in_(("township_admin", "county_admin")))
                             .order_by(User.id).limit(1)) or next(iter(members), None)
    if not members:
        return made
    now = datetime.now(timezone.utc)
    next_visit_id = (session.scalar(select(Visit.id).order_by(Visit.id.desc()).limit(1)) or 0) + 1

    def review(diligence: float) -> str:
        r = rng.random()
        if r < p.rejected_review * (1 - 0.8 * diligence):
            return "rejected"
        return "approved" if r < 0.75 else "pending"

    def record(uid: int, grid: int, when: datetime, day: date, lat: float, lng: float, status: str) -> dict[str, Any]:
        return {"client_uuid": _uuid(rng), "user_id": uid, "area_id": grid, "device_time": when, "received_at": when,
                "occurred_at": when, "day": day, "lat": lat, "lng": lng, "accuracy": 10.0, "photo_ids": [],
                "flags": [], "review_status": status, "review_reason": "照片与现场不符" if status == "rejected" else None,
                "created_at": now, "updated_at": now}

    task_rows: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for uid, grids in members.items():
        diligence = p.low + (1 - p.low) * rng.random() ** 0.5
        own = [pl + (g,) for g in grids for pl in places.get(g, [])]
        home = grids[0]
        for day in days:
            if not working(day) and rng.random() > p.weekend_work:
                continue
            if rng.random() < diligence:
                when = _at(day, rng.uniform(7.0, 9.5))
                w.add(CheckIn, "checkins", record(uid, home, when, day, 29.3, 120.05, review(diligence))
                      | {"counted": True, "geofence": "in_area", "distance_m": 0.0, "note": None})
                if rng.random() < p.extra_clock_ins:
                    w.add(CheckIn, "checkins", record(uid, home, when + timedelta(hours=5), day, 29.3, 120.05,
                                                      "approved") | {"counted": False, "geofence": "in_area",
                                                                     "distance_m": 0.0, "note": None})
                if working(day) and rng.random() < 0.9 + 0.1 * diligence:
                    late = rng.random() > diligence
                    submitted = _at(day + timedelta(days=1), 9.0) if late else _at(day, 18.0)
                    w.add(DailyReport, "daily_reports", {
                        "client_uuid": _uuid(rng), "user_id": uid, "area_id": home, "day": day, "notes": "今日巡查正常",
                        "nothing_found": True, "first_submitted_at": submitted, "submitted_at": submitted,
                        "late": late, "summary": {}})
            if not own or checklist_id is None:
                continue
            for _ in range(_poisson(rng, p.visits * diligence / active_days)):
                pid, sector, lat, lng, grid = rng.choice(own)
                when = _at(day, rng.uniform(8.0, 17.5))
                status = review(diligence)
                visit_id = next_visit_id
                next_visit_id += 1
                found = rng.random() < p.hazard_per_visit
                w.add(Visit, "visits", record(uid, grid, when, day, lat, lng, status) | {
                    "id": visit_id, "place_id": pid, "checklist_id": checklist_id, "answers": [], "notes": None,
                    "distance_to_place_m": 12.0, "hazards_found": int(found)})
                if found:
                    level = "major" if rng.random() < p.major_share else "general"
                    w.add(HAZARDS, "hazards", {
                        "place_id": pid, "area_id": grid, "sector": sector, "category": "fire", "level": level,
                        "description": "灭火器过期" if level == "general" else "疏散通道堵塞",
                        "status": "rejected" if rng.random() < 0.03 else "reported", "source": "patrol",
                        "found_by_id": uid, "visit_id": visit_id, "checklist_item": "F01", "lat": lat, "lng": lng,
                        "photo_ids": [], "found_at": when, "found_day": day, "created_at": now, "updated_at": now})
            for _ in range(_poisson(rng, p.publicity * diligence / active_days)):
                pid, sector, lat, lng, grid = rng.choice(own)
                w.add(PublicityVisit, "publicity_visits", record(uid, grid, _at(day, rng.uniform(9, 17)), day, lat, lng,
                                                                 review(diligence))
                      | {"place_id": pid, "materials": ["安全宣传单"], "people_reached": 3, "notes": None})
        for kind, n in (("visit", p.tasks), ("recheck", p.rechecks)):
            for _ in range(_poisson(rng, n)):
                due = rng.choice(days)
                r = rng.random()
                if r < diligence:
                    done = due - timedelta(days=rng.randrange(0, 3))
                elif r < (1 + diligence) / 2:
                    done = due + timedelta(days=rng.randrange(1, 5))
                else:
                    done = None
                done = max(done, first) if done else None
                task = {"area_id": township_of[home], "kind": kind, "title": "隐患复查" if kind == "recheck" else "走访检查",
                        "note": None, "due_date": due, "hazard_id": None, "created_by_id": creator, "created_at": now}
                assignment = {"user_id": uid, "status": "done" if done else "open",
                              "completed_at": _at(done, 15.0) if done else None, "completed_day": done,
                              "completion_note": None}
                task_rows.append((task, [assignment]))
    w.flush()
    for start in range(0, len(task_rows), BATCH):
        chunk = task_rows[start:start + BATCH]
        ids = session.scalars(insert(Task).returning(Task.id, sort_by_parameter_order=True),
                              [t for t, _ in chunk]).all()
        session.execute(insert(TaskAssignment), [a | {"task_id": tid} for (_, assigned), tid in zip(chunk, ids)
                                                 for a in assigned])
        made.add("tasks", len(chunk))
    _fix_sequence(session, "visits")
    return made


def _poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth for small means, a rounded normal for large ones)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, lam ** 0.5)))
    limit, k, prod = pow(2.718281828459045, -lam), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


def _fix_sequence(session: Session, name: str) -> None:
    """Visits were inserted with explicit ids (hazards point at them); move PostgreSQL's sequence past them."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT setval('{name}_id_seq', (SELECT max(id) FROM {name}))"))
