"""举报处置: a tip-off whose description is an XSS attempt and whose name and address carry RTL marks is triaged and
converted into a hazard at a place picked nearest first; nothing it carries executes, and its text shows exactly as
the tipster typed it, in the queue, on its page and on the hazard made from it."""
from __future__ import annotations

import uuid

from server.hazards.models import Hazard
from server.tipoffs.models import Tipoff
from tests.webapp.conftest import shot
from tests.webapp.console_helpers import console_login, desk  # noqa: F401

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>\u2067"></textarea>仓库门口堆满纸箱'
NAME = "\u202e张三\u202c"
ADDRESS = "城关镇\u200f东溪路 8 号\u202e(后门)\u202c"


def test_xss_tipoff_is_triaged_and_converted_as_plain_text(desk, live, session):  # noqa: F811
    from playwright.sync_api import expect

    api = live.api()
    category = api.get("/api/v1/tipoffs/categories").get_json()[0]["code"]
    receipt = api.post("/api/v1/tipoffs", json={
        "client_uuid": str(uuid.uuid4()), "category": category, "description": XSS, "name": NAME,
        "phone": "13800138000", "address": ADDRESS, "location": {"lat": 29.2001, "lng": 120.0502}})
    assert receipt.status_code == 201, receipt.get_json()
    tipoff = session.query(Tipoff).one()
    dialogs: list[str] = []
    desk.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    console_login(desk, "town1")
    desk.get_by_role("link", name="举报处置").click()
    row_text = desk.locator("a.gc-user-text").first
    expect(row_text).to_have_text(XSS)
    shot(desk, "console-10-tipoffs")
    row_text.click()
    expect(desk.get_by_test_id("tipoff-description")).to_have_text(XSS)
    expect(desk.get_by_test_id("tipoff-address")).to_have_text(ADDRESS)
    masked = api.get(f"/api/v1/tipoffs/{tipoff.id}", headers=_headers(live, "town1")).get_json()["name"]
    assert desk.get_by_test_id("tipoff-name").inner_text().startswith(masked)

    desk.get_by_role("button", name="转为隐患").click()
    convert = desk.get_by_role("dialog", name="转为隐患")
    places = convert.get_by_role("radiogroup", name="场所").get_by_role("radio")
    places.first.wait_for()
    assert "测试P1五金厂" in convert.locator(".gc-pick li").first.inner_text()       # the nearest place first
    places.first.check()
    convert.get_by_label("公开答复 (可选)").fill("已转交属地网格整改")
    shot(desk, "console-11-tipoff-convert", full_page=False)
    convert.get_by_role("button", name="确定").click()
    convert.wait_for(state="detached")
    desk.get_by_text("已转为隐患").first.wait_for()
    desk.get_by_role("link", name="隐患 #").click()
    expect(desk.get_by_test_id("hazard-description")).to_contain_text(XSS)
    shot(desk, "console-12-hazard-from-tipoff")

    assert desk.evaluate("window.__xss") is None and not dialogs
    assert desk.locator("img[src='x']").count() == 0 and desk.locator("main script").count() == 0
    assert not desk.js_errors, desk.js_errors
    session.rollback()
    t = session.get(Tipoff, tipoff.id)
    assert t.status == "converted" and t.public_answer == "已转交属地网格整改"
    hazard = session.get(Hazard, t.hazard_id)
    assert XSS in hazard.description and hazard.place_id == live.world.places["P1"].id


def _headers(live, username):
    from tests.webapp.conftest import live_headers

    return live_headers(live, username)
