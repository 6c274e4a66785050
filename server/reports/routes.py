"""每日一报告 and 每日一通报: thin routes for daily reports and the township's bulletins."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.auth.guard import current_actor, login_required
from server.common.records import created_or_found
from server.common.schemas import page_of
from server.common.timeutil import local_day
from server.common.xlsx import BINARY, XLSX, xlsx_response
from server.jobs import web as jobs
from server.jobs.schemas import JOB_ACCEPTED, JobOut
from server.reports import service
from server.reports.schemas import (
    BulletinOut,
    BulletinPreviewQuery,
    BulletinPublish,
    BulletinPublishAll,
    BulletinQuery,
    DraftOut,
    DraftQuery,
    ReportOut,
    ReportQuery,
    ReportSubmit,
)
from server.web import app_config, clock_now, db

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="每日一报告与每日一通报")


@blp.route("/reports/draft", methods=["GET"])
@login_required("field:create")
@blp.arguments(DraftQuery, location="query")
@blp.response(200, DraftOut)
def draft(args: dict[str, Any]) -> Any:
    """My day as recorded: clock-in, visits, hazards, publicity, tasks done and open (default: today)"""
    today = local_day(clock_now())
    return service.draft(db(), current_actor(), args.get("date") or today, today)


@blp.route("/reports", methods=["POST"])
@login_required("field:create")
@blp.arguments(ReportSubmit)
@blp.response(201, ReportOut)
@blp.alt_response(200, schema=ReportOut, description="a retry, or a resubmission that replaced the notes")
def submit(data: dict[str, Any]) -> Any:
    """Submit my daily report (one per local day; after the day's end it counts as late)"""
    return created_or_found(service.submit(db(), current_actor(), data, clock_now()))


@blp.route("/reports", methods=["GET"])
@login_required("field:read")
@blp.arguments(ReportQuery, location="query")
@blp.response(200, ReportOut(many=True))
@blp.paginate()
def reports(args: dict[str, Any], pagination_parameters: Any) -> Any:
    return page_of(db(), service.reports_query(current_actor(), day=args.get("date")), pagination_parameters)


@blp.route("/bulletins", methods=["GET"])
@login_required("bulletin:read")
@blp.arguments(BulletinQuery, location="query")
@blp.response(200, BulletinOut(many=True))
@blp.paginate()
def bulletins(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Published daily bulletins readable in my scope (members: their township's)"""
    return page_of(db(), service.bulletins_query(current_actor(), township_id=args.get("township_id"),
                                                 day=args.get("date")), pagination_parameters)


@blp.route("/bulletins", methods=["POST"])
@login_required("bulletin:publish")
@blp.arguments(BulletinPublish)
@blp.response(201, BulletinOut)
def publish(data: dict[str, Any]) -> Any:
    """Publish a township's bulletin now (the cron job publishes every township's); published ones are frozen"""
    now = clock_now()
    return service.publish_one(db(), current_actor(), data["township_id"], data["date"], local_day(now), now,
                               escalation_days=app_config().hazard_escalation_days)


@blp.route("/bulletins/publish-all", methods=["POST"])
@login_required("bulletin:publish")
@blp.arguments(BulletinPublishAll)
@blp.response(201, JobOut, description="the finished job: result {date, published, bulletin_ids}")
@blp.alt_response(202, schema=JobOut, description=JOB_ACCEPTED)
def publish_all(data: dict[str, Any]) -> Any:
    """Publish the day's bulletin of every township in my scope not yet published, as a background job

    What the cron job does for every county, for one admin's county (or township) at once."""
    return jobs.start("bulletin_publish_all", {"date": data["date"].isoformat(), **jobs.asked_at(clock_now())},
                      area_id=jobs.own_area(current_actor()), done=jobs.the_job)


@blp.route("/bulletins/preview", methods=["GET"])
@login_required("bulletin:publish")
@blp.arguments(BulletinPreviewQuery, location="query")
@blp.response(200, BulletinOut)
def preview(args: dict[str, Any]) -> Any:
    """The bulletin as it would be published now, not stored"""
    content = service.preview(db(), current_actor(), args["township_id"], args["date"], local_day(clock_now()),
                              escalation_days=app_config().hazard_escalation_days)
    return {"id": None, "area_id": args["township_id"], "day": args["date"], "published_at": None,
            "published_by": None, "content": content}


@blp.route("/bulletins/<int:bulletin_id>", methods=["GET"])
@login_required("bulletin:read")
@blp.response(200, BulletinOut)
def bulletin(bulletin_id: int) -> Any:
    return service.get_bulletin(db(), current_actor(), bulletin_id)


@blp.route("/bulletins/<int:bulletin_id>.xlsx", methods=["GET"])
@login_required("bulletin:read")
@blp.response(200, BINARY, content_type=XLSX, description="XLSX workbook")
def bulletin_xlsx(bulletin_id: int) -> Any:
    found = service.get_bulletin(db(), current_actor(), bulletin_id)
    name = f"bulletin-{found.day.isoformat()}-{found.area_id}.xlsx"
    return xlsx_response(service.bulletin_xlsx(found), name)
