"""The outbox under bad conditions, in the browser against the live server: offline with a reload from the service
worker, answers lost after the server acted, an item the server refuses (需处理) beside good ones."""
from __future__ import annotations

from sqlalchemy import func, select

from server.evidence.models import Photo
from server.patrol.models import CheckIn, PublicityVisit, Visit
from tests.photos import jpeg
from tests.webapp.conftest import shot
from tests.webapp.helpers import answer_checklist, log_in, outbox_counts, photo_file, sha256, wait_all_sent


def _count(session, model, *where):
    session.rollback()  # a fresh snapshot: the live server committed in its own connection
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _controlled(page):
    """Wait until the service worker controls the page (it does from the first reload after it installed)."""
    page.evaluate("navigator.serviceWorker.ready")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
        page.wait_for_function("() => !!navigator.serviceWorker.controller")


def _clock_in(page, path):
    page.goto("/app/#/checkin")
    page.get_by_label("在岗照片 拍照").set_input_files(str(path))
    page.locator(".gp-thumb img").first.wait_for()
    page.get_by_role("button", name="打卡").click()
    page.get_by_text("已保存在手机上").or_(page.get_by_text("打卡成功, 已上传")).first.wait_for()


def test_a_visit_recorded_offline_survives_a_reload_and_goes_up_once(phone, live, session, tmp_path):
    m1 = live.world.users["m1"].id
    files = [jpeg(40 + n, size=(320, 240)) for n in range(3)]
    paths = [photo_file(tmp_path, f"v{n}.jpg", d) for n, d in enumerate(files)]
    log_in(phone)
    _controlled(phone)
    phone.goto("/app/#/places")
    phone.get_by_role("link", name="测试P1五金厂").wait_for()
    phone.wait_for_function("() => !!document.body.dataset.offlineReady")   # places and checklists are on the phone

    phone.context.set_offline(True)
    phone.get_by_role("link", name="测试P1五金厂").click()
    answer_checklist(phone, paths[0])
    for n, item in enumerate(("I01", "I03"), start=1):
        phone.locator(f"[data-item={item}]").get_by_label("照片 (可选) 拍照").set_input_files(str(paths[n]))
        phone.locator(f"[data-item={item}] .gp-thumb img").wait_for()
    phone.get_by_role("button", name="下一步: 核对").click()
    phone.get_by_role("button", name="提交巡查").click()
    phone.get_by_text("已保存在手机上, 尚未上传").wait_for()
    shot(phone, "09-saved-offline", full_page=False)

    phone.reload()   # offline: the shell comes from the service worker, the queue from IndexedDB
    phone.get_by_role("link", name="今日", exact=True).click()
    phone.get_by_test_id("outbox-badge").wait_for()
    assert phone.get_by_test_id("outbox-badge").inner_text() == "待上传 4"
    counts = outbox_counts(phone)
    assert (counts["photos"], counts["records"]) == (3, 1)
    phone.goto("/app/#/me/outbox")
    phone.get_by_text("巡查 测试P1五金厂").wait_for()
    shot(phone, "10-outbox-offline", full_page=False)
    assert _count(session, Visit, Visit.user_id == m1) == 0

    phone.context.set_offline(False)
    wait_all_sent(phone)
    assert _count(session, Visit, Visit.user_id == m1) == 1
    photos = session.scalars(select(Photo).where(Photo.uploader_id == m1)).all()
    assert sorted(p.sha256 for p in photos) == sorted(sha256(d) for d in files)
    visit = session.scalar(select(Visit).where(Visit.user_id == m1))
    assert {pid for a in visit.answers for pid in a["photo_ids"]} == {p.client_uuid for p in photos}
    assert not phone.js_errors


def test_answers_lost_after_the_server_acted_make_no_duplicates(phone, live, session, tmp_path):
    m1 = live.world.users["m1"].id
    files = [jpeg(60 + n, size=(320, 240)) for n in range(3)]
    paths = [photo_file(tmp_path, f"l{n}.jpg", d) for n, d in enumerate(files)]
    log_in(phone)
    calls = {"n": 0}

    def lose_every_other(route):
        if route.request.method == "GET":
            route.continue_()
            return
        calls["n"] += 1
        if calls["n"] % 2:
            route.fetch()      # the server handles it …
            route.abort()      # … and the phone never hears back
        else:
            route.continue_()

    phone.route("**/api/v1/**", lose_every_other)
    _clock_in(phone, paths[0])
    phone.goto("/app/#/places")
    phone.get_by_role("link", name="测试P1五金厂").click()
    answer_checklist(phone, paths[1])
    phone.get_by_role("button", name="下一步: 核对").click()
    phone.get_by_role("button", name="提交巡查").click()
    phone.get_by_text("巡查已提交").or_(phone.get_by_text("已保存在手机上")).first.wait_for()
    phone.goto("/app/#/publicity/%d" % live.world.places["P1"].id)
    phone.get_by_label("宣传照片 拍照").set_input_files(str(paths[2]))
    phone.locator(".gp-thumb img").first.wait_for()
    phone.get_by_role("button", name="提交宣传记录").click()
    wait_all_sent(phone, timeout_ms=60000)
    assert calls["n"] >= 6   # every write was lost once at least once over
    assert _count(session, CheckIn, CheckIn.user_id == m1) == 1
    assert _count(session, Visit, Visit.user_id == m1) == 1
    assert _count(session, PublicityVisit, PublicityVisit.user_id == m1) == 1
    photos = session.scalars(select(Photo).where(Photo.uploader_id == m1)).all()
    assert sorted(p.sha256 for p in photos) == sorted(sha256(d) for d in files)


def test_a_refused_item_needs_action_and_the_rest_go_on(phone, live, session, tmp_path):
    m1 = live.world.users["m1"].id
    paths = [photo_file(tmp_path, f"r{n}.jpg", jpeg(80 + n, size=(320, 240))) for n in range(2)]
    log_in(phone)
    phone.context.set_offline(True)
    phone.goto("/app/#/publicity/%d" % live.world.places["P1"].id)
    phone.get_by_label("宣传人数").fill("20000")   # beyond what the server accepts for one visit
    phone.get_by_label("宣传照片 拍照").set_input_files(str(paths[0]))
    phone.locator(".gp-thumb img").first.wait_for()
    phone.get_by_role("button", name="提交宣传记录").click()
    phone.get_by_text("已保存在手机上, 尚未上传").wait_for()
    _clock_in(phone, paths[1])
    phone.context.set_offline(False)

    phone.goto("/app/#/me/outbox")
    refused = phone.locator(".gp-outbox-item[data-type=publicity]")
    refused.get_by_text("需处理").wait_for(timeout=30000)
    assert "宣传人数" in refused.inner_text() and "10000" in refused.inner_text()
    phone.locator(".gp-outbox-item[data-type=checkin]").get_by_text("已上传").wait_for(timeout=30000)
    shot(phone, "11-needs-action", full_page=False)
    assert _count(session, CheckIn, CheckIn.user_id == m1) == 1
    assert _count(session, PublicityVisit, PublicityVisit.user_id == m1) == 0

    refused.get_by_role("button", name="放弃").click()
    phone.get_by_role("dialog").get_by_role("button", name="放弃").click()
    refused.wait_for(state="detached")
    assert outbox_counts(phone)["waiting"] == 0   # its photo went with it
