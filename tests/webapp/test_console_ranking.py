"""月排名 in the console: the county admin computes last month's draft (marked as a draft), publishes it with the rule
version shown, downloads the poster and the workbook (their content is read), then publishes a correction with a
reason; the first revision stays readable."""
from __future__ import annotations

import io
from dataclasses import replace

from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from server.ranking.models import RankingRun
from tests.webapp.conftest import shot
from tests.webapp.console_helpers import checkin, console_login, desk  # noqa: F401


def _last_month() -> str:
    from datetime import datetime, timedelta, timezone

    today = datetime.now(timezone(timedelta(hours=8))).date()
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


def _clock_ins_last_month(live) -> None:
    """Two days of clock-ins in last month, made with the server's clock moved back to those days."""
    from datetime import datetime, timedelta, timezone

    y, m = map(int, _last_month().split("-"))
    try:
        for day in (10, 11):
            moment = datetime(y, m, day, 9, 0, tzinfo=timezone(timedelta(hours=8)))
            live.clock.offset = moment - datetime.now(timezone.utc)
            checkin(live, "m1", minutes_ago=1)
            checkin(live, "m2", lng=120.3, minutes_ago=1)
    finally:
        live.clock.offset = timedelta()


def test_county_publishes_last_months_ranking_and_a_correction(desk, live, session, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    month = _last_month()
    _clock_ins_last_month(live)
    # compute and publish answer 202 with a background job at once (server/jobs): the console polls it to the end
    cfg = live.app.extensions["gridpatrol.config"]
    live.app.extensions["gridpatrol.config"] = replace(cfg, jobs_wait_seconds=0.0)
    live.app.extensions.pop("gridpatrol.jobs.runtime", None)
    answers: list[int] = []
    desk.on("response", lambda r: answers.append(r.status) if r.request.method == "POST" and "/rankings/" in r.url
            else None)
    console_login(desk, "county")
    desk.get_by_role("link", name="月排名").click()
    desk.get_by_text(f"{month} 还没有排名").wait_for()
    desk.get_by_role("button", name="计算草稿").click()
    run = desk.get_by_test_id("ranking-run")
    run.get_by_text("草稿 · 未发布").wait_for()
    assert answers == [202], answers
    board = desk.get_by_role("table", name="排行榜")
    board.get_by_text("测试m1", exact=True).wait_for()
    assert "gc-draft-mark" in board.locator("xpath=..").get_attribute("class")     # the board says 草稿 too
    shot(desk, "console-08-ranking-draft")

    desk.get_by_role("button", name="发布", exact=True).click()
    dialog = desk.get_by_role("dialog", name="发布月排名")
    expect(dialog).to_contain_text("规则第 1 版")
    dialog.get_by_role("button", name="确认发布").click()
    dialog.wait_for(state="detached")
    run.get_by_text("已发布 第 1 版").wait_for()
    expect(run).to_contain_text("规则第 1 版")

    with desk.expect_download() as got:
        desk.get_by_role("button", name="海报 PNG").click()
    poster = Image.open(io.BytesIO(got.value.path().read_bytes()))
    assert poster.format == "PNG" and poster.width >= 600 and poster.height >= 600
    with desk.expect_download() as got:
        desk.get_by_role("button", name="导出 XLSX").click()
    assert got.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(got.value.path().read_bytes()))
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "测试m1" in cells and "测试m2" in cells and any(month in c or month.replace("-", "年") in c for c in cells)

    desk.get_by_role("button", name="发布更正版").click()
    dialog = desk.get_by_role("dialog", name="发布更正版")
    expect(dialog).to_contain_text("第 2 版")
    expect(dialog.get_by_role("button", name="确认发布")).to_be_disabled()     # not without a reason
    dialog.get_by_label("更正原因").fill("东溪村第1网格两天的打卡补录后重新计算")
    dialog.get_by_role("button", name="确认发布").click()
    dialog.wait_for(state="detached")
    run.get_by_text("已发布 第 2 版").wait_for()
    expect(run).to_contain_text("更正原因: 东溪村第1网格两天的打卡补录后重新计算")

    desk.get_by_label("版本").select_option("1")               # the first revision is still there to read
    run.get_by_text("已发布 第 1 版").wait_for()
    board.get_by_text("测试m1", exact=True).wait_for()
    shot(desk, "console-09-ranking-published")
    assert not desk.js_errors, desk.js_errors

    session.rollback()
    runs = session.scalars(select(RankingRun).where(RankingRun.month == month).order_by(RankingRun.revision)).all()
    assert [(r.revision, r.status, r.reason) for r in runs] == [
        (1, "published", None), (2, "published", "东溪村第1网格两天的打卡补录后重新计算")]
    assert {r.published_by for r in runs} == {"county"}
