"""The hazard loop in the console: an order with its printable 指令书 through a signed link, the rectification judged
side by side in the review queue, the re-check that closes a general hazard, and a supervised major one that only
the county's sign-off closes."""
from __future__ import annotations

from server.hazards.models import Hazard
from tests.webapp.conftest import shot
from tests.webapp.console_helpers import api_post, console_login, desk, photo  # noqa: F401


def _hazard(live, level: str, text: str) -> int:
    h = api_post(live, "town1", "/hazards", {"place_id": live.world.places["P1"].id, "category": "疏散通道",
                                                "description": text, "level": level,
                                                "photo_ids": [photo(live, "town1", "hazard")]}, status=201)
    return h["id"]


def _rectify(live, hazard_id: int) -> None:
    api_post(live, "m1", f"/hazards/{hazard_id}/rectify", {"photo_ids": [photo(live, "m1", "rectification")],
                                                           "statement": "货物已清走, 通道畅通"})


def _logout(page) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("账号").wait_for()


def test_rectification_side_by_side_recheck_close_and_the_county_sign_off(desk, live, session):  # noqa: F811
    from playwright.sync_api import expect

    general = _hazard(live, "general", "安全出口被货物堵塞")
    major = _hazard(live, "major", "液化气钢瓶存放在地下室")
    api_post(live, "county", f"/hazards/{major}/supervision", {"level": "county", "target_date": "2030-01-31",
                                                               "supervisor": "县应急局王局长"})
    api_post(live, "town1", f"/hazards/{major}/order", {"deadline": "2030-01-10", "measures": "移出地下室",
                                                        "responsible_person": "李四"})

    console_login(desk, "town1")
    desk.get_by_role("link", name="隐患台账").click()
    expect(desk.get_by_test_id("count-reported")).to_have_text("1")
    expect(desk.get_by_test_id("count-ordered")).to_have_text("1")
    desk.get_by_role("link", name="疏散通道").first.wait_for()
    shot(desk, "console-04-hazards")
    desk.goto(f"/app/#/hazards/{general}")
    desk.get_by_role("button", name="责令限期整改").click()
    form = desk.get_by_role("dialog", name="责令限期整改")
    form.get_by_label("整改期限").fill("2030-01-05")
    form.get_by_label("整改责任人").fill("张三")
    form.get_by_label("整改措施").fill("清理安全出口的货物, 设置禁止堆放标识")
    form.get_by_role("button", name="确定").click()
    form.wait_for(state="detached")
    desk.get_by_text("已责令整改").first.wait_for()
    with desk.context.expect_page() as popup:
        desk.get_by_role("button", name="打印指令书").click()
    order = popup.value
    order.wait_for_url("**/order.html?*link_sig=*")
    order.wait_for_load_state()
    assert "责令限期整改指令书" in order.content() and "清理安全出口的货物" in order.content()
    order.close()

    _rectify(live, general)
    _rectify(live, major)
    desk.get_by_role("link", name="照片审核").click()
    desk.get_by_label("类型").select_option("rectification")
    cards = desk.locator("[data-record^='rectification:']")
    cards.nth(1).wait_for()
    card = desk.locator("[data-record]", has_text="安全出口被货物堵塞")
    card.click()
    desk.keyboard.press("Enter")
    pair = desk.get_by_test_id("side-by-side")
    before = pair.locator("section").nth(0).locator("img")
    after = pair.locator("section").nth(1).locator("img")
    before.first.wait_for()
    after.first.wait_for()
    b, a = before.first.bounding_box(), after.first.bounding_box()
    assert abs(b["width"] - a["width"]) < 2 and abs(b["height"] - a["height"]) < 2   # the same size, side by side
    assert a["x"] > b["x"] + b["width"] - 1
    shot(desk, "console-05-rectification-side-by-side", full_page=False)
    desk.keyboard.press("Escape")
    pair.wait_for(state="detached")
    desk.keyboard.press("a")
    card.get_by_text("已通过").wait_for()

    desk.goto(f"/app/#/hazards/{general}")
    desk.get_by_role("button", name="复查").click()
    recheck = desk.get_by_role("dialog", name="复查")
    recheck.get_by_label("复查意见").fill("现场复查, 通道已畅通")
    recheck.get_by_role("button", name="确定").click()
    recheck.wait_for(state="detached")
    desk.get_by_text("已销号").first.wait_for()
    shot(desk, "console-06-hazard-closed")

    desk.goto(f"/app/#/hazards/{major}")
    desk.get_by_role("button", name="复查").click()
    recheck = desk.get_by_role("dialog", name="复查")
    recheck.get_by_text("须由县级管理员签字销号").wait_for()
    recheck.get_by_role("button", name="确定").click()
    recheck.wait_for(state="detached")
    desk.get_by_text("复查合格待销号").first.wait_for()
    desk.get_by_role("button", name="签字销号").click()
    desk.get_by_role("dialog", name="签字销号").get_by_role("button", name="确定").click()
    desk.get_by_text("挂牌督办的重大事故隐患须经县级管理员签字销号").first.wait_for()   # the server's refusal
    session.rollback()   # a fresh snapshot (SQLite keeps the read transaction of the last query)
    assert session.get(Hazard, major).status == "rechecked"
    assert not desk.js_errors, desk.js_errors

    desk.keyboard.press("Escape")
    _logout(desk)
    console_login(desk, "county")
    desk.goto(f"/app/#/hazards/{major}")
    desk.get_by_role("button", name="签字销号").click()
    desk.get_by_role("dialog", name="签字销号").get_by_role("button", name="确定").click()
    expect(desk.get_by_text("已签字销号")).to_be_visible()
    shot(desk, "console-07-hazard-signed-off")
    session.rollback()   # a fresh snapshot (SQLite keeps the read transaction of the last query)
    closed = session.get(Hazard, major)
    assert closed.status == "closed" and closed.supervision.signed_off_by_id == live.world.users["county"].id
    assert session.get(Hazard, general).status == "closed"
    assert not desk.js_errors, desk.js_errors
