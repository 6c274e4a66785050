"""Schemas of background jobs as the console polls them."""
from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Out
from server.jobs.models import STATES


class RequesterOut(Out):
    id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(required=True)


class JobErrorOut(Out):
    code = ma.fields.String(required=True, metadata={"description": "the error code the synchronous call would have "
                                                                    "answered (x-error-codes), e.g. ranking_published"})
    message = ma.fields.String(required=True, metadata={"description": "中文说明"})
    status = ma.fields.Integer(required=True, metadata={"description": "the HTTP status the call would have answered"})
    detail = ma.fields.Dict()


class JobOut(Out):
    """A background job (后台任务).  Poll ``GET /api/v1/jobs/{id}`` until ``state`` is done or failed."""

    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={
        "description": "ranking_compute | ranking_publish | bulletin_publish_all | hazard_export"})
    label = ma.fields.String(required=True, metadata={"description": "the kind in Chinese, e.g. 计算月排名"})
    state = ma.fields.String(required=True, validate=ma.validate.OneOf(STATES), metadata={
        "description": "queued (排队) → running (运行中) → done (完成) | failed (失败)"})
    progress = ma.fields.Integer(required=True, metadata={"description": "0..100"})
    message = ma.fields.String(required=True, metadata={"description": "what it is doing, in Chinese (正在计分)"})
    params = ma.fields.Dict(required=True, metadata={"description": "what was asked for (month, county_id, ...)"})
    area_id = ma.fields.Integer(allow_none=True, metadata={"description": "the area (county or township) it belongs "
                                                                           "to: admins whose scope holds it see it"})
    requested_by = ma.fields.Nested(RequesterOut, allow_none=True)
    result = ma.fields.Dict(allow_none=True, metadata={
        "description": "when done: rankings {run_id, month, revision}; bulletins {date, published, bulletin_ids}; "
                       "exports {key, filename, bytes, content_type, url (signed, made afresh on each GET), "
                       "expires_at}"})
    error = ma.fields.Nested(JobErrorOut, allow_none=True, metadata={"description": "when failed"})
    attempts = ma.fields.Integer(required=True, metadata={"description": "how often a runner started it"})
    created_at = ma.fields.DateTime(required=True)
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)


JOB_ACCEPTED = ("still running after a moment, or asked with the header 'Prefer: respond-async' (RFC 7240; "
                "answered with Preference-Applied): the job, with Location: /api/v1/jobs/{id} to poll")


class JobQuery(In):
    kind = ma.fields.String(validate=ma.validate.Length(max=40))
    state = ma.fields.String(validate=ma.validate.OneOf(STATES))
