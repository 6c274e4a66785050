"""Serves objects of the local store to holders of a signed, unexpired URL."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, request

from server.errors import error_response
from server.storage.base import ObjectNotFound

blp = Blueprint("files", __name__)

_MESSAGES = {"url_signature_invalid": "链接签名无效", "url_expired": "链接已过期, 请刷新后重试"}


@blp.get("/files/<path:key>")
def fetch(key: str) -> Response:
    store = current_app.extensions["gridpatrol.store"]
    now = current_app.extensions["gridpatrol.clock"]() if "gridpatrol.clock" in current_app.extensions else \
        datetime.now(timezone.utc)
    download_name = request.args.get("name")
    problem = store.verify_signature(key, request.args.get("exp", ""), request.args.get("sig", ""), download_name,
                                     now=now)
    if problem:
        return error_response(403, problem, _MESSAGES[problem])
    try:
        info = store.stat(key)
        data = store.get(key)
    except ObjectNotFound:
        return error_response(404, "not_found", "文件不存在")
    resp = Response(data, mimetype=info.content_type)
    remaining = max(0, int(request.args["exp"]) - int(now.timestamp()))
    resp.headers["Cache-Control"] = f"private, max-age={remaining}"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if download_name:
        resp.headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    return resp
