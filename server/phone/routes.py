"""The phone's own endpoints: the home screen in one call, the offline sync batch, my grid."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.auth.guard import current_actor, login_required
from server.ops import metrics
from server.phone import service
from server.phone.schemas import MyGridOut, SyncIn, SyncOut, TodayOut
from server.web import app_config, clock_now, db

blp = Blueprint("phone", __name__, url_prefix="/api/v1", description="手机端: 离线批量同步与首页")


@blp.route("/sync", methods=["POST"])
@login_required("field:create")
@blp.arguments(SyncIn)
@blp.response(200, SyncOut)
def sync(data: dict[str, Any]) -> Any:
    """Upload records made offline (clock-ins, visits, publicity, reports) in one batch; each item answers
    created, duplicate or error, and one bad item never rolls back the others"""
    results = service.sync(db(), app_config(), current_actor(), data["items"], clock_now())
    metrics.sync_results(results)
    return {"results": results}


@blp.route("/me/grid", methods=["GET"])
@login_required("field:create")
@blp.response(200, MyGridOut(many=True))
def my_grid() -> Any:
    """My grids with their boundaries and every place in them, for the map and the offline cache

    One entry per grid I am assigned to (most members have one); lists of areas (GET /areas) leave boundaries
    out, this call has them."""
    return service.my_grids(db(), current_actor())


@blp.route("/me/today", methods=["GET"])
@login_required("field:create")
@blp.response(200, TodayOut)
def today() -> Any:
    """The phone's home screen in one call"""
    return service.today(db(), current_actor(), clock_now())
