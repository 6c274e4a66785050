"""An admin of township A (城关镇) sees nothing of township B (青山镇) anywhere in the console, on a phone: not in the
review queue, the hazard board and its counts, tip-offs, dispatch, places and users search, bulletins, nor by
typing a B object's URL."""
from __future__ import annotations

import uuid

from tests.webapp.conftest import live_headers, shot
from tests.webapp.console_helpers import api_post, checkin, console_login, console_phone, photo  # noqa: F401

B_MARKS = ("测试m2", "西岭村", "青山镇", "测试P2五金厂", "B镇独有隐患", "B镇独有举报", "B镇任务")


def _screen_text(page, link: str, heading: str | None = None) -> str:
    page.get_by_role("link", name=link, exact=True).click()
    page.get_by_role("heading", name=heading or link, exact=True).wait_for()
    page.wait_for_load_state("networkidle")
    return page.locator("main").inner_text()


def _no_b(text: str, where: str) -> None:
    leaked = [m for m in B_MARKS if m in text]
    assert not leaked, (where, leaked)


def test_township_a_admin_sees_nothing_of_township_b(console_phone, live):  # noqa: F811
    from playwright.sync_api import expect

    page = console_phone
    w = live.world
    checkin(live, "m2", lng=120.3)
    checkin(live, "m1")
    hb = api_post(live, "town2", "/hazards", {"place_id": w.places["P2"].id, "category": "电气线路",
                                              "description": "B镇独有隐患", "photo_ids": [photo(live, "town2", "hazard")]},
                  status=201)
    api_post(live, "town1", "/hazards", {"place_id": w.places["P1"].id, "category": "电气线路",
                                         "description": "A镇的隐患", "photo_ids": [photo(live, "town1", "hazard")]},
             status=201)
    category = live.api().get("/api/v1/tipoffs/categories").get_json()[0]["code"]
    tb = live.api().post("/api/v1/tipoffs", json={"client_uuid": str(uuid.uuid4()), "category": category,
                                                  "description": "B镇独有举报", "location": {"lat": 29.2, "lng": 120.3}})
    assert tb.status_code == 201
    tb_id = live.api().get("/api/v1/tipoffs", headers=live_headers(live, "town2")).get_json()[0]["id"]
    api_post(live, "town2", "/tasks", {"kind": "other", "title": "B镇任务", "due_date": "2030-01-01",
                                       "user_ids": [w.users["m2"].id]}, status=201)

    console_login(page, "town1")
    page.locator("[data-record]").first.wait_for()
    page.wait_for_load_state("networkidle")
    text = page.locator("main").inner_text()
    _no_b(text, "review")
    assert "待审核 1 条" in text
    for option in page.get_by_label("网格员").locator("option").all() + page.get_by_label("网格").locator("option").all():
        _no_b(option.inner_text(), "review filters")
    shot(page, "console-14-phone-review")

    text = _screen_text(page, "隐患台账")
    page.get_by_text("A镇的隐患").wait_for()
    _no_b(text, "hazards")
    expect(page.get_by_test_id("count-reported")).to_have_text("1")
    shot(page, "console-15-phone-hazards")
    for link, heading in (("举报处置", None), ("每日调度", None), ("每日通报", None), ("场所", None), ("人员", None)):
        _no_b(_screen_text(page, link, heading), link)
    page.get_by_role("link", name="场所", exact=True).click()
    page.get_by_label("搜索").fill("P2")
    page.get_by_text("没有符合条件的场所").wait_for()
    page.get_by_role("link", name="人员", exact=True).click()
    page.get_by_label("搜索").fill("m2")
    page.get_by_text("没有人员").wait_for()

    page.goto(f"/app/#/hazards/{hb['id']}")
    page.get_by_role("alert").wait_for()
    _no_b(page.locator("main").inner_text(), "hazard URL")
    page.goto(f"/app/#/tipoffs/{tb_id}")
    page.get_by_role("alert").wait_for()
    _no_b(page.locator("main").inner_text(), "tip-off URL")
    shot(page, "console-16-phone-not-found")
    assert not [e for e in page.js_errors if "404" not in e], page.js_errors
