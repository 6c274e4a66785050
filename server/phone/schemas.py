from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Out
from server.dispatch.schemas import AssignmentOut
from server.patrol.schemas import CheckInOut, DuePlaceOut, PublicityOut, VisitOut
from server.reports.schemas import ReportOut


class SyncItemIn(In):
    type = ma.fields.String(required=True, validate=ma.validate.OneOf(["checkin", "visit", "publicity", "report"]))
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
