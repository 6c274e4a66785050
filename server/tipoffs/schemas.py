"""What comes in (the public's form, one schema per triage step) and what goes out: the tipster's tracking page
(nothing private) apart from the staff's views (contacts masked)."""
from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Int, LocationIn, Out, QueryInt
from server.common.vocab import SECTORS
from server.hazards.models import LEVELS
from server.tipoffs.models import CATEGORIES, DECISIONS, PUBLIC_LABELS, STATUS_LABELS, STATUSES, fen_to_yuan

Category = ma.fields.String(required=True, validate=ma.validate.OneOf(list(CATEGORIES)),
                            metadata={"description": "GET /api/v1/tipoffs/categories lists them"})
PublicAnswer = ma.fields.String(validate=ma.validate.Length(1, 1000),
                                metadata={"description": "公开答复: shown on the tracking page and the Open311 list"})


# --- in: the public ---------------------------------------------------------------------------------------------------

class TipoffCreate(In):
    client_uuid = ma.fields.UUID(metadata={"description": "made by the page or app; a retry of the same one answers "
                                                         "the tracking code of the tip-off the first attempt made"})
    category = Category
    description = ma.fields.String(validate=ma.validate.Length(max=4000),
                                   metadata={"description": "what is wrong; a description or a photo is required"})
    location = ma.fields.Nested(LocationIn, metadata={"description": "where (WeChat gives gcj02); routes the tip-off "
                                                                     "to its grid and township"})
    address = ma.fields.String(validate=ma.validate.Length(max=500),
                               metadata={"description": "address text, when there is no location: the tip-off "
                                                        "goes to the county's triage queue"})
    made_in = ma.fields.String(data_key="township", validate=ma.validate.Length(max=32),
                               metadata={"description": "the ?township=<area code> of the QR poster the report page "
                                                        "was opened from: names the county whose triage queue takes "
                                                        "a tip-off without a location (with several counties and "
                                                        "neither a location nor this: 422 location_required)"})
    photo_ids = ma.fields.List(ma.fields.String(validate=ma.validate.Length(1, 64)), validate=ma.validate.Length(max=9),
                               load_default=list,
                               metadata={"description": "ids of photos uploaded without a login, purpose tipoff"})
    name = ma.fields.String(validate=ma.validate.Length(max=64), metadata={"description": "optional; stored "
                                                                                           "encrypted"})
    phone = ma.fields.String(validate=ma.validate.Length(max=32),
                             metadata={"description": "optional: a mobile (11 digits) or a landline with its area "
                                                      "code; stored encrypted, shown masked, needed for a reward"})
    website = ma.fields.String(validate=ma.validate.Length(max=500),
                               metadata={"description": "leave empty: a honeypot for bots (filled, the answer looks "
                                                        "like a success and nothing is stored)"})


# --- in: the staff ----------------------------------------------------------------------------------------------------

class TipoffQuery(In):
    status = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(STATUSES)),
                            metadata={"description": "one or more (repeat the parameter); received: the queue"})
    category = ma.fields.String(validate=ma.validate.OneOf(list(CATEGORIES)))
    area_id = QueryInt(metadata={"description": "the area and everything under it"})
    queue = ma.fields.Boolean(metadata={"description": "true: waiting on a township or the county (no grid yet)"})
    start = ma.fields.Date(metadata={"description": "received on or after this local day"})
    end = ma.fields.Date(metadata={"description": "received on or before this local day"})
    same_tipster_as = QueryInt(metadata={"description": "tip-offs from the same phone number as this tip-off"})


class RouteIn(In):
    area_id = Int(required=True, metadata={"description": "a township or a grid of my scope"})


class TipoffRejectIn(In):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(1, 1000),
                              metadata={"description": "不予受理的理由: the tipster reads it"})


class MergeIn(In):
    into_tipoff_id = Int(metadata={"description": "the tip-off reporting the same problem (or into_hazard_id)"})
    into_hazard_id = Int(metadata={"description": "the hazard already recorded (or into_tipoff_id)"})
    public_answer = PublicAnswer


class ConvertIn(In):
    level = ma.fields.String(required=True, validate=ma.validate.OneOf(LEVELS))
    place_id = Int(metadata={"description": "the place concerned (its grid and sector); required when the tip-off "
                                            "has no point in a grid"})
    sector = ma.fields.String(validate=ma.validate.OneOf(list(SECTORS)),
                              metadata={"description": "default: the place's, else the category's"})
    category = ma.fields.String(validate=ma.validate.Length(1, 32),
                                metadata={"description": "the hazard's category; default: the tip-off's"})
    description = ma.fields.String(validate=ma.validate.Length(1, 2000),
                                   metadata={"description": "default: the tip-off's, marked [群众举报]"})
    address = ma.fields.String(validate=ma.validate.Length(1, 255), metadata={
        "description": "without a place: where the hazard is (default: the tipster's address)"})
    responsible_party = ma.fields.String(validate=ma.validate.Length(1, 128), metadata={
        "description": "without a place: 责任单位(人), to whom the rectification order is addressed (required then)"})
    public_answer = PublicAnswer


class PublicAnswerIn(In):
    public_answer = ma.fields.String(required=True, validate=ma.validate.Length(1, 1000))


class RevealIn(In):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(1, 200),
                              metadata={"description": "why (written to the audit log), e.g. 发放举报奖励"})


class RewardIn(In):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(DECISIONS))
    amount = ma.fields.Decimal(as_string=True, allow_nan=False, validate=ma.validate.Range(min=0, min_inclusive=False),
                               metadata={"description": "yuan, at most two decimals (\"500.00\"); approved only",
                                         # a number in the document too (apispec would write the string "0")
                                         "minimum": 0, "exclusiveMinimum": True})
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class PaidIn(In):
    paid_on = ma.fields.Date(required=True, metadata={"description": "local day it was paid"})
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class LedgerQuery(In):
    start = ma.fields.Date(required=True)
    end = ma.fields.Date(required=True)
    period = ma.fields.String(load_default="month", validate=ma.validate.OneOf(["month", "quarter", "year"]))
    decision = ma.fields.String(validate=ma.validate.OneOf(DECISIONS))


# --- out: the public --------------------------------------------------------------------------------------------------

class CategoryOut(Out):
    code = ma.fields.String()
    label = ma.fields.String()
    service_code = ma.fields.String(metadata={"description": "the same category in Open311"})


class ReceiptOut(Out):
    tracking_code = ma.fields.String(metadata={"description": "查询码 XXXX-XXXX-XX: keep it to follow the tip-off"})
    status = ma.fields.String()
    status_label = ma.fields.String()
    message = ma.fields.String()


class StepOut(Out):
    status = ma.fields.String()
    label = ma.fields.Function(lambda s: PUBLIC_LABELS[s["status"]])
    at = ma.fields.DateTime()


class TrackOut(Out):
    """The tracking page: nothing private (no description, place, names, contacts or staff)."""

    tracking_code = ma.fields.String(attribute="tipoff.tracking_code")
    status = ma.fields.String(metadata={"description": "received, accepted, rectifying, rectified, done, rejected"})
    status_label = ma.fields.Function(lambda v: PUBLIC_LABELS[v.status])
    category = ma.fields.String(attribute="tipoff.category")
    category_label = ma.fields.Function(lambda v: CATEGORIES[v.tipoff.category][1])
    answer = ma.fields.String(attribute="notes", allow_none=True, metadata={"description": "公开答复"})
    agency = ma.fields.String(metadata={"description": "the township (or county) handling it"})
    received_at = ma.fields.DateTime(attribute="tipoff.received_at")
    updated_at = ma.fields.DateTime()
    steps = ma.fields.Function(lambda v: [StepOut().dump({"status": s, "at": at}) for s, at in v.steps],
                               metadata={"description": "[{status, label, at}], in order"})


# --- out: the staff ---------------------------------------------------------------------------------------------------

class AreaRef(Out):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    level = ma.fields.String()


class RewardOut(Out):
    decision = ma.fields.String()
    decision_label = ma.fields.Function(lambda r: "批准" if r.decision == "approved" else "不予奖励")
    amount = ma.fields.Function(lambda r: fen_to_yuan(r.amount_fen), allow_none=True,
                                metadata={"description": "yuan, as a string (\"500.00\")"})
    amount_fen = ma.fields.Integer(allow_none=True)
    note = ma.fields.String(allow_none=True)
    decided_by_name = ma.fields.String()
    decided_at = ma.fields.DateTime()
    decided_day = ma.fields.Date()
    paid_on = ma.fields.Date(allow_none=True)
    paid_at = ma.fields.DateTime(allow_none=True)
    paid_note = ma.fields.String(allow_none=True)


class TipoffOut(Out):
    id = ma.fields.Integer()
    tracking_code = ma.fields.String(metadata={"description": "to read back to a tipster who calls"})
    channel = ma.fields.String(metadata={"description": "api or open311"})
    status = ma.fields.String()
    status_label = ma.fields.Function(lambda t: STATUS_LABELS[t.status])
    public_status = ma.fields.String(metadata={"description": "what the tipster sees"})
    public_status_label = ma.fields.Function(lambda t: PUBLIC_LABELS[t.public_status])
    category = ma.fields.String()
    category_label = ma.fields.Function(lambda t: CATEGORIES[t.category][1])
    description = ma.fields.String(allow_none=True)
    location = ma.fields.Function(lambda t: {"lat": t.lat, "lng": t.lng} if t.lat is not None else None,
                                  allow_none=True, metadata={"description": "WGS-84"})
    address = ma.fields.String(allow_none=True)
    photo_ids = ma.fields.List(ma.fields.String())
    media_url = ma.fields.String(allow_none=True, metadata={"description": "Open311: a link given by the app, never "
                                                                           "fetched by the server"})
    name = ma.fields.String(attribute="name_masked", allow_none=True, metadata={"description": "masked: 张*"})
    phone = ma.fields.String(attribute="phone_masked", allow_none=True,
                             metadata={"description": "masked: 138****1234 (a county admin paying a reward may "
                                                      "reveal it, audited)"})
    tipster_tipoffs = ma.fields.Integer(allow_none=True,
                                        metadata={"description": "tip-offs from this phone number (repeat tipsters)"})
    area = ma.fields.Nested(AreaRef, metadata={"description": "where it sits: its grid, or a township or the county "
                                                             "(the triage queue)"})
    township = ma.fields.Nested(AreaRef, allow_none=True)
    hazard_id = ma.fields.Integer(allow_none=True, metadata={"description": "converted into"})
    merged_into_tipoff_id = ma.fields.Integer(allow_none=True)
    merged_into_hazard_id = ma.fields.Integer(allow_none=True)
    public_answer = ma.fields.String(allow_none=True)
    handled_at = ma.fields.DateTime(allow_none=True)
    handled_by_id = ma.fields.Integer(allow_none=True)
    received_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    reward = ma.fields.Nested(RewardOut, allow_none=True)
    version = ma.fields.Integer()


class ContactOut(Out):
    tipoff_id = ma.fields.Integer()
    phone = ma.fields.String(allow_none=True)
    name = ma.fields.String(allow_none=True)


class LedgerRowOut(Out):
    tipoff_id = ma.fields.Function(lambda r: r.tipoff.id)
    township = ma.fields.String()
    category_label = ma.fields.String()
    received_day = ma.fields.Date(attribute="tipoff.received_day")
    hazard_id = ma.fields.Function(lambda r: r.tipoff.hazard_id)
    name = ma.fields.Function(lambda r: r.tipoff.name_masked, allow_none=True)
    phone = ma.fields.Function(lambda r: r.tipoff.phone_masked, allow_none=True)
    reward = ma.fields.Nested(RewardOut)


class RewardTotalsOut(Out):
    approved = ma.fields.Integer(metadata={"description": "rewards approved (by decision day)"})
    approved_fen = ma.fields.Integer()
    approved_amount = ma.fields.Function(lambda p: fen_to_yuan(p["approved_fen"]))
    declined = ma.fields.Integer()
    paid = ma.fields.Integer(metadata={"description": "rewards paid (by the day paid)"})
    paid_fen = ma.fields.Integer()
    paid_amount = ma.fields.Function(lambda p: fen_to_yuan(p["paid_fen"]))


class RewardPeriodOut(RewardTotalsOut):
    period = ma.fields.String(metadata={"description": "2026-11, 2026-Q4 or 2026"})


class LedgerOut(Out):
    start = ma.fields.Date()
    end = ma.fields.Date()
    period = ma.fields.String()
    rows = ma.fields.List(ma.fields.Nested(LedgerRowOut))
    periods = ma.fields.List(ma.fields.Nested(RewardPeriodOut))
    totals = ma.fields.Nested(RewardTotalsOut)
    unpaid = ma.fields.Integer(metadata={"description": "approved, not yet paid"})
    unpaid_fen = ma.fields.Integer()
