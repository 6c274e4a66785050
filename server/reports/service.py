"""Daily reports (每日一报告) assembled from the day's records, and the township's daily bulletin (每日一通报)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from server.auth.models import User, UserArea
from server.auth.scope import Actor
from server.common.records import Created, create_once
from server.common.timeutil import day_bounds_utc, local_day, local_text
from server.common.xlsx import Book
from server.config import Config
from server.dispatch.models import Task, TaskAssignment
from server.errors import ApiError, error, invalid, not_found
from server.hazards import queries as hazard_queries
from server.hazards.models import Hazard
from server.org.models import Area, subtree_range
from server.patrol import service as patrol
from server.patrol.models import CheckIn, PublicityVisit, Visit
from server.reports.models import Bulletin, DailyReport


def _check_day(day: date, today: date) -> None:
    if day > today:
        raise invalid("date", "不能为将来的日期提交或生成日报")


def draft(session: Session, actor: Actor, day: date, today: date) -> dict[str, Any]:
    """The day as recorded: what the member would submit."""
    _check_day(day, today)
    summary = patrol.day_summary(session, actor.user_id, day)
    found = list(session.scalars(select(Hazard).where(Hazard.found_by_id == actor.user_id, Hazard.found_day == day)
                                 .order_by(Hazard.id)))
    due = list(session.scalars(
        select(TaskAssignment).join(Task).where(TaskAssignment.user_id == actor.user_id, Task.due_date <= day,
                                                (TaskAssignment.status == "open") | (TaskAssignment.completed_day == day))
        .order_by(Task.due_date)))
    done_today = list(session.scalars(select(TaskAssignment).where(TaskAssignment.user_id == actor.user_id,
                                                                   TaskAssignment.completed_day == day)))
    existing = session.scalar(select(DailyReport).where(DailyReport.user_id == actor.user_id, DailyReport.day == day))
    return {
        "date": day,
        "checkin": summary["counted_checkin"],
        "visits": summary["visits"],
        "hazards": found,
        "publicity": summary["publicity"],
        "tasks_done": done_today,
        "tasks_open": [a for a in due if a.status == "open"],
        "submitted": existing,
    }


def day_counts(session: Session, user_id: int, day: date) -> dict[str, Any]:
    """What a report stores as its summary: the counts of :func:`draft`'s lists, counted in the database in one
    query (a report's submission needs no row of the day, only how many)."""
    def n(model: Any, *where: Any) -> Any:
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    mine = (Hazard.found_by_id == user_id, Hazard.found_day == day)
    row = session.execute(select(
        n(CheckIn, CheckIn.user_id == user_id, CheckIn.day == day, CheckIn.counted.is_(True)),
        n(Visit, Visit.user_id == user_id, Visit.day == day),
        n(Hazard, *mine), n(Hazard, *mine, Hazard.level == "major"),
        n(PublicityVisit, PublicityVisit.user_id == user_id, PublicityVisit.day == day),
        n(TaskAssignment, TaskAssignment.user_id == user_id, TaskAssignment.completed_day == day),
        select(func.count()).select_from(TaskAssignment).join(Task).where(
            TaskAssignment.user_id == user_id, Task.due_date <= day, TaskAssignment.status == "open").scalar_subquery(),
    )).one()
    keys = ("clocked_in", "visits", "hazards", "major_hazards", "publicity", "tasks_done", "tasks_open")
    return dict(zip(keys, row, strict=True)) | {"clocked_in": row[0] > 0}


def submit(session: Session, actor: Actor, data: dict[str, Any], now: datetime) -> Created[DailyReport]:
    """One report per member per local day.  Submitting again (a new client_uuid) before the day ends replaces
    the notes: the first submission time is kept, the replaced submission goes into the report's ``history`` and
    the answer names it (``replaced``).  A late retry of a replaced submission changes nothing.  After the day's
    end the first submission counts as late and cannot be changed."""
    day: date = data["date"]
    today = local_day(now)
    _check_day(day, today)
    if not actor.area_ids:
        raise error("forbidden", message="没有分配网格")
    _, deadline = day_bounds_utc(day)
    client_uuid = str(data["client_uuid"])
    existing = session.scalar(select(DailyReport).where(DailyReport.user_id == actor.user_id, DailyReport.day == day))
    if existing is not None and existing.client_uuid != client_uuid:
        if any(h.get("client_uuid") == client_uuid for h in existing.history or []):
            return Created(existing, False)  # a retry of a submission that was replaced since
        if now >= deadline:
            raise error("report_closed")
        replaced = {"client_uuid": existing.client_uuid, "notes": existing.notes,
                    "nothing_found": existing.nothing_found, "submitted_at": existing.submitted_at.isoformat()}
        existing.history = [*(existing.history or []), replaced]
        existing.client_uuid = client_uuid
        existing.notes = data.get("notes", "")
        existing.nothing_found = data.get("nothing_found", False)
        existing.submitted_at = now
        existing.summary = day_counts(session, actor.user_id, day)
        session.flush()
        existing.replaced = replaced  # type: ignore[attr-defined]  # this answer only, not a column
        return Created(existing, False)

    def build() -> DailyReport:
        return DailyReport(client_uuid=str(data["client_uuid"]), user_id=actor.user_id, area_id=actor.area_ids[0],
                           day=day, notes=data.get("notes", ""), nothing_found=data.get("nothing_found", False),
                           first_submitted_at=now, submitted_at=now, late=now >= deadline,
                           summary=day_counts(session, actor.user_id, day))

    record, created = create_once(session, DailyReport, actor.user_id, str(data["client_uuid"]), build)
    return Created(record, created)


def reports_query(actor: Actor, *, day: date | None = None) -> Any:
    stmt = actor.filter_by_area(select(DailyReport), DailyReport.area_id)
    if actor.role == "member":
        stmt = stmt.where(DailyReport.user_id == actor.user_id)
    if day is not None:
        stmt = stmt.where(DailyReport.day == day)
    return stmt.order_by(DailyReport.day.desc(), DailyReport.id)


# --- the daily bulletin -------------------------------------------------------------------------------------------

ESCALATION_DAYS = Config.hazard_escalation_days  # the default; the app and the CLI pass the configured value


def _per_member(session: Session, stmt: Any) -> dict[int, Any]:
    return {row[0]: row[1] for row in session.execute(stmt)}


def compute_bulletin(session: Session, township: Area, day: date,
                     escalation_days: int = ESCALATION_DAYS) -> dict[str, Any]:
    """每日一通报 of a township for a local day: set-based, one grouped query per figure.  Rectifications overdue
    are counted as they stood that day; those overdue by more than ``escalation_days`` (the configured
    hazard_escalation_days, given by the caller) are listed."""
    lo, hi = subtree_range(township.path)
    in_township = and_(Area.path >= lo, Area.path < hi)
    members = session.execute(
        select(User.id, User.display_name, User.username, func.min(Area.name))
        .join(UserArea, UserArea.user_id == User.id).join(Area, Area.id == UserArea.area_id)
        .where(User.role == "member", User.active.is_(True), in_township)
        .group_by(User.id, User.display_name, User.username).order_by(User.username)).all()
    ids = [m[0] for m in members]
    clocked = _per_member(session, select(CheckIn.user_id, func.min(CheckIn.occurred_at))
                          .where(CheckIn.user_id.in_(ids), CheckIn.day == day, CheckIn.counted.is_(True))
                          .group_by(CheckIn.user_id))
    out_of_area = set(session.scalars(select(CheckIn.user_id).where(
        CheckIn.user_id.in_(ids), CheckIn.day == day, CheckIn.counted.is_(True), CheckIn.geofence == "out_of_area")))
    visits = _per_member(session, select(Visit.user_id, func.count(Visit.id))
                         .where(Visit.user_id.in_(ids), Visit.day == day).group_by(Visit.user_id))
    publicity = _per_member(session, select(PublicityVisit.user_id, func.count(PublicityVisit.id))
                            .where(PublicityVisit.user_id.in_(ids), PublicityVisit.day == day)
                            .group_by(PublicityVisit.user_id))
    reports = {r.user_id: r for r in session.scalars(select(DailyReport).where(DailyReport.user_id.in_(ids),
                                                                               DailyReport.day == day))}
    overdue = _per_member(session, select(TaskAssignment.user_id, func.count(TaskAssignment.id)).join(Task)
                          .where(TaskAssignment.user_id.in_(ids), Task.due_date < day,
                                 (TaskAssignment.status == "open") | (TaskAssignment.completed_day > day))
                          .group_by(TaskAssignment.user_id))
    found = session.execute(
        select(Hazard.id, Hazard.level, Hazard.category, Hazard.description, Hazard.place_id, Area.name)
        .join(Area, Area.id == Hazard.area_id).where(in_township, Hazard.found_day == day)
        .order_by(Hazard.id)).all()
    rectifications = hazard_queries.overdue_on(session, township.path, day, escalation_days)
    people = []
    for uid, name, username, grid in members:
        report = reports.get(uid)
        people.append({
            "user_id": uid, "name": name, "username": username, "grid": grid,
            "clocked_in_at": clocked.get(uid), "out_of_area": uid in out_of_area,
            "visits": visits.get(uid, 0), "publicity": publicity.get(uid, 0),
            "report": "missing" if report is None else ("late" if report.late else "on_time"),
            "tasks_overdue": overdue.get(uid, 0),
        })
    return {
        "township": {"id": township.id, "code": township.code, "name": township.name},
        "date": day.isoformat(),
        "members": len(people),
        "clocked_in": [p["name"] for p in people if p["clocked_in_at"]],
        "not_clocked_in": [p["name"] for p in people if not p["clocked_in_at"]],
        "visits": sum(p["visits"] for p in people),
        "publicity": sum(p["publicity"] for p in people),
        "hazards_found": sum(1 for h in found if h.level == "general"),
        "major_hazards": [{"id": h.id, "category": h.category, "description": h.description, "grid": h.name}
                          for h in found if h.level == "major"],
        "reports_missing": [p["name"] for p in people if p["report"] == "missing"],
        "reports_late": [p["name"] for p in people if p["report"] == "late"],
        "tasks_overdue": sum(p["tasks_overdue"] for p in people),
        "rectifications_overdue": rectifications["count"],
        "rectifications_escalated": rectifications["escalated"],
        "people": [p | {"clocked_in_at": p["clocked_in_at"].isoformat() if p["clocked_in_at"] else None}
                   for p in people],
    }


def _township(session: Session, actor: Actor, township_id: int) -> Area:
    area = actor.require_area(session.get(Area, township_id), "乡镇")
    if area.level != "township":
        raise invalid("township_id", "请指定乡镇(街道)")
    return area


def preview(session: Session, actor: Actor, township_id: int, day: date, today: date, *,
            escalation_days: int = ESCALATION_DAYS) -> dict[str, Any]:
    _check_day(day, today)
    return compute_bulletin(session, _township(session, actor, township_id), day, escalation_days)


def _check_ended(day: date, today: date) -> None:
    """A bulletin freezes the day, so it is published once the day is over; the preview is there before."""
    if day >= today:
        raise ApiError(422, "day_not_over", detail={"fields": {"date": ["只能发布已结束的日期的通报"]}, "date": day.isoformat()})


def publish_all(session: Session, day: date, today: date, published_by: str = "cron", *,
                escalation_days: int = ESCALATION_DAYS, within: Actor | None = None, now: datetime | None = None,
                progress: Callable[[int, str], None] | None = None) -> list[Bulletin]:
    """Publish every township's bulletin for ``day`` that is not yet published (the cron job: every county; a job
    of an admin: the townships ``within`` their scope); published ones are frozen and left alone.  Only for a day
    that has ended."""
    _check_ended(day, today)
    done = set(session.scalars(select(Bulletin.area_id).where(Bulletin.day == day)))
    stmt = select(Area).where(Area.level == "township").order_by(Area.code)
    if within is not None:
        stmt = stmt.where(within.area_clause(Area.path))
    townships = [t for t in session.scalars(stmt) if t.id not in done]
    made = []
    for n, township in enumerate(townships):
        if progress is not None:
            progress(5 + 90 * n // len(townships), f"正在生成{township.name}的通报 ({n + 1}/{len(townships)})")
        bulletin = Bulletin(area_id=township.id, day=day,
                            content=compute_bulletin(session, township, day, escalation_days),
                            published_by=published_by)
        if now is not None:
            bulletin.published_at = now
        session.add(bulletin)
        made.append(bulletin)
    session.flush()
    return made


def publish_one(session: Session, actor: Actor, township_id: int, day: date, today: date, now: datetime, *,
                escalation_days: int = ESCALATION_DAYS) -> Bulletin:
    township = _township(session, actor, township_id)
    _check_ended(day, today)
    if session.scalar(select(Bulletin.id).where(Bulletin.area_id == township.id, Bulletin.day == day)):
        raise error("bulletin_published")
    bulletin = Bulletin(area_id=township.id, day=day,
                        content=compute_bulletin(session, township, day, escalation_days),
                        published_by=actor.username, published_at=now)
    session.add(bulletin)
    session.flush()
    return bulletin


def bulletins_query(actor: Actor, *, township_id: int | None = None, day: date | None = None) -> Any:
    """Published bulletins readable in scope: a member reads the bulletins of their own township."""
    stmt = select(Bulletin).join(Area, Area.id == Bulletin.area_id)
    if actor.role == "member":
        stmt = stmt.where(Area.id.in_(select(Area.parent_id).where(Area.id.in_(
            select(Area.parent_id).where(Area.id.in_(actor.area_ids))))))
    else:
        stmt = stmt.where(actor.area_clause(Area.path))
    if township_id is not None:
        stmt = stmt.where(Bulletin.area_id == township_id)
    if day is not None:
        stmt = stmt.where(Bulletin.day == day)
    return stmt.order_by(Bulletin.day.desc(), Area.code)


def get_bulletin(session: Session, actor: Actor, bulletin_id: int) -> Bulletin:
    found = session.scalar(bulletins_query(actor).where(Bulletin.id == bulletin_id))
    if found is None:
        raise not_found("通报")
    return found


def bulletin_xlsx(bulletin: Bulletin) -> bytes:
    c = bulletin.content
    book = Book()
    ws = book.sheet("通报")
    ws.title(f"{c['township']['name']} {c['date']} 每日一通报", size=14)
    for label, value in (("网格员人数", c["members"]), ("已打卡", len(c["clocked_in"])),
                         ("未打卡", "、".join(c["not_clocked_in"]) or "无"), ("巡查次数", c["visits"]),
                         ("宣传次数", c["publicity"]), ("一般隐患", c["hazards_found"]),
                         ("重大隐患", len(c["major_hazards"])), ("未报日报", "、".join(c["reports_missing"]) or "无"),
                         ("迟报日报", "、".join(c["reports_late"]) or "无"), ("逾期任务", c["tasks_overdue"]),
                         ("逾期未整改隐患", c["rectifications_overdue"])):
        ws.row([label, value])
    people = book.sheet("网格员明细")
    people.row(["姓名", "账号", "网格", "打卡时间", "打卡在网格外", "巡查", "宣传", "日报", "逾期任务"])
    report_labels = {"missing": "未报", "late": "迟报", "on_time": "按时"}
    for p in c["people"]:
        people.row([p["name"], p["username"], p["grid"], local_text(p["clocked_in_at"], "未打卡"),
                    "是" if p["out_of_area"] else "", p["visits"], p["publicity"], report_labels[p["report"]],
                    p["tasks_overdue"]])
    if c["major_hazards"]:
        major = book.sheet("重大隐患")
        major.row(["编号", "类别", "描述", "网格"])
        for h in c["major_hazards"]:
            major.row([h["id"], h["category"], h["description"], h["grid"]])
    escalated = c.get("rectifications_escalated") or []  # bulletins published before the hazard loop have none
    if escalated:
        sheet = book.sheet("逾期升级隐患")
        sheet.row(["编号", "等级", "类别", "描述", "场所", "网格", "指令书编号", "整改期限", "逾期天数"])
        for h in escalated:
            sheet.row([h["id"], "重大" if h["level"] == "major" else "一般", h["category"], h["description"],
                       h["place"] or "", h["grid"], h["order_number"], h["deadline"], h["overdue_days"]])
    return book.to_bytes()
