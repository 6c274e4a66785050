"""区域: thin routes over the area tree, grid boundaries and point location."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from server.auth.guard import current_actor, login_required
from server.common.schemas import page_of
from server.common.xlsx import BINARY, file_response
from server.org import service
from server.org.schemas import (
    AreaCreate,
    AreaDetail,
    AreaOut,
    AreaQuery,
    AreaUpdate,
    DescendantsQuery,
    LocateOut,
    LocateQuery,
)
from server.tipoffs import report_poster
from server.web import app_config, db

blp = Blueprint("areas", __name__, url_prefix="/api/v1/areas", description="区域树: 县 → 乡镇 → 村 → 网格")


@blp.route("")
class Areas(MethodView):
    @login_required("area:read")
    @blp.arguments(AreaQuery, location="query")
    @blp.response(200, AreaOut(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Areas within my scope"""
        return page_of(db(), service.areas_query(current_actor(), **args), pagination_parameters)

    @login_required("area:write")
    @blp.arguments(AreaCreate)
    @blp.response(201, AreaDetail)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a township, village or grid under an area of my scope"""
        return service.create_area(db(), current_actor(), **data)


@blp.route("/<int:area_id>")
class AreaById(MethodView):
    @login_required("area:read")
    @blp.response(200, AreaDetail)
    def get(self, area_id: int) -> Any:
        return service.get_area(db(), current_actor(), area_id)

    @login_required("area:write")
    @blp.arguments(AreaUpdate)
    @blp.response(200, AreaDetail)
    def patch(self, data: dict[str, Any], area_id: int) -> Any:
        return service.update_area(db(), current_actor(), area_id, data)


@blp.route("/<int:area_id>/report-poster.png", methods=["GET"])
@login_required("tipoff:triage")
@blp.response(200, BINARY, content_type="image/png",
              description="A4 PNG at 150 dpi (1240 × 1754 px)")
def report_poster_png(area_id: int) -> Any:
    """The printable 扫码举报 poster of a township: a QR code of <public_url>/report?township=<area code>

    For the admins who handle tip-offs (township admins and above), for a township or the county in their scope.
    A browser opens it from a signed link (POST /links)."""
    png = report_poster.for_area(db(), current_actor(), app_config().public_url, area_id)
    return file_response(png, "image/png", f"report-poster-{area_id}.png", inline=True)


@blp.route("/<int:area_id>/descendants")
@login_required("area:read")
@blp.arguments(DescendantsQuery, location="query")
@blp.response(200, AreaOut(many=True))
def descendants(args: dict[str, Any], area_id: int) -> Any:
    """Every area under this one (one indexed range query on the materialized path)"""
    return service.descendants(db(), current_actor(), area_id, args.get("level"))


@blp.route("/locate")
@login_required("area:read")
@blp.arguments(LocateQuery, location="query")
@blp.response(200, LocateOut)
def locate(args: dict[str, Any]) -> Any:
    """Which grid (and village, township) of my scope contains this point"""
    found = service.locate_for(db(), current_actor(), args["lat"], args["lng"], args["coord_system"])
    return {"lat": found.lat, "lng": found.lng, "grid": found.grid, "village": found.at("village"),
            "township": found.at("township"), "county": found.at("county")}
