"""Daily dispatch: tasks handed to members, completed by the records that match them."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Sequence

from sqlalchemy import Select, exists, select, update
from sqlalchemy.orm import Session

from server.auth.models import User, UserArea
from server.auth.scope import Actor
from server.common.timeutil import local_day
from server.dispatch.models import Task, TaskAssignment, TaskProgress, TaskTarget
from server.errors import ApiError, invalid, not_found
from server.org.models import Area, township_of
from server.places.models import Place

# which kind of field record completes which kind of task
COMPLETED_BY = {"visit": "visit", "publicity": "publicity", "recheck": "recheck"}


def _dispatching_area(session: Session, actor: Actor) -> Area:
    """The area a task is dispatched from: the actor's township (their own area above one)."""
    area = session.get(Area, actor.area_ids[0]) if actor.area_ids else None
    if area is None:
        raise ApiError(403, "forbidden", "没有可调度的辖区")
    return township_of(area) or area


def create_task(session: Session, actor: Actor, *, kind: str, title: str, due_date: date, today: date,
                place_ids: Sequence[int] = (), user_ids: Sequence[int] = (), grid_ids: Sequence[int] = (),
                note: str | None = None) -> Task:
    """Assign a task to members, or to every member of some grids (as they are now)."""
    if due_date < today:
        raise invalid("due_date", "截止日期不能早于今天")
    if kind in ("visit", "publicity") and not place_ids:
        raise invalid("place_ids", "走访和宣传任务需要指定目标场所")
    places = list(session.scalars(select(Place).where(Place.id.in_(place_ids), Place.deleted_at.is_(None))))
    if len(places) != len(set(place_ids)) or not all(actor.covers(p.area.path) for p in places):
        raise invalid("place_ids", "目标场所不存在或不在您的管辖范围内")
    members: dict[int, User] = {}
    if user_ids:
        for user in session.scalars(select(User).where(User.id.in_(user_ids))):
            if user.role == "member" and user.active and all(actor.covers(a.path) for a in user.areas):
                members[user.id] = user
        if len(members) != len(set(user_ids)):
            raise invalid("user_ids", "网格员不存在或不在您的管辖范围内")
    if grid_ids:
        grids = list(session.scalars(select(Area).where(Area.id.in_(grid_ids), Area.level == "grid")))
        if len(grids) != len(set(grid_ids)) or not all(actor.covers(g.path) for g in grids):
            raise invalid("grid_ids", "网格不存在或不在您的管辖范围内")
        for user in session.scalars(select(User).join(UserArea, UserArea.user_id == User.id).where(
                UserArea.area_id.in_(grid_ids), User.role == "member", User.active.is_(True))):
            members[user.id] = user
    if not members:
        raise invalid("user_ids", "任务至少需要一名网格员")
    task = Task(area_id=_dispatching_area(session, actor).id, kind=kind, title=title, note=note, due_date=due_date,
                created_by_id=actor.user_id,
                targets=[TaskTarget(place_id=p.id) for p in places],
                assignments=[TaskAssignment(user_id=uid) for uid in sorted(members)])
    session.add(task)
    session.flush()
    return task


def create_recheck_task(session: Session, *, hazard_id: int, place_id: int | None, grid_id: int, township_id: int,
                        due_date: date, title: str, note: str | None, created_by_id: int) -> Task | None:
    """隐患复查: a re-check task of a hazard for every active member of its grid, due at the order's deadline
    (None when the grid has no member: the township re-checks itself)."""
    members = sorted(session.scalars(select(User.id).join(UserArea, UserArea.user_id == User.id).where(
        UserArea.area_id == grid_id, User.role == "member", User.active.is_(True))).unique())
    if not members:
        return None
    task = Task(area_id=township_id, kind="recheck", title=title, note=note, due_date=due_date, hazard_id=hazard_id,
                created_by_id=created_by_id,
                targets=[TaskTarget(place_id=place_id)] if place_id is not None else [],
                assignments=[TaskAssignment(user_id=uid) for uid in members])
    session.add(task)
    session.flush()
    return task


def _recheck_done(session: Session, *, record_id: int, place_id: int | None, at: datetime,
                  hazard_id: int) -> list[TaskAssignment]:
    """A re-check of a hazard completes its open re-check task for every assignee, whoever re-checked it: the
    hazard needs one re-check, not one per member."""
    assignments = session.scalars(select(TaskAssignment).join(Task).where(
        Task.kind == "recheck", Task.hazard_id == hazard_id, TaskAssignment.status == "open")).unique().all()
    for assignment in assignments:
        if place_id is not None and any(t.place_id == place_id for t in assignment.task.targets) \
                and not any(p.place_id == place_id for p in assignment.progress):
            assignment.progress.append(TaskProgress(place_id=place_id, record_type="recheck", record_id=record_id,
                                                    done_at=at))
        assignment.status, assignment.completed_at, assignment.completed_day = "done", at, local_day(at)
    return list(assignments)


def record_done(session: Session, *, user_id: int, record_type: str, record_id: int, place_id: int | None,
                at: datetime, hazard_id: int | None = None) -> list[TaskAssignment]:
    """A visit or publicity record of a place completes the matching open assignments of its member; a re-check
    (record_type "recheck", with ``hazard_id``) completes the hazard's re-check task."""
    if record_type == "recheck":
        if hazard_id is None:
            raise ValueError("a re-check names its hazard")
        return _recheck_done(session, record_id=record_id, place_id=place_id, at=at, hazard_id=hazard_id)
    kinds = [k for k, r in COMPLETED_BY.items() if r == record_type]
    matching = (select(TaskAssignment.id).join(Task).join(TaskTarget, TaskTarget.task_id == Task.id).where(
        TaskAssignment.user_id == user_id, TaskAssignment.status == "open", Task.kind.in_(kinds),
        TaskTarget.place_id == place_id))
    # two records of the member at once (two places of one task, or the same place twice) take turns on the
    # assignment: otherwise each sees only its own progress and the task never completes, or both write the
    # same place's progress and one fails on its primary key
    ids = session.scalars(select(TaskAssignment.id).where(TaskAssignment.id.in_(matching))
                          .order_by(TaskAssignment.id).with_for_update()).all()
    if not ids:
        return []
    assignments = session.scalars(select(TaskAssignment).where(TaskAssignment.id.in_(ids),
                                                               TaskAssignment.status == "open")
                                  .execution_options(populate_existing=True)).unique().all()
    done = []
    for assignment in assignments:
        if any(p.place_id == place_id for p in assignment.progress):
            continue
        assignment.progress.append(TaskProgress(place_id=place_id, record_type=record_type, record_id=record_id,
                                                done_at=at))
        if {t.place_id for t in assignment.task.targets} <= {p.place_id for p in assignment.progress}:
            assignment.status, assignment.completed_at, assignment.completed_day = "done", at, local_day(at)
            done.append(assignment)
    return done


def complete_manually(session: Session, actor: Actor, assignment_id: int, note: str, now: datetime) -> TaskAssignment:
    """Done when the member says so (kind "other").  Once: of two taps at once the first one's note and time
    stand (a conditional UPDATE on the open status), and the other gets the same done assignment."""
    assignment = session.get(TaskAssignment, assignment_id)
    if assignment is None or assignment.user_id != actor.user_id:
        raise not_found("任务")
    if assignment.task.kind != "other":
        raise ApiError(409, "task_completed_by_records")
    if assignment.status != "done":
        session.execute(update(TaskAssignment).where(TaskAssignment.id == assignment.id,
                                                     TaskAssignment.status == "open")
                        .values(status="done", completed_at=now, completed_day=local_day(now), completion_note=note)
                        .execution_options(synchronize_session=False))
        session.refresh(assignment)
    return assignment


def my_assignments(actor: Actor, *, status: str | None = None, overdue_on: date | None = None) -> Select[Any]:
    stmt = select(TaskAssignment).join(Task).where(TaskAssignment.user_id == actor.user_id)
    if status:
        stmt = stmt.where(TaskAssignment.status == status)
    if overdue_on is not None:
        stmt = stmt.where(TaskAssignment.status == "open", Task.due_date < overdue_on)
    return stmt.order_by(Task.due_date, Task.id)


def tasks_query(actor: Actor, *, overdue_on: date | None = None, kind: str | None = None) -> Select[Any]:
    stmt = actor.filter_by_area(select(Task), Task.area_id)
    if kind:
        stmt = stmt.where(Task.kind == kind)
    if overdue_on is not None:
        stmt = stmt.where(Task.due_date < overdue_on, exists().where(
            TaskAssignment.task_id == Task.id, TaskAssignment.status == "open"))
    return stmt.order_by(Task.due_date.desc(), Task.id.desc())


def get_task(session: Session, actor: Actor, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise not_found("任务")
    if actor.role == "member":
        if not any(a.user_id == actor.user_id for a in task.assignments):
            raise not_found("任务")
    elif not actor.covers(session.get_one(Area, task.area_id).path):
        raise not_found("任务")
    return task
