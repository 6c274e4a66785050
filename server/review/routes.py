"""证据审核: thin routes for the township's review queue and its decisions."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.auth.guard import current_actor, login_required
from server.review import service
from server.review.schemas import BulkApproveIn, BulkOut, DecisionIn, DecisionOut, QueueItemOut, QueueQuery
from server.web import clock_now, db

blp = Blueprint("review", __name__, url_prefix="/api/v1/reviews", description="证据审核 (乡镇管理员)")


@blp.route("", methods=["GET"])
@login_required("review:decide")
@blp.arguments(QueueQuery, location="query")
@blp.response(200, QueueItemOut(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def pending(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Clock-ins, visits, publicity and rectifications of my scope pending review, flagged first, one page

    Flagged records first over the whole queue, then the oldest; each with the member's, grid's, township's and
    place's names and every photo (checklist answers' too; a rectification's before-photos beside its own).
    Filters: type, flagged_only, area_id (and everything under it), user_id, day_from, day_to; status=decided
    lists the decided records instead, the newest decision first, with who decided, when and why."""
    p = pagination_parameters
    items, total = service.queue_page(db(), current_actor(), service.QueueFilter.of(args),
                                      offset=(p.page - 1) * p.page_size, limit=p.page_size)
    p.item_count = total
    return items


@blp.route("/<kind>/<int:record_id>", methods=["POST"])
@login_required("review:decide")
@blp.arguments(DecisionIn)
@blp.response(200, DecisionOut)
def decide(data: dict[str, Any], kind: str, record_id: int) -> Any:
    """Approve, or reject with a reason the member will see

    One decision per record: if someone else decided it first, 409 already_decided with the decision that
    stands (detail: review_status, review_reason, reviewed_by, reviewed_at)."""
    return service.decide(db(), current_actor(), kind, record_id, data["decision"], data.get("reason"), clock_now())


@blp.route("/bulk-approve", methods=["POST"])
@login_required("review:decide")
@blp.arguments(BulkApproveIn)
@blp.response(200, BulkOut)
def bulk_approve(data: dict[str, Any]) -> Any:
    """Approve the listed unflagged pending records of one kind, or all those a filter selects; flagged ones stay
    for a person

    Body: {type, ids} (the records the admin was shown), or {filter: {type?, area_id?, user_id?, day_from?,
    day_to?}, expected_count} (what GET /reviews showed with that filter, counting only unflagged records): if the
    count has changed, nothing is approved and the answer is 409 count_changed with detail {expected, actual}.
    A record decided meanwhile by someone else is not decided again; ``approved`` says how many this did."""
    session, actor = db(), current_actor()
    if "filter" in data:
        f = service.QueueFilter.of(data["filter"])
        return {"approved": service.bulk_approve_matching(session, actor, f, data["expected_count"], clock_now())}
    return {"approved": service.bulk_approve(session, actor, data["type"], data["ids"], clock_now())}
