"""场所: the import of a file with bad rows shows each bad row's number, field and Chinese message in a table (the
same report the API gives), and the good rows appear in the places search."""
from __future__ import annotations

import io

from tests.test_places import csv_bytes, rows_for
from tests.webapp.conftest import live_headers, shot
from tests.webapp.console_helpers import console_login, desk  # noqa: F401


def test_places_import_shows_every_bad_row(desk, live, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    data = csv_bytes(rows_for(live.world))
    expected = live.api().post("/api/v1/places/import?dry_run=true", headers=live_headers(live, "county"),
                               data={"file": (io.BytesIO(data), "places.csv")},
                               content_type="multipart/form-data").get_json()["errors"]
    assert len(expected) == 7
    path = tmp_path / "场所导入.csv"
    path.write_bytes(data)

    console_login(desk, "county")
    desk.get_by_role("link", name="场所").click()
    desk.get_by_label("导入文件").set_input_files(str(path))
    desk.get_by_role("button", name="导入", exact=True).click()
    report = desk.get_by_test_id("import-report")
    expect(report).to_contain_text("共 9 行, 新增 2")
    expect(report).to_contain_text("出错 7")
    rows = report.get_by_role("table", name="出错的行").locator("tbody tr")
    expect(rows).to_have_count(7)
    shown = [tuple(c.inner_text() for c in r.locator("td").all()) for r in rows.all()]
    assert shown == [(str(e["row"]), e["field"], e["message"]) for e in expected]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in msg) for _, _, msg in shown)
    assert {int(r) for r, _, _ in shown} == {4, 5, 6, 7, 8, 9, 10}
    shot(desk, "console-13-places-import")

    desk.get_by_label("搜索").fill("东溪")
    table = desk.locator(".gc-table").first
    table.get_by_text("青山机械有限公司").wait_for()
    table.get_by_text("东溪小吃店").wait_for()
    assert not desk.js_errors, desk.js_errors
