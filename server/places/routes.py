"""企业/场所 (一企一档): thin routes for places and their CSV/XLSX import."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from server.auth.guard import current_actor, login_required
from server.common.schemas import page_of
from server.places import importer, service
from server.places.schemas import (
    ImportFile,
    ImportQuery,
    ImportReportOut,
    PlaceCreate,
    PlaceListItem,
    PlaceOut,
    PlaceQuery,
    PlaceUpdate,
)
from server.web import clock_now, db

blp = Blueprint("places", __name__, url_prefix="/api/v1/places", description="企业/场所 (一企一档)")


@blp.route("")
class Places(MethodView):
    @login_required("place:read")
    @blp.arguments(PlaceQuery, location="query")
    @blp.response(200, PlaceListItem(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Search places of my scope by name, credit code, sector, risk level or area"""
        return page_of(db(), service.places_query(current_actor(), **args), pagination_parameters)

    @login_required("place:write")
    @blp.arguments(PlaceCreate)
    @blp.response(201, PlaceOut)
    def post(self, data: dict[str, Any]) -> Any:
        return service.create_place(db(), current_actor(), data)


@blp.route("/<int:place_id>")
class PlaceById(MethodView):
    @login_required("place:read")
    @blp.response(200, PlaceOut)
    def get(self, place_id: int) -> Any:
        return service.get_place(db(), current_actor(), place_id)

    @login_required("place:write")
    @blp.arguments(PlaceUpdate(partial=True))
    @blp.response(200, PlaceOut)
    def patch(self, data: dict[str, Any], place_id: int) -> Any:
        return service.update_place(db(), current_actor(), place_id, data)

    @login_required("place:delete")
    @blp.response(204)
    def delete(self, place_id: int) -> None:
        """Archive a place (its visits and hazards keep pointing at it)"""
        service.delete_place(db(), current_actor(), place_id, clock_now())


@blp.route("/import", methods=["POST"])
@login_required("place:import")
@blp.arguments(ImportQuery, location="query")
@blp.arguments(ImportFile, location="files")
@blp.response(200, ImportReportOut)
def import_places(args: dict[str, Any], files: dict[str, Any]) -> Any:
    """Bulk import from CSV (UTF-8 or GB18030) or XLSX; per-row error report; re-importing changes nothing"""
    upload = files["file"]
    return importer.import_places(db(), current_actor(), upload.stream, upload.filename or "",
                                  dry_run=args["dry_run"])
