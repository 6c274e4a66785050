"""What the phone endpoints take in (a sync batch) and give out (today, my grid)."""
from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Out
from server.dispatch.schemas import AssignmentOut
from server.org.schemas import AreaBrief
from server.patrol.schemas import CheckInOut, DuePlaceOut, PublicityOut, VisitOut
from server.places.schemas import PlaceListItem
from server.reports.schemas import ReportOut


class SyncItemIn(In):
    type = ma.fields.String(required=True, validate=ma.validate.Length(1, 32),
                            metadata={"description": "checkin | visit | publicity | report | hazard; an unknown "
                                                     "type is that item's error (code unknown_type), not the "
                                                     "batch's"})
    data = ma.fields.Dict(required=True, metadata={"description": "the body the single endpoint takes"})


class SyncIn(In):
    items = ma.fields.List(ma.fields.Nested(SyncItemIn), required=True,
                           metadata={"description": "in the order the phone made them; at most the configured "
                                                    "limit (100 by default), else 413"})


class SyncResultOut(Out):
    index = ma.fields.Integer()
    type = ma.fields.String()
    status = ma.fields.String(metadata={"description": "created | duplicate | error"})
    id = ma.fields.Integer(allow_none=True)
    error = ma.fields.Dict(allow_none=True, metadata={"description": "the API's error shape, when status is error"})


class SyncOut(Out):
    results = ma.fields.List(ma.fields.Nested(SyncResultOut))


class IdName(Out):
    id = ma.fields.Integer()
    name = ma.fields.String()


class RecheckDue(Out):
    id = ma.fields.Integer(metadata={"description": "the hazard"})
    level = ma.fields.String()
    category = ma.fields.String()
    description = ma.fields.String()
    place = ma.fields.Nested(IdName, allow_none=True)
    grid = ma.fields.Nested(IdName, attribute="area")
    deadline = ma.fields.Date(allow_none=True)
    rectified_at = ma.fields.DateTime(allow_none=True)
    rectification_statement = ma.fields.String(allow_none=True)
    after_photo_ids = ma.fields.List(ma.fields.String())


class RejectedRecord(Out):
    type = ma.fields.String(metadata={"description": "checkin | visit | publicity | rectification"})
    id = ma.fields.Integer()
    day = ma.fields.Date()
    occurred_at = ma.fields.DateTime()
    reason = ma.fields.String(allow_none=True, metadata={"description": "the reviewer's reason"})
    place = ma.fields.Nested(IdName, allow_none=True)
    hazard_id = ma.fields.Integer(metadata={"description": "rectifications: the hazard"})


class GridWithBoundary(AreaBrief):
    boundary = ma.fields.Dict(allow_none=True, metadata={"description": "GeoJSON Polygon/MultiPolygon, WGS-84"})


class MyGridOut(Out):
    grid = ma.fields.Nested(GridWithBoundary)
    village = ma.fields.Nested(AreaBrief, allow_none=True)
    township = ma.fields.Nested(AreaBrief, allow_none=True)
    places = ma.fields.List(ma.fields.Nested(PlaceListItem), metadata={"description": "every place of the grid"})


class TodayOut(Out):
    date = ma.fields.Date()
    checkin = ma.fields.Nested(CheckInOut, allow_none=True, metadata={"description": "the counted clock-in"})
    checkins_today = ma.fields.Integer()
    tasks = ma.fields.List(ma.fields.Nested(AssignmentOut))
    tasks_overdue = ma.fields.Integer()
    visits = ma.fields.List(ma.fields.Nested(VisitOut))
    publicity = ma.fields.List(ma.fields.Nested(PublicityOut))
    report = ma.fields.Nested(ReportOut, allow_none=True)
    places_due = ma.fields.List(ma.fields.Nested(DuePlaceOut))
    rechecks = ma.fields.List(ma.fields.Nested(RecheckDue), metadata={
        "description": "hazards of my grids rectified and waiting for a re-check I may make (POST "
                       "/hazards/{id}/recheck), oldest first"})
    rejected = ma.fields.List(ma.fields.Nested(RejectedRecord), metadata={
        "description": "my records a reviewer rejected in the last 30 days, with the reason, newest first"})
