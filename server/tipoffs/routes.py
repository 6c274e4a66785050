"""举报: thin routes over the tipoffs package.  Submitting and tracking need no login; triage needs a township or
county admin; rewards and the tipster's contact need a county admin."""
from __future__ import annotations

from typing import Any, cast

from flask import g
from flask_smorest import Blueprint

from server.api import PUBLIC
from server.auth.guard import current_actor, login_required
from server.common.schemas import page_of
from server.common.xlsx import BINARY, XLSX, xlsx_response
from server.tipoffs import public, service
from server.tipoffs import rewards as tipoff_rewards
from server.tipoffs.abuse import per_ip_limit, per_phone_limit, public_request, refuse_large_body, track_limit
from server.tipoffs.models import CATEGORIES, PUBLIC_LABELS
from server.tipoffs.schemas import (
    CategoryOut,
    ContactOut,
    ConvertIn,
    LedgerOut,
    LedgerQuery,
    MergeIn,
    PaidIn,
    PublicAnswerIn,
    ReceiptOut,
    RevealIn,
    RewardIn,
    RewardOut,
    RouteIn,
    TipoffCreate,
    TipoffOut,
    TipoffQuery,
    TipoffRejectIn,
    TrackOut,
)
from server.tipoffs.service import TipoffForm
from server.web import app_config, clock_now, db

blp = Blueprint("tipoffs", __name__, url_prefix="/api/v1/tipoffs",
                description="群众举报: 匿名提交与查询码跟踪, 乡镇分拣 (退回、合并、转为隐患), 举报奖励")

# --- the public -------------------------------------------------------------------------------------------------------

@blp.route("", methods=["POST"])
@per_ip_limit
@per_phone_limit
@blp.doc(**PUBLIC)
@blp.arguments(TipoffCreate)
@blp.response(201, ReceiptOut)
@blp.alt_response(200, schema=ReceiptOut, description="a retry of the same client_uuid")
@blp.alt_response(429, description="too many tip-offs from this address or this phone number")
def submit(data: dict[str, Any]) -> Any:
    """Submit a tip-off (no login)

    Category, a description or photos (uploaded first with purpose tipoff), a location (routed to its grid and
    township) or an address (the county's triage queue), optionally a name and a phone number (stored encrypted,
    needed for a reward).  Answers the tracking code.  422 location_outside_county for a point outside the county.
    Limited per IP address and per phone number (429)."""
    refuse_large_body()
    public_request()
    receipt = service.submit(db(), app_config(), cast(TipoffForm, data), channel="api", now=clock_now())
    body = {"tracking_code": receipt.tracking_code, "status": "received", "status_label": PUBLIC_LABELS["received"],
            "message": "举报已收到。请保存查询码, 凭查询码查询办理进度。"}
    return body, 201 if receipt.created else 200


@blp.route("/track/<code>", methods=["GET"])
@track_limit
@blp.doc(**PUBLIC)
@blp.response(200, TrackOut)
def track(code: str) -> Any:
    """Follow a tip-off by its tracking code (no login)

    The public status (已收到, 已受理, 整改中, 已整改, 已办结, 不予受理), the public answer and the dates of each step;
    nothing private.  Case, spaces and hyphens do not matter; O reads as 0, I and L as 1.  A code that names nothing
    is a 404 reached through the same lookup as a real one."""
    g.conceal_ip = True  # who follows which tip-off is not logged either
    return public.public_view(db(), public.find_by_code(db(), app_config(), code))


@blp.route("/categories", methods=["GET"])
@blp.doc(**PUBLIC)
@blp.response(200, CategoryOut(many=True))
def categories() -> Any:
    """Tip-off categories (no login)"""
    return [{"code": k, "label": v[1], "service_code": v[0]} for k, v in CATEGORIES.items()]


# --- the staff --------------------------------------------------------------------------------------------------------

@blp.route("", methods=["GET"])
@login_required("tipoff:read")
@blp.arguments(TipoffQuery, location="query")
@blp.response(200, TipoffOut(many=True))
@blp.paginate()
def tipoffs(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """Tip-offs of my scope, newest first (status=received: my triage queue)

    Township admins see their township's; the county admin every one, including the county's triage queue
    (queue=true: tip-offs with an address and no location).  Contacts are masked.  Grid members and inspectors
    see none (403): a tip-off reaches the grid as a hazard once a township admin has triaged it."""
    stmt = service.list_query(db(), current_actor(), service.Filters.of(args))
    return service.annotate(db(), page_of(db(), stmt, pagination_parameters))


def _one(tipoff: Any) -> Any:
    return service.annotate(db(), [tipoff])[0]


@blp.route("/<int:tipoff_id>", methods=["GET"])
@login_required("tipoff:read")
@blp.response(200, TipoffOut)
def tipoff(tipoff_id: int) -> Any:
    """A tip-off (contacts masked), with its public status and reward"""
    return _one(service.get_tipoff(db(), current_actor(), tipoff_id))


@blp.route("/<int:tipoff_id>/route", methods=["POST"])
@login_required("tipoff:triage")
@blp.arguments(RouteIn)
@blp.response(200, TipoffOut)
def route(data: dict[str, Any], tipoff_id: int) -> Any:
    """Send a tip-off from the triage queue to a township or a grid of my scope"""
    return _one(service.route(db(), current_actor(), tipoff_id, data["area_id"], clock_now()))


@blp.route("/<int:tipoff_id>/reject", methods=["POST"])
@login_required("tipoff:triage")
@blp.arguments(TipoffRejectIn)
@blp.response(200, TipoffOut)
def reject(data: dict[str, Any], tipoff_id: int) -> Any:
    """Reject (不予受理) with a reason the tipster reads: received → rejected"""
    return _one(service.reject(db(), current_actor(), tipoff_id, reason=data["reason"], now=clock_now()))


@blp.route("/<int:tipoff_id>/merge", methods=["POST"])
@login_required("tipoff:triage")
@blp.arguments(MergeIn)
@blp.response(200, TipoffOut)
def merge(data: dict[str, Any], tipoff_id: int) -> Any:
    """Merge into another tip-off or a hazard of my scope: received → merged

    The tipster then follows that tip-off's or hazard's progress."""
    return _one(service.merge(db(), current_actor(), tipoff_id, into_tipoff_id=data.get("into_tipoff_id"),
                              into_hazard_id=data.get("into_hazard_id"), public_answer=data.get("public_answer"),
                              now=clock_now()))


@blp.route("/<int:tipoff_id>/convert", methods=["POST"])
@login_required("tipoff:triage")
@blp.arguments(ConvertIn)
@blp.response(200, TipoffOut)
def convert(data: dict[str, Any], tipoff_id: int) -> Any:
    """Convert into a hazard (source tipoff), linked both ways: received → converted

    At a place of my scope, or without one in the grid containing the tip-off's point.  The hazard's closed loop
    (order, rectification, re-check, closing) shows on the tracking page as 已受理 → 整改中 → 已整改 → 已办结."""
    return _one(service.convert(db(), current_actor(), tipoff_id, data, clock_now()))


@blp.route("/<int:tipoff_id>/answer", methods=["POST"])
@login_required("tipoff:triage")
@blp.arguments(PublicAnswerIn)
@blp.response(200, TipoffOut)
def answer(data: dict[str, Any], tipoff_id: int) -> Any:
    """Write the public answer (公开答复) the tipster reads on the tracking page"""
    return _one(service.answer(db(), current_actor(), tipoff_id, public_answer=data["public_answer"],
                               now=clock_now()))


@blp.route("/<int:tipoff_id>/reveal-phone", methods=["POST"])
@login_required("tipoff:reveal")
@blp.arguments(RevealIn)
@blp.response(200, ContactOut)
def reveal_phone(data: dict[str, Any], tipoff_id: int) -> Any:
    """The tipster's phone number and name in clear, to pay an approved reward (county admins; audited)

    Every call writes an audit entry (tipoffs.reveal_phone) with the reason; 409 reward_not_approved unless the
    tip-off has an approved reward."""
    shown = tipoff_rewards.reveal_phone(db(), app_config(), current_actor(), tipoff_id, reason=data["reason"])
    return shown, 200, {"Cache-Control": "no-store"}


@blp.route("/<int:tipoff_id>/reward", methods=["POST"])
@login_required("tipoff:reward")
@blp.arguments(RewardIn)
@blp.response(200, RewardOut)
def reward(data: dict[str, Any], tipoff_id: int) -> Any:
    """Decide the reward (举报奖励) of a verified tip-off: approved with an amount, or declined

    Verified: converted into a hazard that was not rejected (409 tipoff_not_verified otherwise).  One decision per
    tip-off (409 reward_already_decided)."""
    return tipoff_rewards.decide_reward(db(), current_actor(), tipoff_id, decision=data["decision"],
                                        amount=data.get("amount"), note=data.get("note"), now=clock_now())


@blp.route("/<int:tipoff_id>/reward/paid", methods=["POST"])
@login_required("tipoff:reward")
@blp.arguments(PaidIn)
@blp.response(200, RewardOut)
def paid(data: dict[str, Any], tipoff_id: int) -> Any:
    """Record the day an approved reward was paid"""
    return tipoff_rewards.mark_paid(db(), current_actor(), tipoff_id, paid_on=data["paid_on"],
                                    note=data.get("note"), now=clock_now())


@blp.route("/rewards", methods=["GET"])
@login_required("tipoff:reward")
@blp.arguments(LedgerQuery, location="query")
@blp.response(200, LedgerOut)
def rewards(args: dict[str, Any]) -> Any:
    """The rewards ledger: rewards decided or paid in [start, end], totals per month, quarter or year"""
    return tipoff_rewards.ledger(db(), current_actor(), start=args["start"], end=args["end"],
                                 period=args["period"], decision=args.get("decision"))


@blp.route("/rewards/export.xlsx", methods=["GET"])
@login_required("tipoff:reward")
@blp.arguments(LedgerQuery, location="query")
@blp.response(200, BINARY, content_type=XLSX, description="XLSX workbook: the rewards and the totals per period")
def rewards_export(args: dict[str, Any]) -> Any:
    """The rewards ledger as an XLSX workbook (contacts masked)"""
    body = tipoff_rewards.ledger_xlsx(db(), current_actor(), start=args["start"], end=args["end"],
                                      period=args["period"], decision=args.get("decision"))
    name = f"tipoff-rewards-{args['start'].isoformat()}-{args['end'].isoformat()}.xlsx"
    return xlsx_response(body, name)
