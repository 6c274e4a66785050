from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Int, Out
from server.dispatch.models import KIND_LABELS, KINDS


class TaskCreate(In):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    title = ma.fields.String(required=True, validate=ma.validate.Length(1, 100))
    note = ma.fields.String(validate=ma.validate.Length(max=2000))
    due_date = ma.fields.Date(required=True, metadata={"description": "local day; overdue after it ends"})
    place_ids = ma.fields.List(Int(), load_default=list, validate=ma.validate.Length(max=500))
    user_ids = ma.fields.List(Int(), load_default=list, validate=ma.validate.Length(max=500))
    grid_ids = ma.fields.List(Int(), load_default=list, validate=ma.validate.Length(max=500),
                              metadata={"description": "every member of these grids"})


class TaskBrief(Out):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    kind_label = ma.fields.Function(lambda t: KIND_LABELS[t.kind])
    title = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    due_date = ma.fields.Date()
    place_ids = ma.fields.Function(lambda t: [x.place_id for x in t.targets])


class AssignmentOut(Out):
    id = ma.fields.Integer()
    task = ma.fields.Nested(TaskBrief)
    status = ma.fields.String()
    completed_at = ma.fields.DateTime(allow_none=True)
    places_done = ma.fields.Function(lambda a: sorted(p.place_id for p in a.progress))


class AssigneeOut(Out):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    status = ma.fields.String()
    completed_at = ma.fields.DateTime(allow_none=True)
    places_done = ma.fields.Function(lambda a: sorted(p.place_id for p in a.progress))


class TaskOut(TaskBrief):
    area_id = ma.fields.Integer()
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    assignments = ma.fields.List(ma.fields.Nested(AssigneeOut))


class TaskQuery(In):
    status = ma.fields.String(validate=ma.validate.OneOf(["open", "done"]))
    overdue = ma.fields.Boolean()
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS))


class CompleteIn(In):
    note = ma.fields.String(required=True, validate=ma.validate.Length(1, 255))
