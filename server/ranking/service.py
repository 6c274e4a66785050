"""Monthly rankings (月排名): figures read with a handful of grouped queries over the month, scored by the rule,
stored as a draft or frozen as a published revision; boards, "me", months, posters and XLSX read the stored rows.

How a month is computed (the same code on PostgreSQL and SQLite):

1. the members (active accounts with the member role) and their grids; a member's home grid is the lowest-id
   one, and its village and township are the member's for the boards;
2. one grouped query per source, each over the month's local days (``day`` columns, Asia/Shanghai) and never
   counting a record rejected in review: counted clock-ins on working days, distinct places of the member's
   grids visited and given publicity, daily reports not late on working days, hazards found (general / major,
   not rejected as hazards, not from a rejected visit), dispatched task assignments due in the month (re-checks
   apart) and whether they were done by their due day, and records rejected in review (counted in the scans of
   clock-ins, visits and publicity);
3. the rule (rules.py) turns the figures into points; villages and townships are scored from their members.

Tip-offs (举报) that became hazards in a member's grid, at a place where the member had found no hazard of their own
on that day or before, count against the member (``tipoffs_missed``, a penalty).

A month with no activity at all (no clock-in, visit, publicity, report, hazard, task due or rejection) gives an
empty board.  Otherwise every active member is on it, those who did nothing at the bottom: that is the point
of airing it.  A month that has not ended yet can be computed as a draft counting the days up to today; only
ended months are published.  Drafts are revision 0 of their month; published revisions are 1, 2, ... and never
change.  Cron (Asia/Shanghai)::

    10 0 * * *  gridpatrol bulletin publish   # yesterday's daily bulletins
    30 1 1 * *  gridpatrol ranking publish    # last month's ranking (revision 1)
"""
from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Sequence

from sqlalchemy import Select, and_, case, delete, exists, func, insert, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from server.auth.models import User, UserArea
from server.auth.scope import Actor
from server.dispatch.models import Task, TaskAssignment
from server.errors import ApiError, conflict, invalid, not_found
from server.hazards.models import Hazard
from server.org.models import Area
from server.patrol.models import CheckIn, PublicityVisit, Visit
from server.places.models import Place
from server.ranking import rules
from server.ranking.models import RankingEntry, RankingRule, RankingRun
from server.ranking.rules import METRICS, Calendar, Figures, RuleError
from server.reports.models import DailyReport


@dataclass(frozen=True)
class Month:
    key: str
    first: date
    last: date


def month_of(key: str, today: date) -> Month:
    """A month named "YYYY-MM" that has begun (422 otherwise)."""
    parsed = rules.parse_month(key)
    if parsed is None:
        raise invalid("month", "月份格式应为 YYYY-MM, 例如 2026-10")
    first, last = rules.month_days(*parsed)
    if first > today:
        raise invalid("month", "不能统计将来的月份", code="month_in_future")
    return Month(key, first, last)


# --- rules ----------------------------------------------------------------------------------------------------------

def _store_rule(session: Session, document: dict[str, Any], created_by: str, note: str | None) -> RankingRule:
    latest = session.scalar(select(func.max(RankingRule.version))) or 0
    rule = RankingRule(version=latest + 1, document=document, digest=rules.rule_digest(document),
                       created_by=created_by, note=note)
    session.add(rule)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise conflict("rule_version_conflict", "规则版本冲突, 请重试")
    return rule


def current_rule(session: Session) -> RankingRule:
    """The latest rule version; the repo's default_rule.json becomes version 1 when none is stored yet."""
    rule = session.scalar(select(RankingRule).order_by(RankingRule.version.desc()).limit(1))
    if rule is None:
        rule = _store_rule(session, rules.load_default_rule(), "system", "default_rule.json")
    return rule


def add_rule(session: Session, document: Any, created_by: str, note: str | None = None) -> RankingRule:
    """Store a new rule version (used from the next compute on); an unusable rule is a 422 naming each problem."""
    try:
        clean = rules.validate_rule(document)
    except RuleError as exc:
        raise ApiError(422, "rule_invalid", "排名规则无效", {"fields": exc.fields})
    current_rule(session)  # the default is version 1, whatever comes after it
    return _store_rule(session, clean, created_by, note)


def list_rules(session: Session) -> Sequence[RankingRule]:
    current_rule(session)
    return session.scalars(select(RankingRule).order_by(RankingRule.version.desc())).all()


# --- reading the month ----------------------------------------------------------------------------------------------

@dataclass
class MemberInfo:
    user_id: int
    username: str
    name: str
    grid_ids: list[int] = field(default_factory=list)
    grid_name: str = ""
    village_id: int = 0
    township_id: int = 0


def _path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def _members(session: Session) -> list[MemberInfo]:
    rows = session.execute(
        select(User.id, User.username, User.display_name, Area.id, Area.path, Area.name)
        .join(UserArea, UserArea.user_id == User.id).join(Area, Area.id == UserArea.area_id)
        .where(User.role == "member", User.active.is_(True), Area.level == "grid")
        .order_by(User.id, Area.id)).all()
    members: dict[int, MemberInfo] = {}
    for uid, username, name, grid_id, path, grid_name in rows:
        m = members.get(uid)
        if m is None:
            ids = _path_ids(path)  # county / township / village / grid
            m = members[uid] = MemberInfo(uid, username, name, [], grid_name, ids[-2], ids[-3])
        m.grid_ids.append(grid_id)
    return list(members.values())


def _per_user(session: Session, stmt: Any) -> dict[int, int]:
    return {row[0]: int(row[1] or 0) for row in session.execute(stmt)}


def _coverage(session: Session, model: Any, first: date, cutoff: date) -> tuple[dict[int, int], dict[int, int]]:
    """For visits or publicity: per member, the distinct places of their own grids they recorded a record of
    ``model`` at that was not rejected, and how many of their records were rejected; one scan of the month."""
    rejected = case((model.review_status == "rejected", 1), else_=0)
    pairs = (select(model.user_id.label("user_id"), model.place_id.label("place_id"),
                    func.min(rejected).label("all_rejected"), func.sum(rejected).label("rejected"))
             .where(model.day >= first, model.day <= cutoff)
             .group_by(model.user_id, model.place_id).subquery())
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


def read_figures(session: Session, first: date, cutoff: date, working_days: list[date]
                 ) -> tuple[list[MemberInfo], dict[int, Figures]]:
    """Every active member and their figures for [first, cutoff]: eight grouped queries, whatever the number of
    members."""
    _tune(session)
    members = _members(session)
    places = _per_user(session, select(Place.area_id, func.count()).where(Place.deleted_at.is_(None))
                       .group_by(Place.area_id))
    in_month = lambda col: and_(col >= first, col <= cutoff)  # noqa: E731
    clock_ins: dict[int, int] = {}
    rejected: dict[int, int] = defaultdict(int)
    counted = case((and_(CheckIn.counted.is_(True), CheckIn.review_status != "rejected",
                         CheckIn.day.in_(working_days)), 1), else_=0)
    for uid, n_counted, n_rejected in session.execute(
            select(CheckIn.user_id, func.sum(counted), func.sum(case((CheckIn.review_status == "rejected", 1),
                                                                     else_=0)))
            .where(in_month(CheckIn.day)).group_by(CheckIn.user_id)):
        clock_ins[uid], rejected[uid] = int(n_counted or 0), int(n_rejected or 0)
    visited, rejected_visits = _coverage(session, Visit, first, cutoff)
    publicised, rejected_publicity = _coverage(session, PublicityVisit, first, cutoff)
    for extra in (rejected_visits, rejected_publicity):
        for uid, n in extra.items():
            rejected[uid] += n
    reports = _per_user(session, select(DailyReport.user_id, func.count()).where(
        in_month(DailyReport.day), DailyReport.day.in_(working_days), DailyReport.late.is_(False))
        .group_by(DailyReport.user_id))
    major = case((Hazard.level == "major", 1), else_=0)
    hazards = {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in session.execute(
        select(Hazard.found_by_id, func.count() - func.sum(major), func.sum(major))
        .outerjoin(Visit, Visit.id == Hazard.visit_id)
        .where(Hazard.found_by_id.is_not(None), in_month(Hazard.found_day), Hazard.status != "rejected",
               or_(Hazard.visit_id.is_(None), Visit.review_status != "rejected"))
        .group_by(Hazard.found_by_id))}
    on_time = case((and_(TaskAssignment.status == "done", TaskAssignment.completed_day <= Task.due_date), 1),
                   else_=0)
    tasks: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # rechecks due, on time, tasks due, on time
    for uid, kind, due, done in session.execute(
            select(TaskAssignment.user_id, Task.kind, func.count(), func.sum(on_time))
            .join(Task, Task.id == TaskAssignment.task_id).where(in_month(Task.due_date))
            .group_by(TaskAssignment.user_id, Task.kind)):
        t = tasks[uid]
        k = 0 if kind == "recheck" else 2
        t[k] += int(due)
        t[k + 1] += int(done or 0)

    missed = _per_user(session, tipoffs_missed_query(first, cutoff))

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


def tipoffs_missed_query(first: date, cutoff: date) -> Any:
    """Per member: hazards of the month in their grids that came from a public tip-off (举报) and that the member had
    not found first — no hazard of theirs at the same place found on that day or earlier."""
    earlier = aliased(Hazard)
    found_first = exists().where(earlier.found_by_id == UserArea.user_id, earlier.place_id == Hazard.place_id,
                                 earlier.source != "tipoff", earlier.found_day <= Hazard.found_day)
    return (select(UserArea.user_id, func.count(Hazard.id)).join(Hazard, Hazard.area_id == UserArea.area_id)
            .where(Hazard.source == "tipoff", Hazard.found_day >= first, Hazard.found_day <= cutoff,
                   Hazard.status != "rejected", ~found_first)
            .group_by(UserArea.user_id))


def _active(f: Figures) -> bool:
    return any((f.clock_in_days, f.places_visited, f.places_publicised, f.reports_on_time, f.hazards_general,
                f.hazards_major, f.rechecks_due, f.tasks_due, f.evidence_rejected, f.tipoffs_missed))


# --- building a board -----------------------------------------------------------------------------------------------

@dataclass
class Board:
    month: Month
    cutoff: date
    rule: RankingRule
    working_days: list[date]
    members: list[MemberInfo]
    figures: dict[int, Figures]
    digest: str
    counts: dict[str, int]
    rows: list[dict[str, Any]] = field(default_factory=list)


def read_month(session: Session, month: Month, today: date, calendar: Calendar) -> Board:
    """A month's inputs under the current rule, and their digest; nothing is scored or written yet (except the
    default rule, the first time)."""
    rule = current_rule(session)
    cutoff = min(month.last, today)
    working_days = calendar.working_days(month.first, cutoff)
    members, figures = read_figures(session, month.first, cutoff, working_days)
    if not any(_active(f) for f in figures.values()):
        members = []
    digest = hashlib.sha256(rules.canonical_json({
        "month": month.key, "cutoff": cutoff.isoformat(), "rule_version": rule.version, "rule": rule.document,
        "working_days": [d.isoformat() for d in working_days],
        "members": [[m.user_id, m.username, m.township_id, m.village_id, m.grid_ids[0],
                     *figures[m.user_id].as_list()] for m in members],
    }).encode()).hexdigest()
    totals = [figures[m.user_id] for m in members]
    counts = {"members": len(members), "villages": 0, "townships": 0, "working_days": len(working_days),
              "clock_in_days": sum(f.clock_in_days for f in totals),
              "places_visited": sum(f.places_visited for f in totals),
              "places_publicised": sum(f.places_publicised for f in totals),
              "reports_on_time": sum(f.reports_on_time for f in totals),
              "hazards_found": sum(f.hazards_general + f.hazards_major for f in totals),
              "tasks_due": sum(f.tasks_due + f.rechecks_due for f in totals),
              "evidence_rejected": sum(f.evidence_rejected for f in totals)}
    return Board(month, cutoff, rule, working_days, members, figures, digest, counts)


def score(session: Session, board: Board) -> Board:
    """Score, rank and aggregate the board's members into rows of the three levels."""
    doc = board.rule.document
    areas = {a.id: a for a in session.execute(select(Area.id, Area.code, Area.name).where(
        Area.level.in_(("township", "village"))))}
    scored = []
    for m in board.members:
        total, metrics = rules.score_member(board.figures[m.user_id], doc)
        scored.append((m, total, metrics))
    scored.sort(key=lambda s: rules.sort_key(s[1], s[2], doc, s[0].username))

    rows: list[dict[str, Any]] = []
    in_township: dict[int, int] = defaultdict(int)
    for rank, (m, total, metrics) in enumerate(scored, start=1):
        in_township[m.township_id] += 1
        rows.append({"level": "member", "rank": rank, "township_rank": in_township[m.township_id],
                     "user_id": m.user_id, "username": m.username, "name": m.name[:64], "area_id": m.grid_ids[0],
                     "grid_name": m.grid_name, "village_id": m.village_id,
                     "village_name": areas[m.village_id].name, "township_id": m.township_id,
                     "township_name": areas[m.township_id].name, "members": 1, "score": total,
                     "metrics": metrics})

    def groups(key: str) -> list[tuple[int, float, dict[str, Any], int, int]]:
        by: dict[int, list[tuple[float, dict[str, Any]]]] = defaultdict(list)
        township_of: dict[int, int] = {}
        for m, total, metrics in scored:
            by[getattr(m, key)].append((total, metrics))
            township_of[getattr(m, key)] = m.township_id
        out = []
        for area_id, members_of in by.items():
            total, metrics = rules.aggregate_group(members_of, doc)
            out.append((area_id, total, metrics, len(members_of), township_of[area_id]))
        out.sort(key=lambda g: rules.sort_key(g[1], g[2], doc, areas[g[0]].code))
        return out

    village_in_township: dict[int, int] = defaultdict(int)
    villages = groups("village_id")
    for rank, (vid, total, metrics, n, tid) in enumerate(villages, start=1):
        village_in_township[tid] += 1
        rows.append({"level": "village", "rank": rank, "township_rank": village_in_township[tid], "user_id": None,
                     "username": None, "name": areas[vid].name, "area_id": vid, "grid_name": None,
                     "village_id": vid, "village_name": areas[vid].name, "township_id": tid,
                     "township_name": areas[tid].name, "members": n, "score": total, "metrics": metrics})
    townships = groups("township_id")
    for rank, (tid, total, metrics, n, _) in enumerate(townships, start=1):
        rows.append({"level": "township", "rank": rank, "township_rank": None, "user_id": None, "username": None,
                     "name": areas[tid].name, "area_id": tid, "grid_name": None, "village_id": None,
                     "village_name": None, "township_id": tid, "township_name": areas[tid].name, "members": n,
                     "score": total, "metrics": metrics})
    board.rows = rows
    board.counts = board.counts | {"villages": len(villages), "townships": len(townships)}
    return board


ENTRY_COLUMNS = ("run_id", "level", "rank", "township_rank", "user_id", "username", "name", "area_id", "grid_name",
                 "village_id", "village_name", "township_id", "township_name", "members", "score", "metrics")


def _insert_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    """A board's rows: COPY on PostgreSQL (a statement per row costs more than computing the month), an executemany
    elsewhere."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(RankingEntry), rows)
        return
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cur, cur.copy(f"COPY ranking_entries ({', '.join(ENTRY_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([rules.canonical_json(row[c]) if c == "metrics" else row[c] for c in ENTRY_COLUMNS])


def _store(session: Session, board: Board, *, revision: int, status: str, now: datetime,
           published_by: str | None = None, reason: str | None = None) -> RankingRun:
    if not board.rows and board.members:
        score(session, board)
    run = RankingRun(month=board.month.key, revision=revision, status=status, rule_id=board.rule.id,
                     rule_version=board.rule.version, cutoff=board.cutoff,
                     working_days=[d.isoformat() for d in board.working_days],
                     counts=board.counts,
                     digest=board.digest, computed_at=now, published_at=now if status == "published" else None,
                     published_by=published_by, reason=reason)
    session.add(run)
    session.flush()
    _insert_entries(session, [row | {"run_id": run.id} for row in board.rows])
    return run


def _draft(session: Session, key: str) -> RankingRun | None:
    return session.scalar(select(RankingRun).where(RankingRun.month == key, RankingRun.revision == 0))


def _drop(session: Session, run: RankingRun) -> None:
    if run.status != "draft":
        raise AssertionError("published rankings are never deleted")
    session.execute(delete(RankingEntry).where(RankingEntry.run_id == run.id))
    session.delete(run)
    session.flush()


def latest_revision(session: Session, key: str) -> int:
    return session.scalar(select(func.max(RankingRun.revision)).where(
        RankingRun.month == key, RankingRun.status == "published")) or 0


def compute(session: Session, key: str, *, today: date, now: datetime, calendar: Calendar) -> RankingRun:
    """Build the month's draft (revision 0), replacing the previous draft; published revisions are untouched."""
    month = month_of(key, today)
    board = read_month(session, month, today, calendar)
    old = _draft(session, month.key)
    if old is not None:
        _drop(session, old)
    return _store(session, board, revision=0, status="draft", now=now)


def publish(session: Session, key: str, *, today: date, now: datetime, calendar: Calendar, published_by: str,
            revision: int | None = None, reason: str | None = None) -> RankingRun:
    """Freeze an ended month.  ``revision`` None means the first publication (409 once there is one); a correction
    names the next revision and needs a reason.  The draft becomes the publication when it was computed from the
    same inputs (same digest); otherwise the month is computed afresh."""
    month = month_of(key, today)
    if month.last >= today:
        raise invalid("month", "该月尚未结束, 只能生成草稿; 月末之后才能发布", code="month_not_ended")
    reason = (reason or "").strip() or None
    latest = latest_revision(session, month.key)
    if revision is None:
        if latest:
            raise conflict("ranking_published",
                           f"{month.key} 的排名已发布(第 {latest} 版), 不能修改; 如需更正请发布第 {latest + 1} 版并说明原因",
                           {"revision": latest})
        revision = 1
    elif revision != latest + 1:
        raise conflict("revision_conflict", f"{month.key} 下一个可发布的版本是第 {latest + 1} 版",
                       {"revision": latest, "next": latest + 1})
    if revision > 1 and reason is None:
        raise invalid("reason", "发布修订版必须说明更正原因", code="reason_required")
    board = read_month(session, month, today, calendar)  # scored only if the draft is not the same month
    draft = _draft(session, month.key)
    try:
        with session.begin_nested():
            if draft is not None and draft.digest == board.digest and draft.rule_id == board.rule.id:
                draft.revision, draft.status = revision, "published"
                draft.published_at, draft.published_by, draft.reason = now, published_by, reason
                session.flush()
                run = draft
            else:
                if draft is not None:
                    _drop(session, draft)
                run = _store(session, board, revision=revision, status="published", now=now,
                             published_by=published_by, reason=reason)
    except IntegrityError:
        raise conflict("ranking_published", f"{month.key} 的第 {revision} 版刚被他人发布", {"revision": revision})
    return run


# --- reading boards -------------------------------------------------------------------------------------------------

def townships_in_scope(actor: Actor) -> set[int] | None:
    """The townships whose boards the actor reads: None for the whole county; a member's, an inspector's or a
    township admin's own township(s) otherwise."""
    out: set[int] = set()
    for path in actor.area_paths:
        ids = _path_ids(path)
        if len(ids) <= 1:
            return None
        out.add(ids[1])
    return out


def get_run(session: Session, actor: Actor, key: str, today: date, *, revision: int | None = None,
            draft: bool = False) -> RankingRun:
    """The draft (admins), a named revision, or the latest published revision of a month."""
    month = month_of(key, today)
    stmt = select(RankingRun).where(RankingRun.month == month.key)
    if draft:
        actor.require("ranking:draft")
        run = session.scalar(stmt.where(RankingRun.revision == 0))
        if run is None:
            raise not_found("排名草稿")
        return run
    stmt = stmt.where(RankingRun.status == "published")
    if revision is not None:
        stmt = stmt.where(RankingRun.revision == revision)
    run = session.scalar(stmt.order_by(RankingRun.revision.desc()).limit(1))
    if run is None:
        raise not_found("已发布的排名")
    return run


def _township_filter(session: Session, actor: Actor, township_id: int | None) -> Area | None:
    if township_id is None:
        return None
    scope = townships_in_scope(actor)
    area = session.get(Area, township_id)
    if area is None or area.level != "township" or (scope is not None and township_id not in scope):
        raise not_found("乡镇排名")
    return area


def board_query(session: Session, actor: Actor, run: RankingRun, level: str,
                township_id: int | None = None) -> Select[tuple[RankingEntry]]:
    """Rows of one level, best first.  Member and village rows are limited to the townships in scope (a township
    outside it is a 404); the township level is the county's comparison of townships, which everyone reads."""
    stmt = select(RankingEntry).where(RankingEntry.run_id == run.id, RankingEntry.level == level)
    township = _township_filter(session, actor, township_id)
    if township is not None:
        stmt = stmt.where(RankingEntry.township_id == township.id)
    elif level != "township":
        scope = townships_in_scope(actor)
        if scope is not None:
            stmt = stmt.where(RankingEntry.township_id.in_(scope))
    return stmt.order_by(RankingEntry.rank)


def metrics_out(metrics: dict[str, Any], rule_doc: dict[str, Any],
                medians: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    out = []
    for name, metric in METRICS.items():
        if name not in metrics or name not in rule_doc["metrics"]:
            continue
        m = metrics[name]
        item = {"name": name, "label": metric.label, "kind": metric.kind, "penalty": metric.penalty,
                "raw": m["raw"], "num": m.get("num"), "den": m.get("den"), "points": m["points"],
                "full_marks": rule_doc["metrics"][name]["weight"], "cap": rule_doc["metrics"][name]["cap"]}
        if medians is not None:
            item["township_median"] = medians[name]
        out.append(item)
    return out


def entry_out(entry: RankingEntry, rule_doc: dict[str, Any]) -> dict[str, Any]:
    return {"level": entry.level, "rank": entry.rank, "township_rank": entry.township_rank,
            "user_id": entry.user_id, "username": entry.username, "name": entry.name, "area_id": entry.area_id,
            "grid_name": entry.grid_name, "village_id": entry.village_id, "village_name": entry.village_name,
            "township_id": entry.township_id, "township_name": entry.township_name, "members": entry.members,
            "score": entry.score, "metrics": metrics_out(entry.metrics, rule_doc)}


def run_out(run: RankingRun) -> dict[str, Any]:
    return {"month": run.month, "revision": run.revision, "status": run.status, "rule_version": run.rule_version,
            "cutoff": run.cutoff, "working_days": run.working_days, "counts": run.counts, "digest": run.digest,
            "computed_at": run.computed_at, "published_at": run.published_at, "published_by": run.published_by,
            "reason": run.reason}


def months(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Months with a ranking, newest first: their published revisions, and the draft for admins."""
    by_month: dict[str, dict[str, Any]] = {}
    for run in session.scalars(select(RankingRun).order_by(RankingRun.month.desc(), RankingRun.revision)):
        item = by_month.setdefault(run.month, {"month": run.month, "revisions": [], "draft": None})
        if run.status == "published":
            item["revisions"].append(run_out(run))
        elif actor.can("ranking:draft"):
            item["draft"] = run_out(run)
    return [m for m in by_month.values() if m["revisions"] or m["draft"]]


def _medians(rows: Sequence[RankingEntry], rule_doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: {"raw": rules.median(r.metrics[name]["raw"] for r in rows),
                   "points": rules.median(r.metrics[name]["points"] for r in rows)}
            for name in rule_doc["metrics"]}


def me(session: Session, actor: Actor, key: str, today: date, revision: int | None = None) -> dict[str, Any]:
    """My row of the latest (or a named) published revision: rank in the county and in my township, score, each
    metric with its raw value, points and my township's median, and the change since last month's ranking."""
    run = get_run(session, actor, key, today, revision=revision)
    mine = session.scalar(select(RankingEntry).where(RankingEntry.run_id == run.id, RankingEntry.level == "member",
                                                     RankingEntry.user_id == actor.user_id))
    if mine is None:
        raise not_found("我的排名")
    doc = run.rule.document
    peers = session.scalars(select(RankingEntry).where(
        RankingEntry.run_id == run.id, RankingEntry.level == "member",
        RankingEntry.township_id == mine.township_id)).all()
    change = None
    prev_key = rules.previous_month(run.month)
    prev_run = session.scalar(select(RankingRun).where(RankingRun.month == prev_key,
                                                       RankingRun.status == "published")
                              .order_by(RankingRun.revision.desc()).limit(1))
    if prev_run is not None:
        prev = session.scalar(select(RankingEntry).where(
            RankingEntry.run_id == prev_run.id, RankingEntry.level == "member",
            RankingEntry.user_id == actor.user_id))
        if prev is not None:
            change = {"month": prev_key, "revision": prev_run.revision, "previous_rank": prev.rank,
                      "previous_township_rank": prev.township_rank, "previous_score": prev.score,
                      "rank": prev.rank - mine.rank,
                      "township_rank": (prev.township_rank - mine.township_rank
                                        if prev.township_rank is not None and mine.township_rank is not None
                                        else None),
                      "score": round(mine.score - prev.score, 2)}
    return {"month": run.month, "revision": run.revision, "rule_version": run.rule_version,
            "published_at": run.published_at, "rank": mine.rank, "members": run.counts.get("members", 0),
            "township_rank": mine.township_rank, "township_members": len(peers),
            "township_id": mine.township_id, "township_name": mine.township_name, "name": mine.name,
            "grid_name": mine.grid_name, "score": mine.score,
            "township_median_score": rules.median(p.score for p in peers),
            "metrics": metrics_out(mine.metrics, doc, _medians(peers, doc)), "change": change}


# --- posters and export ---------------------------------------------------------------------------------------

def _lost(entry: RankingEntry, rule_doc: dict[str, Any], n: int = 2) -> str:
    """Where a row lost the most points on rates and penalties (the bonus counts, such as hazards found, are not
    losses): "失分 进岗打卡率 -12.5 · 巡查覆盖率 -8.0"."""
    lost = []
    for name, spec in rule_doc["metrics"].items():
        if METRICS[name].kind == "count" and not METRICS[name].penalty:
            continue
        points = entry.metrics[name]["points"]
        missing = -points if METRICS[name].penalty else spec["weight"] - points
        if missing > 0.05:
            lost.append((missing, name))
    lost.sort(key=lambda x: (-x[0], x[1]))
    return ("失分 " + " · ".join(f"{METRICS[name].label} -{m:.1f}" for m, name in lost[:n])) if lost else ""


def poster_png(session: Session, actor: Actor, run: RankingRun, township_id: int | None = None, top: int = 10,
               bottom: int = 5) -> bytes:
    """A township's top and bottom members, or (no township) the county's townships."""
    from server.ranking.poster import PosterInfo, PosterRow, render

    doc = run.rule.document
    footer = f"规则: {doc.get('title', '')} · 摘要 {run.digest[:12]}" + (f" · 更正: {run.reason}" if run.reason else "")
    if township_id is None:
        county = session.scalar(select(Area.name).where(Area.level == "county").order_by(Area.id).limit(1)) or ""
        rows = session.scalars(board_query(session, actor, run, "township")).all()
        sections = [("乡镇(街道)排名 · 按网格员平均分" if doc["aggregate"] == "mean" else "乡镇(街道)排名 · 按网格员中位分",
                     [PosterRow(r.rank, r.name, f"网格员 {r.members} 名", r.score, _lost(r, doc)) for r in rows])]
        info = PosterInfo(f"{county} 乡镇(街道)月排名", run.month, run.rule_version, run.revision,
                          run.published_at, f"共 {len(rows)} 个乡镇(街道)", footer, sections)
        return render(info)
    township = _township_filter(session, actor, township_id)
    assert township is not None
    rows = session.scalars(board_query(session, actor, run, "member", township.id)).all()
    head = rows[:top]
    tail = [r for r in rows[-bottom:] if r not in head] if bottom else []
    sections = [(f"前 {len(head)} 名", [PosterRow(r.township_rank or r.rank, r.name, r.grid_name or "", r.score, "")
                                      for r in head])]
    if tail:
        sections.append((f"后 {len(tail)} 名", [PosterRow(r.township_rank or r.rank, r.name, r.grid_name or "",
                                                          r.score, _lost(r, doc)) for r in tail]))
    if not rows:
        sections = [("本月没有可排名的数据", [])]
    info = PosterInfo(f"{township.name} 网格员月排名", run.month, run.rule_version, run.revision, run.published_at,
                      f"共 {len(rows)} 名网格员", footer, sections)
    return render(info)


# --- export -----------------------------------------------------------------------------------------------------

def export_xlsx(run: RankingRun, entries: Sequence[RankingEntry], level: str, title: str) -> bytes:
    """The whole board with every metric's raw value and points."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    doc = run.rule.document
    names = [n for n in METRICS if n in doc["metrics"]]
    wb = Workbook()
    ws = wb.active
    ws.title = rules.LEVEL_LABELS[level] + "排名"
    state = "草稿" if run.status == "draft" else f"第 {run.revision} 版"
    ws.append([f"{title} {run.month} {rules.LEVEL_LABELS[level]}月排名 · 规则 v{run.rule_version} · {state}"
               + (f" · 更正原因: {run.reason}" if run.reason else "")])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"统计截至 {run.cutoff.isoformat()}, 工作日 {len(run.working_days)} 天; "
               f"输入摘要 SHA-256 {run.digest}"])
    head = ["排名", "乡镇内排名", "名称", "账号", "网格", "村(社区)", "乡镇(街道)", "人数", "总分"]
    for n in names:
        spec = doc["metrics"][n]
        head += [f"{METRICS[n].label} 原始值", f"{METRICS[n].label} 得分 (满分 {spec['weight']:g})"]
    ws.append(head)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for e in entries:
        row: list[Any] = [e.rank, e.township_rank, e.name, e.username, e.grid_name, e.village_name,
                          e.township_name, e.members, e.score]
        for n in names:
            m = e.metrics[n]
            raw = m["raw"]
            if raw is not None and m.get("den") is not None:
                raw = f"{raw:.2%} ({m['num']}/{m['den']})"
            row += [raw if raw is not None else "不适用", m["points"]]
        ws.append(row)
    ws.freeze_panes = "D4"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
