"""Races settled in the database: 20 requests released at once, on PostgreSQL (SQLite takes its write lock up front,
so it cannot race).  Where a unique index or a state decides, exactly one request wins and the others answer the
documented 409 (or the winner's record) — never a 500, never two winners."""
from __future__ import annotations

import threading
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
