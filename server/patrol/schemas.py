"""The phone's records.  ``client_uuid``, ``device_time``, ``location`` and ``photo_ids`` are the contract every
record the phone creates shares."""
from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Int, LocationIn, Out
from server.org.schemas import AreaBrief
from server.places.schemas import PlaceListItem

PhotoId = ma.fields.String(validate=ma.validate.Length(1, 64))


class FieldRecordIn(In):
    client_uuid = ma.fields.UUID(required=True, metadata={"description": "made by the phone; a retry reuses it"})
    device_time = ma.fields.AwareDateTime(required=True, metadata={"description": "ISO 8601 with offset"})
    location = ma.fields.Nested(LocationIn, required=True)


class CheckInCreate(FieldRecordIn):
    photo_ids = ma.fields.List(PhotoId, required=True, validate=ma.validate.Length(1, 9))
    grid_id = Int(metadata={"description": "which of my grids; default: the nearest"})
    note = ma.fields.String(validate=ma.validate.Length(max=255))


class AnswerIn(In):
    item_id = ma.fields.String(required=True, validate=ma.validate.Length(1, 16))
    value = ma.fields.Raw(required=True, allow_none=True, metadata={"description": "yes|no|na, a number or text"})
    note = ma.fields.String(validate=ma.validate.Length(max=500), metadata={
        "description": "what the member saw (e.g. 后门堆放纸箱); an answer that makes a hazard puts it in the "
                       "hazard's description after the checklist's hazard.text"})
    photo_ids = ma.fields.List(PhotoId, validate=ma.validate.Length(max=9))


class VisitCreate(FieldRecordIn):
    place_id = Int(required=True)
    checklist_id = ma.fields.String(required=True, validate=ma.validate.Length(1, 48))
    checklist_version = Int(required=True)
    answers = ma.fields.List(ma.fields.Nested(AnswerIn), required=True, validate=ma.validate.Length(max=60))
    photo_ids = ma.fields.List(PhotoId, load_default=list, validate=ma.validate.Length(max=20))
    notes = ma.fields.String(validate=ma.validate.Length(max=2000))


class PublicityCreate(FieldRecordIn):
    place_id = Int(required=True)
    materials = ma.fields.List(ma.fields.String(validate=ma.validate.Length(1, 64)), load_default=list,
                               validate=ma.validate.Length(max=20),
                               metadata={"description": "e.g. 消防安全宣传单, 燃气安全告知书"})
    people_reached = Int(load_default=0, validate=ma.validate.Range(0, 10000))
    photo_ids = ma.fields.List(PhotoId, required=True, validate=ma.validate.Length(1, 9))
    notes = ma.fields.String(validate=ma.validate.Length(max=2000))


class FieldRecordOut(Out):
    id = ma.fields.Integer()
    client_uuid = ma.fields.String()
    user_id = ma.fields.Integer()
    area_id = ma.fields.Integer()
    device_time = ma.fields.DateTime()
    received_at = ma.fields.DateTime()
    occurred_at = ma.fields.DateTime()
    day = ma.fields.Date()
    location = ma.fields.Function(lambda r: {"lat": r.lat, "lng": r.lng, "accuracy": r.accuracy})
    photo_ids = ma.fields.List(ma.fields.String())
    flags = ma.fields.List(ma.fields.String())
    review_status = ma.fields.String()
    review_reason = ma.fields.String(allow_none=True, metadata={"description": "why a reviewer rejected it"})


class CheckInOut(FieldRecordOut):
    counted = ma.fields.Boolean(metadata={"description": "the first clock-in of the member's local day"})
    geofence = ma.fields.String(metadata={"description": "in_area | out_of_area"})
    distance_m = ma.fields.Float(metadata={"description": "metres outside the grid (0 inside)"})
    note = ma.fields.String(allow_none=True)


class HazardBrief(Out):
    id = ma.fields.Integer()
    level = ma.fields.String()
    category = ma.fields.String()
    description = ma.fields.String()
    status = ma.fields.String()
    place_id = ma.fields.Integer(allow_none=True)
    checklist_item = ma.fields.String(allow_none=True)


class VisitOut(FieldRecordOut):
    place_id = ma.fields.Integer()
    place_name = ma.fields.Function(lambda v: v.place.name)
    checklist = ma.fields.Function(lambda v: {"id": v.checklist.key, "version": v.checklist.version})
    answers = ma.fields.List(ma.fields.Dict())
    notes = ma.fields.String(allow_none=True)
    distance_to_place_m = ma.fields.Float(allow_none=True)
    hazards_found = ma.fields.Integer()


class PublicityOut(FieldRecordOut):
    place_id = ma.fields.Integer()
    place_name = ma.fields.Function(lambda v: v.place.name)
    materials = ma.fields.List(ma.fields.String())
    people_reached = ma.fields.Integer()
    notes = ma.fields.String(allow_none=True)


class RecordQuery(In):
    date = ma.fields.Date()
    user_id = ma.fields.Integer()


class CoverageQuery(In):
    area_id = ma.fields.Integer(required=True)
    start = ma.fields.Date(required=True, data_key="from")
    end = ma.fields.Date(required=True, data_key="to")


class CoverageOut(Out):
    area = ma.fields.Nested(AreaBrief)
    places = ma.fields.Integer()
    covered = ma.fields.Integer()
    share = ma.fields.Float()


class DuePlaceOut(Out):
    place = ma.fields.Nested(PlaceListItem)
    last_visit_day = ma.fields.Date(allow_none=True)
