"""The printed rectification order (责令限期整改指令书) as Chromium prints it: one A4 sheet for a normal order and
for a long-but-normal one, and the table's right border inside the printable width even when a description holds a
long unbroken string."""
from __future__ import annotations

import io
import re
from typing import Any

import pytest

from tests.patrol_helpers import local
from tests.test_hazards import Loop, ok

# The printable area of the order's @page (A4 less 22 + 18 mm across and 20 + 18 mm down), in CSS pixels.
PRINTABLE = {"width": round((210 - 40) / 25.4 * 96), "height": round((297 - 38) / 25.4 * 96)}


@pytest.fixture
def hazards(client: Any, world: Any, clock: Any) -> Loop:
    clock.set(local(2026, 11, 23, 10, 0))
    return Loop(client, world)


def order_page(loop: Loop, description: str, measures: str) -> str:
    hid = loop.create(description=description)
    ok(loop.order(hid, measures=measures))
    resp = loop.get("town1", f"/{hid}/order.html")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def printed_pages(browser: Any, html: str) -> int:
    """The number of sheets Chromium's print to PDF makes of the page (the page's own @page size: A4)."""
    page = browser.new_page()
    try:
        page.set_content(html)
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        page.close()
    assert pdf.startswith(b"%PDF")
    leaves = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    counts = [int(c) for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf, re.S)] or \
        [int(c) for c in re.findall(rb"/Count\s+(\d+)", pdf)]
    assert counts and max(counts) == leaves, (counts, leaves)
    return leaves


def test_a_normal_order_prints_on_one_a4_sheet(hazards: Loop, browser: Any) -> None:
    html = order_page(hazards, "安全出口被货物堵塞, 灭火器压力不足", "清理安全出口, 更换灭火器并每月检查")
    assert "size: A4" in html
    assert printed_pages(browser, html) == 1


def test_a_long_but_normal_order_still_prints_on_one_sheet(hazards: Loop, browser: Any) -> None:
    description = ("车间东侧安全出口被成品货物堵塞, 疏散通道宽度不足一米; 二楼仓库灭火器压力不足, 应急照明灯不亮。" * 5)[:200]
    measures = ("立即清理安全出口和疏散通道, 更换失效灭火器并每月检查, 修复应急照明, 安排专人负责消防器材台账。" * 3)[:120]
    html = order_page(hazards, description, measures)
    assert description in html and measures in html
    assert printed_pages(browser, html) == 1


def test_the_tables_right_border_is_inside_the_printable_width(hazards: Loop, browser: Any) -> None:
    from PIL import Image

    html = order_page(hazards, "出口编号 " + "EXIT0042BLOCKED" * 12 + " 被堵塞", "清理安全出口")
    page = browser.new_page(viewport=PRINTABLE)
    try:
        page.set_content(html)
        page.emulate_media(media="print")
        box = page.evaluate("""() => {
          const t = document.querySelector('table').getBoundingClientRect();
          return {right: t.right, top: t.top, height: t.height, width: document.documentElement.clientWidth,
                  scroll: document.documentElement.scrollWidth};
        }""")
        assert box["scroll"] <= box["width"], box  # nothing sticks out past the printable width
        assert box["right"] <= box["width"], box
        # The right border itself is drawn on the last pixel column inside the printable width, down the table.
        edge = page.screenshot(clip={"x": box["width"] - 1, "y": box["top"], "width": 1, "height": box["height"]})
    finally:
        page.close()
    column = Image.open(io.BytesIO(edge)).convert("L")
    dark = sum(1 for v in column.tobytes() if v < 128)
    assert dark >= 0.9 * column.height, (dark, column.height)
