"""The printable 扫码举报 poster of a township: an A4 page (150 dpi) with a QR code of the public report page,
drawn with the project's CJK font.  :func:`render` takes plain values and answers PNG bytes; :func:`for_area`
loads the area through the actor's scope first."""
from __future__ import annotations

import io
from urllib.parse import urlencode

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from media.fonts import cjk_font
from media.qr import qr_image
from server.auth.scope import Actor
from server.errors import ApiError
from server.org.models import Area

DPI = 150
WIDTH, HEIGHT = 1240, 1754  # A4 (210 × 297 mm) at 150 dpi
MARGIN = 90
RED = (200, 16, 46)
INK = (33, 33, 33)
GREY = (100, 100, 100)
WHITE = (255, 255, 255)
QR_SIZE = 820  # about 14 cm printed: scans from a metre away
QR_TOP = 470

PROMISES = ("发现安全隐患, 微信扫一扫, 随手拍照举报", "可匿名举报, 举报人信息严格保密",
            "提交后获得查询码, 随时查看处理进度")


def report_url(public_url: str, township_code: str | None) -> str:
    """The public report page, preset to the township (its area code) when there is one."""
    base = f"{public_url.rstrip('/')}/report"
    return f"{base}?{urlencode({'township': township_code})}" if township_code else base


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill: tuple[int, int, int]) -> int:
    """Draw one centred line, shrinking the font until it fits the page; return the y below it."""
    while size > 12:
        font = cjk_font(size)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        if right - left <= WIDTH - 2 * MARGIN:
            break
        size -= 2
    draw.text(((WIDTH - (right - left)) // 2 - left, y - top), text, font=font, fill=fill)
    return y + int(bottom - top)


def render(*, url: str, area_name: str, county_name: str, bureau: str) -> bytes:
    """The poster as PNG bytes (A4, 150 dpi)."""
    page = Image.new("RGB", (WIDTH, HEIGHT), WHITE)
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, WIDTH, 330), fill=RED)
    _centered(draw, 70, "扫码举报", 150, WHITE)
    _centered(draw, 260, f"{area_name} 安全隐患举报", 52, WHITE)
    _centered(draw, 370, "人人都是安全员 · 隐患早发现早整改", 40, INK)
    qr = qr_image(url, width=QR_SIZE)
    page.paste(qr, ((WIDTH - qr.width) // 2, QR_TOP))
    y = QR_TOP + qr.height + 40
    for line in PROMISES:
        y = _centered(draw, y, line, 44, INK) + 26
    y = _centered(draw, y + 10, url, 28, GREY)
    draw.line((MARGIN, HEIGHT - 150, WIDTH - MARGIN, HEIGHT - 150), fill=RED, width=4)
    _centered(draw, HEIGHT - 120, bureau, 40, INK)
    _centered(draw, HEIGHT - 60, f"{county_name} · 网格化安全巡查", 28, GREY)
    out = io.BytesIO()
    page.save(out, "PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()


def for_area(session: Session, actor: Actor, public_url: str, area_id: int) -> bytes:
    """The poster of a township (or of the whole county, pointing at the report page without a township), if the
    actor's scope covers it; the same 404 as a missing area otherwise."""
    area = actor.require_area(session.get(Area, area_id), "区域")
    if area.level not in ("township", "county"):
        raise ApiError(422, "poster_township_only")
    county = area if area.level == "county" else session.get(Area, int(area.path.strip("/").split("/")[0]))
    county_name = county.name if county else ""
    name = area.name if area.level == "county" else f"{county_name}{area.name}"
    url = report_url(public_url, area.code if area.level == "township" else None)
    return render(url=url, area_name=name, county_name=county_name, bureau=f"{county_name}应急管理局")
