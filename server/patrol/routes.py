from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from server.auth.guard import current_actor, login_required
from server.common.records import created_or_found
from server.common.schemas import page_of

from server.hazards import queries as hazards
from server.patrol import service
from server.patrol.models import CheckIn, PublicityVisit, Visit
from server.patrol.schemas import (CheckInCreate, CheckInOut, CoverageOut, CoverageQuery, HazardBrief,
                                   PublicityCreate, PublicityOut, RecordQuery, VisitCreate, VisitOut)
from server.web import app_config, clock_now, db

blp = Blueprint("patrol", __name__, url_prefix="/api/v1", description="五个一: 进岗打卡、巡查、宣传与离线同步")


def _resource(path: str, model: type, create_schema: Any, out_schema: Any, create: Any, summary: str) -> None:
    """POST (idempotent on client_uuid), GET list and GET one for a kind of field record."""

    class Collection(MethodView):
        @login_required("field:create")
        @blp.arguments(create_schema)
        @blp.response(201, out_schema)
        @blp.alt_response(200, schema=out_schema, description="a retry: the record the first attempt made")
        def post(self, data: dict[str, Any]) -> Any:
            return created_or_found(create(db(), app_config(), current_actor(), data, clock_now()))

        @login_required("field:read")
        @blp.arguments(RecordQuery, location="query")
        @blp.response(200, out_schema(many=True))
        @blp.paginate()
        def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
            return page_of(db(), service.records_query(model, current_actor(), day=args.get("date"),
                                                       user_id=args.get("user_id")), pagination_parameters)

    Collection.post.__doc__ = summary
    Collection.__name__ = f"{model.__name__}Collection"

    class Item(MethodView):
        @login_required("field:read")
        @blp.response(200, out_schema)
        def get(self, record_id: int) -> Any:
            return service.get_record(db(), model, current_actor(), record_id)

    Item.__name__ = f"{model.__name__}Item"
    blp.route(path)(Collection)
    blp.route(f"{path}/<int:record_id>")(Item)


_resource("/checkins", CheckIn, CheckInCreate, CheckInOut, service.check_in,
          "Clock in on duty (进岗打卡); outside the grid is kept and flagged, never refused")
_resource("/visits", Visit, VisitCreate, VisitOut, service.record_visit,
          "Record a patrol visit (巡查) with a checklist version; hazard answers create hazards")
_resource("/publicity", PublicityVisit, PublicityCreate, PublicityOut, service.record_publicity,
          "Record a safety-publicity visit (一企一宣传)")


@blp.route("/visits/<int:record_id>/hazards", methods=["GET"])
@login_required("field:read")
@blp.response(200, HazardBrief(many=True))
def visit_hazards(record_id: int) -> Any:
    visit = service.get_record(db(), Visit, current_actor(), record_id)
    return hazards.for_visit(db(), visit.id)


@blp.route("/publicity/coverage", methods=["GET"])
@login_required("field:read")
@blp.arguments(CoverageQuery, location="query")
@blp.response(200, CoverageOut(many=True))
def publicity_coverage(args: dict[str, Any]) -> Any:
    """Share of places with at least one publicity visit in the period, for an area and each of its children"""
    return service.coverage(db(), current_actor(), args["area_id"], args["start"], args["end"])
