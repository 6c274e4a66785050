"""隐患闭环整改: thin routes over the hazards package (steps, lists, statistics, documents)."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from server.auth.guard import current_actor, login_required
from server.common.schemas import page_of
from server.common.timeutil import local_day
from server.common.xlsx import BINARY, XLSX, file_response, xlsx_response
from server.hazards import documents, queries, service
from server.hazards import stats as hazard_stats
from server.hazards.schemas import (
    CloseIn,
    CorrectIn,
    HazardCreate,
    HazardDetail,
    HazardExportIn,
    HazardOut,
    HazardQuery,
    OrderIn,
    OrderPageQuery,
    RecheckIn,
    RectifyIn,
    RejectIn,
    StatsQuery,
    StatsRow,
    SupervisedOut,
    SupervisedQuery,
    SupervisionIn,
)
from server.jobs import web as jobs
from server.jobs.schemas import JOB_ACCEPTED, JobOut
from server.web import app_config, clock_now, db

blp = Blueprint("hazards", __name__, url_prefix="/api/v1/hazards",
                description="隐患闭环整改: 责令限期整改、整改、复查、销号, 逾期升级, 挂牌督办, 统计与导出")


def _days() -> int:
    return app_config().hazard_escalation_days


def _today() -> Any:
    return local_day(clock_now())


def _detail(hazard: Any) -> Any:
    queries.annotate([hazard], _today(), _days())
    return hazard


@blp.route("")
class Hazards(MethodView):
    @login_required("hazard:read")
    @blp.arguments(HazardQuery, location="query")
    @blp.response(200, HazardOut(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Hazards of my scope, newest first

        Filtered by area (its subtree), sector, level, status, source, place, overdue, escalated, supervised and
        the period they were found in."""
        stmt = queries.list_query(db(), current_actor(), queries.Filters.of(args), today=_today(),
                                  escalation_days=_days())
        return queries.annotate(page_of(db(), stmt, pagination_parameters), _today(), _days())

    @login_required("hazard:create")
    @blp.arguments(HazardCreate)
    @blp.response(201, HazardDetail)
    @blp.alt_response(200, schema=HazardDetail, description="a retry of the same client_uuid")
    def post(self, data: dict[str, Any]) -> Any:
        """Record a hazard: inspectors (执法检查) and township admins (乡镇排查) at a place of their scope; grid
        members (随手拍) at a place of their grids or at a location inside them, with a photo and client_uuid"""
        made = service.create_hazard(db(), current_actor(), data, clock_now(),
                                     tolerance_m=app_config().geofence_tolerance_m)
        return _detail(made.record), 201 if made.created else 200


@blp.route("/<int:hazard_id>", methods=["GET"])
@login_required("hazard:read")
@blp.response(200, HazardDetail)
def hazard(hazard_id: int) -> Any:
    """A hazard with its orders, supervision and full history"""
    return _detail(service.get_hazard(db(), current_actor(), hazard_id))


@blp.route("/<int:hazard_id>/correction", methods=["POST"])
@login_required("hazard:correct")
@blp.arguments(CorrectIn)
@blp.response(200, HazardDetail)
def correction(data: dict[str, Any], hazard_id: int) -> Any:
    """Correct where an open hazard is and who answers for it (更正): a place, or an address and a responsible party

    By a township or county admin; the status does not change and the history keeps before, after and the
    reason.  A hazard without a place must end up with both an address and a responsible party."""
    return _detail(service.correct(db(), current_actor(), hazard_id, place_id=data.get("place_id"),
                                   address=data.get("address"), responsible_party=data.get("responsible_party"),
                                   reason=data["reason"], now=clock_now(), client_uuid=_uuid(data)))


@blp.route("/<int:hazard_id>/order", methods=["POST"])
@login_required("hazard:order")
@blp.arguments(OrderIn)
@blp.response(200, HazardDetail)
def order(data: dict[str, Any], hazard_id: int) -> Any:
    """Order (责令限期整改): reported → ordered

    By a township admin or an inspector; the deadline is a local day, today at the earliest.  The grid's members
    get a re-check task due that day."""
    now = clock_now()
    return _detail(service.order(db(), current_actor(), hazard_id, deadline=data["deadline"],
                                 measures=data["measures"], responsible_person=data["responsible_person"],
                                 note=data.get("note"), client_uuid=_uuid(data), today=local_day(now), now=now))


@blp.route("/<int:hazard_id>/reject", methods=["POST"])
@login_required("hazard:reject")
@blp.arguments(RejectIn)
@blp.response(200, HazardDetail)
def reject(data: dict[str, Any], hazard_id: int) -> Any:
    """Reject (不予认定): reported → rejected, with the reason"""
    return _detail(service.reject(db(), current_actor(), hazard_id, reason=data["reason"], now=clock_now(),
                                  client_uuid=_uuid(data)))


@blp.route("/<int:hazard_id>/rectify", methods=["POST"])
@login_required("hazard:rectify")
@blp.arguments(RectifyIn)
@blp.response(200, HazardDetail)
def rectify(data: dict[str, Any], hazard_id: int) -> Any:
    """Rectified: ordered → rectified

    After-photos and a statement, recorded by a member of the hazard's grid on behalf of the place."""
    return _detail(service.rectify(db(), current_actor(), hazard_id, photo_ids=data["photo_ids"],
                                   statement=data["statement"], now=clock_now(), client_uuid=_uuid(data)))


@blp.route("/<int:hazard_id>/recheck", methods=["POST"])
@login_required("hazard:recheck")
@blp.arguments(RecheckIn)
@blp.response(200, HazardDetail)
def recheck(data: dict[str, Any], hazard_id: int) -> Any:
    """Re-check: rectified → closed or rechecked (pass), → ordered with a new deadline (fail)

    Refused (403 recheck_by_rectifier) to whoever recorded the rectification.  A pass closes the hazard at once
    when the re-checker may close it: not a member for a major hazard, only a county admin for a supervised one
    (that re-check is the county's sign-off); otherwise it waits in rechecked."""
    now = clock_now()
    return _detail(service.recheck(db(), current_actor(), hazard_id, result=data["result"], note=data.get("note"),
                                   photo_ids=data["photo_ids"], deadline=data.get("deadline"),
                                   measures=data.get("measures"), responsible_person=data.get("responsible_person"),
                                   today=local_day(now), now=now, client_uuid=_uuid(data)))


@blp.route("/<int:hazard_id>/close", methods=["POST"])
@login_required("hazard:close")
@blp.arguments(CloseIn)
@blp.response(200, HazardDetail)
def close(data: dict[str, Any], hazard_id: int) -> Any:
    """Close (销号): rechecked → closed

    A major hazard is not closed by a member (403 major_hazard_needs_admin); a supervised one only by a county
    admin, whose close is the sign-off (403 supervision_sign_off_required for anyone else)."""
    return _detail(service.close(db(), current_actor(), hazard_id, note=data.get("note"), now=clock_now(),
                                 client_uuid=_uuid(data)))


@blp.route("/<int:hazard_id>/supervision", methods=["POST"])
@login_required("hazard:supervise")
@blp.arguments(SupervisionIn)
@blp.response(200, HazardDetail)
def supervise(data: dict[str, Any], hazard_id: int) -> Any:
    """挂牌督办: a county admin lists an open major hazard for supervision (county, city or province level)"""
    now = clock_now()
    return _detail(service.supervise(db(), current_actor(), hazard_id, level=data["level"],
                                     target_date=data["target_date"], supervisor=data["supervisor"],
                                     note=data.get("note"), today=local_day(now), now=now))


@blp.route("/supervised", methods=["GET"])
@login_required("hazard:report")
@blp.arguments(SupervisedQuery, location="query")
@blp.response(200, SupervisedOut)
def supervised(args: dict[str, Any]) -> Any:
    """Supervised major hazards of my scope with their progress and the closure rate (整改销号率)"""
    return queries.supervised(db(), current_actor(), today=_today(), escalation_days=_days(),
                              open_only=args["open"])


@blp.route("/escalated", methods=["GET"])
@login_required("hazard:report")
@blp.response(200, HazardOut(many=True))
@blp.paginate()
def escalated(pagination_parameters: Any) -> Any:
    """Escalated hazards: orders overdue by more than hazard_escalation_days days

    Longest overdue first; the county's list (a township admin or inspector sees their own part)."""
    stmt = queries.escalated_query(db(), current_actor(), today=_today(), escalation_days=_days())
    return queries.annotate(page_of(db(), stmt, pagination_parameters), _today(), _days())


@blp.route("/stats", methods=["GET"])
@login_required("hazard:report")
@blp.arguments(StatsQuery, location="query")
@blp.response(200, StatsRow(many=True))
def stats(args: dict[str, Any]) -> Any:
    """Statistics for an area and each of its children over a period

    Over the hazards found in the period: found, closed, closure rate, closed on time, overdue, major found and
    still open, rejected.  The first row is the area itself."""
    return hazard_stats.stats(db(), current_actor(), area_id=args.get("area_id"), start=args["start"], end=args["end"],
                         today=_today(), sector=args.get("sector"), level=args.get("level"))


@blp.route("/export.xlsx", methods=["GET"])
@login_required("hazard:report")
@blp.arguments(HazardQuery, location="query")
@blp.response(200, BINARY, content_type=XLSX, description="XLSX workbook of the filtered list")
def export(args: dict[str, Any]) -> Any:
    """The filtered list as an XLSX workbook

    Takes the list's filters."""
    today = _today()
    body = documents.export_xlsx(db(), current_actor(), queries.Filters.of(args), today, _days())
    return xlsx_response(body, f"hazards-{today.isoformat()}.xlsx")


@blp.route("/exports", methods=["POST"])
@login_required("hazard:report")
@blp.arguments(HazardExportIn, required=False)  # no body: every hazard in scope
@blp.response(201, JobOut, description="the finished job: result {key, filename, bytes, url (signed), expires_at}")
@blp.alt_response(202, schema=JobOut, description=JOB_ACCEPTED)
def export_job(args: dict[str, Any]) -> Any:
    """The filtered list as an XLSX workbook made by a background job, for large exports

    Takes the list's filters as a JSON body.  The workbook is stored; the finished job's ``result.url`` fetches it
    (signed, made afresh on each ``GET /api/v1/jobs/{id}``)."""
    return jobs.start("hazard_export", {"filters": HazardExportIn().dump(args), **jobs.asked_at(clock_now())},
                      area_id=jobs.own_area(current_actor()), done=jobs.the_job)


@blp.route("/<int:hazard_id>/order.html", methods=["GET"])
@login_required("hazard:read")
@blp.arguments(OrderPageQuery, location="query")
@blp.response(200, {"type": "string"}, content_type="text/html",
              description="责令限期整改指令书: a printable HTML page (A4)")
def order_page(args: dict[str, Any], hazard_id: int) -> Any:
    """The printable rectification order (责令限期整改指令书)

    HTML with print CSS (A4): number, place, hazard, measures, deadline, responsible person, issuer and date."""
    html = documents.order_html(db(), current_actor(), hazard_id, args.get("round"))
    return file_response(html, "text/html")


def _uuid(data: dict[str, Any]) -> str | None:
    return str(data["client_uuid"]) if data.get("client_uuid") else None
