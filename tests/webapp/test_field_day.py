"""A member's whole day in the phone browser, by clicking; then the server holds every record and photo once, and
the stored originals are the files the member chose, byte for byte."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from server.dispatch.models import TaskAssignment
from server.evidence.models import Photo
from server.hazards.models import Hazard
from server.patrol.models import CheckIn, PublicityVisit, Visit
from server.reports.models import DailyReport
from tests.photos import jpeg
from tests.webapp.conftest import live_headers, shot
from tests.webapp.helpers import answer_checklist, log_in, photo_file, sha256, wait_all_sent

SHANGHAI = timezone(timedelta(hours=8))


def test_a_members_whole_day_by_clicking(phone, live, session, tmp_path):
    today = datetime.now(SHANGHAI).date().isoformat()
    town = live.api().post("/api/v1/tasks", headers=live_headers(live, "town1"), json={
        "kind": "other", "title": "检查村委会灭火器", "due_date": today, "user_ids": [live.world.users["m1"].id]})
    assert town.status_code == 201, town.get_json()
    taken = datetime.now(timezone.utc) - timedelta(minutes=5)
    files = {name: jpeg(seed, size=(640, 480), taken=taken, gps=(29.2, 120.05))
             for seed, name in enumerate(("checkin.jpg", "visit.jpg", "publicity.jpg"), start=11)}
    paths = {name: photo_file(tmp_path, name, data) for name, data in files.items()}

    log_in(phone)
    phone.get_by_text("待巡查场所").wait_for()   # today's answer is in, not only the shell
    shot(phone, "01-today")
    phone.get_by_role("link", name="进岗打卡").first.click()
    phone.get_by_test_id("gps-accuracy").wait_for()
    assert "12 米" in phone.get_by_test_id("gps-accuracy").inner_text()
    phone.get_by_label("在岗照片 拍照").set_input_files(str(paths["checkin.jpg"]))
    phone.locator(".gp-thumb img").first.wait_for()
    shot(phone, "02-checkin")
    phone.get_by_role("button", name="打卡").click()
    phone.get_by_text("打卡成功, 已上传").wait_for()

    phone.goto("/app/#/places")
    phone.get_by_role("link", name="测试P1五金厂").wait_for()
    shot(phone, "24-places")
    phone.get_by_role("link", name="测试P1五金厂").click()
    answer_checklist(phone, paths["visit.jpg"])
    shot(phone, "03-patrol")
    phone.get_by_role("button", name="下一步: 核对").click()
    phone.get_by_text("将登记的隐患").wait_for()
    shot(phone, "04-patrol-summary")
    phone.get_by_role("button", name="提交巡查").click()
    phone.get_by_text("巡查已提交, 已上传").wait_for()

    phone.goto("/app/#/publicity")
    phone.get_by_role("link", name="选择场所, 记录宣传").click()
    phone.get_by_role("link", name="测试P1五金厂").click()
    phone.get_by_text("消防安全手册").click()
    phone.get_by_label("宣传人数").fill("6")
    phone.get_by_label("宣传照片 拍照").set_input_files(str(paths["publicity.jpg"]))
    phone.locator(".gp-thumb img").first.wait_for()
    phone.get_by_role("button", name="提交宣传记录").click()
    phone.get_by_text("宣传已记录, 已上传").wait_for()

    phone.get_by_role("link", name="任务", exact=True).click()
    phone.get_by_text("检查村委会灭火器").wait_for()
    shot(phone, "05-tasks")
    phone.get_by_label("完成说明 检查村委会灭火器").fill("灭火器均在有效期内")
    phone.get_by_role("button", name="标记完成").click()

    phone.goto("/app/#/report")
    phone.get_by_text("巡查场所").wait_for()
    phone.get_by_label("日报说明").fill("今日巡查一家, 发现一处隐患")
    shot(phone, "06-report")
    phone.get_by_role("button", name="提交日报").click()
    phone.get_by_text("日报已提交, 已上传").wait_for()
    wait_all_sent(phone)

    phone.goto("/app/#/hazards")
    phone.get_by_text("车间安全出口被货物堵塞").first.click()
    phone.get_by_text("处理过程").wait_for()
    shot(phone, "07-hazard")
    phone.goto("/app/#/me/outbox")
    phone.get_by_text("已上传").first.wait_for()
    shot(phone, "08-outbox")
    phone.get_by_role("link", name="我的", exact=True).click()
    phone.get_by_text("大字模式", exact=True).wait_for()
    shot(phone, "25-me")
    assert not phone.js_errors

    m1 = live.world.users["m1"].id
    count = lambda model, *where: session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
    assert count(CheckIn, CheckIn.user_id == m1) == 1
    assert count(Visit, Visit.user_id == m1) == 1
    assert count(PublicityVisit, PublicityVisit.user_id == m1) == 1
    assert count(DailyReport, DailyReport.user_id == m1) == 1
    hazards = session.scalars(select(Hazard)).all()
    assert len(hazards) == 1 and "车间安全出口被货物堵塞" in hazards[0].description and hazards[0].visit_id is not None
    assignment = session.scalar(select(TaskAssignment).where(TaskAssignment.user_id == m1))
    assert assignment.status == "done"
    photos = session.scalars(select(Photo).where(Photo.uploader_id == m1)).all()
    assert sorted(p.sha256 for p in photos) == sorted(sha256(d) for d in files.values())
    for p in photos:
        assert sha256(live.store.get(p.original_key)) == p.sha256   # the original in the bucket, byte for byte
    assert all(p.has_camera_exif for p in photos)
