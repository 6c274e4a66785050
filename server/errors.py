"""One error shape for the whole API: ``{"code": "...", "message": "<Chinese>", "detail": {...}}``.

Services raise :class:`ApiError` (or a subclass) with a machine code; the app turns every error — ours, webargs
validation, werkzeug's HTTP errors, unexpected exceptions — into that shape with the right HTTP status.
"""
from __future__ import annotations

import logging
import re
from typing import Any

import marshmallow as ma
from flask import Response, g, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger("gridpatrol.errors")


class ApiError(Exception):
    """An error the client can act on; ``code`` is stable, ``message`` is for people (Chinese)."""

    def __init__(self, status: int, code: str, message: str, detail: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None, persist: bool = False):
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail or {}
        self.headers = headers or {}
        # security bookkeeping (a failed-login count, a revoked token family) must survive the error answer
        self.persist = persist


def not_found(what: str = "对象") -> ApiError:
    """Foreign objects answer the same 404 as missing ones, so scope never confirms that something exists."""
    return ApiError(404, "not_found", f"{what}不存在或无权访问")


def forbidden(message: str = "当前角色无权执行此操作") -> ApiError:
    return ApiError(403, "forbidden", message)


def conflict(code: str, message: str, detail: dict[str, Any] | None = None) -> ApiError:
    return ApiError(409, code, message, detail)


def invalid(field: str, message: str, code: str = "validation_error") -> ApiError:
    """A business-rule validation failure on one field, shaped like the schema validation errors."""
    return ApiError(422, code, "请求参数校验失败" if code == "validation_error" else message,
                    {"fields": {field: [message]}})


class ErrorOut(ma.Schema):
    """The error payload of every endpoint."""

    code = ma.fields.String(required=True, metadata={"description": "机器可读的错误码, e.g. validation_error"})
    message = ma.fields.String(required=True, metadata={"description": "给人看的中文说明"})
    detail = ma.fields.Dict(metadata={"description": "细节; 校验错误时 detail.fields 按字段列出原因"})


# marshmallow's and webargs's English messages, said in Chinese; anything not listed passes through unchanged.
_FIELD_MESSAGES = {
    "Missing data for required field.": "必填字段缺失",
    "Unknown field.": "未知字段",
    "Not a valid string.": "应为字符串",
    "Not a valid integer.": "应为整数",
    "Not a valid number.": "应为数字",
    "Not a valid boolean.": "应为布尔值",
    "Not a valid datetime.": "应为带时区的 ISO 8601 时间",
    "Not a valid date.": "应为日期 (YYYY-MM-DD)",
    "Not a valid UUID.": "应为 UUID",
    "Not a valid list.": "应为数组",
    "Not a valid mapping type.": "应为对象",
    "Invalid input type.": "输入类型错误",
    "Field may not be null.": "不能为空",
    "Not a valid email address.": "邮箱格式错误",
    "Invalid value.": "取值无效",
    "Not a valid aware datetime.": "时间必须带时区偏移",
    "Special numeric values (nan or infinity) are not permitted.": "不能是 NaN 或无穷大",
}


def translate_messages(messages: Any) -> Any:
    if isinstance(messages, dict):
        return {str(k): translate_messages(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [translate_messages(m) for m in messages]
    if isinstance(messages, str):
        if messages in _FIELD_MESSAGES:
            return _FIELD_MESSAGES[messages]
        if messages.startswith("Must be one of:"):
            return "取值必须是: " + messages.removeprefix("Must be one of:").strip()
        if messages.startswith("Longer than maximum length"):
            return "超过最大长度 " + messages.rsplit(" ", 1)[-1].rstrip(".")
        if messages.startswith("Length must be between"):
            low, high = re.findall(r"\d+", messages)[:2]
            return f"长度须在 {low} 到 {high} 之间"
        if messages.startswith("Shorter than minimum length"):
            return "短于最小长度 " + messages.rsplit(" ", 1)[-1].rstrip(".")
        if messages.startswith("Must be greater than or equal to") or messages.startswith("Must be less than"):
            return "超出允许范围: " + messages
        return messages
    return messages


_STATUS_CODES = {
    400: ("bad_request", "请求格式错误"),
    401: ("unauthorized", "未登录或登录已失效"),
    403: ("forbidden", "无权执行此操作"),
    404: ("not_found", "资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "与现有数据冲突"),
    413: ("payload_too_large", "上传内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    416: ("range_not_satisfiable", "请求的范围超出文件大小"),
    422: ("validation_error", "请求参数校验失败"),
    429: ("too_many_requests", "请求过于频繁, 请稍后再试"),
    500: ("internal_error", "服务器内部错误"),
    503: ("service_unavailable", "服务暂时不可用, 请稍后重试"),
}


def error_response(status: int, code: str, message: str, detail: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    resp = jsonify({"code": code, "message": message, "detail": detail or {}})
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def handle_api_error(err: ApiError) -> Response:
    if err.persist:
        g.commit_despite_error = True
    return error_response(err.status, err.code, err.message, err.detail, err.headers)


def handle_http_exception(err: HTTPException) -> Response:
    status = err.code or 500
    code, message = _STATUS_CODES.get(status, ("http_error", err.description or "请求错误"))
    detail: dict[str, Any] = {}
    headers: dict[str, str] = {}
    data = getattr(err, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if status == 400 and messages and "json" in messages:
        code, message = "malformed_json", "请求体不是合法的 JSON"
    elif status == 422 and isinstance(messages, dict):
        # webargs nests by location (json, query, form, files); fields are what the client needs
        fields: dict[str, Any] = {}
        for location_messages in messages.values():
            if isinstance(location_messages, dict):
                fields.update(translate_messages(location_messages))
        detail = {"fields": fields}
    elif data.get("message"):
        message = data["message"]
    if data.get("headers"):
        headers.update(data["headers"])
    if status == 405 and hasattr(err, "valid_methods") and err.valid_methods:
        headers["Allow"] = ", ".join(err.valid_methods)
    original = getattr(err, "original_exception", None)
    if status == 500 and (is_database_outage(original) or is_lost_race(original)):
        # raised where Flask wraps it (the commit in an after_request hook)
        return handle_unexpected(err.original_exception)  # type: ignore[attr-defined]
    if status >= 500:
        log.exception("unhandled error", exc_info=err)
    return error_response(status, code, message, detail, headers)


def handle_recursion_error(err: RecursionError) -> Response:
    """A JSON body nested thousands of levels deep exhausts the json module's recursion before webargs can call it
    malformed: the client's bad input, not a server fault.  Any other RecursionError stays a 500."""
    if "decoding a JSON" in str(err):  # the json module's own words
        return error_response(400, "malformed_json", "请求体不是合法的 JSON")
    return handle_unexpected(err)


DATABASE_RETRY_AFTER = "5"


def is_database_outage(err: BaseException | None) -> bool:
    """The database is down, restarting or unreachable (or refused the transaction for now: a deadlock, a
    serialization failure): the request was fine and may be repeated."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    return isinstance(err, (OperationalError, InterfaceError)) or (
        isinstance(err, DBAPIError) and err.connection_invalidated)


def is_lost_race(err: BaseException | None) -> bool:
    """A unique index refused a row that a concurrent request inserted first (the race was settled by the
    database; this request lost it)."""
    from sqlalchemy.exc import IntegrityError

    if not isinstance(err, IntegrityError):
        return False
    if getattr(err.orig, "sqlstate", None) == "23505":  # psycopg: unique_violation
        return True
    return "UNIQUE constraint failed" in str(err.orig)  # sqlite3


def lost_race() -> Response:
    return error_response(409, "concurrent_change", "该记录刚被同时提交的请求创建或修改, 请刷新后重试")


def database_unavailable() -> Response:
    return error_response(503, "database_unavailable", "数据库暂时不可用, 请稍后重试",
                          headers={"Retry-After": DATABASE_RETRY_AFTER})


def handle_unexpected(err: Exception) -> Response:
    if is_lost_race(err):
        log.info("lost a race on a unique index: %s", str(getattr(err, "orig", err))[:200])
        return lost_race()
    if is_database_outage(err):
        from server.ops.metrics import database_error

        database_error(err)
        log.warning("database unavailable: %s", err.__class__.__name__, exc_info=err)
        return database_unavailable()
    log.exception("unhandled exception", exc_info=err)
    return error_response(500, "internal_error", "服务器内部错误")
