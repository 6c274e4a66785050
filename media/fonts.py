"""The CJK font for everything the server draws (watermarks now, ranking posters later).

It comes from the PyPI package `pylopdf-fonts-zh-cn` (Noto Sans SC, SIL OFL), a pip dependency, so rendering
Chinese never depends on which fonts a server happens to have installed.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from PIL import ImageFont

FONT_PACKAGE = "pylopdf_fonts_zh_cn"
FONT_FILE = "NotoSansSC-Regular.otf"


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """Path of NotoSansSC-Regular.otf inside the installed package (a real file: FreeType reads it lazily)."""
    path = Path(str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE)))
    if not path.is_file():
        raise FileNotFoundError(f"{FONT_FILE} not found in the {FONT_PACKAGE} package (is it installed unzipped?)")
    return path


@lru_cache(maxsize=64)
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    """Noto Sans SC at `size` pixels; cached, so each size opens one FreeType face for the whole process.

    Callers should round sizes (the watermark uses multiples of 2) so the cache stays small.
    """
    if size <= 0:
        raise ValueError("font size must be positive")
    return ImageFont.truetype(str(cjk_font_path()), size)
