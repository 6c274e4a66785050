"""What the review queue endpoints take in and give out."""
from __future__ import annotations

from typing import Any

import marshmallow as ma

from server.common.schemas import In, Int, Out, QueryInt
from server.dispatch.schemas import MemberRef
from server.review.models import KINDS
from server.review.service import STATUSES


class QueueFilterIn(In):
    """Which records, as GET /reviews filters them."""

    type = ma.fields.String(validate=ma.validate.OneOf(list(KINDS)))
    area_id = QueryInt(metadata={"description": "records of this area and everything under it (e.g. a grid)"})
    user_id = QueryInt(metadata={"description": "recorded by this member"})
    day_from = ma.fields.Date(metadata={"description": "recorded on or after this local day"})
    day_to = ma.fields.Date(metadata={"description": "recorded on or before this local day"})


class QueueQuery(QueueFilterIn):
    flagged_only = ma.fields.Boolean(load_default=False)
    unflagged_only = ma.fields.Boolean(load_default=False, metadata={
        "description": "only records without flags: X-Pagination's total is then the expected_count of "
                       "POST /reviews/bulk-approve with the same filter"})
    status = ma.fields.String(load_default="pending", validate=ma.validate.OneOf(STATUSES), metadata={
        "description": "pending: the queue, flagged first then oldest (default); decided: approved and rejected "
                       "records, the newest decision first, with who decided, when and why"})


class DecisionIn(In):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(["approve", "reject"]))
    reason = ma.fields.String(validate=ma.validate.Length(max=255), metadata={"description": "required to reject"})


class BulkApproveIn(In):
    """Never "everything": either the list of records the admin was shown ({type, ids}), or the filter the admin
    looked at with the number of unflagged pending records it showed ({filter, expected_count})."""

    type = ma.fields.String(validate=ma.validate.OneOf(list(KINDS)), metadata={"description": "with ids"})
    ids = ma.fields.List(Int(), validate=ma.validate.Length(min=1, max=1000), metadata={
        "description": "the records to approve (with type); flagged or decided ones are skipped"})
    filter = ma.fields.Nested(QueueFilterIn, metadata={
        "description": "approve every unflagged pending record this filter selects (with expected_count)"})
    expected_count = Int(validate=ma.validate.Range(min=0, max=1_000_000), metadata={
        "description": "with filter: how many unflagged pending records it selects as the admin saw it; "
                       "if it has changed, nothing is approved (409 count_changed, detail {expected, actual})"})

    @ma.validates_schema
    def _one_way(self, data: dict[str, Any], **_kw: Any) -> None:
        if "filter" in data:
            if "ids" in data or "type" in data:
                raise ma.ValidationError("给出 ids 或 filter 之一", "filter")
            if "expected_count" not in data:
                raise ma.ValidationError("按条件批量通过必须给出确认的记录数", "expected_count")
        else:
            if "ids" not in data:
                raise ma.ValidationError("请列出要批量通过的记录, 或给出筛选条件和记录数", "ids")
            if "type" not in data:
                raise ma.ValidationError("请给出记录类型", "type")
            if "expected_count" in data:
                raise ma.ValidationError("expected_count 只与 filter 一起使用", "expected_count")


class UserRef(Out):
    id = ma.fields.Integer()
    display_name = ma.fields.String()


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
    review_reason = ma.fields.String(attribute="record.review_reason", allow_none=True)
    reviewed_by = ma.fields.Nested(UserRef, allow_none=True, metadata={"description": "who decided (null: pending, "
                                                                                     "or decided before it was "
                                                                                     "recorded)"})
    reviewed_at = ma.fields.DateTime(attribute="record.reviewed_at", allow_none=True)


class DecisionOut(Out):
    type = ma.fields.String()
    id = ma.fields.Integer(attribute="record.id")
    review_status = ma.fields.String(attribute="record.review_status")
    review_reason = ma.fields.String(attribute="record.review_reason", allow_none=True)
    reviewed_by = ma.fields.Nested(UserRef, allow_none=True)
    reviewed_at = ma.fields.DateTime(attribute="record.reviewed_at", allow_none=True)


class BulkOut(Out):
    approved = ma.fields.Integer()
