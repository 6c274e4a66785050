"""后台任务: the state of background jobs (rankings, bulletins of every township, large exports) for the console."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from server.auth.guard import current_actor, login_required
from server.common.schemas import page_of
from server.jobs import service
from server.jobs.queue import runtime_of
from server.jobs.schemas import JobOut, JobQuery
from server.web import app_config, clock_now, db

blp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs",
                description="后台任务: 月排名计算与发布、全部乡镇通报发布、大批量导出的排队、进度与结果")


def _expire_stale() -> None:
    service.expire_stale(db(), clock_now(), app_config().jobs_timeout_seconds)


def _out(jobs: list[Any]) -> list[dict[str, Any]]:
    rt = runtime_of(current_app._get_current_object())  # type: ignore[attr-defined]  # the app behind the proxy
    names = service.names_of(db(), jobs)
    return [service.sign_result(service.job_out(db(), job, rt, names=names), rt) for job in jobs]


@blp.route("", methods=["GET"])
@login_required("job:read")
@blp.arguments(JobQuery, location="query")
@blp.response(200, JobOut(many=True))
@blp.paginate()
def jobs(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """The jobs I may see, newest first: mine, and (admins) those of an area in my scope"""
    _expire_stale()
    stmt = service.list_query(current_actor(), kind_name=args.get("kind"), state=args.get("state"))
    return _out(page_of(db(), stmt, pagination_parameters))


@blp.route("/<int:job_id>", methods=["GET"])
@login_required("job:read")
@blp.response(200, JobOut)
@blp.alt_response(404, description="no such job, or not mine and not in my scope")
def job(job_id: int) -> Any:
    """One job: state (queued/running/done/failed), progress and message, then its result or its error

    A route that answered 202 names this URL in ``Location``; poll it about once a second.  An export's
    ``result.url`` is signed afresh on each call."""
    _expire_stale()
    return _out([service.get_job(db(), current_actor(), job_id)])[0]
