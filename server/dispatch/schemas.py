"""What the task endpoints take in and give out."""
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


class PlaceRef(Out):
    id = ma.fields.Integer()
    name = ma.fields.String()
    address = ma.fields.String(allow_none=True)


class MemberRef(Out):
    id = ma.fields.Integer()
    name = ma.fields.String(attribute="display_name")
    username = ma.fields.String()


class TaskBrief(Out):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    kind_label = ma.fields.Function(lambda t: KIND_LABELS[t.kind])
    title = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    due_date = ma.fields.Date()
    hazard_id = ma.fields.Integer(allow_none=True, metadata={"description": "re-check tasks: the hazard"})
    place_ids = ma.fields.Function(lambda t: [x.place_id for x in t.targets])
    places = ma.fields.List(ma.fields.Nested(PlaceRef), metadata={"description": "the target places, by name"})


class DoneOut(Out):
    place_id = ma.fields.Integer()
    place_name = ma.fields.String(attribute="place.name")
    record_type = ma.fields.String(metadata={"description": "visit | publicity | recheck"})
    record_id = ma.fields.Integer()
    done_at = ma.fields.DateTime()


class CountsOut(Out):
    done = ma.fields.Integer()
    total = ma.fields.Integer()


class SummaryOut(Out):
    assignees = ma.fields.Integer()
    done = ma.fields.Integer()
    open = ma.fields.Integer()


class AssignmentOut(Out):
    id = ma.fields.Integer()
    task = ma.fields.Nested(TaskBrief)
    status = ma.fields.String()
    completed_at = ma.fields.DateTime(allow_none=True)
    completion_note = ma.fields.String(allow_none=True, metadata={"description": "kind other: the member's note"})
    places_done = ma.fields.Function(lambda a: sorted(p.place_id for p in a.progress))
    progress = ma.fields.Nested(CountsOut, attribute="counts", metadata={"description": "target places done"})


class AssigneeOut(Out):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    member = ma.fields.Nested(MemberRef, attribute="user", metadata={"description": "{id, name, username}"})
    status = ma.fields.String()
    completed_at = ma.fields.DateTime(allow_none=True)
    completion_note = ma.fields.String(allow_none=True)
    places_done = ma.fields.Function(lambda a: sorted(p.place_id for p in a.progress))
    progress = ma.fields.Nested(CountsOut, attribute="counts", metadata={"description": "target places done"})
    done = ma.fields.List(ma.fields.Nested(DoneOut), attribute="progress",
                          metadata={"description": "each target place done: by which record, when"})


class TaskOut(TaskBrief):
    area_id = ma.fields.Integer()
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    summary = ma.fields.Nested(SummaryOut, metadata={"description": "assignees, how many done, how many open"})
    assignments = ma.fields.List(ma.fields.Nested(AssigneeOut), metadata={
        "description": "progress per assignee, by name"})


class TaskQuery(In):
    status = ma.fields.String(validate=ma.validate.OneOf(["open", "done"]))
    overdue = ma.fields.Boolean()
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS))


class CompleteIn(In):
    note = ma.fields.String(required=True, validate=ma.validate.Length(1, 255))
