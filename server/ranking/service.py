"""Monthly rankings (月排名): figures read with a handful of grouped queries over the month, scored by the rule,
stored as a draft or frozen as a published revision.  The figures are read in ``figures.py`` (the one file of the
package that reads other domains' tables); boards, "me" and months (``boards.py``), posters (``poster.py``) and the
XLSX (``documents.py``) read the stored rows.

Each county ranks its own members: a run belongs to a county (``county_id``), a county admin computes, publishes and
revises only their county's month, and every query of the month reads only that county's members' rows, so one
county's cost does not grow with the others in the database.

How a county's month is computed (the same code on PostgreSQL and SQLite):

1. the county's members (active accounts with the member role) and their grids; a member's home grid is the lowest-id
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
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Sequence

from sqlalchemy import Select, delete, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from server.auth.scope import Actor
from server.errors import conflict, error, invalid, not_found
from server.org.models import Area, subtree_range
from server.ranking import rules
from server.ranking.figures import MemberInfo, active, read_figures
from server.ranking.models import RankingEntry, RankingRule, RankingRun
from server.ranking.rules import Calendar, Figures, RuleError


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
        raise error("rule_version_conflict")
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
        raise error("rule_invalid", {"fields": exc.fields})
    current_rule(session)  # the default is version 1, whatever comes after it
    return _store_rule(session, clean, created_by, note)


def list_rules(session: Session) -> Sequence[RankingRule]:
    current_rule(session)
    return session.scalars(select(RankingRule).order_by(RankingRule.version.desc())).all()


# --- building a board -----------------------------------------------------------------------------------------------

def county_of(session: Session, actor: Actor, county_id: int) -> Area:
    """The county a ranking belongs to, if the actor's scope holds it (the same 404 as a missing county otherwise);
    a county admin computes and publishes only their own county's month."""
    county = session.get(Area, county_id)
    if county is None or county.level != "county" or not actor.covers(county.path):
        raise not_found("县(市、区)")
    return county


@dataclass
class Board:
    county: Area
    month: Month
    cutoff: date
    rule: RankingRule
    working_days: list[date]
    members: list[MemberInfo]
    figures: dict[int, Figures]
    digest: str
    counts: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)


def read_month(session: Session, county: Area, month: Month, today: date, calendar: Calendar) -> Board:
    """A county's month's inputs under the current rule, and their digest; nothing is scored or written yet (except
    the default rule, the first time)."""
    rule = current_rule(session)
    cutoff = min(month.last, today)
    working_days = calendar.working_days(month.first, cutoff)
    members, figures = read_figures(session, county, month.first, cutoff, working_days)
    if not any(active(f) for f in figures.values()):
        members = []
    digest = hashlib.sha256(rules.canonical_json({
        "county": county.id, "month": month.key, "cutoff": cutoff.isoformat(), "rule_version": rule.version, "rule": rule.document,
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
    return Board(county, month, cutoff, rule, working_days, members, figures, digest, counts)


def score(session: Session, board: Board) -> Board:
    """Score, rank and aggregate the board's members into rows of the three levels."""
    doc = board.rule.document
    lo, hi = subtree_range(board.county.path)
    areas = {a.id: a for a in session.execute(select(Area.id, Area.code, Area.name).where(
        Area.level.in_(("township", "village")), Area.path >= lo, Area.path < hi))}
    scored, not_ranked = [], []
    for m in board.members:
        total, metrics = rules.score_member(board.figures[m.user_id], doc)
        if doc.get("unmeasured") == "scale" and not rules.has_duties(metrics):
            not_ranked.append(m.user_id)  # nothing was asked of them this month: not on the board
            continue
        scored.append((m, total, metrics))
    keys = [rules.sort_key(s[1], s[2], doc, s[0].username) for s in scored]
    order = sorted(range(len(scored)), key=lambda i: keys[i])
    scored, keys = [scored[i] for i in order], [keys[i] for i in order]
    ranks = rules.shared_ranks(keys)
    township_keys: dict[int, list[tuple]] = defaultdict(list)
    for (m, _, _), key in zip(scored, keys):
        township_keys[m.township_id].append(key)
    township_ranks = {tid: iter(rules.shared_ranks(k)) for tid, k in township_keys.items()}

    rows: list[dict[str, Any]] = []
    for rank, (m, total, metrics) in zip(ranks, scored):
        rows.append({"level": "member", "rank": rank, "township_rank": next(township_ranks[m.township_id]),
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

    def ranked(groups_of: list[tuple[int, float, dict[str, Any], int, int]]) -> list[int]:
        return rules.shared_ranks([rules.sort_key(g[1], g[2], doc, areas[g[0]].code) for g in groups_of])

    villages = groups("village_id")
    village_keys: dict[int, list[tuple]] = defaultdict(list)
    for g in villages:
        village_keys[g[4]].append(rules.sort_key(g[1], g[2], doc, areas[g[0]].code))
    village_ranks = {tid: iter(rules.shared_ranks(k)) for tid, k in village_keys.items()}
    for rank, (vid, total, metrics, n, tid) in zip(ranked(villages), villages):
        rows.append({"level": "village", "rank": rank, "township_rank": next(village_ranks[tid]), "user_id": None,
                     "username": None, "name": areas[vid].name, "area_id": vid, "grid_name": None,
                     "village_id": vid, "village_name": areas[vid].name, "township_id": tid,
                     "township_name": areas[tid].name, "members": n, "score": total, "metrics": metrics})
    townships = groups("township_id")
    for rank, (tid, total, metrics, n, _) in zip(ranked(townships), townships):
        rows.append({"level": "township", "rank": rank, "township_rank": None, "user_id": None, "username": None,
                     "name": areas[tid].name, "area_id": tid, "grid_name": None, "village_id": None,
                     "village_name": None, "township_id": tid, "township_name": areas[tid].name, "members": n,
                     "score": total, "metrics": metrics})
    board.rows = rows
    board.counts = board.counts | {"members": len(scored), "villages": len(villages), "townships": len(townships),
                                   "not_ranked": not_ranked}
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
    assert driver is not None  # a live psycopg connection: COPY goes through it
    with driver.cursor() as cur, cur.copy(f"COPY ranking_entries ({', '.join(ENTRY_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([rules.canonical_json(row[c]) if c == "metrics" else row[c] for c in ENTRY_COLUMNS])


def _store(session: Session, board: Board, *, revision: int, status: str, now: datetime,
           published_by: str | None = None, reason: str | None = None, draft: RankingRun | None = None
           ) -> RankingRun:
    """Insert the run (the unique (county, month, revision) settles a race here, before any row is written), then
    its rows: the draft's copied when ``draft`` holds the same board, else scored now."""
    if draft is None and not board.rows and board.members:
        score(session, board)
    run = RankingRun(county_id=board.county.id, month=board.month.key, revision=revision, status=status,
                     rule_id=board.rule.id, rule_version=board.rule.version, cutoff=board.cutoff,
                     working_days=[d.isoformat() for d in board.working_days],
                     counts=draft.counts if draft is not None else board.counts, digest=board.digest,
                     computed_at=draft.computed_at if draft is not None else now,
                     published_at=now if status == "published" else None, published_by=published_by, reason=reason)
    session.add(run)
    session.flush()
    if draft is not None:
        columns = [c for c in ENTRY_COLUMNS if c != "run_id"]
        session.execute(insert(RankingEntry).from_select(
            ["run_id", *columns], select(literal(run.id), *(getattr(RankingEntry, c) for c in columns))
            .where(RankingEntry.run_id == draft.id)))
    else:
        _insert_entries(session, [row | {"run_id": run.id} for row in board.rows])
    return run


def _runs(county: Area, key: str) -> Select[RankingRun]:
    return select(RankingRun).where(RankingRun.county_id == county.id, RankingRun.month == key)


def _draft(session: Session, county: Area, key: str) -> RankingRun | None:
    return session.scalar(_runs(county, key).where(RankingRun.revision == 0))


def _drop(session: Session, run: RankingRun) -> None:
    if run.status != "draft":
        raise AssertionError("published rankings are never deleted")
    session.execute(delete(RankingEntry).where(RankingEntry.run_id == run.id))
    session.delete(run)
    session.flush()


def latest_revision(session: Session, county: Area, key: str) -> int:
    return session.scalar(select(func.max(RankingRun.revision)).where(
        RankingRun.county_id == county.id, RankingRun.month == key, RankingRun.status == "published")) or 0


Progress = Callable[[float, str], None]  # (fraction done, what is being done): a background job's progress


def _nothing(fraction: float, step: str) -> None:
    pass


def compute(session: Session, county_id: int, key: str, actor: Actor, *, today: date, now: datetime,
            calendar: Calendar, progress: Progress = _nothing) -> RankingRun:
    """Build the county's month's draft (revision 0), replacing the previous draft; published revisions are
    untouched."""
    actor.require("ranking:compute")
    county = county_of(session, actor, county_id)
    month = month_of(key, today)
    progress(0.0, "reading")
    board = read_month(session, county, month, today, calendar)
    progress(0.6, "scoring")
    old = _draft(session, county, month.key)
    try:
        with session.begin_nested():
            if old is not None:
                _drop(session, old)
            return _store(session, board, revision=0, status="draft", now=now)
    except (IntegrityError, StaleDataError):
        raise conflict("ranking_computing", f"{month.key} 的排名草稿正在由他人生成, 请稍后再试")


def publish(session: Session, county_id: int, key: str, actor: Actor, *, today: date, now: datetime,
            calendar: Calendar, revision: int | None = None, reason: str | None = None,
            progress: Progress = _nothing) -> RankingRun:
    """Freeze a county's ended month.  ``revision`` None means the first publication (409 once there is one); a
    correction names the next revision and needs a reason.  The draft's rows are published when it was computed
    from the same inputs (same digest); otherwise the month is computed afresh.  Either way the published run is a
    new row, inserted before anything else is written, so of concurrent publishers of one revision the unique
    (county, month, revision) lets exactly one through and the others get a 409."""
    actor.require("ranking:publish")
    county = county_of(session, actor, county_id)
    month = month_of(key, today)
    if month.last >= today:
        raise invalid("month", "该月尚未结束, 只能生成草稿; 月末之后才能发布", code="month_not_ended")
    reason = (reason or "").strip() or None
    latest = latest_revision(session, county, month.key)
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
    progress(0.0, "reading")
    board = read_month(session, county, month, today, calendar)  # scored only if the draft is not the same month
    progress(0.6, "storing")
    draft = _draft(session, county, month.key)
    same = draft is not None and draft.digest == board.digest and draft.rule_id == board.rule.id
    try:
        with session.begin_nested():
            run = _store(session, board, revision=revision, status="published", now=now,
                         published_by=actor.username, reason=reason, draft=draft if same else None)
            if draft is not None:
                _drop(session, draft)
    except IntegrityError:
        raise conflict("ranking_published", f"{month.key} 的第 {revision} 版刚被他人发布", {"revision": revision})
    return run
