"""What the report and bulletin endpoints take in and give out."""
from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Int, Out
from server.dispatch.schemas import AssignmentOut
from server.patrol.schemas import CheckInOut, HazardBrief, PublicityOut, VisitOut


class ReportSubmit(In):
    client_uuid = ma.fields.UUID(required=True)
    date = ma.fields.Date(required=True, metadata={"description": "the local (Asia/Shanghai) day reported"})
    notes = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))
    nothing_found = ma.fields.Boolean(load_default=False, metadata={"description": "无异常: a valid report"})
    device_time = ma.fields.AwareDateTime(metadata={"description": "when the phone made it (informational)"})


class ReportSubmission(Out):
    client_uuid = ma.fields.String()
    notes = ma.fields.String()
    nothing_found = ma.fields.Boolean()
    submitted_at = ma.fields.String(metadata={"format": "date-time"})


class ReportOut(Out):
    id = ma.fields.Integer()
    client_uuid = ma.fields.String()
    user_id = ma.fields.Integer()
    area_id = ma.fields.Integer()
    date = ma.fields.Date(attribute="day")
    notes = ma.fields.String()
    nothing_found = ma.fields.Boolean()
    first_submitted_at = ma.fields.DateTime()
    submitted_at = ma.fields.DateTime()
    late = ma.fields.Boolean()
    summary = ma.fields.Dict()
    history = ma.fields.List(ma.fields.Nested(ReportSubmission), dump_default=list,
                             metadata={"description": "earlier submissions this one replaced, oldest first"})
    replaced = ma.fields.Nested(ReportSubmission, allow_none=True,
                                metadata={"description": "only in the answer to a resubmission: the submission it "
                                                         "replaced (also the last entry of history)"})


class DraftQuery(In):
    date = ma.fields.Date(metadata={"description": "the local day; default: today (Asia/Shanghai)"})


class DraftOut(Out):
    date = ma.fields.Date()
    checkin = ma.fields.Nested(CheckInOut, allow_none=True)
    visits = ma.fields.List(ma.fields.Nested(VisitOut))
    hazards = ma.fields.List(ma.fields.Nested(HazardBrief))
    publicity = ma.fields.List(ma.fields.Nested(PublicityOut))
    tasks_done = ma.fields.List(ma.fields.Nested(AssignmentOut))
    tasks_open = ma.fields.List(ma.fields.Nested(AssignmentOut))
    submitted = ma.fields.Nested(ReportOut, allow_none=True)


class ReportQuery(In):
    date = ma.fields.Date()


class BulletinQuery(In):
    township_id = ma.fields.Integer()
    date = ma.fields.Date()


class BulletinPreviewQuery(In):
    township_id = ma.fields.Integer(required=True)
    date = ma.fields.Date(required=True)


class BulletinPublish(In):
    township_id = Int(required=True)
    date = ma.fields.Date(required=True)


class BulletinPublishAll(In):
    date = ma.fields.Date(required=True, metadata={"description": "the local day (ended) to publish"})


class BulletinOut(Out):
    id = ma.fields.Integer()
    township_id = ma.fields.Integer(attribute="area_id")
    date = ma.fields.Date(attribute="day")
    published_at = ma.fields.DateTime()
    published_by = ma.fields.String()
    content = ma.fields.Dict(metadata={"description": "clocked in / not, visits, hazards (major apart), reports "
                                                      "missing or late, tasks and rectifications overdue, per member"})
