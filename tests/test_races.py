"""Races settled in the database: 20 requests released at once, on PostgreSQL (SQLite takes its write lock up front,
so it cannot race).  Where a unique index or a state decides, exactly one request wins and the others answer the
documented 409 (or the winner's record) — never a 500, never two winners."""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any, Callable

import pytest
from sqlalchemy import text

from tests.patrol_helpers import local, report
from tests.test_hazards import Loop

N = 20


@pytest.fixture(autouse=True)
def _postgresql_only(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("races need concurrent writers: PostgreSQL")


def at_once(app: Any, send: Callable[[Any, int], Any], n: int = N) -> list[Any]:
    """``send(client, i)`` from n threads released together; the answers in thread order."""
    barrier = threading.Barrier(n)
    answers: list[Any] = [None] * n

    def run(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        answers[i] = send(client, i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return answers


def statuses(answers: list[Any]) -> list[int]:
    return sorted(a.status_code for a in answers)


def count(engine: Any, sql: str, **params: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def test_one_daily_report_per_member_and_day_whatever_the_client_uuids(app, patrol_world, clock, engine):
    clock.set(local(2026, 11, 23, 20, 0))
    headers = patrol_world.headers("m1")
    answers = at_once(app, lambda c, i: c.post("/api/v1/reports", headers=headers, json=report("2026-11-23")))
    # the first creates the day's report, the others resubmit it (their notes kept in its history) or lose the race
    assert set(statuses(answers)) <= {200, 201, 409}, statuses(answers)
    assert count(engine, "SELECT count(*) FROM daily_reports WHERE user_id = :u AND day = '2026-11-23'",
                 u=patrol_world.users["m1"].id) == 1


def test_one_bulletin_per_township_and_day(app, world, clock, engine):
    clock.set(local(2026, 11, 24, 7, 30))
    body = {"township_id": world.areas["T1"].id, "date": "2026-11-23"}
    headers = world.headers("town1")
    answers = at_once(app, lambda c, i: c.post("/api/v1/bulletins", headers=headers, json=body))
    assert statuses(answers) == [201] + [409] * (N - 1), [a.get_json() for a in answers if a.status_code >= 500]
    assert count(engine, "SELECT count(*) FROM bulletins") == 1


def test_the_first_publish_of_a_months_ranking_happens_once(app, world, clock, engine):
    clock.set(local(2026, 11, 23, 10, 0))
    headers = world.headers("county")
    answers = at_once(app, lambda c, i: c.post("/api/v1/rankings/2026-10/publish", headers=headers, json={}))
    assert statuses(answers) == [201] + [409] * (N - 1), [(a.status_code, a.get_json()) for a in answers][:3]
    assert count(engine, "SELECT count(*) FROM ranking_runs WHERE status = 'published'") == 1


def test_a_major_hazard_is_listed_for_supervision_once(app, client, world, clock, engine):
    clock.set(local(2026, 11, 23, 10, 0))
    loop = Loop(client, world)
    hid = loop.create(level="major")
    body = {"level": "county", "target_date": "2026-12-31", "supervisor": "王局长"}
    headers = world.headers("county")
    answers = at_once(app, lambda c, i: c.post(f"/api/v1/hazards/{hid}/supervision", headers=headers, json=body))
    assert statuses(answers) == [200] + [409] * (N - 1), [(a.status_code, a.get_json()) for a in answers][:3]
    assert count(engine, "SELECT count(*) FROM hazard_supervisions WHERE hazard_id = :h", h=hid) == 1


def test_a_reward_is_decided_once(app, client, world, clock, session):
    from tests.test_tipoffs import PARTY, staff, submitted, tipoff_id

    clock.set(local(2026, 11, 23, 9, 0))
    tid = tipoff_id(app, session, submitted(client, phone="13812345678"))
    assert staff(client, world, "town1", f"/{tid}/convert", {"level": "general", **PARTY}).status_code == 200
    headers = world.headers("county")
    answers = at_once(app, lambda c, i: c.post(
        f"/api/v1/tipoffs/{tid}/reward", headers=headers,
        json={"decision": "approved", "amount": str(100 + i)} if i % 2 else {"decision": "declined"}))
    assert statuses(answers) == [200] + [409] * (N - 1), [(a.status_code, a.get_json()) for a in answers][:3]
    rows = session.execute(text("SELECT count(*) FROM tipoff_rewards WHERE tipoff_id = :t"), {"t": tid}).scalar_one()
    assert rows == 1


def test_one_binding_code_stays_valid_when_twenty_are_issued_at_once(app, world, engine):
    headers = world.headers("town1")
    uid = world.users["m1"].id
    answers = at_once(app, lambda c, i: c.post(f"/api/v1/users/{uid}/binding-code", headers=headers, json={}))
    assert statuses(answers) == [201] * N, [(a.status_code, a.get_json()) for a in answers if a.status_code != 201]
    assert count(engine, "SELECT count(*) FROM binding_codes WHERE user_id = :u AND used_at IS NULL", u=uid) == 1


def test_a_review_is_decided_once_with_one_audit_entry(app, world, session, engine):
    from tests.test_review_decider import clock_ins

    (cid,) = clock_ins(session, world, 1)
    users = ("town1", "county")
    heads = {u: world.headers(u) for u in users}
    answers = at_once(app, lambda c, i: c.post(
        f"/api/v1/reviews/checkin/{cid}", headers=heads[users[i % 2]],
        json={"decision": "approve"} if i % 2 else {"decision": "reject", "reason": f"理由{i}"}))
    assert statuses(answers) == [200] + [409] * (N - 1), [(a.status_code, a.get_json()) for a in answers][:3]
    (won,) = [a.get_json() for a in answers if a.status_code == 200]
    assert {a.get_json()["code"] for a in answers if a.status_code == 409} == {"already_decided"}
    row = session.execute(text("SELECT review_status, review_reason, reviewed_by_id FROM checkins WHERE id = :i"),
                          {"i": cid}).one()
    assert (row.review_status, row.review_reason, row.reviewed_by_id) == (
        won["review_status"], won["review_reason"], won["reviewed_by"]["id"])
    assert count(engine, "SELECT count(*) FROM audit_log WHERE object_type = 'checkins' AND object_id = :i "
                         "AND action = 'checkins.update'", i=str(cid)) == 1


def test_rejecting_clock_ins_of_one_day_at_once_leaves_one_counted(app, world, session, engine):
    from tests.test_review_decider import clock_ins

    ids = clock_ins(session, world, N + 1)
    session.execute(text("UPDATE checkins SET counted = true WHERE id = :i"), {"i": ids[0]})
    session.commit()
    headers = world.headers("town1")
    answers = at_once(app, lambda c, i: c.post(f"/api/v1/reviews/checkin/{ids[i]}", headers=headers,
                                               json={"decision": "reject", "reason": "照片不符"}))
    assert statuses(answers) == [200] * N, [(a.status_code, a.get_json()) for a in answers if a.status_code != 200]
    # each rejection handed the count on; the one left unrejected counts, once
    assert count(engine, "SELECT count(*) FROM checkins WHERE counted") == 1
    assert count(engine, "SELECT id FROM checkins WHERE counted") == ids[-1]


def test_bulk_approval_by_filter_and_single_decisions_at_once_decide_each_record_once(app, world, session, engine):
    from tests.test_review_decider import clock_ins

    ids = clock_ins(session, world, 10)
    town, county = world.headers("town1"), world.headers("county")
    body = {"filter": {"type": "checkin"}, "expected_count": 10}

    def send(c: Any, i: int) -> Any:
        if i < 10:
            return c.post("/api/v1/reviews/bulk-approve", headers=town, json=body)
        return c.post(f"/api/v1/reviews/checkin/{ids[i - 10]}", headers=county,
                      json={"decision": "reject", "reason": "抽查驳回"})

    answers = at_once(app, send)
    assert all(a.status_code in (200, 409) for a in answers), [a.get_json() for a in answers if a.status_code >= 500]
    approved = sum(a.get_json()["approved"] for a in answers[:10] if a.status_code == 200)
    rejected = sum(1 for a in answers[10:] if a.status_code == 200)
    assert approved + rejected == 10  # every record decided exactly once, by whoever came first
    assert count(engine, "SELECT count(*) FROM checkins WHERE review_status = 'approved'") == approved
    # one audit entry per decision (a rejection's recount of the day is audited apart, as a change of counted)
    assert count(engine, "SELECT count(*) FROM audit_log WHERE action = 'checkins.update' "
                         "AND CAST(summary AS TEXT) LIKE '%review_status%'") == 10


def test_a_supervised_hazard_is_signed_off_once(app, client, world, clock, engine):
    clock.set(local(2026, 11, 23, 10, 0))
    loop = Loop(client, world)
    hid = loop.create(level="major")
    listing = {"level": "county", "target_date": "2026-12-31", "supervisor": "王局长"}
    assert loop.post("county", f"/{hid}/supervision", listing).status_code == 200
    assert loop.order(hid).status_code == 200 and loop.rectify(hid).status_code == 200
    assert loop.recheck(hid, user="town1").get_json()["status"] == "rechecked"  # waits for the county
    headers = world.headers("county")
    answers = at_once(app, lambda c, i: c.post(f"/api/v1/hazards/{hid}/close", headers=headers, json={}))
    assert statuses(answers) == [200] + [409] * (N - 1), [(a.status_code, a.get_json()) for a in answers][:3]
    assert count(engine, "SELECT count(*) FROM hazard_events WHERE hazard_id = :h AND action = 'close'", h=hid) == 1
    assert count(engine, "SELECT count(*) FROM hazard_supervisions WHERE hazard_id = :h "
                         "AND signed_off_at IS NOT NULL", h=hid) == 1


def test_a_task_is_completed_once_with_the_first_note(app, client, world, clock, engine):
    clock.set(local(2026, 11, 23, 9, 0))
    made = client.post("/api/v1/tasks", headers=world.headers("town1"), json={
        "kind": "other", "title": "清点灭火器", "due_date": "2026-11-23", "user_ids": [world.users["m1"].id]})
    assert made.status_code == 201, made.get_json()
    (mine,) = client.get("/api/v1/me/tasks?status=open", headers=world.headers("m1")).get_json()
    headers = world.headers("m1")
    answers = at_once(app, lambda c, i: c.post(f"/api/v1/me/tasks/{mine['id']}/complete", headers=headers,
                                               json={"note": f"第{i}次点完成"}))
    assert statuses(answers) == [200] * N, [(a.status_code, a.get_json()) for a in answers if a.status_code != 200]
    notes = {a.get_json()["completion_note"] for a in answers}
    stored = count(engine, "SELECT count(*) FROM task_assignments WHERE id = :i AND completion_note = :n",
                   i=mine["id"], n=notes.pop() if len(notes) == 1 else "")
    assert not notes and stored == 1  # every answer shows the one completion that stands


def test_visits_of_a_tasks_places_at_once_complete_it(app, client, patrol_world, clock, session, engine):
    from server.places.models import Place
    from tests.patrol_helpers import fire_answers, visit
    from tests.photos import upload

    w = patrol_world
    extra = Place(natural_key="na:P1c", name="测试P1c五金厂", sector="industry_trade", risk_level="general",
                  address="P1c路1号", lat=29.2, lng=120.05, area_id=w.areas["G1"].id, contact_name="李四",
                  contact_phone="13900001111")
    session.add(extra)
    session.commit()
    places = [w.places["P1"].id, extra.id]
    clock.set(local(2026, 11, 23, 9, 0))
    made = client.post("/api/v1/tasks", headers=w.headers("town1"), json={
        "kind": "visit", "title": "两家五金厂消防检查", "due_date": "2026-11-23", "place_ids": places,
        "user_ids": [w.users["m1"].id]})
    assert made.status_code == 201, made.get_json()
    headers = w.headers("m1")

    def photo(purpose: str) -> str:
        resp = upload(client, headers, purpose)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    # photos of their own, so that nothing else the visits write (a shared photo's row) makes them take turns
    bodies = []
    for i in range(N):
        hazard_photo = photo("hazard")
        answers = [a | ({"photo_ids": [hazard_photo]} if "photo_ids" in a else {}) for a in fire_answers()]
        bodies.append(visit(clock(), places[i % 2], photo_ids=[photo("visit")], answers=answers))
    answers = at_once(app, lambda c, i: c.post("/api/v1/visits", headers=headers, json=bodies[i]))
    assert statuses(answers) == [201] * N, [(a.status_code, a.get_json()) for a in answers if a.status_code != 201]
    assert count(engine, "SELECT count(*) FROM task_progress") == 2  # each place once
    assert count(engine, "SELECT count(*) FROM task_assignments WHERE status = 'done'") == 1


def test_clock_ins_of_one_member_at_once_are_all_kept_and_one_counts(app, patrol_world, clock, engine):
    from tests.patrol_helpers import checkin

    clock.set(local(2026, 11, 23, 8, 0))
    headers = patrol_world.headers("m1")
    bodies = [checkin(clock() - timedelta(minutes=i)) | {"client_uuid": str(uuid.uuid4())} for i in range(N)]
    answers = at_once(app, lambda c, i: c.post("/api/v1/checkins", headers=headers, json=bodies[i]))
    assert statuses(answers) == [201] * N, [(a.status_code, a.get_json()) for a in answers if a.status_code != 201]
    assert count(engine, "SELECT count(*) FROM checkins") == N
    # the partial unique index decided: one counted clock-in for the day, the earliest
    assert count(engine, "SELECT count(*) FROM checkins WHERE counted") == 1
    earliest = min(bodies, key=lambda b: b["device_time"])["client_uuid"]
    assert count(engine, "SELECT count(*) FROM checkins WHERE counted AND client_uuid = :u", u=earliest) == 1


def test_twenty_accounts_with_one_username_at_once_make_one(app, world, engine):
    area = world.areas["G1"].id
    headers = world.headers("town1")
    answers = at_once(app, lambda c, i: c.post("/api/v1/users", headers=headers, json={
        "username": "newmember", "display_name": f"新网格员{i}", "role": "member", "area_ids": [area],
        "password": "Zx9-long-enough-pass"}))
    assert statuses(answers) == [201] + [409] * (N - 1), [(a.status_code, a.get_json()) for a in answers][:3]
    assert count(engine, "SELECT count(*) FROM users WHERE username = 'newmember'") == 1
