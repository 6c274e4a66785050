"""Rankings as members and admins read them: `me` answers what there is, idle members do not top the board at
full marks for nothing done, drafts are marked 草稿 on the poster, empty boards say so, the county's workbook
names the county and writes rates one way in every sheet."""
from __future__ import annotations

import io

import numpy as np
from openpyxl import load_workbook
from PIL import Image

from server.auth.scope import SYSTEM
from server.org import service as org
from server.ranking import poster, rules
from tests.factories import add_user, box
from tests.patrol_helpers import local
from tests.test_ranking import board, call, clock_in, metrics_of


def _idle_grid(world, session, n=4):
    """A new township's grid without places, whose members do nothing all month."""
    town = org.create_area(session, SYSTEM, parent_id=world.areas["C"].id, code="330799003", name="白云乡",
                           boundary=box(120.0, 29.4, 120.4, 29.5))
    village = org.create_area(session, SYSTEM, parent_id=town.id, code="330799003001", name="白云村")
    grid = org.create_area(session, SYSTEM, parent_id=village.id, code="330799003001001", name="白云村第1网格",
                           boundary=box(120.0, 29.4, 120.4, 29.5))
    for i in range(n):
        world.users[f"idle{i}"] = add_user(session, f"idle{i}", "member", grid)
    session.commit()
    return grid


def test_idle_members_in_grids_without_places_do_not_top_the_board(client, world, session, checklists_loaded):
    _idle_grid(world, session)
    for d in range(1, 32):  # m1 clocks in every day but visits nothing; m1b and m2 once
        clock_in(session, world, "m1", local(2026, 10, d, 8))
    clock_in(session, world, "m1b", local(2026, 10, 8, 8))
    clock_in(session, world, "m2", local(2026, 10, 8, 8))
    session.commit()
    call(client, world, "POST", "2026-10/publish", json={})
    rows = board(client, world, "2026-10")
    assert rows[0]["username"] == "m1"
    idle = [r for r in rows if r["username"].startswith("idle")]
    assert len(idle) == 4
    for r in idle:
        m = metrics_of(r)
        # nothing to visit, no task: those rates score the member's own share on clock-ins and reports, i.e. 0
        assert m["patrol_coverage"]["raw"] is None and m["patrol_coverage"]["points"] == 0
        assert m["tasks_on_time"]["raw"] is None and m["tasks_on_time"]["points"] == 0
        assert r["score"] == 0
    assert {r["rank"] for r in idle} == {rows.index(idle[0]) + 1}  # tied at the bottom, sharing one rank
    assert all(r["rank"] > 3 for r in idle)


def test_a_member_without_duties_is_not_ranked_and_the_rule_says_so():
    rule = rules.load_default_rule()
    assert rule["unmeasured"] == "scale"
    nothing = rules.Figures()  # no working day counted, no place, no task
    score, metrics = rules.score_member(nothing, rule)
    assert not rules.has_duties(metrics) and score == 0
    asked_little = rules.Figures(clock_in_days=9, working_days=18, reports_on_time=18)  # no places, no tasks
    score, metrics = rules.score_member(asked_little, rule)
    assert rules.has_duties(metrics)
    share = (25 * 0.5 + 10 * 1.0) / 35  # on clock-ins and reports, the rates that applied
    assert metrics["patrol_coverage"]["points"] == round(25 * share, 2)
    assert metrics["tasks_on_time"]["points"] == round(10 * share, 2)
    legacy = {**rule, "metrics": rule["metrics"]}
    legacy.pop("unmeasured")
    assert rules.score_member(asked_little, legacy)[1]["patrol_coverage"]["points"] == 25  # the old rule's way


def test_me_answers_what_there_is_instead_of_404(client, world, session, checklists_loaded, clock):
    clock_in(session, world, "m1", local(2026, 10, 8, 8))
    session.commit()
    assert call(client, world, "POST", "2026-10/compute").status_code == 201  # a draft only
    mine = call(client, world, "GET", "2026-10/me", user="m1")
    assert mine.status_code == 200
    assert (mine.get_json()["status"], mine.get_json()["message"]) == ("not_published", "该月排名尚未发布")
    assert "rank" not in mine.get_json()  # nothing of the draft leaks to members
    running = call(client, world, "GET", "2026-11/me", user="m1").get_json()
    assert (running["status"], running["message"]) == ("not_published", "本月排名尚未发布")
    call(client, world, "POST", "2026-10/publish", json={})
    ranked = call(client, world, "GET", "2026-10/me", user="m1").get_json()
    assert ranked["status"] == "ranked" and ranked["rank"] == 1
    assert call(client, world, "GET", "2026-10/me", user="m1", query_string={"revision": 7}).status_code == 404
    # a member who joined after the month: not on that board, and told why
    add_user(session, "newbie", "member", world.areas["G1"])
    session.commit()
    world.users["newbie"] = session.scalar(__import__("sqlalchemy").select(type(world.users["m1"]))
                                           .where(type(world.users["m1"]).username == "newbie"))
    late = call(client, world, "GET", "2026-10/me", user="newbie").get_json()
    assert (late["status"], late["reason"]) == ("not_ranked", "not_listed") and late["message"]


def _red_tint(img: Image.Image, top: int) -> int:
    """Pixels below ``top`` tinted red (the translucent 草稿 mark) on the white poster body."""
    px = np.asarray(img.convert("RGB"), dtype=int)[top:]
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    return int(((r - g > 25) & (r - b > 25) & (r > 150)).sum())


def test_a_draft_poster_carries_a_diagonal_draft_mark_and_an_empty_board_says_so(client, world, session,
                                                                                  checklists_loaded):
    for u in ("m1", "m1b", "m2"):
        clock_in(session, world, u, local(2026, 10, 8, 8))
    session.commit()
    call(client, world, "POST", "2026-10/compute")
    t1 = world.areas["T1"].id
    draft = call(client, world, "GET", "2026-10/poster.png", user="town1", query_string={"draft": "true",
                                                                                        "township_id": t1})
    assert draft.status_code == 200
    call(client, world, "POST", "2026-10/publish", json={})
    final = call(client, world, "GET", "2026-10/poster.png", user="town1", query_string={"township_id": t1})
    d_img, f_img = Image.open(io.BytesIO(draft.data)), Image.open(io.BytesIO(final.data))
    assert d_img.size == f_img.size
    body = poster.TITLE_BAND + 10
    assert _red_tint(d_img, body) > 3 * _red_tint(f_img, body) + 5000
    # the mark runs diagonally: tinted pixels in the top-left and bottom-right quarters of the body alike
    w, h = d_img.size
    diff = np.abs(np.asarray(d_img, dtype=int) - np.asarray(f_img, dtype=int)).sum(axis=2) > 30
    ys, xs = np.nonzero(diff[body:])
    assert len(xs) and np.corrcoef(xs, -ys)[0, 1] > 0.3  # rising to the right

    # an empty month: the county poster and the workbook say there is nothing to rank
    call(client, world, "POST", "2026-09/publish", json={})
    empty = Image.open(io.BytesIO(call(client, world, "GET", "2026-09/poster.png").data))
    heading = (poster.MARGIN, poster.TITLE_BAND + 40, 1080 - poster.MARGIN, poster.TITLE_BAND + 110)
    region = np.asarray(empty.crop(heading).convert("RGB"), dtype=int)
    assert int((np.abs(region - np.array(poster.RED)).sum(axis=2) < 60).sum()) > 500  # the red heading text
    book = load_workbook(io.BytesIO(call(client, world, "GET", "2026-09/export.xlsx").data))
    cells = [c.value for row in book.active.iter_rows() for c in row if c.value]
    assert "本月没有可排名的数据" in cells


def test_the_county_workbook_names_the_county_and_writes_rates_one_way(client, world, session, checklists_loaded):
    for d in (5, 6, 7, 8):
        clock_in(session, world, "m1", local(2026, 10, d, 8))
    clock_in(session, world, "m2", local(2026, 10, 8, 8))
    session.commit()
    call(client, world, "POST", "2026-10/publish", json={})
    sheets = {}
    for level in ("member", "village", "township"):
        resp = call(client, world, "GET", "2026-10/export.xlsx", query_string={"level": level})
        sheets[level] = load_workbook(io.BytesIO(resp.data)).active
    assert str(sheets["member"]["A1"].value).startswith("青山县 2026-10")
    assert str(sheets["township"]["A1"].value).startswith("青山县 2026-10")
    town = call(client, world, "GET", "2026-10/export.xlsx",
                query_string={"level": "member", "township_id": world.areas["T1"].id})
    assert str(load_workbook(io.BytesIO(town.data)).active["A1"].value).startswith("青山县 城关镇 2026-10")
    for level, ws in sheets.items():
        header = [c.value for c in ws[3]]
        col = header.index("进岗打卡率 原始值")
        values = [row[col].value for row in ws.iter_rows(min_row=4)]
        assert values and all(isinstance(v, str) and v.split(" ")[0].endswith("%") for v in values), (level, values)
