"""The console's other screens by clicking, as a township admin and the county admin: a task dispatched to every
member of a grid shows its progress per assignee; today's bulletin is previewed and its publication refused with
the server's message, yesterday's is published and listed with its workbook; a member's binding code comes with
its QR image; the county's audit log, rewards ledger and hazard statistics open."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from server.dispatch.models import Task
from tests.webapp.conftest import shot
from tests.webapp.console_helpers import console_login, desk  # noqa: F401


def test_dispatch_bulletins_users_and_the_county_screens(desk, live, session):  # noqa: F811
    from playwright.sync_api import expect

    console_login(desk, "town1")
    desk.get_by_role("link", name="每日调度").click()
    form = desk.get_by_role("form", name="新建任务")
    form.get_by_label("任务类型").select_option("other")
    form.get_by_label("任务名称").fill("检查液化气钢瓶")
    form.get_by_role("group", name="或: 网格内全部网格员").get_by_label("东溪村第1网格").check()
    form.get_by_role("button", name="派发任务").click()
    desk.get_by_text("已派发: 检查液化气钢瓶 (1 人)").wait_for()
    row = desk.locator("tr", has_text="检查液化气钢瓶")
    expect(row).to_contain_text("0 / 1")
    expect(row).to_contain_text("测试m1")
    shot(desk, "console-17-dispatch")
    session.rollback()
    assert session.query(Task).filter_by(title="检查液化气钢瓶").one().created_by_id == live.world.users["town1"].id

    desk.get_by_role("link", name="每日通报").click()
    desk.get_by_label("日期").fill(_today())
    desk.get_by_test_id("bulletin").wait_for()
    desk.get_by_role("button", name="发布通报").click()
    desk.get_by_text("当天尚未结束").wait_for()                          # the server's refusal, in its words
    desk.get_by_label("日期").fill(_today(-1))
    desk.get_by_test_id("bulletin").wait_for()
    desk.get_by_role("button", name="发布通报").click()
    desk.get_by_text(f"已发布 {_today(-1)} 的通报").wait_for()
    shot(desk, "console-18-bulletin")
    with desk.expect_download() as got:
        desk.get_by_role("button", name="XLSX").first.click()
    book = load_workbook(io.BytesIO(got.value.path().read_bytes()))
    assert any("测试m1" in str(c) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r if c)

    desk.get_by_role("link", name="人员").click()
    desk.locator("tr", has_text="测试m1b").get_by_role("button", name="微信绑定码").click()
    dialog = desk.get_by_role("dialog")
    code = dialog.get_by_test_id("binding-code").inner_text()
    qr = dialog.get_by_role("img", name=f"绑定码二维码 {code}")
    expect(qr).to_have_js_property("complete", True)
    assert qr.evaluate("(i) => i.naturalWidth") > 50
    shot(desk, "console-19-binding-code", full_page=False)
    desk.keyboard.press("Escape")
    assert not desk.js_errors, desk.js_errors

    desk.get_by_role("button", name="退出登录").click()
    desk.get_by_label("账号").wait_for()
    console_login(desk, "county")
    desk.get_by_role("link", name="审计日志").click()
    desk.locator("tbody tr").first.wait_for()
    expect(desk.locator("main")).to_contain_text("新建 任务")        # actions in Chinese, the code in the tooltip
    shot(desk, "console-20-audit")
    desk.get_by_role("link", name="举报处置").click()
    desk.get_by_role("link", name="奖励台账").click()
    desk.get_by_text("该期间没有奖励记录").wait_for()
    desk.get_by_role("link", name="隐患台账").click()
    desk.get_by_role("link", name="分乡镇统计").click()
    stats = desk.get_by_role("table", name="统计")
    stats.get_by_text("城关镇").wait_for()
    stats.get_by_text("青山镇").wait_for()
    shot(desk, "console-21-hazard-stats")
    assert not desk.js_errors, desk.js_errors


def _today(days: int = 0) -> str:
    from datetime import datetime, timedelta, timezone

    return (datetime.now(timezone(timedelta(hours=8))) + timedelta(days=days)).date().isoformat()
