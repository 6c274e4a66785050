"""What the area endpoints take in and give out."""
from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Int, LocationIn, Out, QueryInt
from server.org.models import LEVELS


class AreaCreate(In):
    parent_id = Int(required=True)
    code = ma.fields.String(required=True, validate=ma.validate.Length(1, 32))
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    boundary = ma.fields.Dict(allow_none=True, metadata={"description": "GeoJSON Polygon/MultiPolygon, WGS-84"})


class AreaUpdate(In):
    code = ma.fields.String(validate=ma.validate.Length(1, 32))
    name = ma.fields.String(validate=ma.validate.Length(1, 64))
    boundary = ma.fields.Dict(allow_none=True)


class AreaBrief(Out):
    id = ma.fields.Integer()
    level = ma.fields.String()
    code = ma.fields.String()
    name = ma.fields.String()


class AreaOut(AreaBrief):
    level_label = ma.fields.String()
    parent_id = ma.fields.Integer(allow_none=True)
    path = ma.fields.String()


class AreaDetail(AreaOut):
    boundary = ma.fields.Dict(allow_none=True)


class AreaQuery(In):
    level = ma.fields.String(validate=ma.validate.OneOf(LEVELS))
    parent_id = QueryInt()
    under_id = QueryInt(metadata={"description": "all areas under this one"})
    q = ma.fields.String(validate=ma.validate.Length(1, 64))


class DescendantsQuery(In):
    level = ma.fields.String(validate=ma.validate.OneOf(LEVELS))


class LocateQuery(LocationIn):
    pass


class LocateOut(Out):
    lat = ma.fields.Float(metadata={"description": "WGS-84"})
    lng = ma.fields.Float(metadata={"description": "WGS-84"})
    grid = ma.fields.Nested(AreaBrief)
    village = ma.fields.Nested(AreaBrief, allow_none=True)
    township = ma.fields.Nested(AreaBrief, allow_none=True)
    county = ma.fields.Nested(AreaBrief, allow_none=True)
