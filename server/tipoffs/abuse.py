"""Abuse limits of the public endpoints (here and on Open311): the body size, per-IP and per-phone limits on
submitting, the limit on tracking-code lookups, and the tipster's anonymity towards the logs."""
from __future__ import annotations

from typing import Any

from flask import request

from server.common.fields import FieldProblem
from server.config import Config
from server.ratelimit import limiter
from server.tipoffs.privacy import normalize_phone, phone_hash
from server.web import app_config, limit_body
from server.web import public_request as public_request  # the tipster is the public: the one helper, in web.py

BODY_MAX_BYTES = 64 * 1024  # a tip-off is text and photo ids; the photos themselves are uploaded separately


def phone_limit_key(config: Config, value: Any) -> str | None:
    """The rate-limit key of a phone number (its keyed hash), None when absent or malformed."""
    try:
        phone = normalize_phone(value)
    except FieldProblem:
        return None
    return "tipoff-phone:" + phone_hash(config, phone) if phone else None


def refuse_large_body() -> None:
    limit_body(BODY_MAX_BYTES, f"举报内容过大 (最大 {BODY_MAX_BYTES // 1024} KB)")


def _submitted_phone() -> Any:
    refuse_large_body()  # the limiter reads the body before the view does
    if request.is_json:
        body = request.get_json(silent=True)
        return body.get("phone") if isinstance(body, dict) else None
    return request.form.get("phone")


def _phone_key() -> str:
    return phone_limit_key(app_config(), _submitted_phone()) or "tipoff-phone:none"


def _without_phone() -> bool:
    return phone_limit_key(app_config(), _submitted_phone()) is None


per_ip_limit = limiter.shared_limit(lambda: app_config().ratelimit_tipoff, scope="tipoffs")
# counted on accepted tip-offs only: a typo in the form does not use up a tipster's quota
per_phone_limit = limiter.shared_limit(lambda: app_config().ratelimit_tipoff_phone, scope="tipoffs-phone",
                                       key_func=_phone_key, exempt_when=_without_phone,
                                       deduct_when=lambda response: response.status_code < 300)

# tracking-code lookups, here and on Open311: 50 bits are not guessed at any rate, but nobody needs more than this
track_limit = limiter.shared_limit(lambda: app_config().ratelimit_tipoff_track, scope="tipoff-track")

