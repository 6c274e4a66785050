"""Field checks more than one domain needs: a failed check names its field; phone numbers are cleaned and masked."""
from __future__ import annotations

import re
from typing import Any, Mapping

import marshmallow as ma

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class FieldProblem(Exception):
    """One field's value is wrong; callers turn it into a validation error (API) or a row error (imports)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def clean_phone(value: Any, field: str = "phone") -> str | None:
    """A mainland mobile or landline number without spaces or +86, or None when empty."""
    if value is None or str(value).strip() == "":
        return None
    phone = re.sub(r"[\s()（）]", "", str(value))
    if phone.startswith("+86"):
        phone = phone[3:]
    if not PHONE_RE.match(phone):
        raise FieldProblem(field, "电话号码格式错误 (手机 11 位, 或固话如 0571-88888888)")
    return phone


def mask_phone(phone: str | None) -> str | None:
    """138****1234: enough to recognise, not enough to call."""
    if not phone:
        return phone
    digits = phone.replace("-", "")
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "****" + digits[-4:]


# --- text and dates as they come in ------------------------------------------------------------------------------
# PostgreSQL refuses NUL in text and JSONB, and a lone UTF-16 surrogate ("\ud800", legal in JSON text) cannot be
# encoded as UTF-8 by the driver or by our own responses: either would be a 500 far from where it came in.  Dates
# near the calendar's edges overflow in day-boundary, deadline and escalation arithmetic (year 1 minus eight hours,
# year 9999 plus a month).  Both are refused where the request is loaded.

_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
YEAR_MIN, YEAR_MAX = 1900, 2200  # a generous window for a patrol's records; arithmetic of days stays far from the edges
# ids and counts are PostgreSQL ``integer`` columns: binding a number outside their range fails in the driver
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def text_problem(value: str) -> str | None:
    """None if ``value`` may be stored and answered as text, else why not (in Chinese)."""
    m = _BAD_CHARS.search(value)
    if m is None:
        return None
    return "不能包含空字符 (NUL)" if m.group() == "\x00" else "含有无效的 Unicode 字符 (孤立的代理项)"


def _check_text(value: Any) -> None:
    if isinstance(value, str) and (problem := text_problem(value)) is not None:
        raise ma.ValidationError(problem)


def _check_year(value: Any) -> None:
    year = getattr(value, "year", None)
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise ma.ValidationError(f"日期超出允许范围 ({YEAR_MIN}–{YEAR_MAX} 年)")


def _check_int(value: Any) -> None:
    if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
        raise ma.ValidationError(f"超出允许范围 ({INT_MIN}..{INT_MAX})")


def _refuse_numbers_as_booleans(field: ma.fields.Boolean) -> None:
    """marshmallow takes 0 and 1 for false and true: in a JSON body that is a type error (a query string's "1"
    is text and still reads as true)."""
    load = field._deserialize

    def strict(value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise field.make_error("invalid", input=value)
        return load(value, attr, data, **kw)

    field._deserialize = strict  # type: ignore[method-assign]  # this field instance only
    field._strict_bool = True  # type: ignore[attr-defined]  # a mark on the instance


class Text(ma.fields.String):
    """Every string the API takes: no NUL, no lone surrogates."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.validators.insert(0, _check_text)


class Day(ma.fields.Date):
    """A calendar day within YEAR_MIN..YEAR_MAX."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.validators.insert(0, _check_year)


class Moment(ma.fields.AwareDateTime):
    """An aware moment within YEAR_MIN..YEAR_MAX (in the offset it was given in)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.validators.insert(0, _check_year)


def guard_field(field: ma.fields.Field) -> None:
    """Give a field declared with marshmallow's own types the checks of :class:`Text`, :class:`Day` and
    :class:`Moment` (and integers the column range), also inside lists and dicts; ``In`` calls this for every
    field it binds, so no input schema can forget them."""
    if isinstance(field, ma.fields.String) and _check_text not in field.validators:
        field.validators.insert(0, _check_text)
    elif isinstance(field, (ma.fields.DateTime, ma.fields.Date)) and _check_year not in field.validators:
        field.validators.insert(0, _check_year)
    elif isinstance(field, ma.fields.Integer) and _check_int not in field.validators:
        field.validators.insert(0, _check_int)
    elif isinstance(field, ma.fields.Boolean) and not getattr(field, "_strict_bool", False):
        _refuse_numbers_as_booleans(field)
    for inner in (getattr(field, "inner", None), getattr(field, "key_field", None), getattr(field, "value_field", None)):
        if isinstance(inner, ma.fields.Field):
            guard_field(inner)


def raw_text_problems(data: Any, path: str = "") -> dict[str, list[str]]:
    """Bad text anywhere in loaded-but-untyped input (free-form dicts, unknown keys), keyed by where it is."""
    problems: dict[str, list[str]] = {}
    if isinstance(data, str):
        if (p := text_problem(data)) is not None:
            problems[path or "_schema"] = [p]
    elif isinstance(data, Mapping):
        for key in data:
            where = f"{path}.{_printable(key)}" if path else _printable(key)
            if isinstance(key, str) and (p := text_problem(key)) is not None:
                problems[where] = [p]
            else:
                problems.update(raw_text_problems(data[key], where))
    elif isinstance(data, (list, tuple)):
        for i, item in enumerate(data):
            problems.update(raw_text_problems(item, f"{path}.{i}" if path else str(i)))
    return problems


def _printable(key: Any) -> str:
    return _BAD_CHARS.sub("\ufffd", key) if isinstance(key, str) else str(key)
