"""Daily reports and bulletins as the member and the township use them: resubmissions kept in history, bulletins
published only for ended days, times in the bulletin workbook as people write them, the draft of today."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.patrol_helpers import checkin, local, report


def post(client, world, path, body, user="m1"):
    return client.post(f"/api/v1/{path}", headers=world.headers(user), json=body)


def test_a_resubmission_names_the_report_it_replaced_and_keeps_its_notes(client, patrol_world, clock):
    clock.set(local(2026, 11, 23, 17, 0))
    first_body = report("2026-11-23", notes="东溪村五金厂正常")
    first = post(client, patrol_world, "reports", first_body)
    assert first.status_code == 201
    assert first.get_json()["history"] == [] and "replaced" not in first.get_json()
    clock.set(local(2026, 11, 23, 20, 0))
    second_body = report("2026-11-23", notes="补充: 东溪村已复查")
    second = post(client, patrol_world, "reports", second_body)
    assert second.status_code == 200
    body = second.get_json()
    assert body["id"] == first.get_json()["id"] and body["notes"] == "补充: 东溪村已复查"
    assert body["client_uuid"] == second_body["client_uuid"]
    assert body["replaced"]["client_uuid"] == first_body["client_uuid"]
    assert body["replaced"]["notes"] == "东溪村五金厂正常"
    assert [h["notes"] for h in body["history"]] == ["东溪村五金厂正常"]
    assert body["first_submitted_at"] == first.get_json()["first_submitted_at"]

    # the first phone retrying late changes nothing; so does a retry of the second
    for retry in (first_body, second_body):
        again = post(client, patrol_world, "reports", retry)
        assert again.status_code == 200 and again.get_json()["notes"] == "补充: 东溪村已复查"
    listed = client.get("/api/v1/reports?date=2026-11-23", headers=patrol_world.headers("m1")).get_json()
    assert len(listed) == 1 and [h["notes"] for h in listed[0]["history"]] == ["东溪村五金厂正常"]

    # a third submission keeps both earlier ones, oldest first
    third = post(client, patrol_world, "reports", report("2026-11-23", notes="第三次"))
    assert [h["notes"] for h in third.get_json()["history"]] == ["东溪村五金厂正常", "补充: 东溪村已复查"]


def test_a_bulletin_is_published_only_for_a_day_that_has_ended(client, patrol_world, clock):
    w = patrol_world
    t1 = w.areas["T1"].id
    clock.set(local(2026, 11, 23, 9, 0))
    post(client, w, "checkins", checkin(clock()))
    clock.set(local(2026, 11, 23, 23, 50))
    preview = client.get(f"/api/v1/bulletins/preview?township_id={t1}&date=2026-11-23", headers=w.headers("town1"))
    assert preview.status_code == 200 and preview.get_json()["content"]["clocked_in"] == ["测试m1"]
    early = post(client, w, "bulletins", {"township_id": t1, "date": "2026-11-23"}, user="town1")
    assert early.status_code == 422 and early.get_json()["code"] == "day_not_over"
    assert client.get("/api/v1/bulletins", headers=w.headers("town1")).get_json() == []
    # the cron command refuses today too, and publishes nothing
    from server.cli import bulletin_publish
    result = w.app.test_cli_runner().invoke(bulletin_publish, ["--date", "2026-11-23"])
    assert result.exit_code == 1 and "day_not_over" in result.output
    assert client.get("/api/v1/bulletins", headers=w.headers("town1")).get_json() == []
    clock.set(local(2026, 11, 24, 0, 0))
    done = post(client, w, "bulletins", {"township_id": t1, "date": "2026-11-23"}, user="town1")
    assert done.status_code == 201, done.get_json()


def test_bulletin_workbook_writes_times_in_shanghai_as_people_write_them(client, patrol_world, clock):
    w = patrol_world
    clock.set(local(2026, 11, 23, 14, 13, 7))
    post(client, w, "checkins", checkin(clock()))
    clock.set(local(2026, 11, 24, 8, 0))
    published = post(client, w, "bulletins", {"township_id": w.areas["T1"].id, "date": "2026-11-23"}, user="town1")
    assert published.status_code == 201
    xlsx = client.get(f"/api/v1/bulletins/{published.get_json()['id']}.xlsx", headers=w.headers("town1"))
    book = load_workbook(io.BytesIO(xlsx.data))
    rows = {row[0].value: row[3].value for row in book["网格员明细"].iter_rows(min_row=2)}
    assert rows == {"测试m1": "2026-11-23 14:13", "测试m1b": "未打卡"}


def test_the_report_draft_defaults_to_today(client, patrol_world, clock):
    clock.set(local(2026, 11, 23, 0, 30))  # just after midnight in Shanghai, still the 22nd in UTC
    post(client, patrol_world, "checkins", checkin(clock()))
    draft = client.get("/api/v1/reports/draft", headers=patrol_world.headers("m1"))
    assert draft.status_code == 200, draft.get_json()
    assert draft.get_json()["date"] == "2026-11-23" and draft.get_json()["checkin"] is not None
