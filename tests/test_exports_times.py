"""Every time in every export and printed page is Asia/Shanghai, written as people write it (2026-12-01 14:13):
the hazards, bulletin, ranking and rewards workbooks and the printable order, made from one day of records at
14:13 local (06:13 UTC), never show an ISO or UTC moment."""
from __future__ import annotations

import io
import re
from datetime import datetime, time
from typing import Any, Iterator

from openpyxl import load_workbook

from tests.patrol_helpers import checkin, local
from tests.test_hazards import Loop
from tests.test_tipoffs import PARTY, PHONE, staff, submitted, tipoff_id

# An ISO moment (2026-12-01T06:13, with or without seconds and offset), a UTC marker, an offset, or seconds.
MACHINE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\bUTC\b|GMT|[+-]\d{2}:\d{2}\b|\d{2}:\d{2}:\d{2}|\d{2}:\d{2}Z")
WRITTEN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def cells(body: bytes) -> Iterator[tuple[str, Any]]:
    book = load_workbook(io.BytesIO(body))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    yield f"{ws.title}!{c.coordinate}", c.value


def check_workbook(body: bytes) -> list[str]:
    """Assert no cell holds a machine time or a moment stored as a date cell; answer the written times found."""
    written = []
    for where, value in cells(body):
        if isinstance(value, datetime):  # a date cell: a day (midnight), never a UTC moment stored bare
            assert value.time() == time(0), (where, value)
        elif isinstance(value, str):
            assert not MACHINE_TIME.search(value), (where, value)
            written += WRITTEN.findall(value)
    return written


def get(client: Any, world: Any, user: str, path: str, **query: Any) -> Any:
    resp = client.get(f"/api/v1/{path}", headers=world.headers(user), query_string=query)
    assert resp.status_code == 200, (path, resp.get_json(silent=True))
    return resp


def test_every_export_and_page_writes_times_in_shanghai_as_people_write_them(app, client, patrol_world, clock,
                                                                             session):
    w = patrol_world
    at = local(2026, 12, 1, 14, 13, 7)  # 06:13:07 UTC
    clock.set(at)
    assert client.post("/api/v1/checkins", headers=w.headers("m1"), json=checkin(clock())).status_code == 201
    hazards = Loop(client, w)
    hid = hazards.create()
    assert hazards.order(hid, deadline="2026-12-08").status_code == 200
    code = submitted(client, phone=PHONE)
    tid = tipoff_id(app, session, code)
    assert staff(client, w, "town1", f"/{tid}/convert", {"level": "general", **PARTY}).status_code == 200
    assert staff(client, w, "county", f"/{tid}/reward", {"decision": "approved", "amount": "200"}).status_code == 200
    assert staff(client, w, "county", f"/{tid}/reward/paid", {"paid_on": "2026-12-01"}).status_code == 200

    clock.set(local(2026, 12, 2, 8, 30))  # the day is over: the bulletin is published, November's ranking too
    published = client.post("/api/v1/bulletins", headers=w.headers("town1"),
                            json={"township_id": w.areas["T1"].id, "date": "2026-12-01"})
    assert published.status_code == 201, published.get_json()
    ranked = client.post("/api/v1/rankings/2026-11/publish", headers=w.headers("county"), json={})
    assert ranked.status_code == 201, ranked.get_json()

    bulletin = get(client, w, "town1", f"bulletins/{published.get_json()['id']}.xlsx").data
    assert "2026-12-01 14:13" in check_workbook(bulletin)  # m1's clock-in, in the 网格员明细 sheet
    for path, query in (("hazards/export.xlsx", {}),
                        ("tipoffs/rewards/export.xlsx", {"start": "2026-12-01", "end": "2026-12-31"}),
                        ("rankings/2026-11/export.xlsx", {}),
                        ("rankings/2026-11/export.xlsx", {"level": "township"})):
        check_workbook(get(client, w, "county", path, **query).data)

    order = get(client, w, "town1", f"hazards/{hid}/order.html").get_data(as_text=True)
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", order, flags=re.S)
    assert not MACHINE_TIME.search(text), MACHINE_TIME.search(text)
    assert "2026年12月1日" in text and "2026年12月8日" in text  # found, deadline: days as the paper writes them


def test_local_text_writes_a_moment_in_shanghai_from_a_datetime_or_its_iso_text():
    from server.common.timeutil import local_text

    at = local(2026, 12, 1, 14, 13, 7)
    assert local_text(at) == local_text(at.isoformat()) == local_text("2026-12-01T06:13:07+00:00") == \
        "2026-12-01 14:13"
    assert local_text(None, "未打卡") == "未打卡"
