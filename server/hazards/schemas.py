"""What comes in (one schema per step: no mass assignment) and what goes out."""
from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Int, LocationIn, Out, QueryInt
from server.common.vocab import SECTORS
from server.hazards.models import (
    LEVEL_LABELS,
    LEVELS,
    SOURCE_LABELS,
    SOURCES,
    STATUS_LABELS,
    STATUSES,
    SUPERVISION_LABELS,
    SUPERVISION_LEVELS,
    Hazard,
)
from server.hazards.models import allowed_actions as _allowed
from server.org.models import township_of

PhotoId = ma.fields.String(validate=ma.validate.Length(1, 64))
ClientUuid = ma.fields.UUID(metadata={"description": "made by the phone; a retry of the same step reuses it and "
                                                     "gets the hazard back unchanged"})


def _photos(required: bool = False, minimum: int = 0) -> ma.fields.List:
    kw = {"required": True} if required else {"load_default": list}
    return ma.fields.List(PhotoId, validate=ma.validate.Length(minimum, 9),
                          metadata={"description": "photo ids (checked by the evidence module)"}, **kw)


# --- in -----------------------------------------------------------------------------------------------------------

class HazardCreate(In):
    """Admins and inspectors name a place; a grid member (随手拍) names a place of their grids or a location
    inside them, and must send client_uuid and at least one photo."""

    client_uuid = ma.fields.UUID(metadata={"description": "made by the phone (required for members); a retry "
                                                         "answers 200 with the hazard the first attempt made"})
    place_id = Int(metadata={"description": "required for admins and inspectors; members: a place of my grids, "
                                            "or leave it out and send location and sector"})
    category = ma.fields.String(required=True, validate=ma.validate.Length(1, 32),
                                metadata={"description": "e.g. 疏散通道, 消防设施器材"})
    level = ma.fields.String(load_default="general", validate=ma.validate.OneOf(LEVELS))
    description = ma.fields.String(required=True, validate=ma.validate.Length(1, 2000),
                                   metadata={"description": "what is wrong, as seen"})
    sector = ma.fields.String(validate=ma.validate.OneOf(list(SECTORS)),
                              metadata={"description": "default: the place's sector; required without a place"})
    photo_ids = _photos()
    location = ma.fields.Nested(LocationIn, metadata={
        "description": "default: the place's location; without a place it must lie in one of my grids (422 "
                       "outside_grid)"})
    found_at = ma.fields.AwareDateTime(metadata={"description": "default: now"})


class CorrectIn(In):
    client_uuid = ClientUuid
    place_id = Int(metadata={"description": "the place it is really at (moves the hazard to that place's grid)"})
    address = ma.fields.String(validate=ma.validate.Length(1, 255),
                               metadata={"description": "where it is, when no place of the register fits"})
    responsible_party = ma.fields.String(validate=ma.validate.Length(1, 128),
                                         metadata={"description": "责任单位(人): who answers for it without a place"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(1, 500),
                              metadata={"description": "why it is corrected (kept in the history)"})


class OrderIn(In):
    client_uuid = ClientUuid
    deadline = ma.fields.Date(required=True, metadata={"description": "整改期限: a local day, today at the earliest; "
                                                                      "overdue once it has ended"})
    measures = ma.fields.String(required=True, validate=ma.validate.Length(1, 2000),
                                metadata={"description": "整改措施"})
    responsible_person = ma.fields.String(required=True, validate=ma.validate.Length(1, 64),
                                          metadata={"description": "整改责任人 at the place"})
    note = ma.fields.String(validate=ma.validate.Length(max=500))


class RejectIn(In):
    client_uuid = ClientUuid
    reason = ma.fields.String(required=True, validate=ma.validate.Length(1, 500))


class RectifyIn(In):
    client_uuid = ClientUuid
    photo_ids = _photos(required=True, minimum=1)
    statement = ma.fields.String(required=True, validate=ma.validate.Length(1, 2000),
                                 metadata={"description": "整改情况说明 on behalf of the place"})


class RecheckIn(In):
    client_uuid = ClientUuid
    result = ma.fields.String(required=True, validate=ma.validate.OneOf(["pass", "fail"]))
    note = ma.fields.String(validate=ma.validate.Length(max=2000), metadata={"description": "复查意见"})
    photo_ids = _photos()
    deadline = ma.fields.Date(metadata={"description": "required when result is fail: the new deadline"})
    measures = ma.fields.String(validate=ma.validate.Length(1, 2000),
                                metadata={"description": "fail: new measures (default: the previous order's)"})
    responsible_person = ma.fields.String(validate=ma.validate.Length(1, 64))


class CloseIn(In):
    client_uuid = ClientUuid
    note = ma.fields.String(validate=ma.validate.Length(max=500))


class SupervisionIn(In):
    level = ma.fields.String(required=True, validate=ma.validate.OneOf(SUPERVISION_LEVELS),
                             metadata={"description": "督办层级: county | city | province"})
    target_date = ma.fields.Date(required=True, metadata={"description": "督办整改期限 (local day)"})
    supervisor = ma.fields.String(required=True, validate=ma.validate.Length(1, 64),
                                  metadata={"description": "督办责任人"})
    note = ma.fields.String(validate=ma.validate.Length(max=500))


class HazardQuery(In):
    area_id = QueryInt(metadata={"description": "the area and everything under it"})
    sector = ma.fields.String(validate=ma.validate.OneOf(list(SECTORS)))
    level = ma.fields.String(validate=ma.validate.OneOf(LEVELS))
    status = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(STATUSES)),
                            metadata={"description": "one or more (repeat the parameter)"})
    source = ma.fields.String(validate=ma.validate.OneOf(SOURCES))
    place_id = QueryInt()
    overdue = ma.fields.Boolean(metadata={"description": "ordered, and the deadline has ended"})
    escalated = ma.fields.Boolean(metadata={"description": "overdue by more than hazard_escalation_days days"})
    supervised = ma.fields.Boolean(metadata={"description": "listed for supervision (挂牌督办)"})
    start = ma.fields.Date(metadata={"description": "found on or after this local day"})
    end = ma.fields.Date(metadata={"description": "found on or before this local day"})


class HazardExportIn(HazardQuery):
    """The list's filters as a JSON body (a background export): the same fields, integers typed as JSON types them."""
    area_id = Int(metadata={"description": "the area and everything under it"})
    place_id = Int()


class StatsQuery(In):
    area_id = QueryInt(metadata={"description": "default: my area; rows for it and each of its children"})
    start = ma.fields.Date(required=True, metadata={"description": "hazards found from this local day"})
    end = ma.fields.Date(required=True, metadata={"description": "to this local day, inclusive"})
    sector = ma.fields.String(validate=ma.validate.OneOf(list(SECTORS)))
    level = ma.fields.String(validate=ma.validate.OneOf(LEVELS))


class SupervisedQuery(In):
    open = ma.fields.Boolean(load_default=False, metadata={"description": "only those not yet closed"})


class OrderPageQuery(In):
    round = QueryInt(validate=ma.validate.Range(1, 1000), metadata={"description": "default: the latest order"})


# --- out ----------------------------------------------------------------------------------------------------------

class _Named(Out):
    id = ma.fields.Integer()
    name = ma.fields.String()


class AreaNamed(_Named):
    code = ma.fields.String()


def _township(h: Hazard) -> dict[str, object] | None:
    t = township_of(h.area)
    return {"id": t.id, "code": t.code, "name": t.name} if t else None


class HazardOut(Out):
    id = ma.fields.Integer()
    status = ma.fields.String()
    status_label = ma.fields.Function(lambda h: STATUS_LABELS[h.status])
    level = ma.fields.String()
    level_label = ma.fields.Function(lambda h: LEVEL_LABELS[h.level])
    sector = ma.fields.String()
    sector_label = ma.fields.Function(lambda h: SECTORS.get(h.sector, h.sector))
    category = ma.fields.String()
    description = ma.fields.String()
    source = ma.fields.String()
    source_label = ma.fields.Function(lambda h: SOURCE_LABELS.get(h.source, h.source))
    place = ma.fields.Nested(_Named, allow_none=True)
    address = ma.fields.String(allow_none=True, metadata={"description": "without a place: where it is"})
    responsible_party = ma.fields.String(allow_none=True, metadata={"description": "without a place: 责任单位(人)"})
    grid = ma.fields.Nested(AreaNamed, attribute="area")
    township = ma.fields.Function(_township, metadata={"description": "{id, code, name} of the township"})
    found_by_id = ma.fields.Integer(allow_none=True)
    found_at = ma.fields.DateTime()
    found_day = ma.fields.Date()
    deadline = ma.fields.Date(allow_none=True, metadata={"description": "of the order in force"})
    overdue_days = ma.fields.Integer(metadata={"description": "days since the deadline ended (0: not overdue)"})
    escalated = ma.fields.Boolean(metadata={"description": "overdue by more than hazard_escalation_days"})
    rectified_at = ma.fields.DateTime(allow_none=True)
    closed_at = ma.fields.DateTime(allow_none=True)
    version = ma.fields.Integer()


class OrderOut(Out):
    id = ma.fields.Integer()
    round = ma.fields.Integer()
    number = ma.fields.String(metadata={"description": "文书编号"})
    deadline = ma.fields.Date()
    measures = ma.fields.String()
    responsible_person = ma.fields.String()
    issued_by_id = ma.fields.Integer()
    issued_by_name = ma.fields.String()
    issued_at = ma.fields.DateTime()
    rectified_at = ma.fields.DateTime(allow_none=True)
    task_id = ma.fields.Integer(allow_none=True)


class EventOut(Out):
    id = ma.fields.Integer()
    action = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_name = ma.fields.String()
    actor_role = ma.fields.String(allow_none=True)
    at = ma.fields.DateTime()
    data = ma.fields.Dict()


class SupervisionOut(Out):
    level = ma.fields.String()
    level_label = ma.fields.Function(lambda s: SUPERVISION_LABELS[s.level])
    target_date = ma.fields.Date()
    supervisor = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    listed_by_id = ma.fields.Integer()
    listed_at = ma.fields.DateTime()
    signed_off_by_id = ma.fields.Integer(allow_none=True)
    signed_off_at = ma.fields.DateTime(allow_none=True)


class HazardDetail(HazardOut):
    visit_id = ma.fields.Integer(allow_none=True)
    checklist_item = ma.fields.String(allow_none=True)
    location = ma.fields.Function(lambda h: {"lat": h.lat, "lng": h.lng} if h.lat is not None else None,
                                  allow_none=True)
    photo_ids = ma.fields.List(ma.fields.String(), metadata={"description": "before the rectification"})
    first_deadline = ma.fields.Date(allow_none=True)
    ordered_at = ma.fields.DateTime(allow_none=True)
    rectified_by_id = ma.fields.Integer(allow_none=True)
    after_photo_ids = ma.fields.List(ma.fields.String())
    rectification_statement = ma.fields.String(allow_none=True)
    rechecked_at = ma.fields.DateTime(allow_none=True)
    rechecked_by_id = ma.fields.Integer(allow_none=True)
    closed_by_id = ma.fields.Integer(allow_none=True)
    reject_reason = ma.fields.String(allow_none=True)
    tipoff_id = ma.fields.Integer(allow_none=True, metadata={"description": "the tip-off it was converted from"})
    allowed_actions = ma.fields.Function(lambda h: _allowed(h.status),
                                         metadata={"description": "steps the status allows (roles still apply)"})
    orders = ma.fields.List(ma.fields.Nested(OrderOut))
    supervision = ma.fields.Nested(SupervisionOut, allow_none=True)
    history = ma.fields.List(ma.fields.Nested(EventOut), attribute="events")


class ProgressOut(Out):
    action = ma.fields.String()
    status = ma.fields.String()
    label = ma.fields.String()
    at = ma.fields.DateTime()
    by = ma.fields.String()


class SupervisedItem(Out):
    hazard = ma.fields.Nested(HazardOut)
    level = ma.fields.String()
    level_label = ma.fields.String()
    target_date = ma.fields.Date()
    supervisor = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    listed_at = ma.fields.DateTime()
    signed_off_at = ma.fields.DateTime(allow_none=True)
    days_left = ma.fields.Integer(allow_none=True, metadata={"description": "to the target date; null once closed"})
    target_missed = ma.fields.Boolean()
    progress = ma.fields.List(ma.fields.Nested(ProgressOut))


class SupervisedOut(Out):
    total = ma.fields.Integer()
    closed = ma.fields.Integer()
    closure_rate = ma.fields.Float(metadata={"description": "整改销号率: closed / listed"})
    items = ma.fields.List(ma.fields.Nested(SupervisedItem))


class StatsRow(Out):
    area = ma.fields.Nested(AreaNamed)
    found = ma.fields.Integer(metadata={"description": "found in the period (not counting rejected ones)"})
    closed = ma.fields.Integer(metadata={"description": "of those, closed (销号) by now"})
    closure_rate = ma.fields.Float()
    closed_on_time = ma.fields.Integer(metadata={"description": "closed, rectified by the first order's deadline"})
    on_time_rate = ma.fields.Float(metadata={"description": "closed on time / closed"})
    overdue = ma.fields.Integer(metadata={"description": "ordered and past the deadline today"})
    major_found = ma.fields.Integer()
    major_open = ma.fields.Integer(metadata={"description": "major, neither closed nor rejected"})
    rejected = ma.fields.Integer()
