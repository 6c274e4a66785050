"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters with a mod-31 check character."""
from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(CHARSET)}


def check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """None if valid, else what is wrong, in Chinese."""
    if len(code) != 18:
        return "统一社会信用代码应为 18 位"
    bad = [c for c in code if c not in _VALUE]
    if bad:
        return f"统一社会信用代码含非法字符: {''.join(dict.fromkeys(bad))}"
    if not code[2:8].isdigit():
        return "统一社会信用代码的行政区划码应为 6 位数字"
    if check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误"
    return None


def normalize(code: str) -> str:
    return code.strip().upper()


def is_valid(code: str) -> bool:
    return problem(code) is None
