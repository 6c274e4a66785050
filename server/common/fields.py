"""Field checks more than one domain needs: a failed check names its field; phone numbers are cleaned and masked."""
from __future__ import annotations

import re
from typing import Any

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
