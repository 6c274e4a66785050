"""What a route does with a job: submit it, wait a moment, answer as the synchronous call did or 202 with the job."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from flask import current_app, jsonify, request

from server.auth.guard import current_actor
from server.auth.scope import Actor
from server.common.timeutil import local_day
from server.jobs import service
from server.jobs.models import Job
from server.jobs.queue import queue_of, runtime_of
from server.jobs.schemas import JobOut
from server.web import db


def asked_at(now: datetime) -> dict[str, str]:
    """The params ``today`` and ``now`` of a job: it computes what the request would have computed then."""
    return {"today": local_day(now).isoformat(), "now": now.isoformat()}


def own_area(actor: Actor) -> int | None:
    """The area a job of this actor belongs to: their (first) scope area."""
    return actor.area_ids[0] if actor.area_ids else None


def prefers_async() -> bool:
    """RFC 7240 ``Prefer: respond-async``: the client wants the 202 and the job at once."""
    return any(p.strip().split("=")[0].strip().lower() == "respond-async"
               for p in request.headers.get("Prefer", "").split(","))


def accepted(job: dict[str, Any], *, applied: bool = False) -> Any:
    response = jsonify(JobOut().dump(job))
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/jobs/{job['id']}"
    if applied:
        response.headers["Preference-Applied"] = "respond-async"
    return response


def the_job(job: Job) -> dict[str, Any]:
    """``done`` for a route whose answer is the finished job itself (201 JobOut)."""
    rt = runtime_of(current_app._get_current_object())  # type: ignore[attr-defined]  # the app behind the proxy
    return service.sign_result(service.job_out(db(), job, rt), rt)


def start(kind_name: str, params: dict[str, Any], *, area_id: int | None, done: Callable[[Job], Any]) -> Any:
    """Submit the job (or find the same one already queued or running) and wait up to ``jobs_wait_seconds``:
    finished in time, the answer is ``done(job)`` (or the job's error, raised as the synchronous call raised it);
    otherwise 202 Accepted with the job and ``Location: /api/v1/jobs/<id>``.  ``Prefer: respond-async``: 202 at once."""
    actor = current_actor()
    # the request holds no transaction while the job runs: on SQLite it would hold the one write lock
    db().commit()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    rt, queue = runtime_of(app), queue_of(app)
    job, created = service.submit(rt, kind_name=kind_name, params=params, area_id=area_id, actor=actor)
    if created:
        queue.enqueue(job.id)
    names = {actor.user_id: actor.display_name}
    if prefers_async():
        return accepted(service.job_out(None, job, rt, names=names), applied=True)
    if not queue.wait(job.id, rt.config.jobs_wait_seconds):
        snapshot = service.job_out(None, job, rt, names=names)
        if job.id in rt.live:
            snapshot["state"] = "running"
        return accepted(snapshot)
    with rt.sessions() as session:
        finished = session.get(Job, job.id)
        assert finished is not None
    if finished.state == "failed":
        service.raise_failure(finished)
    return done(finished)
