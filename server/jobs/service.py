"""The rules of background jobs (后台任务): submit once, run once, record every outcome, show it in scope.

A job is a row (``models.Job``); the queue (``queue.py``: RQ on Redis, or a thread of the app process) carries only
its id.  Running a job takes three kinds of short transaction, each in its own session:

1. ``queued → running`` (with the attempt counted), committed before any work, so the console sees it start;
2. progress, committed on its own (PostgreSQL; SQLite keeps one writer, so there it is held in the process);
3. the work and ``running → done`` with its result in ONE transaction: either both are committed or neither, so a
   job delivered again after its work committed finds itself done and does nothing (idempotent on retry).

A failure rolls the work back and records ``failed`` with the error's code, message and detail in a fresh
session: the same error an HTTP client would have got from the synchronous call, never lost.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, sessionmaker

from server.auth.models import User
from server.auth.scope import ADMINS, Actor, actor_for
from server.config import Config
from server.db import AuditContext, set_context
from server.errors import CODES, ApiError, not_found
from server.jobs.models import ACTIVE, Job
from server.org.models import Area

log = logging.getLogger("gridpatrol.jobs")

Progress = Callable[[int, str], None]

# params that say when a job was asked for, not what it does: the same work asked twice is one job
_WHEN = ("now", "today")


@dataclass
class Work:
    """What a kind's handler gets: its session (committed with the job's ``done``), the requester as an Actor,
    the params, a progress reporter and the app's settings and store."""

    job_id: int
    session: Session
    actor: Actor | None
    params: dict[str, Any]
    progress: Progress
    config: Config
    store: Any


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # Chinese, for the console
    handler: Callable[[Work], dict[str, Any]]
    # the same work asked again while it is queued or running joins that job (a compute, an export); a publication
    # does not: each request is its own attempt, and the service lets one through and answers the others 409
    joins: bool = True


KINDS: dict[str, Kind] = {}


def kind(name: str, label: str, *, joins: bool = True) -> Callable[[Callable[[Work], dict[str, Any]]],
                                                                  Callable[[Work], dict[str, Any]]]:
    """Register a handler: it does the work in ``work.session`` (never commits) and returns the job's result."""

    def register(handler: Callable[[Work], dict[str, Any]]) -> Callable[[Work], dict[str, Any]]:
        KINDS[name] = Kind(name, label, handler, joins)
        return handler

    return register


@dataclass
class Runtime:
    """The process's means to run jobs: sessions, settings, store and clock (from the app, in a web process or
    in ``gridpatrol worker``)."""

    sessions: sessionmaker[Session]
    config: Config
    store: Any
    clock: Callable[[], datetime]
    # what the queue raises inside a job it stops (RQ's timeout): recorded as job_interrupted, not a bug
    interrupts: tuple[type[BaseException], ...] = ()
    # progress of the jobs this process runs, for SQLite (one writer: the job's work holds the write lock)
    live: dict[int, tuple[int, str]] = field(default_factory=dict)
    finished: dict[int, threading.Event] = field(default_factory=dict)

    @property
    def sqlite(self) -> bool:
        bind = self.sessions.kw.get("bind")
        return bind is not None and bind.dialect.name == "sqlite"

    def session(self, context: AuditContext) -> Session:
        session = self.sessions()
        set_context(session, context)
        return session


def dedupe_key(kind_name: str, params: Mapping[str, Any]) -> str:
    what = {k: v for k, v in params.items() if k not in _WHEN}
    return hashlib.sha256(json.dumps([kind_name, what], sort_keys=True, default=str).encode()).hexdigest()


def submit(rt: Runtime, *, kind_name: str, params: dict[str, Any], area_id: int | None, actor: Actor) -> tuple[Job, bool]:
    """The job for this work, committed: for a kind that joins, the one already queued or running for the same
    params and area, else a new one.  Returns (job, created); the caller enqueues a created job."""
    if kind_name not in KINDS:
        raise AssertionError(f"unknown job kind {kind_name}")
    key = dedupe_key(kind_name, params)
    with rt.session(AuditContext(actor.user_id, actor.username)) as session:
        existing = session.scalar(select(Job).where(
            Job.kind == kind_name, Job.dedupe_key == key, Job.state.in_(ACTIVE),
            Job.area_id.is_(None) if area_id is None else Job.area_id == area_id).order_by(Job.id.desc()).limit(1)
        ) if KINDS[kind_name].joins else None
        if existing is not None:
            return existing, False
        job = Job(kind=kind_name, params=params, dedupe_key=key, area_id=area_id, requested_by_id=actor.user_id,
                  state="queued", progress=0, message="排队等待中", attempts=0, created_at=rt.clock())
        session.add(job)
        session.commit()
        return job, True


def _mark(rt: Runtime, job_id: int, values: dict[str, Any], *, unless_done: bool = True) -> int:
    with rt.session(AuditContext(None, "job", request_id=f"job-{job_id}")) as session:
        stmt = update(Job).where(Job.id == job_id)
        if unless_done:
            stmt = stmt.where(Job.state != "done")
        rowcount = session.execute(stmt.values(**values)).rowcount  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        session.commit()
        return int(rowcount or 0)


def fail(rt: Runtime, job_id: int, exc: BaseException) -> None:
    """Record a failure as the API would have answered it (a job already done stays done)."""
    if isinstance(exc, ApiError):
        code, message, detail = exc.code, exc.message, {"status": exc.status, "detail": exc.detail}
    else:
        code, message, detail = "internal_error", "后台任务执行失败, 请稍后重试", {"status": 500,
                                                                             "detail": {"type": type(exc).__name__}}
    _mark(rt, job_id, {"state": "failed", "error_code": code, "error_message": message, "error_detail": detail,
                       "message": message[:200], "finished_at": rt.clock()})


def run(rt: Runtime, job_id: int) -> str:
    """Run one job to its end (``done`` or ``failed``); returns the state it ended in.  Safe to call again for
    the same job: a done job is left alone, a failed or interrupted one is run afresh."""
    try:
        return _run(rt, job_id)
    finally:
        rt.live.pop(job_id, None)
        event = rt.finished.pop(job_id, None)
        if event is not None:
            event.set()


def _run(rt: Runtime, job_id: int) -> str:
    with rt.session(AuditContext(None, "job")) as session:
        job = session.get(Job, job_id)
        if job is None:
            log.warning("job vanished before it ran", extra={"job_id": job_id})
            return "missing"
        if job.state == "done":
            return "done"
        handler = KINDS.get(job.kind)
        user = session.get(User, job.requested_by_id) if job.requested_by_id is not None else None
        actor = actor_for(user) if user is not None and user.active else None
        kind_name, params = job.kind, dict(job.params)
    started = rt.clock()
    _mark(rt, job_id, {"state": "running", "started_at": started, "finished_at": None, "progress": 1,
                       "message": "正在运行", "attempts": Job.attempts + 1, "error_code": None,
                       "error_message": None, "error_detail": None})
    log.info("job started", extra={"job_id": job_id, "kind": kind_name})

    def progress(percent: int, message: str) -> None:
        percent = max(1, min(99, int(percent)))
        rt.live[job_id] = (percent, message)
        if not rt.sqlite:  # on SQLite the work's transaction is the one writer until it commits
            _mark(rt, job_id, {"progress": percent, "message": message[:200]})

    context = AuditContext(actor.user_id if actor else None, actor.username if actor else "job",
                           request_id=f"job-{job_id}")
    session = rt.session(context)
    try:
        if handler is None:
            raise ApiError(500, "internal_error", f"未知的后台任务类型 {kind_name}")
        if actor is None:
            raise ApiError(403, "forbidden", "提交该任务的账号不存在或已停用")
        result = handler.handler(Work(job_id, session, actor, params, progress, rt.config, rt.store))
        done = session.execute(update(Job).where(Job.id == job_id, Job.state == "running").values(
            state="done", progress=100, message="已完成", result=result, finished_at=rt.clock()))
        if not done.rowcount:  # type: ignore[attr-defined]  # an UPDATE's CursorResult; 0: another delivery finished it
            session.rollback()
            return "done"
        session.commit()
        log.info("job done", extra={"job_id": job_id, "kind": kind_name})
        return "done"
    except Exception as exc:  # every failure is recorded on the job; the worker goes on with the next one
        try:
            session.rollback()
        except Exception:  # a query cut short (RQ's timeout) leaves its connection unusable: drop it
            session.invalidate()
        if (stop := _interrupt_in(exc, rt.interrupts)) is not None:
            exc = ApiError(500, "job_interrupted", CODES["job_interrupted"][1], {"reason": type(stop).__name__})
        elif not isinstance(exc, ApiError):
            log.exception("job failed", extra={"job_id": job_id, "kind": kind_name})
        fail(rt, job_id, exc)
        return "failed"
    finally:
        session.close()


def _interrupt_in(exc: BaseException, interrupts: tuple[type[BaseException], ...]) -> BaseException | None:
    """The queue's stop (RQ's timeout) behind ``exc``: the driver may have turned it into its own error (a query
    cancelled on the way out) with the stop as the cause or context."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while interrupts and current is not None and id(current) not in seen:
        if isinstance(current, interrupts):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


# --- reading ----------------------------------------------------------------------------------------------------

# past its timeout, a job still ``running`` lost its runner (a web process recycled mid-job, a worker killed
# without its failure callback); the grace lets RQ's own timeout, which records the failure itself, come first
STALE_GRACE = timedelta(minutes=5)


def expire_stale(session: Session, now: datetime, timeout_seconds: int) -> None:
    """Record jobs that lost their runner as failed ``job_interrupted``: the console never waits on them forever."""
    code = "job_interrupted"
    session.execute(update(Job).where(
        Job.state == "running", Job.started_at < now - timedelta(seconds=timeout_seconds) - STALE_GRACE).values(
        state="failed", error_code=code, error_message=CODES[code][1], message=CODES[code][1],
        error_detail={"status": CODES[code][0][0], "detail": {"reason": "stale"}}, finished_at=now))

def visible_query(actor: Actor) -> Select[Job]:
    """The jobs an actor may see: their own, and (admins) those of an area their scope holds."""
    mine = Job.requested_by_id == actor.user_id
    if actor.role not in ADMINS:
        return select(Job).where(mine)
    in_scope = Job.area_id.in_(select(Area.id).where(actor.area_clause(Area.path)))
    return select(Job).where(mine | in_scope)


def get_job(session: Session, actor: Actor, job_id: int) -> Job:
    job = session.scalar(visible_query(actor).where(Job.id == job_id))
    if job is None:
        raise not_found("任务")
    return job


def list_query(actor: Actor, *, kind_name: str | None = None, state: str | None = None) -> Select[Job]:
    stmt = visible_query(actor)
    if kind_name:
        stmt = stmt.where(Job.kind == kind_name)
    if state:
        stmt = stmt.where(Job.state == state)
    return stmt.order_by(Job.created_at.desc(), Job.id.desc())


def job_out(session: Session | None, job: Job, rt: Runtime | None = None, *,
            names: Mapping[int, str] | None = None) -> dict[str, Any]:
    """A job as the API shows it, with this process's live progress when it runs the job here (SQLite)."""
    progress, message = job.progress, job.message
    if rt is not None and job.state == "running" and job.id in rt.live:
        progress, message = rt.live[job.id]
    requester = None
    if job.requested_by_id is not None:
        name = (names or {}).get(job.requested_by_id)
        if name is None and session is not None:
            name = session.scalar(select(User.display_name).where(User.id == job.requested_by_id))
        requester = {"id": job.requested_by_id, "display_name": name or ""}
    error = None
    if job.state == "failed":
        detail = job.error_detail or {}
        error = {"code": job.error_code, "message": job.error_message, "status": detail.get("status") or 500,
                 "detail": detail.get("detail") or {}}
    kind_ = KINDS.get(job.kind)
    return {"id": job.id, "kind": job.kind, "label": kind_.label if kind_ else job.kind, "state": job.state,
            "progress": progress, "message": message, "params": job.params, "area_id": job.area_id,
            "requested_by": requester, "result": job.result, "error": error, "attempts": job.attempts,
            "created_at": job.created_at, "started_at": job.started_at, "finished_at": job.finished_at}


def names_of(session: Session, jobs: list[Job]) -> dict[int, str]:
    ids = {j.requested_by_id for j in jobs if j.requested_by_id is not None}
    if not ids:
        return {}
    return {r.id: r.display_name for r in session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))}


def raise_failure(job: Job) -> None:
    """The error a failed job recorded, raised as the synchronous call would have raised it."""
    detail = job.error_detail or {}
    raise ApiError(int(detail.get("status") or 500), job.error_code or "internal_error",
                   job.error_message or "后台任务执行失败", detail.get("detail") or {})


def sign_result(out: dict[str, Any], rt: Runtime) -> dict[str, Any]:
    """A stored file's result gets a fresh signed URL (the object store's), good for ``photo_url_minutes``."""
    result = out.get("result")
    if out["state"] != "done" or not isinstance(result, dict) or not result.get("key"):
        return out
    minutes = rt.config.photo_url_minutes
    url = rt.store.presigned_get(result["key"], expires=timedelta(minutes=minutes),
                                 download_name=result.get("filename"))
    return out | {"result": result | {"url": url, "expires_at": (rt.clock() + timedelta(minutes=minutes)).isoformat()}}


def sweep_files(session: Session, store: Any, now: datetime, keep: timedelta) -> int:
    """Delete the stored files (exports) of jobs finished longer than ``keep`` ago; their result says so
    (``expired``) instead of naming the key.  Returns how many were deleted."""
    deleted = 0
    for job in session.scalars(select(Job).where(Job.state == "done", Job.finished_at < now - keep)):
        result = dict(job.result or {})
        if not result.get("key"):
            continue
        store.delete(result.pop("key"))  # deleting a missing key is not an error: a sweep cut short resumes
        job.result = result | {"expired": True}
        deleted += 1
    session.flush()
    return deleted
