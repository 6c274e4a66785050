"""证据审核: thin routes for the township's review queue and its decisions."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.auth.guard import current_actor, login_required
from server.review import service
from server.review.schemas import BulkApproveIn, BulkOut, DecisionIn, DecisionOut, QueueItemOut, QueueQuery
from server.web import db

blp = Blueprint("review", __name__, url_prefix="/api/v1/reviews", description="证据审核 (乡镇管理员)")


@blp.route("", methods=["GET"])
@login_required("review:decide")
@blp.arguments(QueueQuery, location="query")
@blp.response(200, QueueItemOut(many=True))
def pending(args: dict[str, Any]) -> Any:
    """Clock-ins, visits, publicity and rectifications of my scope pending review, flagged first"""
    return service.queue(db(), current_actor(), args.get("type"), args["flagged_only"])


@blp.route("/<kind>/<int:record_id>", methods=["POST"])
@login_required("review:decide")
@blp.arguments(DecisionIn)
@blp.response(200, DecisionOut)
def decide(data: dict[str, Any], kind: str, record_id: int) -> Any:
    """Approve, or reject with a reason the member will see"""
    record = service.decide(db(), current_actor(), kind, record_id, data["decision"], data.get("reason"))
    return {"type": kind, "id": record.id, "review_status": record.review_status, "review_reason": record.review_reason}


@blp.route("/bulk-approve", methods=["POST"])
@login_required("review:decide")
@blp.arguments(BulkApproveIn)
@blp.response(200, BulkOut)
def bulk_approve(data: dict[str, Any]) -> Any:
    """Approve every unflagged pending record (or the listed ones); flagged ones stay for a person"""
    return {"approved": service.bulk_approve(db(), current_actor(), data.get("type"), data.get("ids"))}
