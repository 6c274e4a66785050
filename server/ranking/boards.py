"""Reading the stored boards: whose county and which townships an actor reads, a county's month's run, the rows of a
level, a member's own row explained metric by metric, and the months with a ranking."""
from __future__ import annotations

from datetime import date
from typing import Any, Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.auth.scope import Actor
from server.errors import ApiError, error, not_found
from server.org.models import Area, path_ids
from server.ranking import rules
from server.ranking.models import RankingEntry, RankingRun
from server.ranking.rules import METRICS
from server.ranking.service import month_of


def counties_of(actor: Actor) -> set[int] | None:
    """The counties whose rankings the actor reads: the county above each of their areas (None: every county, for
    a scope at the root such as the system's)."""
    out: set[int] = set()
    for path in actor.area_paths:
        ids = path_ids(path)
        if not ids:
            return None
        out.add(ids[0])
    return out


def county_for(session: Session, actor: Actor, county_id: int | None) -> Area:
    """The county a request is about: ``county_id`` if given (404 outside the actor's counties), else the actor's
    one county; a scope holding several counties must name one (422 county_required)."""
    counties = counties_of(actor)
    if county_id is None:
        if counties is None or len(counties) != 1:
            raise error("county_required")
        county_id = next(iter(counties))
    elif counties is not None and county_id not in counties:
        raise not_found("县(市、区)")
    area = session.get(Area, county_id)
    if area is None or area.level != "county":
        raise not_found("县(市、区)")
    return area


def townships_in_scope(actor: Actor) -> set[int] | None:
    """The townships whose boards the actor reads: None for the whole county; a member's, an inspector's or a
    township admin's own township(s) otherwise."""
    out: set[int] = set()
    for path in actor.area_paths:
        ids = path_ids(path)
        if len(ids) <= 1:
            return None
        out.add(ids[1])
    return out


def get_run(session: Session, actor: Actor, county: Area, key: str, today: date, *, revision: int | None = None,
            draft: bool = False) -> RankingRun:
    """The draft (admins of the county), a named revision, or the latest published revision of a county's month."""
    month = month_of(key, today)
    stmt = select(RankingRun).where(RankingRun.county_id == county.id, RankingRun.month == month.key)
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


def township_filter(session: Session, actor: Actor, run: RankingRun, township_id: int | None) -> Area | None:
    """The township asked for, if it is the run's county's and in the actor's scope (404 otherwise)."""
    if township_id is None:
        return None
    scope = townships_in_scope(actor)
    area = session.get(Area, township_id)
    if (area is None or area.level != "township" or path_ids(area.path)[0] != run.county_id
            or (scope is not None and township_id not in scope)):
        raise not_found("乡镇排名")
    return area


def county_name(session: Session, run: RankingRun) -> str:
    return session.scalar(select(Area.name).where(Area.id == run.county_id)) or ""


def board_title(session: Session, run: RankingRun, township_id: int | None) -> str:
    """Whose board it is, for titles: the run's county, and the township asked for (already checked in scope)."""
    county = county_name(session, run)
    if township_id is None:
        return county
    return f"{county} {session.scalar(select(Area.name).where(Area.id == township_id)) or ''}"


def board_query(session: Session, actor: Actor, run: RankingRun, level: str,
                township_id: int | None = None) -> Select[RankingEntry]:
    """Rows of one level, best first.  Member and village rows are limited to the townships in scope (a township
    outside it is a 404); the township level is the county's comparison of townships, which everyone reads."""
    stmt = select(RankingEntry).where(RankingEntry.run_id == run.id, RankingEntry.level == level)
    township = township_filter(session, actor, run, township_id)
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
    return {"county_id": run.county_id, "month": run.month, "revision": run.revision, "status": run.status,
            "rule_version": run.rule_version,
            "cutoff": run.cutoff, "working_days": run.working_days, "counts": run.counts, "digest": run.digest,
            "computed_at": run.computed_at, "published_at": run.published_at, "published_by": run.published_by,
            "reason": run.reason}


def months(session: Session, actor: Actor, county: Area) -> list[dict[str, Any]]:
    """A county's months with a ranking, newest first: their published revisions, and the draft for admins."""
    by_month: dict[str, dict[str, Any]] = {}
    for run in session.scalars(select(RankingRun).where(RankingRun.county_id == county.id)
                               .order_by(RankingRun.month.desc(), RankingRun.revision)):
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


NOT_RANKED = {
    "no_duties": "本月没有考核事项(无工作日、网格内无场所、无到期任务), 不参加排名",
    "not_listed": "本月排名中没有你: 当月未在网格任职, 或全县当月没有任何记录",
}


def me(session: Session, actor: Actor, county: Area, key: str, today: date, revision: int | None = None
       ) -> dict[str, Any]:
    """My row of the latest (or a named) published revision: rank in the county and in my township, score, each
    metric with its raw value, points and my township's median, and the change since last month's ranking.
    Not a 404 when there is no row: ``status`` says what there is — ``not_published`` (drafts are for admins),
    or ``not_ranked`` with the ``reason``."""
    month = month_of(key, today)
    try:
        run = get_run(session, actor, county, key, today, revision=revision)
    except ApiError:
        if revision is not None:
            raise  # a named revision that does not exist is a 404 like any missing object
        return {"month": month.key, "status": "not_published",
                "message": "本月排名尚未发布" if month.last >= today else "该月排名尚未发布"}
    mine = session.scalar(select(RankingEntry).where(RankingEntry.run_id == run.id, RankingEntry.level == "member",
                                                     RankingEntry.user_id == actor.user_id))
    if mine is None:
        reason = "no_duties" if actor.user_id in (run.counts.get("not_ranked") or []) else "not_listed"
        return {"month": run.month, "status": "not_ranked", "reason": reason, "message": NOT_RANKED[reason],
                "revision": run.revision, "rule_version": run.rule_version, "published_at": run.published_at,
                "members": run.counts.get("members", 0)}
    doc = run.rule.document
    peers = session.scalars(select(RankingEntry).where(
        RankingEntry.run_id == run.id, RankingEntry.level == "member",
        RankingEntry.township_id == mine.township_id)).all()
    change = None
    prev_key = rules.previous_month(run.month)
    prev_run = session.scalar(select(RankingRun).where(RankingRun.county_id == county.id,
                                                       RankingRun.month == prev_key,
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
    return {"month": run.month, "status": "ranked", "revision": run.revision, "rule_version": run.rule_version,
            "published_at": run.published_at, "rank": mine.rank, "members": run.counts.get("members", 0),
            "township_rank": mine.township_rank, "township_members": len(peers),
            "township_id": mine.township_id, "township_name": mine.township_name, "name": mine.name,
            "grid_name": mine.grid_name, "score": mine.score,
            "township_median_score": rules.median(p.score for p in peers),
            "metrics": metrics_out(mine.metrics, doc, _medians(peers, doc)), "change": change}
