"""五个一 in the field: thin routes for clock-ins, visits and publicity (idempotent on client_uuid)."""
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
from server.patrol.schemas import (
    CheckInCreate,
    CheckInOut,
    CoverageOut,
    CoverageQuery,
    HazardBrief,
    PublicityCreate,
    PublicityOut,
    RecordQuery,
    VisitCreate,
    VisitOut,
)
from server.web import app_config, clock_now, db

blp = Blueprint("patrol", __name__, url_prefix="/api/v1", description="五个一: 进岗打卡、巡查、宣传与离线同步")


@blp.route("/checkins")
class CheckInCollection(MethodView):
    @login_required("field:create")
    @blp.arguments(CheckInCreate)
    @blp.response(201, CheckInOut)
    @blp.alt_response(200, schema=CheckInOut, description="a retry: the record the first attempt made")
    def post(self, data: dict[str, Any]) -> Any:
        """Clock in on duty (进岗打卡); outside the grid is kept and flagged, never refused"""
        return created_or_found(service.check_in(db(), app_config(), current_actor(), data, clock_now()))

    @login_required("field:read")
    @blp.arguments(RecordQuery, location="query")
    @blp.response(200, CheckInOut(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        return page_of(db(), service.records_query(CheckIn, current_actor(), day=args.get("date"),
                                                   user_id=args.get("user_id")), pagination_parameters)


@blp.route("/checkins/<int:record_id>")
class CheckInItem(MethodView):
    @login_required("field:read")
    @blp.response(200, CheckInOut)
    def get(self, record_id: int) -> Any:
        return service.get_record(db(), CheckIn, current_actor(), record_id)


@blp.route("/visits")
class VisitCollection(MethodView):
    @login_required("field:create")
    @blp.arguments(VisitCreate)
    @blp.response(201, VisitOut)
    @blp.alt_response(200, schema=VisitOut, description="a retry: the record the first attempt made")
    def post(self, data: dict[str, Any]) -> Any:
        """Record a patrol visit (巡查) with a checklist version; hazard answers create hazards"""
        return created_or_found(service.record_visit(db(), app_config(), current_actor(), data, clock_now()))

    @login_required("field:read")
    @blp.arguments(RecordQuery, location="query")
    @blp.response(200, VisitOut(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        return page_of(db(), service.records_query(Visit, current_actor(), day=args.get("date"),
                                                   user_id=args.get("user_id")), pagination_parameters)


@blp.route("/visits/<int:record_id>")
class VisitItem(MethodView):
    @login_required("field:read")
    @blp.response(200, VisitOut)
    def get(self, record_id: int) -> Any:
        return service.get_record(db(), Visit, current_actor(), record_id)


@blp.route("/publicity")
class PublicityVisitCollection(MethodView):
    @login_required("field:create")
    @blp.arguments(PublicityCreate)
    @blp.response(201, PublicityOut)
    @blp.alt_response(200, schema=PublicityOut, description="a retry: the record the first attempt made")
    def post(self, data: dict[str, Any]) -> Any:
        """Record a safety-publicity visit (一企一宣传)"""
        return created_or_found(service.record_publicity(db(), app_config(), current_actor(), data, clock_now()))

    @login_required("field:read")
    @blp.arguments(RecordQuery, location="query")
    @blp.response(200, PublicityOut(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        return page_of(db(), service.records_query(PublicityVisit, current_actor(), day=args.get("date"),
                                                   user_id=args.get("user_id")), pagination_parameters)


@blp.route("/publicity/<int:record_id>")
class PublicityVisitItem(MethodView):
    @login_required("field:read")
    @blp.response(200, PublicityOut)
    def get(self, record_id: int) -> Any:
        return service.get_record(db(), PublicityVisit, current_actor(), record_id)


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
