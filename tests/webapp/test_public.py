"""The public pages: a tip-off with a photo and a location gets a tracking code shown large; the tracking page
shows its progress; text a tipster or an admin typed is shown as text wherever it appears, never run."""
from __future__ import annotations

import re

from sqlalchemy import select

from server.evidence.models import Photo
from server.tipoffs.models import Tipoff
from tests.photos import jpeg
from tests.webapp.conftest import live_headers, shot
from tests.webapp.helpers import log_in, photo_file, sha256

XSS = '<img src=x onerror=alert(1)>'


def test_a_tipoff_with_photo_and_location_is_tracked_and_markup_stays_text(phone, live, session, tmp_path):
    dialogs: list[str] = []
    phone.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    data = jpeg(99, size=(400, 300))
    path = photo_file(tmp_path, "tip.jpg", data)

    township = live.world.areas["T1"].code
    phone.goto(f"/report?township={township}")  # as the township's QR poster opens it
    phone.get_by_label("举报类别").select_option(label="消防通道堵塞、消防设施损坏")
    phone.get_by_label("问题描述").fill(f"楼道堆满电动车 {XSS}")
    phone.get_by_label("拍照或选择照片").set_input_files(str(path))
    phone.get_by_role("button", name="使用当前位置").click()
    phone.get_by_text("精度约 12 米").wait_for()
    phone.get_by_label("手机号").fill("13800138000")
    assert not phone.locator("input[name=website]").is_visible()   # the honeypot is not for people
    shot(phone, "12-report")
    with phone.expect_request(lambda r: r.method == "POST" and r.url.endswith("/api/v1/tipoffs")) as sent:
        phone.get_by_role("button", name="提交举报").click()
    assert sent.value.post_data_json["township"] == township
    code_box = phone.get_by_test_id("tracking-code")
    code_box.wait_for()
    code = code_box.inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", code), code
    shot(phone, "13-report-done", full_page=False)

    session.rollback()
    tipoff = session.scalar(select(Tipoff))
    assert tipoff.description == f"楼道堆满电动车 {XSS}" and tipoff.area_id == live.world.areas["G1"].id
    photo = session.scalar(select(Photo).where(Photo.purpose == "tipoff"))
    assert photo.sha256 == sha256(data) and sha256(live.store.get(photo.original_key)) == sha256(data)
    town = live_headers(live, "town1")
    answered = live.api().post(f"/api/v1/tipoffs/{tipoff.id}/answer", headers=town, json={"public_answer": f"已安排清理 {XSS}"})
    assert answered.status_code == 200, answered.get_json()

    phone.get_by_role("link", name="查看处理进度").click()
    phone.get_by_test_id("track-answer").wait_for()
    assert phone.get_by_test_id("track-answer").inner_text() == f"已安排清理 {XSS}"
    shot(phone, "14-track", full_page=False)
    assert phone.locator('img[src="x"]').count() == 0

    phone.goto("/track")
    phone.get_by_label("查询码").fill(code.lower())
    phone.get_by_role("button", name="查询").click()
    phone.get_by_test_id("track-answer").wait_for()

    converted = live.api().post(f"/api/v1/tipoffs/{tipoff.id}/convert", headers=town, json={
        "level": "general", "category": "消防通道", "place_id": live.world.places["P1"].id})
    assert converted.status_code in (200, 201), converted.get_json()
    log_in(phone)   # the member of the grid sees the hazard, with the tipster's words as words
    phone.get_by_role("link", name="隐患", exact=True).click()
    phone.get_by_text(XSS, exact=False).first.click()
    phone.get_by_text("处理过程").wait_for()
    assert XSS in phone.locator(".gp-text").first.inner_text()
    assert phone.locator('img[src="x"]').count() == 0
    assert dialogs == [] and not phone.js_errors
