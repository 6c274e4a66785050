"""What the review queue endpoints take in and give out."""
from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Int, Out, QueryInt
from server.dispatch.schemas import MemberRef
from server.review.models import KINDS


class QueueQuery(In):
    type = ma.fields.String(validate=ma.validate.OneOf(list(KINDS)))
    flagged_only = ma.fields.Boolean(load_default=False)
    area_id = QueryInt(metadata={"description": "records of this area and everything under it (e.g. a grid)"})
    user_id = QueryInt(metadata={"description": "recorded by this member"})
    day_from = ma.fields.Date(metadata={"description": "recorded on or after this local day"})
    day_to = ma.fields.Date(metadata={"description": "recorded on or before this local day"})


class DecisionIn(In):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(["approve", "reject"]))
    reason = ma.fields.String(validate=ma.validate.Length(max=255), metadata={"description": "required to reject"})


class BulkApproveIn(In):
    """An explicit list, never "everything": the records the admin was shown and counted."""

    type = ma.fields.String(required=True, validate=ma.validate.OneOf(list(KINDS)))
    ids = ma.fields.List(Int(), required=True, validate=ma.validate.Length(min=1, max=1000))


class NamedRef(Out):
    id = ma.fields.Integer()
    name = ma.fields.String()


class AnswerPhotos(Out):
    item_id = ma.fields.String(metadata={"description": "the checklist item the photos answer"})
    photo_ids = ma.fields.List(ma.fields.String())


class QueueItemOut(Out):
    type = ma.fields.String(metadata={"description": "checkin | visit | publicity | rectification"})
    id = ma.fields.Integer(attribute="record.id")
    user_id = ma.fields.Integer(attribute="record.user_id", allow_none=True)
    member = ma.fields.Nested(MemberRef, allow_none=True, metadata={"description": "who recorded it"})
    area_id = ma.fields.Integer(attribute="record.area_id")
    grid = ma.fields.Nested(NamedRef, allow_none=True)
    township = ma.fields.Nested(NamedRef, allow_none=True)
    place = ma.fields.Nested(NamedRef, allow_none=True, metadata={"description": "visits, publicity, "
                                                                               "rectifications"})
    occurred_at = ma.fields.DateTime(attribute="record.occurred_at")
    flags = ma.fields.List(ma.fields.Raw(), attribute="record.flags")
    photo_ids = ma.fields.List(ma.fields.String(), attribute="all_photo_ids", metadata={
        "description": "every photo of the record: its own and those attached to checklist answers"})
    record_photo_ids = ma.fields.List(ma.fields.String(), attribute="record.photo_ids")
    answer_photos = ma.fields.List(ma.fields.Nested(AnswerPhotos), metadata={
        "description": "visits: the photos of each checklist answer"})
    hazard_id = ma.fields.Integer(metadata={"description": "rectifications: the hazard"})
    before_photo_ids = ma.fields.List(ma.fields.String(), metadata={
        "description": "rectifications: the hazard's photos before it was rectified"})
    review_status = ma.fields.String(attribute="record.review_status")


class DecisionOut(Out):
    type = ma.fields.String()
    id = ma.fields.Integer()
    review_status = ma.fields.String()
    review_reason = ma.fields.String(allow_none=True)


class BulkOut(Out):
    approved = ma.fields.Integer()
