from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from sqlalchemy import text

from server.api import PUBLIC
from server.common.schemas import Out
from server.errors import ApiError
from server.storage import ObjectStoreError
from server.web import db, store

blp = Blueprint("ops", __name__, description="运维: 存活与就绪检查")


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
        raise ApiError(503, "not_ready", "服务未就绪", {"checks": checks}, headers={"Retry-After": "5"})
    return {"status": "ok", "checks": checks}
