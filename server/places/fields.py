"""Validation of one place's fields, shared by the API, the importer and the demo generator."""
from __future__ import annotations

import hashlib
import re
from typing import Any

from server.common.fields import FieldProblem, clean_phone
from server.common.text import name_problem, normalize_name
from server.common.vocab import RISK_LEVELS, SECTORS, code_for
from server.places import credit_code

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def clean_name(value: Any, field: str = "name", max_length: int = 128) -> str:
    name = normalize_name(str(value or ""))
    problem = name_problem(name, max_length)
    if problem:
        raise FieldProblem(field, problem)
    return name


def clean_credit_code(value: Any) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    code = credit_code.normalize(str(value))
    problem = credit_code.problem(code)
    if problem:
        raise FieldProblem("credit_code", problem)
    return code


def clean_sector(value: Any) -> str:
    code = code_for(SECTORS, str(value or ""))
    if code is None:
        raise FieldProblem("sector", "行业领域无效, 可选: " + "、".join(SECTORS.values()))
    return code


def clean_risk_level(value: Any) -> str:
    if value is None or str(value).strip() == "":
        return "low"
    code = code_for(RISK_LEVELS, str(value))
    if code is None:
        raise FieldProblem("risk_level", "风险等级无效, 可选: 重大、较大、一般、低")
    return code


def clean_text(value: Any, field: str, max_length: int) -> str:
    text = normalize_name(str(value or ""))
    if len(text) > max_length:
        raise FieldProblem(field, f"超过最大长度 {max_length}")
    if _CONTROL_RE.search(text):
        raise FieldProblem(field, "含有控制字符")
    return text


def clean_contact_phone(value: Any) -> str | None:
    return clean_phone(value, "contact_phone")


def natural_key(credit: str | None, name: str, address: str) -> str:
    if credit:
        return f"ucc:{credit}"
    digest = hashlib.sha1(f"{name}\x1f{address}".encode()).hexdigest()
    return f"na:{digest}"
