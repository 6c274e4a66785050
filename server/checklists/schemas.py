"""What the checklist endpoints take in and give out."""
from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Out, QueryInt
from server.common.vocab import SECTORS


class ChecklistQuery(In):
    sector = ma.fields.String(validate=ma.validate.OneOf(list(SECTORS)))
    place_id = QueryInt(metadata={"description": "only the checklists that fit this place (its sector's and "
                                                "general ones)"})


class ChecklistBrief(Out):
    key = ma.fields.String(data_key="id")
    version = ma.fields.Integer()
    sector = ma.fields.String()
    title = ma.fields.String()
    general = ma.fields.Function(lambda c: bool(c.definition.get("general")), metadata={
        "description": "fits a place of any sector"})
    item_count = ma.fields.Function(lambda c: len(c.definition["items"]))


class ChecklistOut(Out):
    key = ma.fields.String(data_key="id")
    version = ma.fields.Integer()
    sector = ma.fields.String()
    title = ma.fields.String()
    definition = ma.fields.Dict(metadata={"description": "client_schema/checklists/checklist.schema.json"})
