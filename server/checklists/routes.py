"""检查表: thin routes serving the versioned checklists a visit is recorded against."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.auth.guard import current_actor, login_required
from server.checklists import service
from server.checklists.schemas import ChecklistBrief, ChecklistOut, ChecklistQuery
from server.places import service as places
from server.web import db

blp = Blueprint("checklists", __name__, url_prefix="/api/v1/checklists", description="模块化检查清单")


@blp.route("", methods=["GET"])
@login_required("checklist:read")
@blp.arguments(ChecklistQuery, location="query")
@blp.response(200, ChecklistBrief(many=True))
def latest(args: dict[str, Any]) -> Any:
    """The newest version of every checklist, optionally of one sector or only those that fit a place

    With ``place_id``: the checklists a visit to that place may use (its sector's, then general ones such as
    fire safety); a visit with any other checklist is refused (422 checklist_sector_mismatch)."""
    if args.get("place_id") is not None:
        place = places.get_place(db(), current_actor(), args["place_id"])
        return service.fitting(db(), place.sector)
    return db().scalars(service.latest_query(args.get("sector"))).all()


@blp.route("/<key>/versions", methods=["GET"])
@login_required("checklist:read")
@blp.response(200, ChecklistBrief(many=True))
def versions(key: str) -> Any:
    return service.versions(db(), key)


@blp.route("/<key>/versions/<int:version>", methods=["GET"])
@login_required("checklist:read")
@blp.response(200, ChecklistOut)
def version(key: str, version: int) -> Any:
    """One version in full; old versions stay readable"""
    return service.get_version(db(), key, version)
