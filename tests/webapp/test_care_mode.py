"""大字模式 on a 320-px screen, screen by screen: no horizontal overflow, text ≥ 18 px, every main button (打卡, 拍照,
提交 …) ≥ 60 px high, and no button hidden under the tab bar when the page is scrolled to its end; with a long
member name, a long place name and a long task title, and the empty lists a new member sees."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from server.auth.models import User
from server.org.models import Area
from server.places.models import Place
from tests.factories import add_user
from tests.photos import jpeg, upload
from tests.webapp.conftest import live_headers, shot
from tests.webapp.helpers import log_in

SHANGHAI = timezone(timedelta(hours=8))
LONG_PLACE = "东溪村农民专业合作社联合社第二分社农产品冷链仓储及加工配送中心"
LONG_NAME = "欧阳司马上官慕容诸葛晓明"
LONG_TASK = "检查村委会及村文化礼堂、老年活动中心、幼儿园的灭火器和应急照明是否在有效期内"

# Every visible full-size button, the camera boxes and the answer choices; `main` ones must be ≥ 60 px high.
MEASURE = """() => {
  window.scrollTo(0, document.documentElement.scrollHeight);
  const bar = document.querySelector('.gp-tabbar');
  const barTop = bar ? bar.getBoundingClientRect().top : window.innerHeight;
  const out = [];
  document.querySelectorAll('.weui-btn:not(.weui-btn_mini), label.gp-camera, .gp-choice, .gp-main').forEach((el) => {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) return;
    const main = el.matches('.gp-main, label.gp-camera, .weui-btn_primary:not(.weui-btn_mini), .gp-choice');
    const labelled = el.getAttribute('aria-label') ? el : el.querySelector('[aria-label]');
    const text = (el.innerText || '').trim() || (labelled ? labelled.getAttribute('aria-label') : el.className);
    out.push({ text: text.slice(0, 20), height: r.height,
               main: main, under_bar: r.bottom > barTop + 0.5 && r.top < window.innerHeight });
  });
  return { buttons: out, width: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
           font: parseFloat(getComputedStyle(document.body).fontSize) };
}"""


def check(page, screen: str) -> list[dict]:
    page.wait_for_timeout(150)   # let a late answer re-render before measuring
    m = page.evaluate(MEASURE)
    assert m["width"] <= 320, (screen, "overflows to", m["width"])
    assert m["font"] >= 18, (screen, "text", m["font"])
    for b in m["buttons"]:
        assert not b["under_bar"], (screen, "hidden under the tab bar", b)
        if b["main"]:
            assert b["height"] >= 60 - 0.5, (screen, "main button too small", b)
    assert any(b["main"] for b in m["buttons"]) or screen in ("me", "hazards-empty", "places"), (screen, "no main button")
    page.evaluate("window.scrollTo(0, 0)")
    return m["buttons"]


def test_care_mode_on_a_320_px_screen_every_main_screen(browser, live, session, tmp_path):
    m1 = live.world.users["m1"]
    session.get(User, m1.id).display_name = LONG_NAME
    session.get(Place, live.world.places["P1"].id).name = LONG_PLACE
    session.commit()
    today = datetime.now(SHANGHAI).date().isoformat()
    made = live.api().post("/api/v1/tasks", headers=live_headers(live, "town1"), json={
        "kind": "other", "title": LONG_TASK, "due_date": today, "user_ids": [m1.id]})
    assert made.status_code == 201, made.get_json()

    ctx = browser.new_context(viewport={"width": 320, "height": 640}, device_scale_factor=2, is_mobile=True,
                              has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live.url,
                              geolocation={"latitude": 29.2, "longitude": 120.05, "accuracy": 30},
                              permissions=["geolocation"])
    page = ctx.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page)
        page.get_by_role("link", name="我的", exact=True).click()
        page.get_by_text("大字模式", exact=True).click()
        assert page.get_by_role("switch", name="大字模式").is_checked()
        assert page.evaluate("() => document.body.dataset.weuiMode") == "care"
        assert page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 18
        check(page, "me")
        shot(page, "17-care-me", full_page=False)

        page.goto("/app/#/today")
        page.get_by_text("待巡查场所").wait_for()
        assert LONG_NAME in page.locator(".gp-hello").inner_text()
        check(page, "today")
        shot(page, "18-care-today", full_page=False)

        page.goto("/app/#/checkin")
        page.get_by_test_id("gps-accuracy").wait_for()
        names = [b["text"] for b in check(page, "checkin") if b["main"]]
        assert "打卡" in names and any("拍照" in n for n in names), names
        shot(page, "16-care-mode-320", full_page=False)

        page.goto("/app/#/places")
        page.get_by_role("link", name=LONG_PLACE).wait_for()
        check(page, "places")
        shot(page, "19-care-places", full_page=False)

        page.goto("/app/#/patrol/%d" % live.world.places["P1"].id)
        page.locator("[data-item]").first.wait_for()
        check(page, "patrol")
        page.get_by_role("button", name="下一步: 核对").click()
        page.get_by_role("button", name="提交巡查").wait_for()
        check(page, "patrol-summary")

        page.goto("/app/#/snap")
        page.get_by_role("button", name="提交").wait_for()
        check(page, "snap")
        shot(page, "20-care-snap", full_page=False)

        page.goto("/app/#/publicity")
        page.get_by_role("link", name="选择场所, 记录宣传").wait_for()
        check(page, "publicity")
        page.goto("/app/#/publicity/%d" % live.world.places["P1"].id)
        page.get_by_role("button", name="提交宣传记录").wait_for()
        check(page, "publicity-form")

        page.goto("/app/#/report")
        page.get_by_role("button", name="提交日报").wait_for()
        check(page, "report")

        page.get_by_role("link", name="任务", exact=True).click()
        page.get_by_text(LONG_TASK).first.wait_for()
        check(page, "tasks")
        shot(page, "21-care-tasks", full_page=False)

        page.get_by_role("link", name="隐患", exact=True).click()
        page.get_by_text("没有隐患").wait_for()   # a new member's empty list says so
        check(page, "hazards-empty")
        shot(page, "22-care-hazards-empty", full_page=False)

        town = live_headers(live, "town1")   # a hazard ordered to be put right: the member's 整改 screen
        found = live.api().post("/api/v1/hazards", headers=town, json={
            "place_id": live.world.places["P1"].id, "category": "疏散通道", "description": "安全出口被货物堵塞"})
        assert found.status_code == 201, found.get_json()
        hazard = found.get_json()["id"]
        ordered = live.api().post(f"/api/v1/hazards/{hazard}/order", headers=town, json={
            "deadline": today, "measures": "清理出口", "responsible_person": "王经理"})
        assert ordered.status_code == 200, ordered.get_json()
        page.goto(f"/app/#/hazards/{hazard}")
        page.get_by_role("link", name="整改", exact=True).wait_for()
        check(page, "hazard")
        page.get_by_role("link", name="整改", exact=True).click()
        page.get_by_role("button", name="提交整改").wait_for()
        names = [b["text"] for b in check(page, "rectify") if b["main"]]
        assert "提交整改" in names and any("拍照" in n for n in names), names
        shot(page, "26-care-rectify", full_page=False)

        # another member of the grid puts it right, so m1 (who did not) may re-check it: the 复核 screen
        m1c = add_user(session, "m1c", "member", session.get(Area, live.world.areas["G1"].id))
        session.commit()
        live.world.users["m1c"] = m1c
        other = live_headers(live, "m1c")
        photo = upload(live.api(), other, "rectification", jpeg(7, size=(320, 240)))
        assert photo.status_code in (200, 201), photo.get_json()
        fixed = live.api().post(f"/api/v1/hazards/{hazard}/rectify", headers=other, json={
            "photo_ids": [photo.get_json()["id"]], "statement": "货物已搬离, 出口畅通"})
        assert fixed.status_code == 200, fixed.get_json()
        page.goto(f"/app/#/hazards/{hazard}")
        page.get_by_role("link", name="复核", exact=True).click()
        page.get_by_role("radio", name="不合格").click()   # the reason and the next deadline appear
        page.get_by_label("新的整改期限").wait_for()
        names = [b["text"] for b in check(page, "recheck") if b["main"]]
        assert {"合格", "不合格", "提交复核"} <= set(names), names
        shot(page, "27-care-recheck", full_page=False)

        page.goto("/app/#/me/outbox")
        page.get_by_text("手机上没有记录").wait_for()
        names = [b["text"] for b in check(page, "outbox")]
        assert "立即上传" in names, names
        shot(page, "23-care-outbox-empty", full_page=False)

        page.goto("/report")
        page.get_by_label("问题描述").wait_for()
        assert page.evaluate("() => document.body.dataset.weuiMode") == "care"   # a setting of the phone
        check(page, "public-report")
        page.goto("/track")
        page.get_by_label("查询码").wait_for()
        check(page, "public-track")

        page.goto("/app/#/me")
        page.get_by_role("button", name="退出登录").click()
        page.get_by_role("dialog").get_by_role("button", name="退出").click()
        page.get_by_label("账号").wait_for(timeout=30000)
        check(page, "login")
    finally:
        ctx.close()
