"""Tip-offs (举报) through the API: an anonymous tip-off becomes a hazard and the tipster follows its closed loop by
tracking code; routing to the grid and township or the county's triage queue; triage (route, reject, merge,
convert); the tipster's contact encrypted, masked, revealed only for a reward and audited; rewards and their ledger;
abuse (flood, per-phone limit, honeypot, size); Open311 GeoReport v2 with the spec's own examples; and each bad
input of the issue."""
from __future__ import annotations

import io
import re
import threading
import uuid
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import event, func, select, text

from server.app import create_app
from server.audit.models import AuditEntry
from server.evidence.models import Photo
from server.hazards.models import Hazard
from server.tipoffs import privacy as tipoffs
from server.tipoffs.models import Tipoff
from tests.patrol_helpers import local
from tests.photos import jpeg, upload
from tests.test_hazards import Loop

IN_G1 = {"lat": 29.2, "lng": 120.05}
IN_G2 = {"lat": 29.2, "lng": 120.3}
OUTSIDE = {"lat": 31.23, "lng": 121.47}  # Shanghai: no area of the test county
CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$")
PHONE = "13812345678"
# converting without a place names where and who answers for the hazard (the order is addressed to them)
PARTY = {"address": "东溪村村口", "responsible_party": "东溪村村民委员会"}


def submit(client: Any, _ip: str | None = None, **body: Any) -> Any:
    body = {"category": "fire_escape", "description": "楼道堆满杂物, 堵住了安全出口", "location": IN_G1, **body}
    return client.post("/api/v1/tipoffs", json={k: v for k, v in body.items() if v is not None},
                       environ_base={"REMOTE_ADDR": _ip} if _ip else {})


def submitted(client: Any, **body: Any) -> str:
    resp = submit(client, **body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["tracking_code"]


def track(client: Any, code: str) -> dict[str, Any]:
    resp = client.get(f"/api/v1/tipoffs/track/{code}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def staff(client: Any, world: Any, user: str, path: str = "", body: dict[str, Any] | None = None, **query: Any) -> Any:
    url = f"/api/v1/tipoffs{path}"
    if body is None:
        return client.get(url, headers=world.headers(user), query_string=query)
    return client.post(url, headers=world.headers(user), json=body)


def ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def refused(resp: Any, status: int, code: str) -> dict[str, Any]:
    body = resp.get_json()
    assert (resp.status_code, body["code"]) == (status, code), body
    assert set(body) == {"code", "message", "detail"}
    return body


def tipoff_id(app: Any, session: Any, code: str) -> int:
    session.rollback()
    digest = tipoffs.code_hash(app.extensions["gridpatrol.config"], code)
    found = session.scalar(select(Tipoff.id).where(Tipoff.code_hash == digest))
    assert found is not None
    return found


def count(session: Any, model: Any = Tipoff) -> int:
    session.rollback()
    return session.scalar(select(func.count(model.id)))


def tipoff_photo(client: Any, data: bytes | None = None) -> str:
    resp = upload(client, None, "tipoff", data)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


# --- the whole path ---------------------------------------------------------------------------------------------------

def test_an_anonymous_tipoff_becomes_a_hazard_and_the_tipster_sees_each_step(app, client, world, clock, session):
    clock.set(local(2026, 11, 23, 9, 0))
    photo = tipoff_photo(client, jpeg(1, gps=(29.2001, 120.0501)))
    code = submitted(client, photo_ids=[photo], name="张三", phone=PHONE)
    assert CODE_RE.match(code)
    page = track(client, code)
    assert (page["status"], page["status_label"], page["agency"]) == ("received", "已收到", "城关镇")

    # the township admin finds it in the queue, contacts masked, and converts it into a hazard at the place
    (queued,) = ok(staff(client, world, "town1", status="received"))
    assert queued["phone"] == "138****5678" and queued["name"] == "张*" and queued["tipster_tipoffs"] == 1
    assert queued["area"]["code"] == "330799001001001" and queued["township"]["name"] == "城关镇"
    clock.set(local(2026, 11, 23, 10, 0))
    converted = ok(staff(client, world, "town1", f"/{queued['id']}/convert",
                         {"level": "general", "place_id": world.places["P1"].id,
                          "public_answer": "已受理, 已责成属地核查整改"}))
    hid = converted["hazard_id"]
    assert converted["status"] == "converted" and converted["public_status"] == "accepted"
    loop = Loop(client, world)
    hazard = loop.hazard(hid)
    assert (hazard["source"], hazard["tipoff_id"], hazard["photo_ids"]) == ("tipoff", queued["id"], [photo])
    assert hazard["place"]["id"] == world.places["P1"].id and hazard["description"].startswith("[群众举报]")
    assert track(client, code)["status_label"] == "已受理"

    clock.set(local(2026, 11, 23, 14, 0))
    ok(loop.order(hid, deadline="2026-11-27"))
    assert track(client, code)["status_label"] == "整改中"
    clock.set(local(2026, 11, 25, 9, 0))
    ok(loop.rectify(hid))
    assert track(client, code)["status_label"] == "已整改"
    clock.set(local(2026, 11, 26, 9, 0))
    assert ok(loop.recheck(hid))["status"] == "closed"
    page = track(client, code)
    assert (page["status"], page["status_label"], page["answer"]) == ("done", "已办结", "已受理, 已责成属地核查整改")
    assert [s["label"] for s in page["steps"]] == ["已收到", "已受理", "整改中", "已整改", "已办结"]
    assert [s["at"][:10] for s in page["steps"]] == ["2026-11-23", "2026-11-23", "2026-11-23", "2026-11-25",
                                                     "2026-11-26"]
    # nothing private on the tracking page
    assert set(page) == {"tracking_code", "status", "status_label", "category", "category_label", "answer", "agency",
                         "received_at", "updated_at", "steps"}
    shown = client.get(f"/api/v1/tipoffs/track/{code}").get_data(as_text=True)
    assert not any(s in shown for s in ("张", PHONE, "5678", "楼道", "测试P1", "测试town1", "李四"))
    (request,) = ok(client.get(f"/open311/v2/requests/{code}.json"))
    assert request["status"] == "closed" and request["service_request_id"] == code


def test_a_tracking_code_reads_over_the_phone(client, world):
    code = submitted(client)
    spoken = code.replace("-", " ").lower().replace("0", "o").replace("1", "l")
    assert track(client, spoken)["tracking_code"] == code


# --- bad input --------------------------------------------------------------------------------------------------------

def test_a_tipoff_with_no_description_and_no_photo_is_refused(client, world, session):
    body = refused(submit(client, description=None), 422, "validation_error")
    assert "description" in body["detail"]["fields"]
    refused(submit(client, description="   ", photo_ids=[]), 422, "validation_error")
    assert count(session) == 0


def test_a_location_outside_the_county_is_refused(client, world, session):
    body = refused(submit(client, location=OUTSIDE), 422, "location_outside_county")
    assert body["detail"]["fields"]["location"] == ["举报位置不在本县范围内"]
    assert count(session) == 0


def test_a_tracking_code_that_does_not_exist_is_a_404_through_the_same_lookup(app, client, world, monkeypatch):
    real = submitted(client)
    hashed: list[str] = []
    original = tipoffs.code_hash
    monkeypatch.setattr(tipoffs, "code_hash", lambda config, code: hashed.append(code) or original(config, code))
    lookups: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM tipoffs" in statement and "code_hash" in statement:
            lookups.append(statement)

    engine = app.extensions["gridpatrol.engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        answers = {}
        for code in (real, "ZZZZ-ZZZZ-ZZ", "not a code", "x" * 500):
            hashed.clear()
            lookups.clear()
            answers[code] = client.get(f"/api/v1/tipoffs/track/{code}")
            assert len(hashed) == 1 and len(lookups) == 1, code  # one keyed hash, one indexed lookup, whatever
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert answers[real].status_code == 200
    missing = [answers[c] for c in ("ZZZZ-ZZZZ-ZZ", "not a code", "x" * 500)]
    assert {r.status_code for r in missing} == {404}
    assert len({r.get_data() for r in missing}) == 1  # the same answer, whatever was wrong with the code
    refused(missing[0], 404, "not_found")


def test_a_phone_number_in_a_wrong_format_is_refused(client, world, session):
    for phone in ("12345", "138123456789", "23812345678", "abc"):
        body = refused(submit(client, phone=phone), 422, "validation_error")
        assert list(body["detail"]["fields"]) == ["phone"], phone
    assert count(session) == 0
    submitted(client, phone="0571-88881234")  # a landline with its area code is fine


def test_every_problem_is_reported_at_once(client, world):
    body = refused(submit(client, description=None, phone="123", location=OUTSIDE), 422, "validation_error")
    assert set(body["detail"]["fields"]) == {"description", "phone", "location"}


def test_a_flood_of_200_tipoffs_from_one_ip_is_answered_429_and_stored_ones_are_untouched(config, clock, engine,
                                                                                          world, session):
    limited = create_app(replace(config, ratelimit_tipoff="20 per hour"), clock=clock, engine=engine)
    client = limited.test_client()
    answers = [submit(client, description=f"第{i}条: 楼道堵塞") for i in range(20)]
    assert [a.status_code for a in answers] == [201] * 20
    codes = [a.get_json()["tracking_code"] for a in answers]
    with engine.connect() as conn:
        before = conn.execute(text("SELECT * FROM tipoffs ORDER BY id")).all()
    flood = [submit(client, description=f"第{i}条: 楼道堵塞") for i in range(20, 200)]
    assert {a.status_code for a in flood} == {429}
    refused(flood[0], 429, "too_many_requests")
    assert flood[0].headers.get("Retry-After")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT * FROM tipoffs ORDER BY id")).all() == before
    assert track(client, codes[0])["status"] == "received"  # tracking is limited apart


def test_one_phone_number_is_limited_across_addresses(config, clock, engine, world, session):
    limited = create_app(replace(config, ratelimit_tipoff_phone="3 per day"), clock=clock, engine=engine)
    client = limited.test_client()
    refused(submit(client, description=None, phone=PHONE, _ip="10.0.0.9"), 422, "validation_error")  # not counted
    for n in range(3):
        assert submit(client, phone=PHONE, _ip=f"10.0.0.{n}").status_code == 201
    refused(submit(client, phone=PHONE, _ip="10.0.0.7"), 429, "too_many_requests")
    form = {"service_code": "001", "lat": "29.2", "long": "120.05", "description": "楼道堵塞", "phone": PHONE}
    assert limited.test_client().post("/open311/v2/requests.json", data=form).status_code == 429  # shared
    assert submit(client, phone="13900001111", _ip="10.0.0.7").status_code == 201
    assert submit(client, _ip="10.0.0.7").status_code == 201  # anonymous tip-offs have no phone limit
    assert count(session) == 5


def test_the_honeypot_answers_like_a_success_and_stores_nothing(client, world, session):
    resp = submit(client, website="http://cheap-pills.example")
    assert resp.status_code == 201 and CODE_RE.match(resp.get_json()["tracking_code"])
    assert count(session) == 0
    assert client.get(f"/api/v1/tipoffs/track/{resp.get_json()['tracking_code']}").status_code == 404


def test_an_oversized_tipoff_is_refused_unread(client, world, session):
    resp = client.post("/api/v1/tipoffs", data=b"{" + b" " * (70 * 1024) + b"}", content_type="application/json")
    refused(resp, 413, "payload_too_large")
    body = refused(submit(client, description="堵" * 4001), 422, "validation_error")
    assert "description" in body["detail"]["fields"]
    assert count(session) == 0


def test_a_retry_of_the_same_client_uuid_answers_the_same_code(client, world, session):
    key = str(uuid.uuid4())
    first = submit(client, client_uuid=key)
    again = submit(client, client_uuid=key, description="换了说法")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["tracking_code"] == again.get_json()["tracking_code"]
    assert count(session) == 1


# --- routing and who sees what ----------------------------------------------------------------------------------------

def test_township_admins_see_only_their_townships_tipoffs(app, client, world, session):
    mine = tipoff_id(app, session, submitted(client, location=IN_G1))
    theirs = tipoff_id(app, session, submitted(client, location=IN_G2))
    assert [t["id"] for t in ok(staff(client, world, "town1"))] == [mine]
    assert [t["id"] for t in ok(staff(client, world, "town2"))] == [theirs]
    assert {t["id"] for t in ok(staff(client, world, "county"))} == {mine, theirs}
    refused(staff(client, world, "town1", f"/{theirs}"), 404, "not_found")
    refused(staff(client, world, "town1", f"/{theirs}/reject", {"reason": "不属实"}), 404, "not_found")
    refused(staff(client, world, "town1", "/999999"), 404, "not_found")
    # grid members and inspectors see none: a tip-off reaches the grid as a hazard once triaged
    for user in ("m1", "insp1", "inspc"):
        refused(staff(client, world, user), 403, "forbidden")
        refused(staff(client, world, user, f"/{mine}"), 403, "forbidden")
    refused(staff(client, world, "town1", f"/{mine}/reward", {"decision": "declined"}), 403, "forbidden")


def test_an_address_without_a_location_goes_to_the_county_queue(app, client, world, session):
    photo = tipoff_photo(client)
    code = submitted(client, location=None, address="城关镇东溪村3组", photo_ids=[photo], description=None)
    tid = tipoff_id(app, session, code)
    (queued,) = ok(staff(client, world, "county", queue="true"))
    assert queued["id"] == tid and queued["area"]["level"] == "county" and queued["township"] is None
    assert track(client, code)["agency"] == "青山县"
    refused(staff(client, world, "town1", f"/{tid}"), 404, "not_found")
    assert client.get(f"/api/v1/photos/{photo}", headers=world.headers("town1")).status_code == 404
    refused(staff(client, world, "county", f"/{tid}/route", {"area_id": world.areas["V1"].id}), 422,
            "validation_error")  # a township or a grid
    refused(staff(client, world, "town1", f"/{tid}/route", {"area_id": world.areas["T1"].id}), 404, "not_found")
    # the county sends it to the township, and the photo goes with it
    routed = ok(staff(client, world, "county", f"/{tid}/route", {"area_id": world.areas["T1"].id}))
    assert routed["township"]["name"] == "城关镇" and routed["area"]["level"] == "township"
    assert ok(staff(client, world, "town1", f"/{tid}"))["id"] == tid
    assert client.get(f"/api/v1/photos/{photo}", headers=world.headers("town1")).status_code == 200
    # no point in a grid: the hazard needs the place
    body = refused(staff(client, world, "town1", f"/{tid}/convert", {"level": "general"}), 422, "validation_error")
    assert "place_id" in body["detail"]["fields"]
    converted = ok(staff(client, world, "town1", f"/{tid}/convert",
                         {"level": "major", "place_id": world.places["P1b"].id}))
    hazard = Loop(client, world).hazard(converted["hazard_id"])
    assert hazard["grid"]["code"] == "330799001001002" and hazard["sector"] == "industry_trade"
    assert client.get(f"/api/v1/photos/{photo}", headers=world.headers("m1b")).status_code == 200


def test_a_point_in_the_county_but_in_no_grid_goes_to_its_township(app, client, world, session):
    from server.auth.scope import SYSTEM
    from server.org import service as org
    from server.org.index import invalidate
    from tests.factories import box

    # G1b shrinks: 29.3–29.4 of the township's east half is in no grid
    org.update_area(session, SYSTEM, world.areas["G1b"].id, {"boundary": box(120.1, 29.0, 120.2, 29.3)})
    session.commit()
    invalidate()
    tid = tipoff_id(app, session, submitted(client, location={"lat": 29.35, "lng": 120.15}))
    got = ok(staff(client, world, "town1", f"/{tid}"))
    assert got["area"]["level"] == "township" and got["township"]["code"] == "330799001"


def test_gcj02_locations_are_converted_before_routing(app, client, world, session):
    from server.common.geo import wgs84_to_gcj02

    lat, lng = wgs84_to_gcj02(29.2, 120.299)
    tid = tipoff_id(app, session, submitted(client, location={"lat": lat, "lng": lng, "coord_system": "gcj02"}))
    assert ok(staff(client, world, "town2", f"/{tid}"))["area"]["code"] == "330799002001001"


# --- triage -----------------------------------------------------------------------------------------------------------

def test_a_rejected_tipoff_shows_its_public_reason(app, client, world, session):
    code = submitted(client)
    tid = tipoff_id(app, session, code)
    ok(staff(client, world, "town1", f"/{tid}/reject", {"reason": "经现场核实, 杂物已清理, 不存在所反映问题"}))
    page = track(client, code)
    assert (page["status_label"], page["answer"]) == ("不予受理", "经现场核实, 杂物已清理, 不存在所反映问题")
    refused(staff(client, world, "town1", f"/{tid}/convert", {"level": "general"}), 409, "tipoff_already_handled")
    assert ok(client.get(f"/open311/v2/requests/{code}.json"))[0]["status"] == "closed"
    # the answer can be rewritten later, e.g. after the tipster called back
    ok(staff(client, world, "town1", f"/{tid}/answer", {"public_answer": "已电话回复举报人, 感谢监督"}))
    assert track(client, code)["answer"] == "已电话回复举报人, 感谢监督"
    assert ok(client.get(f"/open311/v2/requests/{code}.json"))[0]["status_notes"] == "已电话回复举报人, 感谢监督"


def test_merged_tipoffs_follow_what_they_were_merged_into(app, client, world, clock, session):
    clock.set(local(2026, 11, 23, 9, 0))
    first, second, third = (submitted(client) for _ in range(3))
    a, b, c = (tipoff_id(app, session, code) for code in (first, second, third))
    clock.set(local(2026, 11, 23, 10, 0))
    merged = ok(staff(client, world, "town1", f"/{b}/merge", {"into_tipoff_id": a}))
    assert merged["status"] == "merged" and merged["merged_into_tipoff_id"] == a
    assert track(client, second)["status_label"] == "已受理"
    refused(staff(client, world, "town1", f"/{a}/merge", {"into_tipoff_id": b}), 422, "validation_error")  # a cycle
    refused(staff(client, world, "town1", f"/{c}/merge", {"into_tipoff_id": c}), 422, "validation_error")
    other = tipoff_id(app, session, submitted(client, location=IN_G2))
    refused(staff(client, world, "town1", f"/{c}/merge", {"into_tipoff_id": other}), 404, "not_found")

    hid = ok(staff(client, world, "town1", f"/{a}/convert", {"level": "general", **PARTY}))["hazard_id"]
    hazard = Loop(client, world).hazard(hid)
    assert hazard["place"] is None and hazard["grid"]["code"] == "330799001001001" and hazard["sector"] == "fire"
    clock.set(local(2026, 11, 24, 9, 0))
    ok(Loop(client, world).order(hid))
    page = track(client, second)
    assert page["status_label"] == "整改中" and page["answer"] == "已与反映同一问题的其他举报合并办理"
    # into a hazard already recorded
    ok(staff(client, world, "town1", f"/{c}/merge", {"into_hazard_id": hid, "public_answer": "已并案处理"}))
    page = track(client, third)
    assert (page["status_label"], page["answer"]) == ("整改中", "已并案处理")
    statuses = {r["service_request_id"]: r["status"] for r in ok(client.get(
        "/open311/v2/requests.json", query_string={"service_request_id": ",".join([first, second, third])}))}
    assert statuses == {first: "open", second: "open", third: "open"}


def test_admins_triaging_one_tipoff_at_once_one_wins(app, client, world, session):
    tid = tipoff_id(app, session, submitted(client))
    headers = {"town1": world.headers("town1"), "county": world.headers("county")}
    steps = [("town1", "reject", {"reason": "重复举报"}), ("county", "convert", {"level": "general", **PARTY})] * 5
    barrier = threading.Barrier(len(steps))
    answers: list[tuple[int, str | None]] = []

    def send(user: str, step: str, body: dict[str, Any]) -> None:
        c = app.test_client()
        barrier.wait()
        resp = c.post(f"/api/v1/tipoffs/{tid}/{step}", headers=headers[user], json=body)
        answers.append((resp.status_code, resp.get_json().get("code")))

    threads = [threading.Thread(target=send, args=s) for s in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a[0] for a in answers) == [200] + [409] * 9
    assert {a[1] for a in answers if a[0] == 409} <= {"tipoff_already_handled", "tipoff_changed"}
    assert count(session, Hazard) == (1 if session.get(Tipoff, tid).status == "converted" else 0)
    refused(staff(client, world, "county", f"/{tid}/merge", {"into_hazard_id": 999}), 409, "tipoff_already_handled")


# --- privacy ----------------------------------------------------------------------------------------------------------

def test_the_phone_is_encrypted_masked_and_revealed_only_for_an_approved_reward(app, client, world, session):
    tid = tipoff_id(app, session, submitted(client, phone=PHONE, name="张三"))
    row = session.get(Tipoff, tid)
    assert PHONE not in (row.phone_cipher or "") and "张三" not in (row.name_cipher or "")
    assert row.phone_masked == "138****5678" and len(row.phone_hash) == 64
    audit_text = " ".join(str(e.summary) for e in session.scalars(select(AuditEntry)))
    assert PHONE not in audit_text and "张三" not in audit_text and row.tracking_code not in audit_text
    assert not any(e.ip for e in session.scalars(select(AuditEntry).where(AuditEntry.object_type == "tipoffs")))

    refused(staff(client, world, "town1", f"/{tid}/reveal-phone", {"reason": "发放奖励"}), 403, "forbidden")
    refused(staff(client, world, "county", f"/{tid}/reveal-phone", {"reason": "发放奖励"}), 409,
            "reward_not_approved")
    ok(staff(client, world, "town1", f"/{tid}/convert", {"level": "general", **PARTY}))
    ok(staff(client, world, "county", f"/{tid}/reward", {"decision": "approved", "amount": "500.00"}))
    resp = staff(client, world, "county", f"/{tid}/reveal-phone", {"reason": "发放举报奖励"})
    assert ok(resp) == {"tipoff_id": tid, "phone": PHONE, "name": "张三"}
    assert resp.headers["Cache-Control"] == "no-store"
    session.rollback()
    (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "tipoffs.reveal_phone")).all()
    assert entry.actor_id == world.users["county"].id and entry.object_id == str(tid)
    assert entry.summary == {"reason": "发放举报奖励", "fields": ["phone", "name"]}
    assert ok(staff(client, world, "county", f"/{tid}"))["phone"] == "138****5678"  # still masked elsewhere


def test_an_anonymous_tipster_has_no_contact_to_reveal(app, client, world, session):
    tid = tipoff_id(app, session, submitted(client))
    ok(staff(client, world, "town1", f"/{tid}/convert", {"level": "general", **PARTY}))
    ok(staff(client, world, "county", f"/{tid}/reward", {"decision": "approved", "amount": "200"}))
    refused(staff(client, world, "county", f"/{tid}/reveal-phone", {"reason": "发放奖励"}), 409, "no_contact")
    assert ok(staff(client, world, "county", f"/{tid}"))["phone"] is None


def test_the_phone_key_rotates_and_the_old_key_still_decrypts(config):
    from cryptography.fernet import Fernet

    old = tipoffs.encrypt(config, PHONE)
    rotated = replace(config, tipoff_phone_key=f"{Fernet.generate_key().decode()},{config.tipoff_phone_key}")
    assert tipoffs.decrypt(rotated, old) == PHONE
    assert tipoffs.decrypt(rotated, tipoffs.encrypt(rotated, PHONE)) == PHONE
    with pytest.raises(Exception):
        tipoffs.decrypt(config, tipoffs.encrypt(rotated, PHONE))  # the new key encrypts


def test_repeat_tipsters_are_counted_by_the_keyed_hash(app, client, world, session):
    ids = [tipoff_id(app, session, submitted(client, phone=p)) for p in (PHONE, "+86 138 1234 5678", "13900001111")]
    got = ok(staff(client, world, "county", f"/{ids[0]}"))
    assert got["tipster_tipoffs"] == 2
    same = ok(staff(client, world, "county", same_tipster_as=ids[0]))
    assert sorted(t["id"] for t in same) == sorted(ids[:2])


def test_tipoff_photos_are_public_uploads_only_and_their_derivatives_carry_no_exif(client, world, session):
    data = jpeg(7, gps=(29.2001, 120.0501))
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the original has GPS
    resp = upload(client, None, "tipoff", data)
    body = ok(resp, 201)
    for url in (body["display_url"], body["thumbnail_url"]):
        parts = urlsplit(url)
        shown = client.get(f"{parts.path}?{parts.query}")
        assert shown.status_code == 200
        exif = Image.open(io.BytesIO(shown.data)).getexif()
        assert not exif.get_ifd(0x8825) and 0x010F not in exif and 0x0110 not in exif  # no GPS, no camera
    member_photo = upload(client, world.headers("m1"), "hazard").get_json()["id"]
    refused(submit(client, photo_ids=[member_photo]), 422, "photo_invalid")
    submitted(client, photo_ids=[body["id"]])
    refused(submit(client, photo_ids=[body["id"]]), 422, "photo_invalid")  # already used by another tip-off
    session.rollback()
    photo = session.scalar(select(Photo).where(Photo.client_uuid == body["id"]))
    assert photo.area_id == world.areas["G1"].id and photo.attached_to.startswith("tipoffs:")
    entries = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "photos",
                                                       AuditEntry.object_id == str(photo.id))).all()
    assert entries and not any(e.ip for e in entries)  # the tipster's address is not kept with their photo


# --- rewards ----------------------------------------------------------------------------------------------------------

def test_rewards_for_verified_tipoffs_and_their_ledger(app, client, world, clock, session):
    clock.set(local(2026, 11, 23, 9, 0))
    codes = [submitted(client, phone=PHONE) for _ in range(3)]
    a, b, c = (tipoff_id(app, session, code) for code in codes)
    refused(staff(client, world, "county", f"/{a}/reward", {"decision": "approved", "amount": "100"}), 409,
            "tipoff_not_verified")
    for t in (a, b):
        ok(staff(client, world, "town1", f"/{t}/convert", {"level": "general", **PARTY}))
    ok(staff(client, world, "town1", f"/{c}/reject", {"reason": "不属实"}))
    refused(staff(client, world, "county", f"/{c}/reward", {"decision": "declined"}), 409, "tipoff_not_verified")
    refused(staff(client, world, "county", f"/{a}/reward", {"decision": "approved", "amount": "100.005"}), 422,
            "validation_error")
    refused(staff(client, world, "county", f"/{a}/reward", {"decision": "approved"}), 422, "validation_error")
    approved = ok(staff(client, world, "county", f"/{a}/reward",
                        {"decision": "approved", "amount": "1500.50", "note": "按县举报奖励办法一般隐患"}))
    assert (approved["amount"], approved["amount_fen"], approved["paid_on"]) == ("1500.50", 150050, None)
    refused(staff(client, world, "county", f"/{a}/reward", {"decision": "declined"}), 409, "reward_already_decided")
    ok(staff(client, world, "county", f"/{b}/reward", {"decision": "declined", "note": "举报人为该场所员工"}))
    refused(staff(client, world, "county", f"/{b}/reward/paid", {"paid_on": "2026-11-23"}), 409,
            "reward_not_approved")
    refused(staff(client, world, "county", f"/{a}/reward/paid", {"paid_on": "2026-12-01"}), 422, "validation_error")
    clock.set(local(2026, 12, 2, 9, 0))
    paid = ok(staff(client, world, "county", f"/{a}/reward/paid", {"paid_on": "2026-12-01"}))
    assert paid["paid_on"] == "2026-12-01"
    refused(staff(client, world, "county", f"/{a}/reward/paid", {"paid_on": "2026-12-01"}), 409,
            "reward_already_paid")

    ledger = ok(staff(client, world, "county", "/rewards", start="2026-11-01", end="2026-12-31"))
    assert [(p["period"], p["approved"], p["approved_amount"], p["declined"], p["paid"], p["paid_amount"])
            for p in ledger["periods"]] == [("2026-11", 1, "1500.50", 1, 0, "0.00"),
                                            ("2026-12", 0, "0.00", 0, 1, "1500.50")]
    assert ledger["totals"]["approved_fen"] == 150050 and ledger["unpaid"] == 0
    assert [r["tipoff_id"] for r in ledger["rows"]] == [a, b] and ledger["rows"][0]["phone"] == "138****5678"
    quarter = ok(staff(client, world, "county", "/rewards", start="2026-10-01", end="2026-12-31", period="quarter"))
    assert [(p["period"], p["approved"], p["paid"]) for p in quarter["periods"]] == [("2026-Q4", 1, 1)]
    assert ok(staff(client, world, "county", f"/{a}"))["reward"]["decision"] == "approved"
    refused(staff(client, world, "town1", "/rewards", start="2026-11-01", end="2026-12-31"), 403, "forbidden")

    from openpyxl import load_workbook
    resp = client.get("/api/v1/tipoffs/rewards/export.xlsx", headers=world.headers("county"),
                      query_string={"start": "2026-11-01", "end": "2026-12-31"})
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(resp.data))
    rows = list(book["奖励台账"].iter_rows(values_only=True))
    assert rows[1][0] == "举报编号" and [r[0] for r in rows[2:]] == [a, b]
    assert rows[2][6] == "138****5678" and rows[2][8] == 1500.5 and PHONE not in str(rows)
    totals = list(book["分期合计"].iter_rows(values_only=True))
    assert totals[-1] == ("合计", 1, 1500.5, 1, 1, 1500.5)


# --- Open311 GeoReport v2 ---------------------------------------------------------------------------------------------

# the spec's POST example (wiki.open311.org/GeoReport_v2, "POST Service Request"), as a form
SPEC_EXAMPLE = {"api_key": "xyz", "jurisdiction_id": "city.gov", "service_code": "001", "lat": "37.76524078",
                "long": "-122.4212043", "address_string": "1234 5th street", "email": "smit333@sfgov.edu",
                "device_id": "tt222111", "account_id": "123456", "first_name": "john", "last_name": "smith",
                "phone": "111111111", "description": "A large sinkhole is destroying the street",
                "media_url": "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
                "attribute[WHISPAWN]": "123456", "attribute[WHISDORN]": "COISL001"}


def open311_errors(resp: Any, status: int) -> list[str]:
    """The spec's error format: a JSON array of {code, description}, code matching the HTTP status."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert isinstance(body, list) and body
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in body), body
    return [e["description"] for e in body]


def test_open311_services_list_the_categories(client, world):
    services = ok(client.get("/open311/v2/services.json", query_string={"jurisdiction_id": "city.gov"}))
    first = services[0]
    assert set(first) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert (first["service_code"], first["metadata"], first["type"]) == ("001", False, "realtime")


def test_open311_the_spec_example_inside_the_county_creates_a_tipoff(app, client, world, session):
    # the spec's example with the location moved into the test county and a phone number that exists in China
    form = {**SPEC_EXAMPLE, "lat": "29.2", "long": "120.05", "phone": PHONE}
    resp = client.post("/open311/v2/requests.json", data=form)
    (created,) = ok(resp, 201)
    code = created["service_request_id"]
    assert CODE_RE.match(code) and set(created) == {"service_request_id", "service_notice", "account_id"}
    tipoff = session.get(Tipoff, tipoff_id(app, session, code))
    assert (tipoff.channel, tipoff.category, tipoff.address) == ("open311", "fire_escape", "1234 5th street")
    assert tipoff.media_url == SPEC_EXAMPLE["media_url"] and tipoff.name_masked == "j********"
    assert tipoff.area_id == world.areas["G1"].id and tipoff.phone_masked == "138****5678"

    (one,) = ok(client.get(f"/open311/v2/requests/{code}.json", query_string={"jurisdiction_id": "city.gov"}))
    assert set(one) == {"service_request_id", "status", "status_notes", "service_name", "service_code",
                        "description", "agency_responsible", "service_notice", "requested_datetime",
                        "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
                        "media_url"}
    assert (one["status"], one["service_code"], one["agency_responsible"]) == ("open", "001", "城关镇")
    assert one["description"] is None and one["lat"] is None and one["media_url"] is None  # 举报人保密
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$", one["requested_datetime"])
    # the spec's GET example arguments: a window and a status
    listed = ok(client.get("/open311/v2/requests.json", query_string={
        "start_date": "2026-11-01T00:00:00Z", "end_date": "2026-11-30T00:00:00Z", "status": "open",
        "jurisdiction_id": "city.gov"}))
    assert [r["service_request_id"] for r in listed] == [code]
    assert ok(client.get("/open311/v2/requests.json", query_string={"status": "closed"})) == []
    assert [r["service_request_id"] for r in ok(client.get("/open311/v2/requests.json",
                                                           query_string={"service_code": "001,002"}))] == [code]
    # an address without a point is accepted too (the county's triage queue)
    resp = client.post("/open311/v2/requests.json", data={"service_code": "003", "address_string": "青山镇西岭村",
                                                          "description": "液化气钢瓶堆放在楼道"})
    assert resp.status_code == 201


def test_open311_the_spec_example_as_is_is_outside_the_county(client, world, session):
    errors = open311_errors(client.post("/open311/v2/requests.json", data=SPEC_EXAMPLE), 400)
    assert "lat/long: 举报位置不在本县范围内" in errors
    assert any(e.startswith("phone: ") for e in errors)  # 111111111 is no phone number here either
    assert count(session) == 0


def test_open311_a_request_missing_service_code_is_a_400_in_open311_format(client, world, session):
    form = {k: v for k, v in SPEC_EXAMPLE.items() if k != "service_code"}
    assert open311_errors(client.post("/open311/v2/requests.json", data=form), 400) == ["service_code: 必填字段缺失"]
    assert open311_errors(client.post("/open311/v2/requests.json", data={**form, "service_code": ""}), 400) == [
        "service_code: 必填字段缺失"]  # an empty argument is an absent one
    assert count(session) == 0


def test_open311_other_errors_keep_the_open311_format(client, world):
    assert open311_errors(client.post("/open311/v2/requests.json",
                                      data={**SPEC_EXAMPLE, "service_code": "999"}), 404)
    assert open311_errors(client.post("/open311/v2/requests.json",
                                      data={"service_code": "001", "lat": "29.2", "description": "x"}), 400)
    assert open311_errors(client.post("/open311/v2/requests.json", data={"service_code": "001"}), 400)
    assert open311_errors(client.get("/open311/v2/requests/ZZZZ-ZZZZ-ZZ.json"), 404)
    assert open311_errors(client.get("/open311/v2/requests.json", query_string={
        "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}), 400)
    assert open311_errors(client.get("/open311/v2/requests.json", query_string={"status": "pending"}), 400)
    assert open311_errors(client.get("/open311/v2/requests.json", query_string={"start_date": "yesterday"}), 400)
