"""登录 as a member meets it: a wrong password, the lockout after repeated failures with the minutes left (said
once), and no network, each in plain Chinese on the page."""
from __future__ import annotations

from tests.factories import PASSWORD
from tests.webapp.conftest import shot


def _try(page, password: str, online: bool = True) -> str:
    page.get_by_label("密码").fill(password)
    if online:
        with page.expect_response("**/api/v1/auth/login"):
            page.get_by_role("button", name="登录").click()
    else:
        page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="登录").wait_for()   # the answer is on the page (not 正在登录… any more)
    return page.locator(".gp-error[role=alert]").inner_text()


def test_login_errors_are_plain_chinese(phone, live):
    max_failures = live.app.extensions["gridpatrol.config"].login_max_failures
    lockout = live.app.extensions["gridpatrol.config"].login_lockout_minutes
    phone.goto("/app/")
    phone.get_by_label("账号").fill("m1")
    assert "用户名或密码错误" in _try(phone, "wrong-password")
    for _ in range(max_failures):   # the last one is refused by the lock, not by the password
        text = _try(phone, "wrong-password")
        if "登录失败次数过多" in text:
            break
    assert "登录失败次数过多" in text and text.count("分钟后再试") == 1, text
    assert f"{lockout} 分钟" in text or f"{lockout - 1} 分钟" in text, text
    shot(phone, "28-login-locked", full_page=False)

    phone.context.set_offline(True)
    assert "网络不通" in _try(phone, PASSWORD, online=False)
    phone.context.set_offline(False)
    assert not phone.js_errors
