"""Names as people type them: Chinese, Latin letters, digits and the punctuation that Chinese names use."""
from __future__ import annotations

import re
import unicodedata

# CJK ideographs (basic + extension A + compatibility), Latin letters and digits (half and full width), and the
# punctuation that appears in enterprise and place names: （）()·-—_、.,，／/#＃&＆ and spaces.
_NAME_RE = re.compile(
    r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
    r"（）()·\-—_、.,，／/#＃&＆ 　]+$"
)


def normalize_name(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def name_problem(value: str, max_length: int = 64) -> str | None:
    """None if ``value`` is an acceptable name, else why not (in Chinese)."""
    if not value:
        return "不能为空"
    if len(value) > max_length:
        return f"超过最大长度 {max_length}"
    if not _NAME_RE.match(value):
        bad = "".join(dict.fromkeys(c for c in value if not _NAME_RE.match(c)))
        return f"含有不允许的字符 (表情符号、控制字符或其他文字): {bad!r}"
    return None
