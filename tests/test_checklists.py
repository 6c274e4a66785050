"""Checklists as shipped: every sector of the county has one, every hazard-making item says what is wrong, a
visit uses a checklist that fits the place, and the hazard it makes reads as the problem with what the member saw."""
from __future__ import annotations

import json

import pytest

from server.checklists.service import CHECKLIST_DIR, SCHEMA_FILE, definition_problems
from server.common.vocab import SECTORS
from tests.patrol_helpers import fire_answers, local, visit
from tests.photos import photo_id


def _newest() -> dict[str, dict]:
    newest: dict[str, dict] = {}
    for path in CHECKLIST_DIR.glob("*.json"):
        if path == SCHEMA_FILE:
            continue
        doc = json.loads(path.read_text())
        assert path.name == f"{doc['id']}.v{doc['version']}.json"
        assert definition_problems(doc) == [], path.name
        if doc["id"] not in newest or newest[doc["id"]]["version"] < doc["version"]:
            newest[doc["id"]] = doc
    return newest


def test_every_sector_has_a_checklist_and_every_hazard_item_says_what_is_wrong():
    newest = _newest()
    assert {d["sector"] for d in newest.values()} == set(SECTORS)
    for doc in newest.values():
        assert 10 <= len(doc["items"]) <= 15, doc["id"]
        assert doc.get("basis"), doc["id"]
        for item in doc["items"]:
            if "hazard" in item:
                text = item["hazard"].get("text")
                assert text and text != item["text"], (doc["id"], item["id"])
    assert [d["id"] for d in newest.values() if d.get("general")] == ["fire-safety"]


def test_the_new_sectors_are_served_and_a_place_lists_only_what_fits(client, patrol_world):
    listed = client.get("/api/v1/checklists", headers=patrol_world.headers("m1")).get_json()
    assert {c["sector"] for c in listed} == set(SECTORS)
    fitting = client.get("/api/v1/checklists", headers=patrol_world.headers("m1"),
                         query_string={"place_id": patrol_world.places["P1"].id}).get_json()
    assert [(c["id"], c["general"]) for c in fitting] == [("industry-trade", False), ("fire-safety", True)]
    foreign = client.get("/api/v1/checklists", headers=patrol_world.headers("m1"),
                         query_string={"place_id": patrol_world.places["P2"].id})
    assert foreign.status_code == 404


def _post_visit(client, world, clock, **extra):
    return client.post("/api/v1/visits", headers=world.headers("m1"), json=visit(clock(), world.places["P1"].id,
                                                                                   **extra))


def test_a_checklist_of_another_sector_is_refused_unless_it_is_general(client, patrol_world, clock):
    clock.set(local(2026, 11, 23, 10, 0))
    gas = json.loads((CHECKLIST_DIR / "town-gas.v2.json").read_text())
    answers = [{"item_id": i["id"], "value": "yes" if i["answer"] == "yes_no" else "正常"}
               for i in gas["items"] if i["answer"] != "number"]
    refused = _post_visit(client, patrol_world, clock, checklist_id="town-gas", checklist_version=2, answers=answers)
    assert refused.status_code == 422 and refused.get_json()["code"] == "checklist_sector_mismatch"
    assert "checklist_id" in refused.get_json()["detail"]["fields"]
    # fire safety fits every place, in the old version too (a phone may still have it)
    assert _post_visit(client, patrol_world, clock, checklist_version=1).status_code == 201
    assert _post_visit(client, patrol_world, clock, checklist_version=2).status_code == 201
    trade = json.loads((CHECKLIST_DIR / "industry-trade.v2.json").read_text())
    answers = [{"item_id": i["id"], "value": 3 if i["answer"] == "number" else "yes" if i["answer"] == "yes_no"
                else "", **({"photo_ids": [photo_id("m1", "visit")]} if i.get("photo_required") else {})}
               for i in trade["items"]]
    made = _post_visit(client, patrol_world, clock, checklist_id="industry-trade", checklist_version=2,
                       answers=answers)
    assert made.status_code == 201, made.get_json()


@pytest.mark.parametrize("version,expected", [
    (2, "疏散通道、安全出口被堵塞、占用或锁闭"),
    (1, "不符合要求: 疏散通道、安全出口畅通, 未堵塞、占用、锁闭"),
])
def test_a_hazard_from_an_answer_describes_the_problem_and_what_the_member_saw(client, patrol_world, clock, version,
                                                                              expected):
    clock.set(local(2026, 11, 23, 10, 0))
    answers = fire_answers(F04="no")
    for a in answers:
        if a["item_id"] == "F04":
            a["note"] = "后门堆放纸箱, 安全出口被锁"
    made = _post_visit(client, patrol_world, clock, checklist_version=version, answers=answers)
    assert made.status_code == 201, made.get_json()
    (hazard,) = client.get(f"/api/v1/visits/{made.get_json()['id']}/hazards",
                           headers=patrol_world.headers("m1")).get_json()
    assert hazard["description"].startswith(expected)
    assert "后门堆放纸箱, 安全出口被锁" in hazard["description"]
