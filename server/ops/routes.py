"""Operations: liveness, readiness (which part is down), Prometheus metrics, and the request-line and header
limits answered in the API's error shape."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Flask, request
from flask.blueprints import BlueprintSetupState
from flask_smorest import Blueprint
from sqlalchemy import text

from server.api import PUBLIC
from server.common.schemas import Out
from server.errors import ApiError
from server.ops import metrics
from server.storage import ObjectStoreError
from server.web import app_config, db, store

blp = Blueprint("ops", __name__, description="运维: 存活与就绪检查")


def _refuse_oversized_head() -> None:
    """414/431 as the API answers errors, for what gunicorn lets through (its own limits sit above these)."""
    config = app_config()
    uri = request.environ.get("RAW_URI") or request.full_path
    if len(uri.encode("utf-8", "surrogateescape")) > config.max_url_bytes:
        raise ApiError(414, "uri_too_long", f"请求地址过长 (最大 {config.max_url_bytes} 字节)",
                       {"max_bytes": config.max_url_bytes})
    for name, value in request.headers.items():
        if len(name) + len(value) > config.max_header_bytes:
            raise ApiError(431, "header_too_large", f"请求头过大 (单个最大 {config.max_header_bytes} 字节)",
                           {"header": name[:64], "max_bytes": config.max_header_bytes})


def _install(app: Flask) -> None:
    app.before_request(_refuse_oversized_head)
    metrics.install(app)
    app.add_url_rule("/metrics", "metrics", lambda: metrics.exposition(app_config().metrics_token))


@blp.record_once
def _on_register(state: BlueprintSetupState) -> None:
    _install(state.app)  # type: ignore[arg-type]  # a Flask app: blueprints register on nothing else


class HealthOut(Out):
    status = ma.fields.String()
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


@blp.route("/healthz", methods=["GET"])
@blp.doc(**PUBLIC)
@blp.response(200, HealthOut)
def healthz() -> Any:
    """The process is up"""
    return {"status": "ok", "checks": {}}


@blp.route("/readyz", methods=["GET"])
@blp.doc(**PUBLIC)
@blp.response(200, HealthOut)
def readyz() -> Any:
    """The database and the object store answer"""
    checks: dict[str, str] = {}
    try:
        db().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means not ready
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        store().ping()
        checks["object_store"] = "ok"
    except ObjectStoreError as exc:
        checks["object_store"] = f"error: {type(exc).__name__}"
    if any(v != "ok" for v in checks.values()):
        raise ApiError(503, "not_ready", detail={"checks": checks}, headers={"Retry-After": "5"})
    return {"status": "ok", "checks": checks}
