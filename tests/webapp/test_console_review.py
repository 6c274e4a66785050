"""照片审核 by keyboard only: a township admin works through ten records (approves six, rejects two with reasons,
bulk-approves the rest of the unflagged); the database holds exactly those decisions by that admin, and the member
reads the reasons in their own client."""
from __future__ import annotations

import time

from sqlalchemy import select

from server.audit.models import AuditEntry
from server.patrol.models import CheckIn, PublicityVisit
from tests.webapp.conftest import shot
from tests.webapp.console_helpers import (  # noqa: F401
    checkin,
    console_login,
    console_phone,
    desk,
    pending_checkins,
    publicity,
)
from tests.webapp.helpers import log_in


def test_a_township_admin_clears_the_queue_with_the_keyboard(desk, phone, live, session):  # noqa: F811
    from playwright.sync_api import expect

    w = live.world
    flagged = [checkin(live, "m1", lng=120.3, minutes_ago=50 - n) for n in range(2)]      # outside grid G1
    plain = [checkin(live, "m1b", lat=29.2, lng=120.15, minutes_ago=45 - n) for n in range(2)]
    plain += [checkin(live, "m1", minutes_ago=40 - n) for n in range(3)]
    plain += [publicity(live, "m1", w.places["P1"].id, minutes_ago=20 - n) for n in range(3)]
    assert all(r["flags"] for r in flagged) and not any(r["flags"] for r in plain)
    foreign = checkin(live, "m2", lat=29.2, lng=120.3)       # township 2: never in town1's queue

    console_login(desk, "town1")
    cards = desk.locator("[data-record]")
    cards.nth(9).wait_for()
    assert cards.count() == 10
    expect(desk.get_by_test_id("review-summary")).to_contain_text("待审核 10 条, 其中有异常标记 2 条")
    # flagged first, with the server's Chinese explanation; names, not ids
    first = cards.nth(0)
    assert first.get_attribute("data-record") in {f"checkin:{r['id']}" for r in flagged}
    first.get_by_text("打卡位置不在网格内").wait_for()
    first.get_by_text("测试m1").wait_for()
    first.locator(".gc-thumb img").first.wait_for()
    assert f"checkin:{foreign['id']}" not in [c.get_attribute("data-record") for c in cards.all()]
    shot(desk, "console-01-review")

    desk.keyboard.press("Enter")                      # the large viewer of the focused card
    viewer = desk.get_by_role("dialog")
    viewer.get_by_text("照片信息", exact=True).wait_for()
    viewer.get_by_role("img", name="位置示意图").wait_for()
    viewer.get_by_text("HUAWEI NOVA 9").wait_for()
    shot(desk, "console-02-review-viewer", full_page=False)
    desk.keyboard.press("Escape")
    viewer.wait_for(state="detached")

    desk.keyboard.press("?")
    desk.get_by_role("dialog", name="快捷键").wait_for()
    desk.keyboard.press("Escape")

    order = [c.get_attribute("data-record") for c in cards.all()]
    for n in range(6):                                # a: approve, the focus moves on by itself
        desk.keyboard.press("a")
        desk.locator("[data-record] .gc-decision-approved").nth(n).wait_for()  # as a person sees each land
    desk.locator("[data-record] .gc-decision-approved").nth(5).wait_for()
    desk.keyboard.press("r")
    reason_focused = desk.get_by_role("dialog", name="驳回原因").locator("input[type=radio]:focus")
    expect(reason_focused).to_have_count(1)           # typed once the dialog holds the focus, as a person sees it
    desk.keyboard.press("2")                          # 非现场拍摄
    desk.keyboard.press("Enter")
    desk.get_by_role("dialog", name="驳回原因").wait_for(state="detached")
    desk.locator("[data-record] .gc-decision-rejected").first.wait_for()
    desk.keyboard.press("r")
    expect(reason_focused).to_have_count(1)
    desk.keyboard.press("6")                          # 其他: free text
    expect(desk.get_by_label("其他原因")).to_be_focused()
    desk.keyboard.type("照片与宣传场所不符")
    desk.keyboard.press("Enter")
    desk.get_by_role("dialog", name="驳回原因").wait_for(state="detached")
    # typing inside an input never decides anything
    desk.get_by_label("网格员").focus()
    desk.keyboard.type("a")
    desk.get_by_label("日期从").focus()
    desk.keyboard.type("a")
    expect(desk.locator("[data-record] .gc-decision")).to_have_count(8)

    bulk = desk.get_by_role("button", name="批量通过未标记 (2)")    # counted by the server, every page
    expect(bulk).to_be_enabled()
    bulk.focus()
    desk.keyboard.press("Enter")
    dialog = desk.get_by_role("dialog", name="批量通过")
    assert dialog.get_by_test_id("bulk-count").inner_text() == "2"
    expect(dialog.locator(":focus")).to_have_count(1)  # Enter once the confirmation holds the focus
    desk.keyboard.press("Enter")
    dialog.wait_for(state="detached")
    desk.get_by_text("批量通过 2 条").wait_for()
    assert not desk.js_errors, desk.js_errors

    kinds = {"checkin": CheckIn, "publicity": PublicityVisit}
    got = {}
    for ref in order:
        kind, rid = ref.split(":")
        rec = session.get(kinds[kind], int(rid))
        session.refresh(rec)
        got[ref] = (rec.review_status, rec.review_reason)
        assert rec.reviewed_by_id == w.users["town1"].id and rec.reviewed_at is not None, ref
    assert [got[r][0] for r in order[:6]] == ["approved"] * 6
    assert [got[r] for r in order[6:8]] == [("rejected", "非现场拍摄"), ("rejected", "照片与宣传场所不符")]
    assert [got[r][0] for r in order[8:]] == ["approved"] * 2
    assert session.get(CheckIn, foreign["id"]).review_status == "pending"
    town1 = w.users["town1"].id
    for ref in order:
        kind, rid = ref.split(":")
        table = kinds[kind].__tablename__
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == table, AuditEntry.object_id == rid, AuditEntry.action == f"{table}.update")).all()
        actors = [e.actor_id for e in entries if "review_status" in e.summary]   # not the recount of the day
        assert actors == [town1], (ref, actors)

    # who decided, when and why, as the server keeps it
    desk.get_by_role("tab", name="已审核 (谁、何时、为何)").click()
    decided = desk.locator("[data-record]")
    expect(decided).to_have_count(10)
    for reason in ("非现场拍摄", "照片与宣传场所不符"):
        row = desk.locator("[data-record]", has_text=reason)
        expect(row.locator(".gc-decision-rejected")).to_contain_text("已驳回 · 测试town1 · 20")
    expect(desk.locator("[data-record] .gc-decision-approved", has_text="测试town1")).to_have_count(8)
    shot(desk, "console-03-review-decided")

    # the member reads why in their own client (both rejected records are m1's: a clock-in and a publicity visit)
    assert {session.get(kinds[r.split(":")[0]], int(r.split(":")[1])).user_id for r in order[6:8]} == {w.users["m1"].id}
    log_in(phone, "m1")
    phone.get_by_text("驳回原因: 非现场拍摄").wait_for()
    phone.get_by_text("驳回原因: 照片与宣传场所不符").wait_for()


def test_bulk_approval_follows_the_filters_and_refuses_a_queue_that_changed(desk, live, session):  # noqa: F811
    """The filters go to the server (member m1b only); the bulk approval names that filter and the count the screen
    showed; a record arriving meanwhile makes the server refuse (nothing approved) and the officer confirms the new
    count."""
    from playwright.sync_api import expect

    theirs = [checkin(live, "m1b", lat=29.2, lng=120.15, minutes_ago=30 - n) for n in range(2)]
    mine = checkin(live, "m1", minutes_ago=20)
    console_login(desk, "town1")
    expect(desk.get_by_test_id("review-summary")).to_contain_text("待审核 3 条")
    desk.get_by_label("网格员").select_option(label="测试m1b")
    expect(desk.locator("[data-record]")).to_have_count(2)
    expect(desk.get_by_test_id("review-summary")).to_contain_text("待审核 2 条, 其中有异常标记 0 条")
    desk.get_by_role("button", name="批量通过未标记 (2)").click()
    dialog = desk.get_by_role("dialog", name="批量通过")
    expect(dialog).to_contain_text("测试m1b")
    late = checkin(live, "m1b", lat=29.2, lng=120.15, minutes_ago=1)     # arrives while the officer reads
    dialog.get_by_role("button", name="确认通过 2 条").click()
    expect(dialog.get_by_role("alert")).to_contain_text("队列已变化: 您确认的是 2 条, 现在是 3 条未标记记录")
    for r in theirs + [late]:
        assert session.get(CheckIn, r["id"]).review_status == "pending"
    dialog.get_by_role("button", name="确认通过 3 条").click()
    dialog.wait_for(state="detached")
    desk.get_by_text("批量通过 3 条").wait_for()
    session.rollback()                  # a fresh read (SQLite keeps the snapshot of an open transaction)
    town1 = live.world.users["town1"].id
    for r in theirs + [late]:
        rec = session.get(CheckIn, r["id"])
        assert (rec.review_status, rec.reviewed_by_id) == ("approved", town1)
    assert session.get(CheckIn, mine["id"]).review_status == "pending"     # another member: not in the filter
    assert not desk.js_errors, desk.js_errors


def test_the_keyboard_pages_through_a_long_queue_without_skipping_a_record(desk, live, session):  # noqa: F811
    """25 records: the server sends 20 at a time; after three decisions on the first page, j past the last card goes
    on with the first record not yet shown (the decided ones left the queue, so nothing is skipped)."""
    from playwright.sync_api import expect

    ids = pending_checkins(live, session, "m1", "G1", 25)
    console_login(desk, "town1")
    expect(desk.get_by_test_id("review-summary")).to_contain_text("待审核 25 条, 其中有异常标记 0 条")
    cards = desk.locator("[data-record]")
    expect(cards).to_have_count(20)
    expect(desk.get_by_role("navigation", name="翻页")).to_contain_text("第 1 / 2 页, 共 25 条")
    first_page = [c.get_attribute("data-record") for c in cards.all()]
    assert first_page == [f"checkin:{i}" for i in ids[:20]]            # oldest first, as the server orders them
    for n in range(3):
        desk.keyboard.press("a")
        desk.locator("[data-record] .gc-decision-approved").nth(n).wait_for()
    expect(desk.get_by_test_id("review-summary")).to_contain_text("待审核 22 条")
    for _ in range(16):                                                  # from the 4th card to the 20th
        desk.keyboard.press("j")
    expect(desk.locator(".gc-focus")).to_have_attribute("data-record", first_page[19])
    desk.keyboard.press("j")                                             # past the last: the queue goes on
    expect(desk.locator(".gc-focus")).to_have_attribute("data-record", f"checkin:{ids[20]}")
    desk.keyboard.press("a")
    expect(desk.locator(".gc-focus")).to_have_attribute("data-record", f"checkin:{ids[21]}")
    # the focus moves on at once and the decision is sent behind it: wait for the card to show the server's answer
    desk.locator(f'[data-record="checkin:{ids[20]}"] .gc-decision-approved').wait_for()
    for _ in range(50):
        session.rollback()
        if session.get(CheckIn, ids[20]).review_status == "approved":
            break
        time.sleep(0.2)
    assert [session.get(CheckIn, i).review_status for i in ids[:4]] == ["approved"] * 3 + ["pending"]
    assert session.get(CheckIn, ids[20]).review_status == "approved"
    assert not desk.js_errors, desk.js_errors
