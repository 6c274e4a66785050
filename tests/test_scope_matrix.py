"""The authorization matrix: every role against objects in its own area, a sibling area and a parent area, for
read and write, on every resource.  Expected answers are derived from two rules, not written case by case:

1. the role lacks the permission → 403 (says nothing about the object);
2. the actor's scope does not cover the object's area → 404, byte-identical to the answer for a missing id;
3. otherwise the action succeeds.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from server.auth.scope import GRANTABLE_ROLES, PERMISSIONS

ACTORS = ["county", "inspc", "town1", "insp1", "m1"]
# targets by area: own / sibling / parent relations differ per actor, so every target is tried by every actor
PLACE_TARGETS = {"P1": "G1", "P1b": "G1b", "P2": "G2"}
AREA_TARGETS = ["C", "T1", "T2", "V1", "G1", "G1b", "G2"]
USER_TARGETS = {"m1": "G1", "m1b": "G1b", "m2": "G2", "town1": "T1", "town2": "T2", "county": "C"}
MISSING_ID = 999_999


@dataclass(frozen=True)
class Case:
    actor: str
    action: str
    target: str
    call: Callable[[Any, Any, dict[str, str]], Any]
    permission: str
    success: int
    target_area: str           # whose coverage decides 404
    extra_check: str | None = None


def covers(world, actor: str, area_key: str) -> bool:
    roots = [a.path for a in world.users[actor].areas]
    return any(world.areas[area_key].path.startswith(r) for r in roots)


def relation(world, actor: str, area_key: str) -> str:
    if covers(world, actor, area_key):
        return "own"
    roots = [a.path for a in world.users[actor].areas]
    if any(r.startswith(world.areas[area_key].path) for r in roots):
        return "parent"
    return "sibling"


def place_cases() -> list[tuple]:
    out = []
    for key, grid in PLACE_TARGETS.items():
        out += [
            ("read", key, "place:read", 200, grid, lambda c, w, h, k=key: c.get(f"/api/v1/places/{w.places[k].id}", headers=h)),
            ("write", key, "place:write", 200, grid, lambda c, w, h, k=key: c.patch(
                f"/api/v1/places/{w.places[k].id}", headers=h, json={"name": "改名五金厂"})),
            ("delete", key, "place:delete", 204, grid, lambda c, w, h, k=key: c.delete(
                f"/api/v1/places/{w.places[k].id}", headers=h)),
        ]
    return out


def area_cases() -> list[tuple]:
    out = []
    for key in AREA_TARGETS:
        out += [
            ("read", key, "area:read", 200, key, lambda c, w, h, k=key: c.get(f"/api/v1/areas/{w.areas[k].id}", headers=h)),
            ("descendants", key, "area:read", 200, key, lambda c, w, h, k=key: c.get(
                f"/api/v1/areas/{w.areas[k].id}/descendants", headers=h)),
        ]
    return out


def user_cases() -> list[tuple]:
    out = []
    for key, area in USER_TARGETS.items():
        out += [
            ("read", key, "user:read", 200, area, lambda c, w, h, k=key: c.get(f"/api/v1/users/{w.users[k].id}", headers=h)),
            ("write", key, "user:write", 200, area, lambda c, w, h, k=key: c.patch(
                f"/api/v1/users/{w.users[k].id}", headers=h, json={"display_name": "改名"})),
            ("binding-code", key, "user:write", 201, area, lambda c, w, h, k=key: c.post(
                f"/api/v1/users/{w.users[k].id}/binding-code", headers=h)),
        ]
    return out


TABLE = [("place",) + c for c in place_cases()] + [("area",) + c for c in area_cases()] + \
        [("user",) + c for c in user_cases()]


def expected(world, actor: str, resource: str, action: str, target: str, permission: str, success: int,
             area_key: str) -> int:
    role = world.users[actor].role
    if role not in PERMISSIONS[permission]:
        return 403
    if not covers(world, actor, area_key):
        return 404
    if resource == "user" and action != "read":
        target_role = world.users[target].role
        if target_role not in GRANTABLE_ROLES.get(role, frozenset()):
            return 403
    return success


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("resource,action,target,permission,success,area_key,call", TABLE,
                         ids=[f"{r}-{a}-{t}" for r, a, t, *_ in TABLE])
def test_matrix(client, world, actor, resource, action, target, permission, success, area_key, call):
    want = expected(world, actor, resource, action, target, permission, success, area_key)
    resp = call(client, world, world.headers(actor))
    assert resp.status_code == want, (
        f"{actor} ({world.users[actor].role}, {relation(world, actor, area_key)} area) {action} {resource} {target}: "
        f"{resp.status_code} {resp.get_json()}")
    if want == 404:
        # identical to a missing object: scope never confirms that something exists
        missing = client.get(f"/api/v1/{resource}s/{MISSING_ID}", headers=world.headers(actor))
        assert resp.get_json() == missing.get_json()
    if want in (403, 404) and resource == "place" and action == "write":
        assert client.get(f"/api/v1/places/{world.places[target].id}",
                          headers=world.headers("county")).get_json()["name"] != "改名五金厂"


# --- writes that create, and lists --------------------------------------------------------------------------------

@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("grid", ["G1", "G1b", "G2"])
def test_creating_a_place_needs_permission_and_scope(client, world, actor, grid):
    resp = client.post("/api/v1/places", headers=world.headers(actor), json={
        "name": "新建烟花爆竹零售店", "sector": "fireworks", "area_id": world.areas[grid].id})
    if world.users[actor].role not in PERMISSIONS["place:write"]:
        assert resp.status_code == 403
    elif not covers(world, actor, grid):
        assert resp.status_code == 422 and "area_id" in resp.get_json()["detail"]["fields"]
    else:
        assert resp.status_code == 201
    created = client.get("/api/v1/places?q=新建", headers=world.headers("county")).get_json()
    assert len(created) == (1 if resp.status_code == 201 else 0)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("parent", ["C", "T1", "T2", "V1"])
def test_creating_an_area_needs_the_parent_in_scope(client, world, actor, parent):
    codes = {"C": "330799003", "T1": "330799001002", "T2": "330799002002", "V1": "330799001001003"}
    body = {"parent_id": world.areas[parent].id, "code": codes[parent], "name": "新区域"}
    if parent == "V1":
        body["boundary"] = {"type": "Polygon", "coordinates": [[[120.0, 28.0], [120.1, 28.0], [120.1, 28.1],
                                                                [120.0, 28.1], [120.0, 28.0]]]}
    resp = client.post("/api/v1/areas", headers=world.headers(actor), json=body)
    if world.users[actor].role not in PERMISSIONS["area:write"]:
        assert resp.status_code == 403
    elif not covers(world, actor, parent):
        assert resp.status_code == 404
    else:
        assert resp.status_code == 201, resp.get_json()


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("area", ["T1", "T2", "V1", "G1"])
def test_editing_an_area_needs_its_parent_in_scope(client, world, actor, area):
    resp = client.patch(f"/api/v1/areas/{world.areas[area].id}", headers=world.headers(actor), json={"name": "改名"})
    parent_key = {"T1": "C", "T2": "C", "V1": "T1", "G1": "V1"}[area]
    if world.users[actor].role not in PERMISSIONS["area:write"]:
        assert resp.status_code == 403
    elif not covers(world, actor, area):
        assert resp.status_code == 404
    elif not covers(world, actor, parent_key):
        assert resp.status_code == 403
    else:
        assert resp.status_code == 200


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("role,area", [("member", "G1"), ("member", "G2"), ("inspector", "T1"),
                                       ("county_admin", "C"), ("township_admin", "T2")])
def test_creating_a_user_needs_a_grantable_role_in_scope(client, world, actor, role, area):
    resp = client.post("/api/v1/users", headers=world.headers(actor), json={
        "username": f"new-{role}", "display_name": "新人", "role": role, "area_ids": [world.areas[area].id],
        "password": "long-enough-password"})
    actor_role = world.users[actor].role
    if actor_role not in PERMISSIONS["user:write"] or role not in GRANTABLE_ROLES.get(actor_role, frozenset()):
        assert resp.status_code == 403
    elif not covers(world, actor, area):
        assert resp.status_code == 422
    else:
        assert resp.status_code == 201, resp.get_json()


@pytest.mark.parametrize("actor", ACTORS)
def test_import_only_lands_in_scope(client, world, actor):
    data = "名称,行业领域,网格编码\n东溪新店,消防,330799001001001\n西岭新店,消防,330799002001001\n".encode()
    resp = client.post("/api/v1/places/import", headers=world.headers(actor),
                       data={"file": (io.BytesIO(data), "x.csv")}, content_type="multipart/form-data")
    if world.users[actor].role not in PERMISSIONS["place:import"]:
        assert resp.status_code == 403
        return
    created = {n for n, g in (("东溪新店", "G1"), ("西岭新店", "G2")) if covers(world, actor, g)}
    assert resp.get_json()["created"] == len(created)


@pytest.mark.parametrize("actor,places", [("county", {"P1", "P1b", "P2"}), ("inspc", {"P1", "P1b", "P2"}),
                                          ("town1", {"P1", "P1b"}), ("insp1", {"P1", "P1b"}), ("m1", {"P1"}),
                                          ("m2", {"P2"})])
def test_lists_show_only_the_scope(client, world, actor, places):
    names = {p["name"] for p in client.get("/api/v1/places?page_size=100", headers=world.headers(actor)).get_json()}
    assert names == {f"测试{k}五金厂" for k in places}
    areas = {a["code"] for a in client.get("/api/v1/areas?page_size=100", headers=world.headers(actor)).get_json()}
    assert all(covers(world, actor, k) == (world.areas[k].code in areas) for k in AREA_TARGETS)


@pytest.mark.parametrize("actor,visible", [("county", {"m1", "m1b", "m2", "town1", "town2", "county", "inspc", "insp1"}),
                                           ("town1", {"m1", "m1b", "town1", "insp1"}), ("town2", {"m2", "town2"})])
def test_user_lists_show_only_the_scope(client, world, actor, visible):
    users = client.get("/api/v1/users?page_size=100", headers=world.headers(actor)).get_json()
    assert {u["username"] for u in users} == visible
    assert all(u["phone"] is None or "****" in u["phone"] for u in users)


@pytest.mark.parametrize("actor", ACTORS)
def test_only_county_admins_read_the_audit_log(client, world, actor):
    resp = client.get("/api/v1/audit", headers=world.headers(actor))
    assert resp.status_code == (200 if world.users[actor].role in PERMISSIONS["audit:read"] else 403)
