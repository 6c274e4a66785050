"""What the place endpoints take in and give out."""
from __future__ import annotations

import marshmallow as ma

from server.common.fields import mask_phone
from server.common.schemas import In, Int, LocationIn, Out, QueryInt
from server.common.vocab import RISK_COLOURS, RISK_LEVELS, SECTORS
from server.org.schemas import AreaBrief


class PlaceCreate(In):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 128))
    credit_code = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32),
                                   metadata={"description": "统一社会信用代码 (18 位, 校验位检查)"})
    sector = ma.fields.String(required=True, metadata={"description": "code or Chinese label: " + ", ".join(SECTORS)})
    risk_level = ma.fields.String(load_default="low", metadata={"description": ", ".join(RISK_LEVELS)})
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=255))
    location = ma.fields.Nested(LocationIn, allow_none=True,
                                metadata={"description": "the grid is derived from it when given"})
    area_id = Int(allow_none=True, metadata={"description": "used when no location is given"})
    contact_name = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=64))
    contact_phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32))


class PlaceUpdate(PlaceCreate):
    """Loaded with partial=True: only the fields sent are changed."""


class _PlaceBase(Out):
    id = ma.fields.Integer()
    name = ma.fields.String()
    credit_code = ma.fields.String(allow_none=True)
    sector = ma.fields.String()
    sector_label = ma.fields.Function(lambda p: SECTORS[p.sector])
    risk_level = ma.fields.String()
    risk_label = ma.fields.Function(lambda p: RISK_LEVELS[p.risk_level])
    risk_colour = ma.fields.Function(lambda p: RISK_COLOURS[p.risk_level])
    address = ma.fields.String()
    lat = ma.fields.Float(allow_none=True)
    lng = ma.fields.Float(allow_none=True)
    area = ma.fields.Nested(AreaBrief)
    contact_name = ma.fields.String(allow_none=True)
    updated_at = ma.fields.DateTime()


class PlaceListItem(_PlaceBase):
    """Lists mask the contact phone (personal data)."""

    contact_phone = ma.fields.Function(lambda p: mask_phone(p.contact_phone), allow_none=True)


class PlaceOut(_PlaceBase):
    contact_phone = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class PlaceQuery(In):
    q = ma.fields.String(validate=ma.validate.Length(1, 64), metadata={"description": "name or address contains"})
    credit_code = ma.fields.String(validate=ma.validate.Length(1, 32))
    sector = ma.fields.String(validate=ma.validate.OneOf(list(SECTORS)))
    risk_level = ma.fields.String(validate=ma.validate.OneOf(list(RISK_LEVELS)))
    area_id = QueryInt(metadata={"description": "places in this area or under it (e.g. a grid)"})


class ImportQuery(In):
    dry_run = ma.fields.Boolean(load_default=False)


class ImportFile(In):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class RowErrorOut(Out):
    row = ma.fields.Integer()
    field = ma.fields.String()
    message = ma.fields.String()


class ImportReportOut(Out):
    total_rows = ma.fields.Integer()
    created = ma.fields.Integer()
    updated = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    failed = ma.fields.Integer()
    errors = ma.fields.List(ma.fields.Nested(RowErrorOut))
    errors_truncated = ma.fields.Boolean()
    file_sha256 = ma.fields.String()
    dry_run = ma.fields.Boolean()
