"""每日一调度: thin routes for tasks dispatched to members and their progress."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from server.auth.guard import current_actor, login_required
from server.common.schemas import page_of
from server.common.timeutil import local_day
from server.dispatch import service
from server.dispatch.schemas import AssignmentOut, CompleteIn, TaskCreate, TaskOut, TaskQuery
from server.web import clock_now, db

blp = Blueprint("dispatch", __name__, url_prefix="/api/v1", description="每日一调度: 乡镇下达任务")


@blp.route("/tasks")
class Tasks(MethodView):
    @login_required("task:create")
    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, TaskOut(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Tasks of my scope; overdue=true lists those with members still open after the due day"""
        overdue_on = local_day(clock_now()) if args.get("overdue") else None
        return page_of(db(), service.tasks_query(current_actor(), overdue_on=overdue_on, kind=args.get("kind")),
                       pagination_parameters)

    @login_required("task:create")
    @blp.arguments(TaskCreate)
    @blp.response(201, TaskOut)
    def post(self, data: dict[str, Any]) -> Any:
        """Dispatch a task to members, or to every member of some grids"""
        return service.create_task(db(), current_actor(), today=local_day(clock_now()), **data)


@blp.route("/tasks/<int:task_id>", methods=["GET"])
@login_required("task:read")
@blp.response(200, TaskOut)
def task(task_id: int) -> Any:
    return service.get_task(db(), current_actor(), task_id)


@blp.route("/me/tasks", methods=["GET"])
@login_required("task:read")
@blp.arguments(TaskQuery, location="query")
@blp.response(200, AssignmentOut(many=True))
def my_tasks(args: dict[str, Any]) -> Any:
    """My assignments; status=open for what is left, overdue=true for what is past its day"""
    overdue_on = local_day(clock_now()) if args.get("overdue") else None
    return db().scalars(service.my_assignments(current_actor(), status=args.get("status"),
                                               overdue_on=overdue_on)).unique().all()


@blp.route("/me/tasks/<int:assignment_id>/complete", methods=["POST"])
@login_required("task:complete")
@blp.arguments(CompleteIn)
@blp.response(200, AssignmentOut)
def complete(data: dict[str, Any], assignment_id: int) -> Any:
    """Mark a task of kind "other" done (visits and publicity complete their tasks by themselves)"""
    return service.complete_manually(db(), current_actor(), assignment_id, data["note"], clock_now())
