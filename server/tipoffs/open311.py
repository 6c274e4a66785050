"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), so that existing civic-reporting apps can submit
tip-offs and follow them.

These endpoints follow the spec, not the rest of the API: requests are form-encoded, field names and statuses
(open/closed) are the spec's, and every error answers the spec's error format, a JSON array of
``{"code": <HTTP status>, "description": "..."}`` (one entry per problem), with 400 for a request that cannot be
fulfilled, 404 for what does not exist and 429 for too many requests.  JSON only (``.json``).

Mapping: a service is a tip-off category (``service_code`` 001…); ``service_request_id`` is the tip-off's tracking
code; ``lat``/``long`` are WGS-84 and route the request like any tip-off (outside the county: 400);
``address_string`` without a point goes to the county's triage queue; ``first_name``/``last_name`` and ``phone`` are
the tipster's (encrypted); ``media_url`` is kept as a link for the staff and never fetched by the server; ``email``,
``device_id``, ``account_id``, ``api_key``, ``jurisdiction_id`` and ``attribute[...]`` are accepted and ignored
(one jurisdiction, no keys: the endpoint is public and rate-limited like the API, per IP and per phone number).

What is public: a request shows what the tracking page shows — status, the public answer (``status_notes``), the
agency (township) and the dates.  ``description``, ``address``, ``lat``/``long`` and ``media_url`` are always null
in answers: they could identify the tipster (举报人保密).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import Response, g, jsonify
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from server.api import PUBLIC
from server.common.schemas import Guarded
from server.common.timeutil import LOCAL_TZ
from server.errors import ApiError, translate_messages
from server.tipoffs import public, service
from server.tipoffs.abuse import per_ip_limit, per_phone_limit, public_request, refuse_large_body, track_limit
from server.tipoffs.models import CATEGORIES, PUBLIC_CLOSED, Tipoff
from server.web import app_config, clock_now, db

blp = Blueprint("open311", __name__, url_prefix="/open311/v2",
                description="Open311 GeoReport v2: 兼容市民报事应用. Requests are form-encoded and errors follow the "
                            "spec's format, [{\"code\": 400, \"description\": \"...\"}], not the API's error shape.")

# our field names in error messages, said as Open311 says them
FIELD_NAMES = {"category": "service_code", "location": "lat/long", "address": "address_string", "name": "first_name",
               "phone": "phone", "description": "description", "media_url": "media_url"}


def _w3(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _errors(status: int, descriptions: list[str]) -> Response:
    resp = jsonify([{"code": status, "description": d} for d in descriptions])
    resp.status_code = status
    return resp


def _open311_status(status: int) -> int:
    return status if status in (404, 413, 429) else 503 if status >= 500 else 400


@blp.errorhandler(ApiError)
def _api_error(err: ApiError) -> Response:
    fields = err.detail.get("fields") or {}
    descriptions = [f"{FIELD_NAMES.get(f, f)}: {m}" for f, msgs in fields.items() for m in msgs]
    resp = _errors(_open311_status(err.status), descriptions or [err.message])
    resp.headers.update(err.headers)
    return resp


@blp.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Response:
    status = err.code or 400
    data = getattr(err, "data", None) or {}
    messages = data.get("messages") or {}
    descriptions = [f"{field}: {m}" for location in messages.values() if isinstance(location, dict)
                    for field, msgs in translate_messages(location).items()
                    for m in (msgs if isinstance(msgs, list) else [msgs])]
    if not descriptions:
        descriptions = ["请求过于频繁, 请稍后再试" if status == 429 else (err.description or "请求无效")]
    return _errors(_open311_status(status), descriptions)  # flask-limiter adds Retry-After to a 429


class _Spec(Guarded):
    """Open311 arguments: unknown ones (attribute[...], extensions) are ignored, and an empty one counts as absent
    (the spec's "Optional Arguments")."""

    class Meta:
        unknown = ma.EXCLUDE

    @ma.pre_load
    def _drop_empty(self, data: Any, **_kw: Any) -> dict[str, Any]:
        return {k: data.get(k) for k in data if data.get(k) not in ("", None)}


class RequestForm(_Spec):
    jurisdiction_id = ma.fields.String(metadata={"description": "ignored: one jurisdiction"})
    api_key = ma.fields.String(metadata={"description": "ignored: no keys are needed"})
    service_code = ma.fields.String(required=True, metadata={"description": "from services.json, e.g. 001"})
    lat = ma.fields.Float(allow_nan=False, validate=ma.validate.Range(-90, 90), metadata={"description": "WGS-84"})
    long = ma.fields.Float(allow_nan=False, validate=ma.validate.Range(-180, 180), metadata={"description": "WGS-84"})
    address_string = ma.fields.String(validate=ma.validate.Length(max=500))
    address_id = ma.fields.String(metadata={"description": "not supported: send lat/long or address_string"})
    email = ma.fields.String(metadata={"description": "ignored (not stored)"})
    device_id = ma.fields.String(metadata={"description": "ignored"})
    account_id = ma.fields.String(metadata={"description": "ignored"})
    first_name = ma.fields.String(validate=ma.validate.Length(max=32))
    last_name = ma.fields.String(validate=ma.validate.Length(max=32))
    phone = ma.fields.String(validate=ma.validate.Length(max=32),
                             metadata={"description": "a mobile or a landline with its area code"})
    description = ma.fields.String(validate=ma.validate.Length(max=4000))
    media_url = ma.fields.Url(schemes={"http", "https"}, validate=ma.validate.Length(max=1000),
                              metadata={"description": "kept as a link, never fetched"})


class RequestsQuery(_Spec):
    jurisdiction_id = ma.fields.String()
    service_request_id = ma.fields.String(metadata={"description": "comma-delimited tracking codes; overrides all "
                                                                   "other arguments"})
    service_code = ma.fields.String(metadata={"description": "comma-delimited"})
    start_date = ma.fields.AwareDateTime(metadata={"description": "w3 format; default: 90 days before end_date"})
    end_date = ma.fields.AwareDateTime(metadata={"description": "w3 format; default: now; at most 90 days after "
                                                               "start_date"})
    status = ma.fields.String(metadata={"description": "open, closed or open,closed"})


class ServiceOut(ma.Schema):
    service_code = ma.fields.String()
    service_name = ma.fields.String()
    description = ma.fields.String()
    metadata = ma.fields.Boolean()
    type = ma.fields.String()
    keywords = ma.fields.String()
    group = ma.fields.String()


class CreatedOut(ma.Schema):
    service_request_id = ma.fields.String(metadata={"description": "the tracking code"})
    service_notice = ma.fields.String()
    account_id = ma.fields.String(allow_none=True)


class RequestOut(ma.Schema):
    service_request_id = ma.fields.String()
    status = ma.fields.String(metadata={"description": "open or closed"})
    status_notes = ma.fields.String(allow_none=True)
    service_name = ma.fields.String()
    service_code = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    agency_responsible = ma.fields.String(allow_none=True)
    service_notice = ma.fields.String(allow_none=True)
    requested_datetime = ma.fields.String()
    updated_datetime = ma.fields.String()
    expected_datetime = ma.fields.String(allow_none=True)
    address = ma.fields.String(allow_none=True)
    address_id = ma.fields.String(allow_none=True)
    zipcode = ma.fields.String(allow_none=True)
    lat = ma.fields.Float(allow_none=True)
    long = ma.fields.Float(allow_none=True)
    media_url = ma.fields.String(allow_none=True)


class Open311Error(ma.Schema):
    code = ma.fields.Integer()
    description = ma.fields.String()


ERRORS = Open311Error(many=True)


def _request(t: Tipoff, closed: bool, updated: datetime, agency: str) -> dict[str, Any]:
    service_code, name, _sector, _group = CATEGORIES[t.category]
    return {"service_request_id": t.tracking_code, "status": "closed" if closed else "open",
            "status_notes": public.notes_of(t), "service_name": name, "service_code": service_code,
            "description": None, "agency_responsible": agency, "service_notice": None,
            "requested_datetime": _w3(t.received_at), "updated_datetime": _w3(updated), "expected_datetime": None,
            "address": None, "address_id": None, "zipcode": None, "lat": None, "long": None, "media_url": None}


@blp.route("/services.json", methods=["GET"])
@blp.doc(**PUBLIC)
@blp.response(200, ServiceOut(many=True))
def services() -> Any:
    """GET Service List: the tip-off categories as Open311 services"""
    return [{"service_code": code, "service_name": name, "description": f"举报{name}", "metadata": False,
             "type": "realtime", "keywords": ", ".join(name.replace("、", ",").split(",")), "group": group}
            for code, name, _sector, group in CATEGORIES.values()]


@blp.route("/requests.json", methods=["POST"])
@per_ip_limit
@per_phone_limit
@blp.doc(**PUBLIC)
@blp.arguments(RequestForm, location="form", error_status_code=400)
@blp.response(201, CreatedOut(many=True))
@blp.alt_response(400, schema=ERRORS, description="the request cannot be fulfilled (every problem listed)")
@blp.alt_response(404, schema=ERRORS, description="service_code not found")
@blp.alt_response(429, schema=ERRORS, description="too many requests from this address or phone number")
def create(form: dict[str, Any]) -> Any:
    """POST Service Request: submit a tip-off (form-encoded, the spec's fields)"""
    refuse_large_body()
    public_request()
    receipt = service.submit(db(), app_config(), public.open311_form(form), channel="open311", now=clock_now())
    return [{"service_request_id": receipt.tracking_code, "account_id": None,
             "service_notice": "举报已收到, 将由属地乡镇(街道)核实处理。请保存 service_request_id (查询码) 查询进度。"}], 201


@blp.route("/requests.json", methods=["GET"])
@track_limit
@blp.doc(**PUBLIC)
@blp.arguments(RequestsQuery, location="query", error_status_code=400)
@blp.response(200, RequestOut(many=True))
@blp.alt_response(400, schema=ERRORS, description="invalid arguments (every problem listed)")
def requests_(args: dict[str, Any]) -> Any:
    """GET Service Requests: requests by tracking codes, or those received in a window of at most 90 days

    Filtered by service_code and status (open, closed); at most 1000, newest first."""
    found = public.open311_requests(db(), app_config(), ids=args.get("service_request_id"),
                                    service_codes=args.get("service_code"), statuses=args.get("status"),
                                    start=args.get("start_date"), end=args.get("end_date"), now=clock_now())
    return [_request(r.tipoff, r.closed, r.updated_at, r.agency) for r in found]


@blp.route("/requests/<service_request_id>.json", methods=["GET"])
@track_limit
@blp.doc(**PUBLIC)
@blp.response(200, RequestOut(many=True))
@blp.alt_response(404, schema=ERRORS, description="no request with this id")
def request_(service_request_id: str) -> Any:
    """GET Service Request: one request by its service_request_id (the tracking code)"""
    g.conceal_ip = True
    view = public.public_view(db(), public.find_by_code(db(), app_config(), service_request_id))
    return [_request(view.tipoff, view.status in PUBLIC_CLOSED, view.updated_at, view.agency)]
