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

# The catalogue of machine codes: code → (the HTTP statuses it answers with, what it means in Chinese).  Every code
# raised anywhere is here (tests/test_error_codes.py reads the code and checks); the OpenAPI document publishes it
# as ``x-error-codes``.  A call site may say more precisely what went wrong in its own message.
CODES: dict[str, tuple[tuple[int, ...], str]] = {
    "account_disabled": ((403,), "账号已停用"),
    "account_locked": ((403,), "登录失败次数过多, 请稍后再试"),
    "already_decided": ((409,), "该记录已被他人审核"),
    "area_code_taken": ((409,), "区域编码已存在"),
    "bad_request": ((400,), "请求格式错误"),
    "binding_code_invalid": ((403,), "绑定码无效或已过期, 请向乡镇管理员重新索取"),
    "boundary_invalid": ((422,), "边界无效"),
    "bulletin_published": ((409,), "该日通报已发布, 已发布的通报不能修改"),
    "checklist_answers_invalid": ((422,), "检查清单答案不符合该版本的要求"),
    "checklist_sector_mismatch": ((422,), "该检查清单不适用于此企业(场所)的行业领域"),
    "client_uuid_conflict": ((409,), "该 client_uuid 已用于其他操作"),
    "concurrent_change": ((409,), "该记录刚被同时提交的请求创建或修改, 请刷新后重试"),
    "count_changed": ((409,), "待审核记录数已变化, 请刷新后重新确认"),
    "conflict": ((409,), "与现有数据冲突"),
    "coordinates_invalid": ((422,), "坐标不是有限数值"),
    "coordinates_out_of_range": ((422,), "坐标超出范围"),
    "county_required": ((422,), "你的范围包含多个县(市、区), 请指定县 (county_id)"),
    "corrupt": ((422,), "照片文件已损坏"),
    "database_unavailable": ((503,), "数据库暂时不可用, 请稍后重试"),
    "day_not_over": ((422,), "当天尚未结束, 只能预览; 通报于次日起发布"),
    "export_too_large": ((422,), "导出行数超过上限, 请缩小筛选范围"),
    "forbidden": ((403,), "当前角色无权执行此操作"),
    "format_not_allowed": ((422,), "不支持的图片格式"),
    "grid_overlap": ((409,), "网格边界与已有网格重叠"),
    "hazard_already_supervised": ((409,), "该隐患已挂牌督办"),
    "hazard_changed": ((409,), "该隐患刚被他人处理, 请刷新后重试"),
    "hazard_closed": ((409,), "隐患已销号或不予认定, 不能更正"),
    "hazard_finished": ((409,), "已销号或不予认定的隐患不能挂牌督办"),
    "hazard_not_major": ((409,), "只有重大事故隐患才能挂牌督办"),
    "hazard_transition_invalid": ((409,), "隐患当前状态不能执行该步骤"),
    "header_too_large": ((431,), "请求头过大"),
    "http_error": ((400,), "请求错误"),
    "internal_error": ((500,), "服务器内部错误"),
    "invalid_credentials": ((401,), "用户名或密码错误"),
    "link_expired": ((403,), "链接已过期, 请返回页面重新打开"),
    "link_path_not_allowed": ((422,), "只能为文档 (.html、.xlsx、.png) 生成链接"),
    "link_signature_invalid": ((403,), "链接签名无效, 请重新打开"),
    "location_required": ((422,), "请在地图上标出举报位置, 以便转交所在县(市、区)处理"),
    "location_outside_county": ((422,), "举报位置不在本县范围内, 请向当地有关部门举报"),
    "major_hazard_needs_admin": ((403,), "重大事故隐患须由乡镇(街道)、县级管理人员或执法人员销号"),
    "job_interrupted": ((500,), "后台任务被中断 (超时或执行进程退出), 请重新提交"),
    "job_queue_unavailable": ((503,), "后台任务队列暂时不可用, 请稍后重试"),
    "malformed_json": ((400,), "请求体不是合法的 JSON"),
    "media_error": ((422,), "照片无法处理"),
    "method_not_allowed": ((405,), "不支持该请求方法"),
    "month_in_future": ((422,), "不能统计将来的月份"),
    "month_not_ended": ((422,), "该月尚未结束, 只能生成草稿; 月末之后才能发布"),
    "no_contact": ((409,), "举报人未留联系方式 (匿名举报)"),
    "no_county": ((503,), "系统尚未设置县级区域, 暂不能受理举报"),
    "not_an_image": ((422,), "文件不是图片"),
    "not_found": ((404,), "对象不存在或无权访问"),
    "not_ready": ((503,), "服务未就绪"),
    "object_store_unavailable": ((503,), "照片存储暂时不可用, 请稍后重试"),
    "outside_grid": ((422,), "该位置不在你负责的网格内"),
    "payload_too_large": ((413,), "请求内容过大"),
    "photo_invalid": ((422,), "照片无效"),
    "place_exists": ((409,), "该企业(场所)已存在"),
    "point_outside_grids": ((404, 422), "该位置不在您辖区的任何网格内"),
    "polygon_invalid": ((422,), "边界无效 (自相交或重叠)"),
    "polygon_not_closed": ((422,), "边界环未闭合: 首尾坐标必须相同"),
    "poster_township_only": ((422,), "扫码举报海报按乡镇(街道)或全县制作, 请选择乡镇或县"),
    "range_not_satisfiable": ((416,), "请求的范围超出文件大小"),
    "ranking_computing": ((409,), "该月排名草稿正在由他人生成, 请稍后再试"),
    "ranking_published": ((409,), "该月排名已发布, 不能修改; 如需更正请发布修订版并说明原因"),
    "reason_required": ((422,), "发布修订版必须说明更正原因"),
    "recheck_by_rectifier": ((403,), "记录整改的人员不能复查自己记录的整改"),
    "refresh_invalid": ((401,), "刷新令牌无效, 请重新登录"),
    "refresh_reused": ((401,), "刷新令牌已被使用过, 为安全起见该登录已全部注销, 请重新登录"),
    "report_closed": ((409,), "该日报已提交且已过当天截止时间, 不能再修改"),
    "revision_conflict": ((409,), "不是下一个可发布的版本"),
    "reward_already_decided": ((409,), "该举报的奖励已作出决定"),
    "reward_already_paid": ((409,), "该奖励已发放"),
    "reward_not_approved": ((409,), "只有已批准奖励的举报才能查看举报人联系方式"),
    "rule_invalid": ((422,), "排名规则无效"),
    "rule_version_conflict": ((409,), "规则版本冲突, 请重试"),
    "service_code_not_found": ((404,), "service_code 不存在"),
    "service_unavailable": ((503,), "服务暂时不可用, 请稍后重试"),
    "supervision_sign_off_required": ((403,), "挂牌督办的重大事故隐患须经县级管理员签字销号"),
    "sync_batch_too_large": ((413,), "每批记录过多, 请分批同步"),
    "task_completed_by_records": ((409,), "该任务由对应的走访或宣传记录自动完成"),
    "ticket_expired": ((401,), "登录票据已过期, 请返回小程序重新进入"),
    "ticket_invalid": ((401,), "登录票据无效, 请返回小程序重新进入"),
    "ticket_used": ((401,), "登录票据已使用过, 请返回小程序重新进入"),
    "tipoff_already_handled": ((409,), "该举报已处理"),
    "tipoff_changed": ((409,), "该举报刚被他人处理, 请刷新后重试"),
    "tipoff_not_verified": ((409,), "只有经核实的举报 (已转为隐患且未被认定为非隐患) 才能给予奖励"),
    "token_expired": ((401,), "访问令牌已过期, 请刷新"),
    "token_invalid": ((401,), "访问令牌无效"),
    "too_large": ((413, 422), "照片过大"),
    "too_many_pixels": ((422,), "照片像素过多"),
    "too_many_requests": ((429,), "请求过于频繁, 请稍后再试"),
    "trailing_data": ((422,), "照片文件末尾有多余数据"),
    "tus_header_invalid": ((400,), "请求头应为非负整数"),
    "tus_header_missing": ((400,), "缺少断点续传请求头"),
    "tus_version_unsupported": ((412,), "不支持的断点续传协议版本, 请使用 tus 1.0.0"),
    "unauthorized": ((401,), "请先登录"),
    "unknown_type": ((422,), "不支持的记录类型, 请升级服务器或删除该记录"),
    "unsupported_media_type": ((415,), "不支持的内容类型"),
    "upload_exceeds_length": ((413,), "上传的字节超过了创建时声明的长度 (Upload-Length)"),
    "upload_expired": ((410,), "该上传已过期, 请重新上传照片"),
    "upload_offset_mismatch": ((409,), "上传位置不一致, 请先查询已上传的位置 (HEAD) 再继续"),
    "uri_too_long": ((414,), "请求地址过长"),
    "url_expired": ((403,), "链接已过期, 请刷新页面后重试"),
    "url_signature_invalid": ((403,), "链接签名无效, 请重新获取链接"),
    "username_taken": ((409,), "用户名已存在"),
    "validation_error": ((422, 400), "请求参数校验失败"),
    "wechat_already_bound": ((409,), "该账号已绑定其他微信, 请联系管理员解绑"),
    "wechat_code_invalid": ((401,), "微信登录凭证无效或已使用, 请重新登录"),
    "wechat_not_bound": ((403,), "该微信尚未绑定账号, 请向乡镇管理员索取绑定码"),
    "wechat_not_configured": ((503,), "未配置微信小程序登录"),
    "wechat_unavailable": ((503,), "微信登录服务暂时不可用, 请稍后重试"),
}


def error(code: str, detail: dict[str, Any] | None = None, *, message: str | None = None,
          headers: dict[str, str] | None = None) -> "ApiError":
    """The ApiError of a catalogued code, with its status and (unless given) its message."""
    return ApiError(CODES[code][0][0], code, message, detail, headers)


def catalogue() -> dict[str, dict[str, Any]]:
    """The catalogue as the OpenAPI document publishes it."""
    return {code: {"status": list(statuses), "message": message} for code, (statuses, message) in CODES.items()}


class ApiError(Exception):
    """An error the client can act on; ``code`` is stable, ``message`` is for people (Chinese)."""

    def __init__(self, status: int, code: str, message: str | None = None, detail: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None, persist: bool = False):
        if message is None:  # the catalogue's message; a call site gives its own only when it says more
            message = CODES[code][1]
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


def conflict(code: str, message: str | None = None, detail: dict[str, Any] | None = None) -> ApiError:
    return ApiError(409, code, message, detail)


def invalid(field: str, message: str, code: str = "validation_error") -> ApiError:
    """A business-rule validation failure on one field, shaped like the schema validation errors."""
    return ApiError(422, code, "请求参数校验失败" if code == "validation_error" else message,
                    {"fields": {field: [message]}})


class ErrorOut(ma.Schema):
    """The error payload of every endpoint."""

    code = ma.fields.String(required=True, metadata={"description": "机器可读的错误码, e.g. validation_error; every "
                                                                    "code, its statuses and meaning: x-error-codes"})
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


# marshmallow's Range: "Must be greater than or equal to 0 and less than or equal to 10000." and its variants
_RANGE = re.compile(r"Must be (?:(greater than(?: or equal to)?) (\S+?))?(?: and )?(?:(less than(?: or equal to)?) "
                    r"(\S+?))?\.")
_BOUND_WORDS = {"greater than or equal to": "不小于", "greater than": "大于", "less than or equal to": "不大于",
                "less than": "小于"}


def _range_text(low_op: str | None, low: str | None, high_op: str | None, high: str | None) -> str:
    if low_op == "greater than or equal to" and high_op == "less than or equal to":
        return f"应在 {low} 到 {high} 之间"
    parts = [f"{_BOUND_WORDS[op]} {value}" for op, value in ((low_op, low), (high_op, high)) if op]
    return "应" + " 且".join(parts)


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
        if messages.startswith("Length must be "):
            return "长度须为 " + messages.removeprefix("Length must be ").rstrip(".")
        bounds = _RANGE.fullmatch(messages)
        if bounds:
            return _range_text(*bounds.groups())
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
    if status == 500 and original is not None and (is_database_outage(original) or is_lost_race(original)):
        # raised where Flask wraps it (the commit in an after_request hook)
        return handle_unexpected(original)
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
