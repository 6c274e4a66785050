"""Tokens and accounts under the outbox: an expired access token and a revoked refresh token pause the queue and
ask for a login, nothing is dropped, nothing is sent under another member's account (大字模式: test_care_mode.py)."""
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

