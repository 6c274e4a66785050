"""What the review queue endpoints take in and give out."""
from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Int, Out
from server.review.models import KINDS


class QueueQuery(In):
    type = ma.fields.String(validate=ma.validate.OneOf(list(KINDS)))
    flagged_only = ma.fields.Boolean(load_default=False)


class DecisionIn(In):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(["approve", "reject"]))
    reason = ma.fields.String(validate=ma.validate.Length(max=255), metadata={"description": "required to reject"})


class BulkApproveIn(In):
    type = ma.fields.String(validate=ma.validate.OneOf(list(KINDS)))
    ids = ma.fields.List(Int(), validate=ma.validate.Length(max=1000))


class QueueItemOut(Out):
    type = ma.fields.String()
    id = ma.fields.Function(lambda i: i["record"].id)
    user_id = ma.fields.Function(lambda i: i["record"].user_id)
    area_id = ma.fields.Function(lambda i: i["record"].area_id)
    occurred_at = ma.fields.Function(lambda i: i["record"].occurred_at.isoformat())
    flags = ma.fields.Function(lambda i: i["record"].flags)
    photo_ids = ma.fields.Function(lambda i: i["record"].photo_ids)
    review_status = ma.fields.Function(lambda i: i["record"].review_status)


class DecisionOut(Out):
    type = ma.fields.String()
    id = ma.fields.Integer()
    review_status = ma.fields.String()
    review_reason = ma.fields.String(allow_none=True)


class BulkOut(Out):
    approved = ma.fields.Integer()
