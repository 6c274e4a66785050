"""Tokens and accounts under the outbox: an expired access token and a revoked refresh token pause the queue and
ask for a login, nothing is dropped, nothing is sent under another member's account; 大字模式 on a 320-px screen."""
from __future__ import annotations

from sqlalchemy import func, select

from server.patrol.models import CheckIn
from tests.factories import PASSWORD
from tests.photos import jpeg
from tests.webapp.conftest import shot
from tests.webapp.helpers import log_in, photo_file, wait_all_sent


def _checkins(session):
    session.rollback()
    return session.scalar(select(func.count()).select_from(CheckIn))


def test_expired_and_revoked_tokens_pause_the_queue_until_the_same_member_logs_in(phone, live, session, tmp_path):
    log_in(phone)
    phone.context.set_offline(True)
    phone.goto("/app/#/checkin")
    phone.get_by_label("在岗照片 拍照").set_input_files(str(photo_file(tmp_path, "c.jpg", jpeg(5, size=(320, 240)))))
    phone.locator(".gp-thumb img").first.wait_for()
    phone.get_by_role("button", name="打卡").click()
    phone.get_by_text("已保存在手机上, 尚未上传").wait_for()

    live.clock.advance(minutes=20)   # the access token (15 min) has expired …
    refresh = phone.evaluate("() => JSON.parse(localStorage.getItem('gridpatrol.tokens')).refresh_token")
    # … and the refresh token is spent elsewhere, so the phone's use of it is a replay that revokes the whole login
    assert live.api().post("/api/v1/auth/refresh", json={"refresh_token": refresh}).status_code == 200
    phone.context.set_offline(False)
    phone.get_by_text("登录已过期, 请重新登录").wait_for(timeout=30000)
    assert "2 条待上传" in phone.get_by_role("alert").first.inner_text()
    assert _checkins(session) == 0
    shot(phone, "15-login-expired", full_page=False)

    # another member on the same phone: m1's items stay on the phone and are not sent as m1b's
    phone.get_by_label("账号").fill("m1b")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.get_by_role("link", name="我的", exact=True).click()
    phone.get_by_text("另有 2 条其他账号的记录").or_(phone.get_by_text("全部已上传")).first.wait_for()
    phone.goto("/app/#/me/outbox")
    phone.get_by_text("另有 2 条其他账号的记录").wait_for()
    phone.wait_for_timeout(1500)
    assert _checkins(session) == 0
    phone.goto("/app/#/me")
    phone.get_by_role("button", name="退出登录").click()
    phone.get_by_role("dialog").get_by_role("button", name="退出").click()
    phone.get_by_label("账号").wait_for(timeout=30000)  # logout tells the server first; a busy one takes a while

    log_in(phone, "m1")
    wait_all_sent(phone)
    session.rollback()
    rows = session.scalars(select(CheckIn)).all()
    assert [r.user_id for r in rows] == [live.world.users["m1"].id]


def test_logout_is_refused_while_items_wait(phone, live, tmp_path):
    log_in(phone)
    phone.context.set_offline(True)
    phone.goto("/app/#/checkin")
    phone.get_by_label("在岗照片 拍照").set_input_files(str(photo_file(tmp_path, "c.jpg", jpeg(6, size=(320, 240)))))
    phone.locator(".gp-thumb img").first.wait_for()
    phone.get_by_role("button", name="打卡").click()
    phone.goto("/app/#/me")
    phone.get_by_role("button", name="退出登录").click()
    phone.get_by_text("暂不能退出").wait_for()
    phone.get_by_role("button", name="知道了").click()
    assert phone.evaluate("() => !!localStorage.getItem('gridpatrol.tokens')")


def test_care_mode_on_a_320_px_screen(browser, live, tmp_path):
    ctx = browser.new_context(viewport={"width": 320, "height": 640}, device_scale_factor=2, is_mobile=True,
                              has_touch=True, locale="zh-CN", base_url=live.url,
                              geolocation={"latitude": 29.2, "longitude": 120.05, "accuracy": 30},
                              permissions=["geolocation"])
    page = ctx.new_page()
    try:
        log_in(page)
        page.get_by_role("link", name="我的", exact=True).click()
        page.get_by_text("大字模式", exact=True).click()
        assert page.get_by_role("switch", name="大字模式").is_checked()
        assert page.evaluate("() => document.body.dataset.weuiMode") == "care"
        assert page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 18

        def no_overflow() -> None:
            width = page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
            assert width <= 320, (page.url, width)

        def tall(locator, name) -> None:
            box = locator.bounding_box()
            assert box and box["height"] >= 60, (name, box)

        for hash_ in ("today", "me", "tasks", "hazards", "places", "report", "snap"):
            page.goto(f"/app/#/{hash_}")
            page.wait_for_timeout(400)
            no_overflow()
            assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") >= 18
        page.goto("/app/#/today")
        tall(page.get_by_role("link", name="进岗打卡").first, "进岗打卡 on today")
        page.goto("/app/#/checkin")
        page.get_by_test_id("gps-accuracy").wait_for()
        tall(page.get_by_role("button", name="打卡"), "打卡")
        tall(page.locator("label.gp-camera"), "拍照")
        no_overflow()
        shot(page, "16-care-mode-320", full_page=False)
        page.goto("/app/#/patrol/%d" % live.world.places["P1"].id)
        page.locator("[data-item]").first.wait_for()
        no_overflow()
        tall(page.get_by_role("button", name="下一步: 核对"), "下一步")
        page.get_by_role("button", name="下一步: 核对").click()
        tall(page.get_by_role("button", name="提交巡查"), "提交巡查")
        page.goto("/report")
        page.get_by_label("问题描述").wait_for()
        no_overflow()
    finally:
        ctx.close()
