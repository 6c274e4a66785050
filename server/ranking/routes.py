"""月排名: thin routes over the ranking package (rule, compute, publish, boards, posters, XLSX)."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from server.auth.guard import current_actor, login_required
from server.common.schemas import page_of
from server.common.timeutil import local_day
from server.common.xlsx import BINARY, XLSX, file_response, xlsx_response
from server.jobs import web as jobs
from server.jobs.schemas import JOB_ACCEPTED, JobOut
from server.ranking import boards, documents, rules, service
from server.ranking import poster as posters
from server.ranking.models import RankingRun
from server.ranking.schemas import (
    RankingBoardQuery,
    RankingCountyQuery,
    RankingEntryOut,
    RankingExportQuery,
    RankingMeOut,
    RankingMonthOut,
    RankingPosterQuery,
    RankingPublishIn,
    RankingRevisionQuery,
    RankingRuleIn,
    RankingRuleOut,
    RankingRunOut,
)
from server.web import app_config, clock_now, db

blp = Blueprint("rankings", __name__, url_prefix="/api/v1/rankings",
                description="月排名: 网格员、村(社区)、乡镇(街道)的月度排名, 发布后冻结, 更正发布修订版")


def _today() -> Any:
    return local_day(clock_now())


def _calendar() -> rules.Calendar:
    return rules.load_calendar(app_config().ranking_calendar or None)


@blp.route("/months", methods=["GET"])
@login_required("ranking:read")
@blp.arguments(RankingCountyQuery, location="query")
@blp.response(200, RankingMonthOut(many=True))
def months(args: dict[str, Any]) -> Any:
    """The county's months with a ranking, newest first: published revisions (and the draft, for admins)"""
    actor = current_actor()
    return boards.months(db(), actor, boards.county_for(db(), actor, args.get("county_id")))


@blp.route("/rules")
class Rules(MethodView):
    @login_required("ranking:read")
    @blp.response(200, RankingRuleOut(many=True))
    def get(self) -> Any:
        """Every version of the ranking rule, newest first: metrics, full marks, caps, aggregation, tie-break"""
        return service.list_rules(db())

    @login_required("ranking:rule")
    @blp.arguments(RankingRuleIn)
    @blp.response(201, RankingRuleOut)
    def post(self, data: dict[str, Any]) -> Any:
        """Store a new rule version, used from the next compute on (unknown metrics, negative caps: 422)"""
        return service.add_rule(db(), data["rule"], current_actor().username, data.get("note"))


@blp.route("/<month>/compute", methods=["POST"])
@login_required("ranking:compute")
@blp.arguments(RankingCountyQuery, location="query")
@blp.response(201, RankingRunOut)
@blp.alt_response(202, schema=JobOut, description=JOB_ACCEPTED)
def compute(args: dict[str, Any], month: str) -> Any:
    """Compute the county's month's draft under the current rule (replaces the previous draft)

    A background job: finished within a moment it answers 201 as a synchronous call, else 202 with the job
    (``Prefer: respond-async``: 202 at once)."""
    now, actor = clock_now(), current_actor()
    county = boards.county_for(db(), actor, args.get("county_id"))
    service.month_of(month, local_day(now))
    return jobs.start("ranking_compute", {"county_id": county.id, "month": month, **jobs.asked_at(now)},
                      area_id=county.id, done=_run_done)


@blp.route("/<month>/publish", methods=["POST"])
@login_required("ranking:publish")
@blp.arguments(RankingCountyQuery, location="query")
@blp.arguments(RankingPublishIn)
@blp.response(201, RankingRunOut)
@blp.alt_response(202, schema=JobOut, description=JOB_ACCEPTED)
def publish(args: dict[str, Any], data: dict[str, Any], month: str) -> Any:
    """Publish the county's ended month (frozen); publishing again is 409 — a correction is the next revision with
    a reason

    A background job, answered as compute's."""
    now, actor = clock_now(), current_actor()
    county = boards.county_for(db(), actor, args.get("county_id"))
    service.month_of(month, local_day(now))
    return jobs.start("ranking_publish", {"county_id": county.id, "month": month, "revision": data.get("revision"),
                                          "reason": data.get("reason"), **jobs.asked_at(now)},
                      area_id=county.id, done=_run_done)


def _run_done(job: Any) -> Any:
    run = db().get(RankingRun, job.result["run_id"])
    assert run is not None  # committed with the job's done
    return boards.run_out(run)


@blp.route("/<month>", methods=["GET"])
@login_required("ranking:read")
@blp.arguments(RankingBoardQuery, location="query")
@blp.response(200, RankingEntryOut(many=True))
@blp.paginate()
def board(args: dict[str, Any], month: str, pagination_parameters: Any) -> Any:
    """A leaderboard, best first: members, villages or townships (members: their township's)"""
    actor = current_actor()
    county = boards.county_for(db(), actor, args.get("county_id"))
    run = boards.get_run(db(), actor, county, month, _today(), revision=args.get("revision"), draft=args["draft"])
    stmt = boards.board_query(db(), actor, run, args["level"], args.get("township_id"))
    doc = run.rule.document
    return [boards.entry_out(e, doc) for e in page_of(db(), stmt, pagination_parameters)]


@blp.route("/<month>/me", methods=["GET"])
@login_required("ranking:me")
@blp.arguments(RankingRevisionQuery, location="query")
@blp.response(200, RankingMeOut)
def me(args: dict[str, Any], month: str) -> Any:
    """My rank, score and every metric (raw value, points, my township's median), and the change since last month"""
    actor = current_actor()
    return boards.me(db(), actor, boards.county_for(db(), actor, args.get("county_id")), month, _today(),
                     args.get("revision"))


@blp.route("/<month>/poster.png", methods=["GET"])
@login_required("ranking:read")
@blp.arguments(RankingPosterQuery, location="query")
@blp.response(200, BINARY, content_type="image/png", description="PNG, 1080 px wide")
def poster(args: dict[str, Any], month: str) -> Any:
    """A poster for the work group: a township's top and bottom members, or the county's townships"""
    actor = current_actor()
    county = boards.county_for(db(), actor, args.get("county_id"))
    run = boards.get_run(db(), actor, county, month, _today(), revision=args.get("revision"), draft=args["draft"])
    png = posters.poster_png(db(), actor, run, args.get("township_id"), args["top"], args["bottom"])
    return file_response(png, "image/png")


@blp.route("/<month>/export.xlsx", methods=["GET"])
@login_required("ranking:read")
@blp.arguments(RankingExportQuery, location="query")
@blp.response(200, BINARY, content_type=XLSX, description="XLSX workbook")
def export(args: dict[str, Any], month: str) -> Any:
    """A whole board (in scope) as XLSX with every metric's raw value and points"""
    actor = current_actor()
    county = boards.county_for(db(), actor, args.get("county_id"))
    run = boards.get_run(db(), actor, county, month, _today(), revision=args.get("revision"), draft=args["draft"])
    entries = db().scalars(boards.board_query(db(), actor, run, args["level"], args.get("township_id"))).all()
    title = boards.board_title(db(), run, args.get("township_id"))
    body = documents.export_xlsx(run, entries, args["level"], title)
    name = f"ranking-{run.month}-r{run.revision}-{args['level']}.xlsx"
    return xlsx_response(body, name)
