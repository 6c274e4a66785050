from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Out
from server.common.vocab import SECTORS


class ChecklistQuery(In):
    sector = ma.fields.String(validate=ma.validate.OneOf(list(SECTORS)))


class ChecklistBrief(Out):
    key = ma.fields.String(data_key="id")
    version = ma.fields.Integer()
    sector = ma.fields.String()
    title = ma.fields.String()
    item_count = ma.fields.Function(lambda c: len(c.definition["items"]))


class ChecklistOut(Out):
    key = ma.fields.String(data_key="id")
    version = ma.fields.Integer()
    sector = ma.fields.String()
    title = ma.fields.String()
    definition = ma.fields.Dict(metadata={"description": "client_schema/checklists/checklist.schema.json"})
