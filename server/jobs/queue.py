"""How a job's id reaches a runner: RQ on Redis (``GRIDPATROL_JOBS_REDIS_URL``, run by ``gridpatrol worker``), or
with no Redis configured (the embedded default of ``./scripts/serve``) a thread of the app process."""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

import server.jobs.kinds  # noqa: F401  # the kinds register themselves on import
from server.errors import error
from server.jobs import service
from server.jobs.models import ACTIVE, Job

log = logging.getLogger("gridpatrol.jobs")

EXTENSION = "gridpatrol.jobs"


def runtime_of(app: Flask) -> service.Runtime:
    rt = app.extensions.get("gridpatrol.jobs.runtime")
    if rt is None:
        rt = service.Runtime(sessions=app.extensions["gridpatrol.sessionmaker"],
                             config=app.extensions["gridpatrol.config"], store=app.extensions["gridpatrol.store"],
                             clock=app.extensions["gridpatrol.clock"])
        app.extensions["gridpatrol.jobs.runtime"] = rt
    return rt


class ThreadQueue:
    """Runs each job in a thread of this process: one at a time on SQLite (it has one writer anyway), a few at
    once on PostgreSQL."""

    def __init__(self, app: Flask):
        self.app = app
        self.rt = runtime_of(app)
        self.lock = threading.BoundedSemaphore(1 if self.rt.sqlite else 4)

    def enqueue(self, job_id: int) -> None:
        self.rt.finished[job_id] = threading.Event()
        threading.Thread(target=self._work, args=(job_id,), name=f"job-{job_id}", daemon=True).start()

    def _work(self, job_id: int) -> None:
        with self.lock, self.app.app_context():
            service.run(self.rt, job_id)

    def wait(self, job_id: int, seconds: float) -> bool:
        """True once the job has ended (done or failed), False if it still runs after ``seconds``."""
        event = self.rt.finished.get(job_id)
        if event is not None:
            return event.wait(seconds)
        return _poll(self.rt, job_id, seconds)  # a job submitted earlier (deduplicated), maybe by another process


class RedisQueue:
    """RQ: the job's id on a Redis list; ``gridpatrol worker`` (an RQ worker) takes it and calls :func:`perform`."""

    def __init__(self, app: Flask):
        from redis import Redis
        from rq import Queue
        from rq.timeouts import JobTimeoutException

        cfg = app.extensions["gridpatrol.config"]
        self.rt = runtime_of(app)
        self.rt.interrupts = (JobTimeoutException,)
        self.timeout = cfg.jobs_timeout_seconds
        self.queue = Queue(cfg.jobs_queue, connection=Redis.from_url(cfg.jobs_redis_url, socket_timeout=5,
                                                                     socket_connect_timeout=3))

    def enqueue(self, job_id: int) -> None:
        from redis.exceptions import RedisError
        from rq import Callback

        try:
            self.queue.enqueue("server.jobs.queue.perform", job_id, job_timeout=self.timeout, result_ttl=3600,
                               failure_ttl=7 * 86400, description=f"gridpatrol job {job_id}",
                               on_failure=Callback(interrupted))
        except RedisError as exc:
            log.error("job queue unavailable", extra={"job_id": job_id, "error": str(exc)})
            exc_ = error("job_queue_unavailable")
            service.fail(self.rt, job_id, exc_)
            raise exc_

    def wait(self, job_id: int, seconds: float) -> bool:
        return _poll(self.rt, job_id, seconds)


def _poll(rt: service.Runtime, job_id: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        with rt.sessions() as session:
            state = session.scalar(select(Job.state).where(Job.id == job_id))
        if state not in ACTIVE:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))


def queue_of(app: Flask) -> ThreadQueue | RedisQueue:
    queue = app.extensions.get(EXTENSION)
    if queue is None:
        cfg = app.extensions["gridpatrol.config"]
        queue = RedisQueue(app) if cfg.jobs_redis_url else ThreadQueue(app)
        app.extensions[EXTENSION] = queue
    return queue


# --- the worker side (gridpatrol worker) -----------------------------------------------------------------------

_WORKER_APP: dict[str, Flask] = {}


def set_worker_app(app: Flask) -> None:
    _WORKER_APP["app"] = app


def _worker_app() -> Flask:
    app = _WORKER_APP.get("app")
    if app is None:  # an RQ worker started without ``gridpatrol worker``: build the app from the environment
        from server.app import create_app

        app = _WORKER_APP["app"] = create_app()
    return app


def work(app: Flask, *, burst: bool = False) -> bool:
    """``gridpatrol worker``: an RQ worker on the app's queue that runs each job in this process (no fork: the app,
    its engine and its store are built once); SIGTERM lets the current job finish first."""
    from rq import SimpleWorker

    set_worker_app(app)
    queue = queue_of(app)
    assert isinstance(queue, RedisQueue)
    rq_worker = SimpleWorker([queue.queue], connection=queue.queue.connection)
    return bool(rq_worker.work(burst=burst, logging_level="INFO"))


def perform(job_id: int) -> str:
    """What the RQ worker runs: one job, in its own sessions (``service.run``)."""
    app = _worker_app()
    with app.app_context():
        return service.run(runtime_of(app), job_id)


def interrupted(job: Any, connection: Any, type: Any, value: Any, traceback: Any) -> None:
    """RQ's failure callback: the work horse died or timed out without recording the outcome — say so."""
    if not job.args:
        return
    app = _worker_app()
    with app.app_context():
        reason = getattr(type, "__name__", str(type))
        service.fail(runtime_of(app), int(job.args[0]), error("job_interrupted", {"reason": reason}))


def current_queue() -> ThreadQueue | RedisQueue:
    return queue_of(current_app._get_current_object())  # type: ignore[attr-defined]  # the app behind the proxy
