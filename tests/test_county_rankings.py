"""Rankings per county, with two counties in one database: each county computes, publishes, revises, exports and
posters its own month; nobody of one county is on the other's boards; the first publication of a month happens
once even when twenty arrive together."""
from __future__ import annotations

import io
import threading
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from server.auth.scope import actor_for
from server.common.timeutil import local_day
from server.errors import ApiError
from server.ranking import poster, rules, service
from server.ranking.models import RankingRun
from tests.county_world import add_second_county
from tests.patrol_helpers import local
from tests.test_races import N
from tests.test_ranking import board, call, clock_in, daily_report


@pytest.fixture
def two(world, session, checklists_loaded):
    """October 2026 in both counties: 青山县's m1, m1b, m2 and 白水县's mb1, mb2 clock in and report."""
    add_second_county(session, world)
    for d in range(1, 32):
        at = local(2026, 10, d, 8, 0)
        for username, every in (("m1", 1), ("m1b", 2), ("m2", 5), ("mb1", 1), ("mb2", 3)):
            if d % every == 0:
                clock_in(session, world, username, at)
        daily_report(session, world, "mb1", date(2026, 10, d))
    session.commit()
    return world


def ok(resp, status=200):
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def usernames(rows):
    return {r["username"] for r in rows}


def test_each_county_computes_and_publishes_its_own_month(client, session, two):
    a = ok(call(client, two, "POST", "2026-10/compute"), 201)
    assert a["county_id"] == two.areas["C"].id and a["counts"]["members"] == 3
    assert usernames(board(client, two, "2026-10", draft="true")) == {"m1", "m1b", "m2"}
    # the other county has no draft yet, and its admin does not read 青山县's
    assert call(client, two, "GET", "2026-10", user="countyb", query_string={"draft": "true"}).status_code == 404
    b = ok(call(client, two, "POST", "2026-10/compute", user="countyb"), 201)
    assert b["county_id"] == two.areas["B"].id and b["counts"]["members"] == 2 and b["digest"] != a["digest"]
    assert usernames(board(client, two, "2026-10", user="countyb", draft="true")) == {"mb1", "mb2"}

    # publishing one county's month leaves the other's draft a draft; each publishes revision 1 of its own
    assert ok(call(client, two, "POST", "2026-10/publish", json={}), 201)["revision"] == 1
    assert call(client, two, "GET", "2026-10", user="mb1").status_code == 404
    assert ok(call(client, two, "GET", "2026-10/me", user="mb1"))["status"] == "not_published"
    assert ok(call(client, two, "POST", "2026-10/publish", user="countyb", json={}), 201)["revision"] == 1
    fixed = ok(call(client, two, "POST", "2026-10/publish", user="countyb",
                    json={"revision": 2, "reason": "补录打卡"}), 201)
    assert fixed["revision"] == 2 and fixed["county_id"] == two.areas["B"].id
    assert call(client, two, "POST", "2026-10/publish", json={}).get_json()["code"] == "ranking_published"
    runs = session.execute(select(RankingRun.county_id, RankingRun.revision, RankingRun.status)
                           .order_by(RankingRun.county_id, RankingRun.revision)).all()
    assert [tuple(r) for r in runs] == [(two.areas["C"].id, 1, "published"), (two.areas["B"].id, 1, "published"),
                                       (two.areas["B"].id, 2, "published")]

    # members and township admins read their county's run; nobody of 白水县 is on 青山县's boards, and back
    for user, county in (("county", "C"), ("town1", "C"), ("m1", "C"), ("countyb", "B"), ("townb", "B"),
                         ("mb2", "B")):
        for level in ("member", "village", "township"):
            rows = board(client, two, "2026-10", user=user, level=level)
            townships = {r["township_id"] for r in rows}
            assert townships, (user, level)
            assert all((t == two.areas["BT"].id) == (county == "B") for t in townships), (user, level, rows)
    assert usernames(board(client, two, "2026-10", user="townb")) == {"mb1", "mb2"}
    assert ok(call(client, two, "GET", "2026-10", user="countyb"))[0]["username"] == "mb1"
    me = ok(call(client, two, "GET", "2026-10/me", user="mb2"))
    assert me["status"] == "ranked" and me["revision"] == 2 and me["members"] == 2
    assert ok(call(client, two, "GET", "2026-10/me", user="m2"))["members"] == 3
    months = ok(call(client, two, "GET", "months", user="countyb"))
    assert [r["revision"] for r in months[0]["revisions"]] == [1, 2]
    assert [r["revision"] for r in ok(call(client, two, "GET", "months"))[0]["revisions"]] == [1]


def test_a_county_admin_computes_and_publishes_only_their_own_county(client, two):
    other = {"county_id": two.areas["B"].id}
    assert call(client, two, "POST", "2026-10/compute", query_string=other).status_code == 404
    assert call(client, two, "POST", "2026-10/publish", query_string=other, json={}).status_code == 404
    assert call(client, two, "GET", "2026-10", query_string=other).status_code == 404
    assert call(client, two, "GET", "2026-10/me", user="m1", query_string=other).status_code == 404
    assert call(client, two, "GET", "months", user="town1", query_string=other).status_code == 404
    assert call(client, two, "POST", "2026-10/compute", user="countyb", query_string=other).status_code == 201
    # naming one's own county is the same as not naming it; another county's township is a 404
    ok(call(client, two, "POST", "2026-10/publish", user="countyb", query_string=other, json={}), 201)
    ok(call(client, two, "POST", "2026-10/publish", json={}), 201)
    assert call(client, two, "GET", "2026-10", query_string={"township_id": two.areas["BT"].id}).status_code == 404
    assert call(client, two, "GET", "2026-10/poster.png",
                query_string={"township_id": two.areas["BT"].id}).status_code == 404


def test_the_workbook_and_the_poster_name_their_county(client, session, two):
    for user in ("county", "countyb"):
        ok(call(client, two, "POST", "2026-10/publish", user=user, json={}), 201)
    for user, name in (("county", "青山县"), ("countyb", "白水县")):
        for level in ("member", "township"):
            resp = call(client, two, "GET", "2026-10/export.xlsx", user=user, query_string={"level": level})
            ws = load_workbook(io.BytesIO(resp.data)).active
            assert str(ws["A1"].value).startswith(f"{name} 2026-10"), ws["A1"].value
            names = {row[2].value for row in ws.iter_rows(min_row=4)}
            assert names and not names & ({"测试mb1", "测试mb2", "白水镇"} if name == "青山县"
                                          else {"测试m1", "测试m1b", "测试m2", "城关镇", "青山镇"})
    town = call(client, two, "GET", "2026-10/export.xlsx", user="townb", query_string={"township_id":
                                                                                     two.areas["BT"].id})
    assert str(load_workbook(io.BytesIO(town.data)).active["A1"].value).startswith("白水县 白水镇 2026-10")
    assert call(client, two, "GET", "2026-10/poster.png", user="countyb").status_code == 200
    for user, key, name, others in (("county", "C", "青山县", "白水"), ("countyb", "B", "白水县", "青山")):
        actor = actor_for(two.users[user])
        run = session.scalar(select(RankingRun).where(RankingRun.county_id == two.areas[key].id))
        info = poster.poster_info(session, actor, run)
        assert info.title.startswith(name)
        assert not any(others in row.name for _, rows in info.sections for row in rows)
    township = poster.poster_info(session, actor_for(two.users["townb"]), run, two.areas["BT"].id)
    assert township.title.startswith("白水县白水镇") and {r.name for _, rows in township.sections for r in rows} == {
        "测试mb1", "测试mb2"}


def test_the_cli_ranks_every_county_or_the_one_named(app, session, two):
    from server.cli import ranking_group
    runner = app.test_cli_runner()
    result = runner.invoke(ranking_group, ["publish", "--month", "2026-10"])
    assert result.exit_code == 0 and "(青山县): 3 members" in result.output and "(白水县): 2 members" in result.output
    fixed = runner.invoke(ranking_group, ["publish", "--month", "2026-10", "--county", "330800", "--reason", "更正"])
    assert fixed.exit_code == 0 and "revision 2 (白水县)" in fixed.output and "青山县" not in fixed.output
    assert runner.invoke(ranking_group, ["compute", "--county", "999999"]).exit_code != 0


def test_the_migration_gives_existing_runs_the_county_of_the_database(engine):
    """0014 keys runs on (county, month, revision) and makes the member-day indexes cover the ranking's reads."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            unique = conn.execute(text(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index JOIN pg_class c ON c.oid = indrelid "
                "WHERE c.relname = 'ranking_runs' AND indisunique AND NOT indisprimary")).scalars().all()
            assert any("(county_id, month, revision)" in u for u in unique), unique
            # a county's month reads its members' records from the index alone, not the pages other counties share
            covering = dict(conn.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
                "('ix_checkins_user_day', 'ix_visits_user_day', 'ix_publicity_user_day')")).all())
            assert covering["ix_visits_user_day"].endswith("(user_id, day) INCLUDE (place_id, review_status)")
            assert covering["ix_publicity_user_day"].endswith("(user_id, day) INCLUDE (place_id, review_status)")
            assert covering["ix_checkins_user_day"].endswith("(user_id, day) INCLUDE (counted, review_status)")
        else:
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ranking_runs'")).scalar_one()
            assert "UNIQUE (county_id, month, revision)" in sql, sql


@pytest.mark.parametrize("with_draft", [True, False], ids=["draft", "no-draft"])
def test_twenty_first_publishes_of_one_countys_month_publish_it_once(app, client, two, clock, engine, with_draft):
    """Twenty publishers, each in its own transaction, released together on the service: the unique (county,
    month, revision) lets one through, the others get 409 ranking_published — never a 500, never two revisions."""
    if engine.dialect.name != "postgresql":
        pytest.skip("races need concurrent writers: PostgreSQL")
    if with_draft:
        ok(call(client, two, "POST", "2026-10/compute"), 201)
    ok(call(client, two, "POST", "2026-10/compute", user="countyb"), 201)
    actor, county_id = actor_for(two.users["county"]), two.areas["C"].id
    now = local(2026, 11, 23, 10, 0)
    calendar = rules.load_calendar(None)
    barrier = threading.Barrier(N)
    answers: list[Any] = [None] * N

    def publish(i: int) -> None:
        with Session(engine) as session:
            barrier.wait()
            try:
                service.publish(session, county_id, "2026-10", actor, today=local_day(now), now=now,
                                calendar=calendar)
                session.commit()
                answers[i] = 201
            except ApiError as exc:
                session.rollback()
                answers[i] = (exc.status, exc.code)
            except Exception as exc:  # noqa: BLE001 - what a 500 would be, kept for the assertion's message
                answers[i] = repr(exc)

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(answers, key=str) == sorted([201] + [(409, "ranking_published")] * (N - 1), key=str), answers
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT county_id, revision, status FROM ranking_runs ORDER BY county_id, revision"))
        assert [tuple(r) for r in rows] == [(two.areas["C"].id, 1, "published"), (two.areas["B"].id, 0, "draft")]
        entries = conn.execute(text("SELECT count(*) FROM ranking_entries e JOIN ranking_runs r ON r.id = e.run_id "
                                    "WHERE r.county_id = :c AND e.level = 'member'"), {"c": two.areas["C"].id})
        assert entries.scalar_one() == 3
