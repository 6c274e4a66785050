"""Places (一企一档): create with a derived grid, search, masked phones in lists, archive; bulk import."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from server.places import credit_code

VALID_CODE = "91350100M000100Y43"


def make_code(body17: str) -> str:
    return body17 + credit_code.check_character(body17)


def test_credit_code_checksum():
    assert credit_code.is_valid(VALID_CODE)
    assert not credit_code.is_valid(VALID_CODE[:-1] + "0")
    assert credit_code.problem("91350100M000100Y4") == "统一社会信用代码应为 18 位"
    assert "非法字符" in credit_code.problem("91350100M00010OI43")


def create(client, world, user="m1", **fields):
    body = {"name": "东溪五金厂", "sector": "工贸", "location": {"lat": 29.2, "lng": 120.05}} | fields
    return client.post("/api/v1/places", headers=world.headers(user), json=body)


def test_member_creates_a_place_and_the_grid_comes_from_the_location(client, world):
    resp = create(client, world, credit_code=VALID_CODE, contact_phone="13812345678", risk_level="较大")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["area"]["code"] == "330799001001001"
    assert body["sector"] == "industry_trade" and body["sector_label"] == "工贸"
    assert body["risk_level"] == "high" and body["risk_colour"] == "orange"
    assert body["contact_phone"] == "13812345678"  # the detail shows it in full to those in scope


def test_gcj02_location_is_stored_as_wgs84(client, world):
    from server.common.geo import wgs84_to_gcj02
    lat, lng = wgs84_to_gcj02(29.2, 120.05)
    body = create(client, world, location={"lat": lat, "lng": lng, "coord_system": "gcj02"}).get_json()
    assert abs(body["lat"] - 29.2) < 1e-6 and abs(body["lng"] - 120.05) < 1e-6


def test_list_masks_contact_phone_and_searches(client, world):
    create(client, world, name="东溪烟花爆竹零售店", sector="fireworks", contact_phone="13812345678")
    items = client.get("/api/v1/places?q=烟花", headers=world.headers("m1")).get_json()
    assert [p["name"] for p in items] == ["东溪烟花爆竹零售店"]
    assert items[0]["contact_phone"] == "138****5678"
    by_sector = client.get("/api/v1/places?sector=fireworks", headers=world.headers("county")).get_json()
    assert len(by_sector) == 1
    by_grid = client.get(f"/api/v1/places?area_id={world.areas['G1'].id}", headers=world.headers("county"))
    assert {p["name"] for p in by_grid.get_json()} == {"测试P1五金厂", "东溪烟花爆竹零售店"}
    assert by_grid.headers["X-Pagination"]


def test_search_by_credit_code(client, world):
    create(client, world, credit_code=VALID_CODE)
    found = client.get(f"/api/v1/places?credit_code={VALID_CODE.lower()}", headers=world.headers("town1")).get_json()
    assert len(found) == 1


def test_duplicate_credit_code_is_409(client, world):
    assert create(client, world, credit_code=VALID_CODE).status_code == 201
    again = create(client, world, name="另一个名字", credit_code=VALID_CODE)
    assert again.status_code == 409 and again.get_json()["code"] == "place_exists"


def test_update_and_archive(client, world):
    pid = world.places["P1"].id
    resp = client.patch(f"/api/v1/places/{pid}", headers=world.headers("m1"), json={"risk_level": "major"})
    assert resp.status_code == 200 and resp.get_json()["risk_level"] == "major"
    assert client.delete(f"/api/v1/places/{pid}", headers=world.headers("m1")).status_code == 403
    assert client.delete(f"/api/v1/places/{pid}", headers=world.headers("town1")).status_code == 204
    assert client.get(f"/api/v1/places/{pid}", headers=world.headers("town1")).status_code == 404


def test_moving_a_place_to_a_location_in_another_grid_moves_its_grid(client, world):
    pid = world.places["P1"].id
    resp = client.patch(f"/api/v1/places/{pid}", headers=world.headers("town1"),
                        json={"location": {"lat": 29.2, "lng": 120.15}})
    assert resp.get_json()["area"]["code"] == "330799001001002"


def test_every_write_is_in_the_audit_log(client, world):
    pid = create(client, world).get_json()["id"]
    client.patch(f"/api/v1/places/{pid}", headers=world.headers("m1"), json={"contact_phone": "13900002222"})
    log = client.get(f"/api/v1/audit?object_type=places&object_id={pid}", headers=world.headers("county")).get_json()
    assert [e["action"] for e in log] == ["places.update", "places.create"]
    assert log[0]["actor_name"] == "m1"
    assert log[0]["summary"]["contact_phone"] == {"from": "***", "to": "***"}  # personal data stays out of the log
    assert log[1]["ip"] == "127.0.0.1"


def test_audit_log_is_read_only(client, world):
    for method in ("post", "put", "patch", "delete"):
        resp = getattr(client, method)("/api/v1/audit", headers=world.headers("county"), json={})
        assert resp.status_code == 405
    assert client.get("/api/v1/audit", headers=world.headers("town1")).status_code == 403


def test_postgres_refuses_to_edit_the_audit_log(session, world, engine):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError
    if engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    session.execute(text("INSERT INTO audit_log (at, actor_name, action, object_type, summary) "
                         "VALUES (now(), 'x', 'x', 'x', '{}')"))
    session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE audit_log SET actor_name = 'y'"))
    session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM audit_log"))
    session.rollback()


# --- import ------------------------------------------------------------------------------------------------------

HEADER = ["名称", "统一社会信用代码", "行业领域", "风险等级", "地址", "纬度", "经度", "网格编码", "联系人", "联系电话"]


def rows_for(world):
    good_code = make_code("91330799MA2B3C4D5")
    return [
        ["青山机械有限公司", good_code, "工贸", "一般", "东溪村1号", "29.1", "120.05", "", "王五", "13811112222"],
        ["东溪小吃店", "", "消防", "低", "东溪村2号", "", "", "330799001001002", "赵六", "0571-88886666"],
        ["坏代码公司", "91330799MA2B3C4D50", "工贸", "一般", "东溪村3号", "29.1", "120.05", "", "", ""],  # bad check
        ["无行业", "", "", "", "东溪村4号", "29.1", "120.05", "", "", ""],                                   # no sector
        ["境外场所", "", "消防", "", "海外1号", "31.5", "121.5", "", "", ""],                                # outside
        ["西岭加油站", "", "危化品", "较大", "西岭村1号", "29.1", "120.3", "", "", "12345"],                  # bad phone
        ["青山机械有限公司", good_code, "工贸", "一般", "东溪村1号", "29.1", "120.05", "", "王五", "13811112222"],  # dup
        ["😀网吧", "", "消防", "", "东溪村5号", "29.1", "120.05", "", "", ""],                                 # emoji
        ["没有网格码", "", "消防", "", "东溪村6号", "", "", "330799009009009", "", ""],                        # no grid
    ]


def csv_bytes(rows, encoding="utf-8-sig"):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def upload(client, world, data, filename="places.csv", user="county", dry_run=False):
    return client.post(f"/api/v1/places/import{'?dry_run=true' if dry_run else ''}", headers=world.headers(user),
                       data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def test_import_reports_each_bad_row_and_keeps_the_good_ones(client, world):
    resp = upload(client, world, csv_bytes(rows_for(world)))
    assert resp.status_code == 200, resp.get_json()
    report = resp.get_json()
    assert report["total_rows"] == 9
    assert report["created"] == 2 and report["failed"] == 7
    errors = {(e["row"], e["field"]) for e in report["errors"]}
    assert errors == {(4, "credit_code"), (5, "sector"), (6, "lat"), (7, "contact_phone"), (8, "credit_code"),
                      (9, "name"), (10, "grid_code")}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["message"]) for e in report["errors"])
    places = client.get("/api/v1/places?q=东溪村", headers=world.headers("county")).get_json()
    assert {p["name"] for p in places} == {"青山机械有限公司", "东溪小吃店"}


def test_reimporting_the_same_file_changes_nothing(client, world):
    data = csv_bytes(rows_for(world))
    upload(client, world, data)
    audit_before = client.get("/api/v1/audit", headers=world.headers("county")).headers["X-Pagination"]
    report = upload(client, world, data).get_json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)
    assert client.get("/api/v1/audit", headers=world.headers("county")).headers["X-Pagination"] == audit_before


def test_a_changed_row_updates_its_place(client, world):
    rows = rows_for(world)[:2]
    upload(client, world, csv_bytes(rows))
    rows[1][3] = "重大"
    report = upload(client, world, csv_bytes(rows)).get_json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 1)


def test_import_reads_gb18030_csv_and_xlsx(client, world):
    rows = rows_for(world)[:2]
    assert upload(client, world, csv_bytes(rows, "gb18030")).get_json()["created"] == 2
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["西岭农家乐", None, "自建房", "一般", "西岭村8号", 29.1, 120.3, None, "钱七", 13822223333])
    buf = io.BytesIO()
    wb.save(buf)
    report = upload(client, world, buf.getvalue(), "places.xlsx").get_json()
    assert report["created"] == 1, report


def test_dry_run_writes_nothing(client, world):
    report = upload(client, world, csv_bytes(rows_for(world)), dry_run=True).get_json()
    assert report["created"] == 2 and report["dry_run"] is True
    assert client.get("/api/v1/places?q=东溪村", headers=world.headers("county")).get_json() == []


def test_township_admin_import_refuses_rows_of_another_township(client, world):
    rows = [["西岭加油站", "", "危化品", "较大", "西岭村1号", "29.1", "120.3", "", "", ""]]
    report = upload(client, world, csv_bytes(rows), user="town1").get_json()
    assert report["created"] == 0 and report["errors"][0]["message"] == "该位置不在您辖区的任何网格内"


@pytest.mark.parametrize("data,filename,message", [
    (b"", "empty.csv", "文件为空"),
    ("名字,地址\n甲,乙\n".encode(), "x.csv", "表头缺少"),
    (b"not a zip at all", "x.xlsx", "不是 XLSX"),
    (b"PK\x03\x04broken zip", "x.xlsx", "XLSX 文件无法读取"),
])
def test_unreadable_files_are_422(client, world, data, filename, message):
    resp = upload(client, world, data, filename)
    assert resp.status_code == 422
    assert resp.get_json()["code"] == "import_file_invalid"
    assert message in resp.get_json()["message"]
