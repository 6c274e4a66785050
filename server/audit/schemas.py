"""What the audit log endpoints take in and give out."""
from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Out, QueryInt


class AuditQuery(In):
    object_type = ma.fields.String(validate=ma.validate.Length(1, 64))
    object_id = ma.fields.String(validate=ma.validate.Length(1, 64))
    actor_id = QueryInt()
    action = ma.fields.String(validate=ma.validate.Length(1, 64))
    since = ma.fields.AwareDateTime()
    until = ma.fields.AwareDateTime()


class AuditOut(Out):
    id = ma.fields.Integer()
    at = ma.fields.DateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_name = ma.fields.String()
    action = ma.fields.String()
    object_type = ma.fields.String()
    object_id = ma.fields.String(allow_none=True)
    area_id = ma.fields.Integer(allow_none=True)
    summary = ma.fields.Dict()
    ip = ma.fields.String(allow_none=True)
    request_id = ma.fields.String(allow_none=True)
